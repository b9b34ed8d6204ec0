#pragma once
// The CLIP decomposition view: scores with their meaning, traces, route and warnings on top;
// below, on one ImGui canvas, the spectra (log-y), the decomposition bar, SCE vs sigma, the
// per-prompt diversity bars and the PCA scatter of image embeddings before and after
// nullification. Hovering a point highlights the same row in both scatters.
#include <QPointF>
#include <QWidget>
#include <memory>
#include <optional>

#include "widgets/plots/imgui_figure.h"
#include "widgets/views/clip_analysis.h"
#include "widgets/views/clip_figures.h"

class QLabel;
class QPushButton;

#include "widgets/views/figure_menu.h"

namespace scalpel {

class ImGuiCanvas;

class ClipView : public QWidget {
    Q_OBJECT
public:
    explicit ClipView(QWidget* parent = nullptr);

    void setAnalysis(std::shared_ptr<const ClipAnalysis> analysis);
    const ClipAnalysis* analysis() const { return analysis_.get(); }
    std::shared_ptr<const ClipAnalysis> sharedAnalysis() const { return analysis_; }
    const ClipFigures& figures() const { return figures_; }
    QString summaryText() const;  // the header as plain text

    // The highlighted row: the hovered point, else the one set here (or by a click).
    std::optional<size_t> highlight() const { return hover_ ? hover_ : pinned_; }
    void setHighlight(std::optional<size_t> row);
    // Where row `row` was drawn in the before (0) or after (1) scatter on the last frame, in
    // canvas coordinates; nullopt before the first frame or without that scatter.
    std::optional<QPointF> scatterPoint(int which, size_t row) const;
    // Moves the mouse over row `row` of the after-scatter (screenshots, tests).
    bool hoverPoint(size_t row);
    ImGuiCanvas* canvas() const { return canvas_; }

signals:
    void exportRequested();
    void highlightChanged();

private:
    void draw();

    std::shared_ptr<const ClipAnalysis> analysis_;
    ClipFigures figures_;
    QLabel* header_ = nullptr;
    QPushButton* exportButton_ = nullptr;
    ImGuiCanvas* canvas_ = nullptr;
    std::optional<size_t> hover_, pinned_;
    std::optional<plots::ScatterLayout> scatterLayouts_[2];
    std::vector<FigureSlot> slots_;  // where each figure was drawn (right-click export)
};

}  // namespace scalpel
