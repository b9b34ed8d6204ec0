#pragma once
// An activation dump as a layer x token heatmap: one hook-site family (e.g. every layer's
// hook_resid_pre), one example, each token's features reduced to a number (L2 norm, mean,
// largest magnitude, or one feature), with the token texts along the axis; below it a token
// strip that colours the text by one layer's values (the hovered row, or the row locked by a
// click, which also marks the clicked token's column; Esc releases it). Right-click a heatmap
// for colormap, scaling and figure export.
#include <QWidget>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analysis/common/layer_token_map.h"
#include "data/activation_dump.h"
#include "widgets/plots/heatmap.h"
#include "widgets/plots/imgui_heatmap.h"

class QComboBox;
class QLabel;
class QSpinBox;

namespace scalpel {

class ImGuiCanvas;

// A dump read for display; preparing touches no widget (worker thread).
struct PreparedDump {
    ActivationDump dump;
    std::vector<SiteFamily> families;
    std::map<std::string, std::vector<float>> values;  // site -> [examples, tokens, features]
    std::map<std::string, int64_t> features;
    QString error;  // non-empty: why it cannot be shown

    static constexpr uint64_t kMaxElements = uint64_t(1) << 28;  // 1 GiB of float32 in all
};

// The layer x token heatmap of one site family (the view's picture, and the report's).
// Title names the family, the reducer and the example. Empty heatmap if `family` is unknown.
plots::Heatmap activationHeatmap(const PreparedDump& dump, const std::string& family, int64_t example,
                                 TokenReducer reducer, int64_t feature);

class ActivationView : public QWidget {
    Q_OBJECT
public:
    explicit ActivationView(QWidget* parent = nullptr);

    static PreparedDump prepare(const std::string& path);
    bool showPrepared(PreparedDump prepared);

    void setFamily(const QString& name);
    void setExample(int example);
    void setReducer(TokenReducer reducer, int feature = 0);
    // The row whose values colour the token strip; nullopt = follow the hover.
    void lockRow(std::optional<int64_t> row);
    // Locks a layer x token cell: its row colours the strip, its row and column are marked.
    void lockCell(std::optional<plots::Cell> cell);
    std::optional<int64_t> lockedCol() const { return lockedCol_; }
    int example() const;
    TokenReducer reducer() const;
    int feature() const;
    void setStyle(const plots::HeatmapStyle& style);
    const plots::HeatmapStyle& style() const { return style_; }
    const plots::HeatmapView& view() const { return view_; }
    void setView(const plots::HeatmapView& view);
    const std::string& path() const { return data_.dump.path; }

    QString message() const { return message_; }
    QString familyName() const;
    const plots::Heatmap& heatmap() const { return heatmap_; }
    std::optional<plots::HeatmapHover> hover() const { return frame_.hover; }
    std::optional<int64_t> lockedRow() const { return locked_; }
    // The row the strip shows and its HTML (for tests and the report).
    int64_t stripRow() const;
    QString stripHtml() const;
    ImGuiCanvas* canvas() const { return canvas_; }
    bool hoverCell(int64_t row, int64_t col);
    std::optional<QPointF> cellCentre(int64_t row, int64_t col) const;

signals:
    void hoverChanged();

private:
    void rebuild();
    void updateStrip();
    void drawFrame();
    void applyMarks();

    QLabel* header_ = nullptr;
    QComboBox* family_ = nullptr;
    QComboBox* reducer_ = nullptr;
    QSpinBox* example_ = nullptr;
    QSpinBox* feature_ = nullptr;
    ImGuiCanvas* canvas_ = nullptr;
    QLabel* strip_ = nullptr;

    PreparedDump data_;
    QString message_;
    plots::Heatmap heatmap_;
    plots::HeatmapView view_;
    plots::HeatmapFrame frame_;
    plots::HeatmapLodCache lodCache_;
    bool hasFrame_ = false;
    std::optional<int64_t> locked_, lockedCol_;
    plots::HeatmapStyle style_;
    int64_t stripRow_ = -1;
};

}  // namespace scalpel
