#pragma once
// Command line of the workbench: files to open, plus hidden options that drive the
// window for screenshots and demos (select a tensor, hover a cell).
#include <QPoint>
#include <QString>
#include <QStringList>
#include <optional>

namespace scalpel {

class MainWindow;

struct GuiOptions {
    QStringList files;
    QString select;              // --select NAME: tensor to show once the file is open
    std::optional<QPoint> hover; // --hover ROW,COL: move the mouse over that cell (x = col, y = row)
    QString clip;                // --clip FILE: run the CLIP decomposition with defaults and show it
    std::optional<int> hoverPoint; // --hover-point I: hover row I in the CLIP view's scatter
    QString reportDir;           // --report-dir DIR: with --clip, write the report there and quit
    QString error;               // non-empty: the command line is malformed
};

// `arguments` excludes the program name.
GuiOptions parseGuiOptions(const QStringList& arguments);

// Opens the files in `window` and, once one is open, selects and hovers as asked.
// --select/--hover also make the window fill its screen (for captures). Defined in gui_main.cpp.
void applyGuiOptions(MainWindow& window, const GuiOptions& options);

}  // namespace scalpel
