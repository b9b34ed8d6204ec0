#pragma once
// Relevance-patching results (specs/relp.md §11): for one component map, the heatmap of every
// method side by side (AP | AtP | RelP | ...; diverging, centred at zero, shared or separate
// scales, token labels), a scatter of each estimate against activation patching with Pearson r,
// linked hover (a node lights up in every heatmap and scatter), and a click that pins a node and
// lists its per-example values below (Esc releases).
#include <QWidget>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/patching/relevance_patching.h"
#include "widgets/plots/heatmap.h"
#include "widgets/plots/imgui_heatmap.h"
#include "widgets/plots/scatter_figure.h"

class QCheckBox;
class QComboBox;
class QLabel;

#include "widgets/views/figure_menu.h"

namespace scalpel {

class ImGuiCanvas;

class PatchingView : public QWidget {
    Q_OBJECT
public:
    explicit PatchingView(QWidget* parent = nullptr);

    // `summary` is patchingSummary's JSON (baselines, tokens, agreement).
    void showResult(patching::PatchingResult result, nlohmann::json summary);

    void setComponent(patching::Component c);
    void setExample(int example);  // -1: batch mean
    void setSharedScale(bool shared);
    void pin(std::optional<plots::Cell> cell);
    int example() const;  // -1: batch mean
    bool sharedScale() const;
    // Colormap and scaling of every method heatmap (the diverging map stays the default).
    void setStyle(const plots::HeatmapStyle& style);
    const plots::HeatmapStyle& style() const { return style_; }

    bool hasResult() const { return !result_.maps.empty(); }
    const patching::PatchingResult& result() const { return result_; }
    const nlohmann::json& summary() const { return summary_; }
    patching::Component component() const;
    const std::vector<patching::Method>& methods() const { return methods_; }
    const std::vector<plots::Heatmap>& heatmaps() const { return heatmaps_; }
    const std::vector<plots::ScatterFigure>& scatters() const { return scatters_; }
    std::optional<plots::Cell> hovered() const { return hover_; }
    std::optional<plots::Cell> pinned() const { return pinned_; }
    QString detailsText() const;
    ImGuiCanvas* canvas() const { return canvas_; }
    // Centre of a cell of heatmap `panel` in canvas coordinates (last frame); moves the mouse there.
    std::optional<QPointF> cellCentre(size_t panel, int64_t row, int64_t col) const;
    bool hoverCell(size_t panel, int64_t row, int64_t col);

signals:
    void hoverChanged();

private:
    void rebuild();
    void updateDetails();
    void drawFrame();

    QComboBox* component_ = nullptr;
    QComboBox* example_ = nullptr;
    QCheckBox* shared_ = nullptr;
    QLabel* header_ = nullptr;
    QLabel* details_ = nullptr;
    ImGuiCanvas* canvas_ = nullptr;

    patching::PatchingResult result_;
    nlohmann::json summary_;
    std::vector<patching::Method> methods_;  // of the shown component, AP first
    std::vector<plots::Heatmap> heatmaps_;
    std::vector<plots::HeatmapView> views_;
    std::vector<plots::HeatmapFrame> frames_;
    std::vector<plots::ScatterFigure> scatters_;
    std::optional<plots::Cell> hover_, pinned_;
    plots::HeatmapStyle style_;
    std::vector<FigureSlot> scatterSlots_;  // where the scatters were drawn (right-click export)
};

}  // namespace scalpel
