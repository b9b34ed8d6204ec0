#pragma once
// The tensor inspector: the selected tensor as a heatmap (2-D directly, 1-D as one row,
// higher rank through a slice picker for the leading dimensions), its histogram and its
// summary statistics. A click locks a cell (its value stays listed beside the statistics and it
// stays outlined), Esc releases it; right-click for colormap, scaling and figure export.
#include <QWidget>
#include <memory>
#include <optional>
#include <vector>

#include "analysis/common/tensor_stats.h"
#include "data/tensor_file.h"
#include "widgets/plots/heatmap.h"
#include "widgets/plots/histogram.h"
#include "widgets/plots/imgui_heatmap.h"

class QLabel;
class QSpinBox;
class QHBoxLayout;
class QFormLayout;

namespace scalpel {

class ImGuiCanvas;

// A tensor decoded for display. Preparing touches no widget, so it may run on a worker
// thread; showing it is cheap.
struct PreparedTensor {
    QString name;
    TensorInfo info;
    std::vector<float> values;  // whole tensor (|z| for complex)
    TensorStats stats;
    plots::Histogram histogram;
    QString error;  // non-empty: why it cannot be shown
};

// The heatmap of one 2-D slice of a tensor (`values` of shape `shape`, row-major): the last two
// dimensions, the leading ones fixed at `slice` (missing entries = 0). Empty when out of range.
plots::Heatmap tensorSliceHeatmap(const std::vector<float>& values, const std::vector<int64_t>& shape,
                                  const std::vector<int64_t>& slice);

class TensorInspector : public QWidget {
    Q_OBJECT
public:
    explicit TensorInspector(QWidget* parent = nullptr);

    // Decodes and shows tensor `name` of `file`. On failure (unreadable tensor, too large)
    // the reason is shown in place of the heatmap and returned false.
    bool showTensor(const TensorFile& file, const QString& name);
    // The same in two steps: prepare() is thread-safe (it reads `file` only).
    static PreparedTensor prepare(const TensorFile& file, const QString& name);
    bool showPrepared(PreparedTensor prepared);
    void clear(const QString& message = {});

    // Index into leading dimension `dim` (0-based, dim < rank - 2) of the shown slice.
    void setSliceIndex(int dim, int64_t index);
    std::vector<int64_t> sliceIndices() const;

    // Selection, look and zoom (sessions restore them).
    void lock(std::optional<plots::Cell> cell);
    std::optional<plots::Cell> locked() const { return locked_; }
    void setStyle(const plots::HeatmapStyle& style);
    const plots::HeatmapStyle& style() const { return style_; }
    const plots::HeatmapView& view() const { return view_; }
    void setView(const plots::HeatmapView& view);
    QString lockedText() const;

    QString tensorName() const { return name_; }
    QString message() const { return message_; }
    const plots::Heatmap& heatmap() const { return heatmap_; }
    const TensorStats& stats() const { return stats_; }
    std::optional<plots::HeatmapHover> hover() const { return frame_.hover; }
    // Centre of a cell in canvas coordinates, as drawn in the last frame.
    std::optional<QPointF> cellCentre(int64_t row, int64_t col) const;
    ImGuiCanvas* canvas() const { return canvas_; }
    // Moves the canvas's mouse over a cell (screenshots, tests).
    bool hoverCell(int64_t row, int64_t col);

    // Tensors above this many elements are not decoded (512 MiB of float32).
    static constexpr uint64_t kMaxElements = uint64_t(1) << 27;

signals:
    void hoverChanged();
    void tensorShown(const QString& name, bool ok);

private:
    void rebuildSlicePicker();
    void rebuildSlice();
    void updateStatsPanel();
    void drawFrame();
    void updateLockLabel();

    ImGuiCanvas* canvas_ = nullptr;
    QLabel* lockLabel_ = nullptr;
    QLabel* header_ = nullptr;
    QWidget* slicePanel_ = nullptr;
    QHBoxLayout* sliceLayout_ = nullptr;
    std::vector<QSpinBox*> sliceSpins_;
    QFormLayout* statsForm_ = nullptr;
    std::vector<QLabel*> statLabels_;

    QString name_, message_;
    std::vector<int64_t> shape_;
    std::vector<float> values_;  // the whole tensor, decoded (|z| for complex)
    TensorStats stats_;
    plots::Heatmap heatmap_;
    plots::HeatmapView view_;
    plots::Histogram histogram_;
    plots::HeatmapFrame frame_;
    plots::HeatmapLodCache lodCache_;
    plots::HeatmapStyle style_;
    std::optional<plots::Cell> locked_;
    bool hasFrame_ = false;
};

}  // namespace scalpel
