#pragma once
// A graph model (ONNX or Keras classifier) as a list of its layers in forward order with
// operator, output shape and parameter count; with a graph dump (scalpel run --model M --inputs
// X --out D.h5) the selected layer's activations for one example: channel grids for conv
// outputs [B, C, H, W] (one tile per channel, shared colour scale), a heatmap otherwise.
// Hover names channel, row, column and value; zoom, pan, lock, right-click export as everywhere.
#include <QWidget>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "widgets/plots/imgui_heatmap.h"

class QLabel;
class QSpinBox;
class QTableWidget;

namespace scalpel {

class ImGuiCanvas;

struct GraphLayer {
    std::string name, op;
    std::vector<int64_t> shape;  // batch of one (model) or the dumped shape with batch
    int64_t parameters = -1;     // -1: unknown (dumps)
};

// A model or a dump read for display (worker thread; no widgets touched).
struct PreparedGraph {
    std::string path;
    bool isDump = false;
    std::string format, inputLayout;
    std::vector<GraphLayer> layers;
    std::map<std::string, std::vector<float>> values;  // dumps: site -> values [B, ...]
    std::vector<float> outputs;
    std::vector<int64_t> outputShape;
    std::string error;  // non-empty: why it cannot be shown

    static PreparedGraph model(const std::string& path);
    static PreparedGraph dump(const std::string& path);
};

// The picture of one layer's activations for one example: a channel grid (rank 4: tiles of
// H x W with a one-cell NaN gap, ceil(sqrt(C)) tiles per row), [T, F] (rank 3) or one row (rank 2).
struct ChannelGrid {
    plots::Heatmap heatmap;
    int64_t channels = 0, height = 0, width = 0, tilesPerRow = 0;  // rank 4 only
    // The (channel, y, x) a heatmap cell shows; nullopt for gaps or non-grids.
    std::optional<std::array<int64_t, 3>> locate(const plots::Cell& cell) const;
};
// channelsLast: a rank-4 tensor is [B, H, W, C] (a Keras model's image input as the user gave it).
ChannelGrid channelGrid(const std::vector<float>& values, const std::vector<int64_t>& shape, int64_t example,
                        const std::string& title, bool channelsLast = false);

class GraphView : public QWidget {
    Q_OBJECT
public:
    explicit GraphView(QWidget* parent = nullptr);
    bool showPrepared(PreparedGraph prepared);

    bool selectLayer(const std::string& name);
    void setExample(int example);
    int example() const;
    void setStyle(const plots::HeatmapStyle& style);
    const plots::HeatmapStyle& style() const { return style_; }
    void lock(std::optional<plots::Cell> cell);
    std::optional<plots::Cell> locked() const { return locked_; }
    const PreparedGraph& data() const { return data_; }
    const ChannelGrid& grid() const { return grid_; }
    QString selectedLayer() const;
    QString message() const { return message_; }
    QString hoverText() const { return hoverText_; }
    ImGuiCanvas* canvas() const { return canvas_; }
    QTableWidget* table() const { return table_; }
    bool hoverCell(int64_t row, int64_t col);

signals:
    void hoverChanged();

private:
    void rebuild();
    void drawFrame();

    QLabel* header_ = nullptr;
    QTableWidget* table_ = nullptr;
    QSpinBox* example_ = nullptr;
    ImGuiCanvas* canvas_ = nullptr;
    PreparedGraph data_;
    ChannelGrid grid_;
    plots::HeatmapView view_;
    plots::HeatmapFrame frame_;
    plots::HeatmapLodCache lod_;
    plots::HeatmapStyle style_;
    std::optional<plots::Cell> locked_;
    bool hasFrame_ = false;
    QString message_, hoverText_;
};

}  // namespace scalpel
