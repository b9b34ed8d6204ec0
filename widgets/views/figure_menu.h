#pragma once
// The right-click menu every heatmap shares: colormap (automatic, viridis, magma, diverging),
// colour scaling (linear, symmetric about zero, log, gamma 0.5 / 2), reset zoom, and export of
// the figure as PNG, SVG or PDF through the same drawing code as the reports.
#include <QPoint>
#include <functional>
#include <vector>

#include "widgets/plots/figure_export.h"

class QWidget;

namespace scalpel {

class ImGuiCanvas;

struct FigureMenuHooks {
    std::function<void(const plots::HeatmapStyle&)> restyle;  // apply a new style and redraw
    std::function<plots::AnyFigure()> figure;                 // the figure as shown, for export
    std::function<void()> resetZoom;
    QString exportName;  // suggested file name without extension
};

// Shows the menu at `globalPos` (blocking only the menu, as every context menu does).
void showHeatmapMenu(QWidget* parent, const QPoint& globalPos, const plots::HeatmapStyle& current,
                     const FigureMenuHooks& hooks);

// The menu of a curve, bar or scatter figure: export only (they have no colormap).
void showFigureMenu(QWidget* parent, const QPoint& globalPos, const plots::AnyFigure& figure, const QString& exportName);

// Where figures were drawn on a canvas in the last frame, to find the one under a right-click.
struct FigureSlot {
    plots::Rect rect;
    plots::AnyFigure figure;
    QString name;
};
const FigureSlot* figureAt(const std::vector<FigureSlot>& placed, const QPoint& pos);

// Esc releases a view's selection wherever the focus is inside the view (the canvas takes keys
// itself, so both paths are wired).
void onEscape(QWidget* view, ImGuiCanvas* canvas, std::function<void()> release);

// Asks for a file name and writes the figure; errors go to a message box. Returns the path or "".
QString exportFigureInteractive(QWidget* parent, const plots::AnyFigure& figure, const QString& suggestedName);

// Size of exported figures in layout pixels (PNG at twice this for sharp print).
inline constexpr int kExportWidth = 1000, kExportHeight = 620;

}  // namespace scalpel
