#pragma once
// LRP relevance over the inputs (a `scalpel explain` result, method "lrp-explain"): for the
// chosen example the input as the model saw it (RGB or grey for images) beside its relevance
// map (summed over channels, diverging and centred at zero), with the target class, its logit
// and the total relevance (conservation: close to the logit for conserving rules).
#include <QWidget>
#include <string>
#include <vector>

#include "widgets/plots/imgui_heatmap.h"

class QLabel;
class QSpinBox;

namespace scalpel {

class ImGuiCanvas;

struct PreparedRelevance {
    std::string path, rule, layout;  // layout: NCHW, NHWC or NC
    std::vector<float> relevance, inputs, outputs;
    std::vector<int64_t> shape, outputShape;  // shape: of inputs and relevance
    std::vector<double> sums;
    std::vector<int64_t> targets;
    std::string error;

    static PreparedRelevance read(const std::string& path);
};

// Relevance of one example summed over channels: [H, W] for images, [1, F] for vectors.
plots::Heatmap relevanceMap(const PreparedRelevance& r, int64_t example);

class RelevanceView : public QWidget {
    Q_OBJECT
public:
    explicit RelevanceView(QWidget* parent = nullptr);
    bool showPrepared(PreparedRelevance prepared);
    void setExample(int example);
    int example() const;
    void setStyle(const plots::HeatmapStyle& style);
    const plots::HeatmapStyle& style() const { return style_; }
    const plots::Heatmap& heatmap() const { return map_; }
    const PreparedRelevance& data() const { return data_; }
    QString message() const { return message_; }
    ImGuiCanvas* canvas() const { return canvas_; }

private:
    void rebuild();
    void drawFrame();
    void drawImage(float width, float height);

    QLabel* header_ = nullptr;
    QSpinBox* example_ = nullptr;
    ImGuiCanvas* canvas_ = nullptr;
    PreparedRelevance data_;
    plots::Heatmap map_;
    plots::HeatmapView view_;
    plots::HeatmapStyle style_;
    QString message_;
};

}  // namespace scalpel
