#include "app/gui_options.h"

namespace scalpel {

GuiOptions parseGuiOptions(const QStringList& arguments) {
    GuiOptions options;
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString& a = arguments[i];
        const bool hasValue = i + 1 < arguments.size();
        if (a == QLatin1String("--select") || a == QLatin1String("--hover") || a == QLatin1String("--clip") ||
            a == QLatin1String("--hover-point") || a == QLatin1String("--report-dir")) {
            if (!hasValue) {
                options.error = a + QLatin1String(" needs a value");
                return options;
            }
            const QString value = arguments[++i];
            if (a == QLatin1String("--clip")) {
                options.clip = value;
                continue;
            }
            if (a == QLatin1String("--report-dir")) {
                options.reportDir = value;
                continue;
            }
            if (a == QLatin1String("--hover-point")) {
                bool ok = false;
                const int row = value.toInt(&ok);
                if (!ok || row < 0) {
                    options.error = QLatin1String("--hover-point expects a non-negative row index, got ") + value;
                    return options;
                }
                options.hoverPoint = row;
                continue;
            }
            if (a == QLatin1String("--select")) {
                options.select = value;
                continue;
            }
            const QStringList parts = value.split(',');
            bool okRow = false, okCol = false;
            const int row = parts.size() == 2 ? parts[0].toInt(&okRow) : 0;
            const int col = parts.size() == 2 ? parts[1].toInt(&okCol) : 0;
            if (!okRow || !okCol || row < 0 || col < 0) {
                options.error = QLatin1String("--hover expects ROW,COL (non-negative integers), got ") + value;
                return options;
            }
            options.hover = QPoint(col, row);
        } else if (a == QLatin1String("--")) {
            options.files += arguments.mid(i + 1);
            break;
        } else if (a.startsWith(QLatin1String("-")) && a.size() > 1) {
            // Qt's own options (-platform, -style, ...) were consumed by QApplication already;
            // anything left that looks like an option is a mistake, not a file.
            options.error = QLatin1String("unknown option ") + a;
            return options;
        } else {
            options.files += a;
        }
    }
    return options;
}

}  // namespace scalpel
