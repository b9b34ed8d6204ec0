#include "widgets/views/figure_menu.h"

#include <QActionGroup>
#include <QFileDialog>
#include <QMenu>
#include <QMessageBox>
#include <QShortcut>

#include "widgets/canvas/imgui_canvas.h"

namespace scalpel {

void showHeatmapMenu(QWidget* parent, const QPoint& globalPos, const plots::HeatmapStyle& current,
                     const FigureMenuHooks& hooks) {
    QMenu menu(parent);
    QMenu* colours = menu.addMenu(QObject::tr("Colormap"));
    auto* colourGroup = new QActionGroup(colours);
    auto addColormap = [&](const QString& text, std::optional<plots::ColormapKind> kind) {
        QAction* a = colours->addAction(text);
        a->setCheckable(true);
        a->setChecked(current.colormap == kind);
        colourGroup->addAction(a);
        QObject::connect(a, &QAction::triggered, parent, [hooks, current, kind] {
            plots::HeatmapStyle style = current;
            style.colormap = kind;
            hooks.restyle(style);
        });
    };
    addColormap(QObject::tr("Automatic (diverging for signed data)"), std::nullopt);
    addColormap(QObject::tr("Viridis"), plots::ColormapKind::Viridis);
    addColormap(QObject::tr("Magma"), plots::ColormapKind::Magma);
    addColormap(QObject::tr("Diverging (blue–white–red)"), plots::ColormapKind::Diverging);

    QMenu* scales = menu.addMenu(QObject::tr("Scale"));
    auto* scaleGroup = new QActionGroup(scales);
    auto addScale = [&](const QString& text, plots::ColourScale scale) {
        QAction* a = scales->addAction(text);
        a->setCheckable(true);
        a->setChecked(current.scale == scale);
        scaleGroup->addAction(a);
        QObject::connect(a, &QAction::triggered, parent, [hooks, current, scale] {
            plots::HeatmapStyle style = current;
            style.scale = scale;
            hooks.restyle(style);
        });
    };
    addScale(QObject::tr("Linear"), {plots::ScaleKind::Linear, 0.5});
    addScale(QObject::tr("Symmetric about zero"), {plots::ScaleKind::Symmetric, 0.5});
    addScale(QObject::tr("Log (symmetric log for signed data)"), {plots::ScaleKind::Log, 0.5});
    addScale(QObject::tr("Gamma 0.5 (brings out small values)"), {plots::ScaleKind::Gamma, 0.5});
    addScale(QObject::tr("Gamma 2 (brings out large values)"), {plots::ScaleKind::Gamma, 2.0});

    if (hooks.resetZoom) menu.addAction(QObject::tr("Reset zoom (double-click)"), parent, hooks.resetZoom);
    menu.addSeparator();
    if (hooks.figure)
        menu.addAction(QObject::tr("Export figure (PNG, SVG, PDF)…"), parent,
                       [parent, hooks] { exportFigureInteractive(parent, hooks.figure(), hooks.exportName); });
    menu.exec(globalPos);
}

void showFigureMenu(QWidget* parent, const QPoint& globalPos, const plots::AnyFigure& figure, const QString& exportName) {
    QMenu menu(parent);
    menu.addAction(QObject::tr("Export figure (PNG, SVG, PDF)…"), parent,
                   [parent, figure, exportName] { exportFigureInteractive(parent, figure, exportName); });
    menu.exec(globalPos);
}

const FigureSlot* figureAt(const std::vector<FigureSlot>& placed, const QPoint& pos) {
    for (const auto& s : placed)
        if (s.rect.contains(float(pos.x()), float(pos.y()))) return &s;
    return nullptr;
}

void onEscape(QWidget* view, ImGuiCanvas* canvas, std::function<void()> release) {
    auto* shortcut = new QShortcut(QKeySequence(Qt::Key_Escape), view, release);
    shortcut->setContext(Qt::WidgetWithChildrenShortcut);
    QObject::connect(canvas, &ImGuiCanvas::keyPressed, view, [release](int key) {
        if (key == Qt::Key_Escape) release();
    });
}

QString exportFigureInteractive(QWidget* parent, const plots::AnyFigure& figure, const QString& suggestedName) {
    QString selected;
    const QString path = QFileDialog::getSaveFileName(
        parent, QObject::tr("Export figure"), (suggestedName.isEmpty() ? QStringLiteral("figure") : suggestedName) + ".pdf",
        QObject::tr("PDF (vector) (*.pdf);;SVG (vector) (*.svg);;PNG image (*.png)"), &selected);
    if (path.isEmpty()) return {};
    QString file = path;
    if (!file.endsWith(".pdf", Qt::CaseInsensitive) && !file.endsWith(".svg", Qt::CaseInsensitive) &&
        !file.endsWith(".png", Qt::CaseInsensitive))
        file += selected.contains("*.svg") ? ".svg" : selected.contains("*.png") ? ".png" : ".pdf";
    std::string error;
    if (!plots::exportFigure(figure, file.toStdString(), kExportWidth, kExportHeight, 2, &error)) {
        QMessageBox::warning(parent, QObject::tr("Export failed"), QString::fromStdString(error));
        return {};
    }
    return file;
}

}  // namespace scalpel
