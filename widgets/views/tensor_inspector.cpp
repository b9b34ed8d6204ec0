#include "widgets/views/tensor_inspector.h"

#include <imgui.h>

#include <QCoreApplication>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMouseEvent>
#include <QShortcut>
#include <QSpinBox>
#include <QVBoxLayout>
#include <cmath>

#include "widgets/canvas/imgui_canvas.h"
#include "widgets/views/figure_menu.h"

namespace scalpel {
namespace {
const char* kStatNames[] = {"Elements", "Finite", "NaN", "±Inf", "Min", "Max", "Mean", "Std"};
constexpr float kHistogramHeight = 150;
}  // namespace

TensorInspector::TensorInspector(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    header_ = new QLabel(this);
    header_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(header_);

    slicePanel_ = new QWidget(this);
    sliceLayout_ = new QHBoxLayout(slicePanel_);
    sliceLayout_->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(slicePanel_);
    slicePanel_->hide();

    auto* body = new QHBoxLayout;
    canvas_ = new ImGuiCanvas(this);
    canvas_->setDrawFunction([this] { drawFrame(); });
    body->addWidget(canvas_, 1);

    auto* statsBox = new QGroupBox(tr("Statistics (whole tensor)"), this);
    statsForm_ = new QFormLayout(statsBox);
    for (const char* n : kStatNames) {
        auto* value = new QLabel(QStringLiteral("–"), statsBox);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        value->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
        value->setMinimumWidth(110);
        statsForm_->addRow(QString::fromUtf8(n), value);
        statLabels_.push_back(value);
    }
    lockLabel_ = new QLabel(this);
    lockLabel_->setWordWrap(true);
    lockLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    lockLabel_->setMaximumWidth(260);
    auto* side = new QVBoxLayout;
    side->addWidget(statsBox);
    side->addWidget(lockLabel_);
    side->addStretch(1);
    body->addLayout(side);
    layout->addLayout(body, 1);

    // Esc releases the locked cell wherever the focus is inside the inspector.
    onEscape(this, canvas_, [this] { lock(std::nullopt); });
    canvas_->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(canvas_, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
        if (heatmap_.rows == 0) return;
        FigureMenuHooks hooks;
        hooks.restyle = [this](const plots::HeatmapStyle& s) { setStyle(s); };
        hooks.figure = [this] { return plots::AnyFigure(heatmap_); };
        hooks.resetZoom = [this] { setView({}); };
        hooks.exportName = name_;
        showHeatmapMenu(this, canvas_->mapToGlobal(pos), style_, hooks);
    });
    clear();
}

void TensorInspector::lock(std::optional<plots::Cell> cell) {
    if (cell && (cell->row < 0 || cell->col < 0 || cell->row >= heatmap_.rows || cell->col >= heatmap_.cols)) cell.reset();
    locked_ = cell;
    heatmap_.highlight = cell;
    updateLockLabel();
    canvas_->requestRedraw();
}

QString TensorInspector::lockedText() const { return lockLabel_->text(); }

void TensorInspector::updateLockLabel() {
    if (!locked_) {
        lockLabel_->setText(heatmap_.rows ? tr("Click a cell to lock it; Esc releases. Right-click: colours, scale, export.")
                                          : QString());
        return;
    }
    lockLabel_->setText(tr("Locked: row %1, column %2 = %3")
                            .arg(locked_->row)
                            .arg(locked_->col)
                            .arg(double(heatmap_.at(locked_->row, locked_->col)), 0, 'g', 8));
}

void TensorInspector::setStyle(const plots::HeatmapStyle& style) {
    style_ = style;
    plots::autoScale(heatmap_);
    plots::applyStyle(heatmap_, style_);
    lodCache_ = {};
    canvas_->requestRedraw();
}

void TensorInspector::setView(const plots::HeatmapView& view) {
    view_ = view;
    canvas_->requestRedraw();
}

std::vector<int64_t> TensorInspector::sliceIndices() const {
    std::vector<int64_t> out;
    for (const QSpinBox* s : sliceSpins_) out.push_back(s->value());
    return out;
}

void TensorInspector::clear(const QString& message) {
    name_.clear();
    message_ = message;
    shape_.clear();
    values_.clear();
    stats_ = {};
    heatmap_ = {};
    lodCache_ = {};
    histogram_ = {};
    frame_ = {};
    view_ = {};
    locked_.reset();
    updateLockLabel();
    header_->setText(message.isEmpty() ? tr("No tensor selected") : message);
    rebuildSlicePicker();
    updateStatsPanel();
    canvas_->requestRedraw();
}

PreparedTensor TensorInspector::prepare(const TensorFile& file, const QString& name) {
    PreparedTensor p;
    p.name = name;
    const TensorEntry* entry = file.find(name.toStdString());
    if (!entry) {
        p.error = tr("%1: no such tensor").arg(name);
        return p;
    }
    p.info = entry->info;
    if (!p.info.note.empty()) {
        p.error = tr("%1 cannot be shown: %2").arg(name, QString::fromStdString(p.info.note));
        return p;
    }
    if (p.info.numel() > kMaxElements) {
        p.error = tr("%1 has %2 elements; the inspector shows tensors up to %3 elements")
                      .arg(name).arg(p.info.numel()).arg(kMaxElements);
        return p;
    }
    // Types wider than float32 are decoded in float64 so the statistics stay exact (a
    // float64 maximum of 1e300 must not be reported as Inf); the heatmap shows float32.
    const DType dt = p.info.dtype;
    const bool wide = dt == DType::F64 || dt == DType::I64 || dt == DType::U64 || dt == DType::C128;
    const bool complex = dtypeIsComplex(dt);
    try {
        if (wide) {
            Result<std::vector<double>> d = file.toDouble(*entry);
            if (!d) {
                p.error = QString::fromStdString(d.error().what());
                return p;
            }
            std::vector<double>& v = d.value();
            if (complex) {  // interleaved (re, im) -> magnitude
                for (size_t i = 0; i < v.size() / 2; ++i) v[i] = std::hypot(v[2 * i], v[2 * i + 1]);
                v.resize(v.size() / 2);
            }
            p.stats = computeStats(std::span<const double>(v));
            p.values.assign(v.begin(), v.end());
        } else {
            Result<std::vector<float>> f = file.toFloat(*entry);
            if (!f) {
                p.error = QString::fromStdString(f.error().what());
                return p;
            }
            p.values = std::move(f.value());
            if (complex) {
                for (size_t i = 0; i < p.values.size() / 2; ++i)
                    p.values[i] = std::hypot(p.values[2 * i], p.values[2 * i + 1]);
                p.values.resize(p.values.size() / 2);
            }
            p.stats = computeStats(std::span<const float>(p.values));
        }
    } catch (const std::exception& e) {  // a reader bug must not take the GUI down
        p.error = QString::fromStdString(file.path) + ": " + QString::fromUtf8(e.what());
        return p;
    }
    p.histogram = plots::computeHistogram(p.values, 64);
    return p;
}

bool TensorInspector::showTensor(const TensorFile& file, const QString& name) {
    return showPrepared(prepare(file, name));
}

bool TensorInspector::showPrepared(PreparedTensor p) {
    if (!p.error.isEmpty()) {
        clear(p.error);
        emit tensorShown(p.name, false);
        return false;
    }
    clear();
    name_ = p.name;
    shape_ = p.info.shape;
    values_ = std::move(p.values);
    stats_ = p.stats;
    histogram_ = std::move(p.histogram);
    const auto dt = dtypeName(p.info.dtype);
    header_->setText(QStringLiteral("<b>%1</b> &nbsp; %2 &nbsp; %3%4")
                         .arg(name_.toHtmlEscaped(), QString::fromUtf8(dt.data(), qsizetype(dt.size())),
                              QString::fromStdString(p.info.shapeString()),
                              dtypeIsComplex(p.info.dtype) ? tr(" &nbsp; (showing |z|)") : QString()));
    rebuildSlicePicker();
    rebuildSlice();
    updateStatsPanel();
    emit tensorShown(name_, true);
    return true;
}

void TensorInspector::rebuildSlicePicker() {
    for (QSpinBox* s : sliceSpins_) s->deleteLater();
    sliceSpins_.clear();
    while (QLayoutItem* item = sliceLayout_->takeAt(0)) {
        if (item->widget()) item->widget()->deleteLater();
        delete item;
    }
    const int leading = int(shape_.size()) - 2;
    slicePanel_->setVisible(leading > 0);
    if (leading <= 0) return;
    sliceLayout_->addWidget(new QLabel(tr("Slice:"), slicePanel_));
    for (int d = 0; d < leading; ++d) {
        auto* spin = new QSpinBox(slicePanel_);
        spin->setPrefix(QStringLiteral("dim %1 = ").arg(d));
        spin->setRange(0, int(std::min<int64_t>(std::max<int64_t>(shape_[size_t(d)] - 1, 0), INT32_MAX)));
        spin->setSuffix(QStringLiteral(" / %1").arg(shape_[size_t(d)]));
        connect(spin, &QSpinBox::valueChanged, this, [this] { rebuildSlice(); });
        sliceLayout_->addWidget(spin);
        sliceSpins_.push_back(spin);
    }
    sliceLayout_->addWidget(new QLabel(tr("showing the last two dimensions"), slicePanel_));
    sliceLayout_->addStretch(1);
}

void TensorInspector::setSliceIndex(int dim, int64_t index) {
    if (dim >= 0 && size_t(dim) < sliceSpins_.size()) sliceSpins_[size_t(dim)]->setValue(int(index));
}

plots::Heatmap tensorSliceHeatmap(const std::vector<float>& values, const std::vector<int64_t>& shape,
                                  const std::vector<int64_t>& slice) {
    const size_t rank = shape.size();
    int64_t rows = 1, cols = 1;
    if (rank == 1) cols = shape[0];
    if (rank >= 2) {
        rows = shape[rank - 2];
        cols = shape[rank - 1];
    }
    // Offset of the chosen slice: leading indices times their row-major strides.
    uint64_t offset = 0, stride = uint64_t(rows * cols);
    for (size_t d = rank >= 2 ? rank - 2 : 0; d-- > 0;) {
        const int64_t i = d < slice.size() ? slice[d] : 0;
        if (i < 0 || i >= shape[d]) return {};
        offset += uint64_t(i) * stride;
        stride *= uint64_t(shape[d]);
    }
    plots::Heatmap hm;
    hm.rows = rows;
    hm.cols = cols;
    const uint64_t n = uint64_t(rows * cols);
    if (offset + n <= values.size())
        hm.values.assign(values.begin() + ptrdiff_t(offset), values.begin() + ptrdiff_t(offset + n));
    else
        hm.rows = hm.cols = 0;
    plots::autoScale(hm);
    return hm;
}

void TensorInspector::rebuildSlice() {
    heatmap_ = tensorSliceHeatmap(values_, shape_, sliceIndices());
    lodCache_ = {};
    plots::applyStyle(heatmap_, style_);
    view_ = {};
    frame_ = {};
    locked_.reset();
    updateLockLabel();
    canvas_->requestRedraw();
}

void TensorInspector::updateStatsPanel() {
    const bool have = stats_.count > 0;
    // Digit grouping makes element counts of large tensors readable at a glance.
    auto count = [](uint64_t v) { return QLocale(QLocale::English).toString(qulonglong(v)); };
    auto num = [](double v) { return std::isnan(v) ? QStringLiteral("–") : QString::number(v, 'g', 6); };
    const QString values[] = {
        have ? count(stats_.count) : QStringLiteral("–"),
        have ? count(stats_.finite) : QStringLiteral("–"),
        have ? count(stats_.nanCount) : QStringLiteral("–"),
        have ? count(stats_.infCount) : QStringLiteral("–"),
        have ? num(stats_.min) : QStringLiteral("–"),
        have ? num(stats_.max) : QStringLiteral("–"),
        have ? num(stats_.mean) : QStringLiteral("–"),
        have ? num(stats_.std) : QStringLiteral("–"),
    };
    for (size_t i = 0; i < statLabels_.size(); ++i) statLabels_[i]->setText(values[i]);
}

void TensorInspector::drawFrame() {
    const auto previous = frame_.hover;
    if (heatmap_.rows == 0 || heatmap_.cols == 0) {
        frame_ = {};
        const char* text = message_.isEmpty()
                               ? (name_.isEmpty() ? "Open a checkpoint (File > Open) and pick a tensor in the tree."
                                                  : "The tensor is empty.")
                               : nullptr;
        ImGui::TextWrapped("%s", text ? text : message_.toUtf8().constData());
    } else {
        const float avail = ImGui::GetContentRegionAvail().y;
        frame_ = plots::drawImGuiHeatmap("heatmap", heatmap_, view_, std::max(120.f, avail - kHistogramHeight),
                                        &lodCache_);
        hasFrame_ = true;
        // A click without a drag locks the cell under the mouse.
        if (frame_.hover && ImGui::IsMouseReleased(ImGuiMouseButton_Left) &&
            ImGui::GetMouseDragDelta(ImGuiMouseButton_Left, 0).x == 0 &&
            ImGui::GetMouseDragDelta(ImGuiMouseButton_Left, 0).y == 0)
            lock(frame_.hover->cell);
        if (!histogram_.counts.empty()) {
            ImGui::Spacing();
            ImGui::Text("Distribution of the whole tensor (%d bins over finite values)", int(histogram_.counts.size()));
            const float width = ImGui::GetContentRegionAvail().x;
            ImGui::PushStyleColor(ImGuiCol_PlotHistogram, ImVec4(0.25f, 0.45f, 0.70f, 1.f));
            ImGui::PlotHistogram("##histogram", histogram_.counts.data(), int(histogram_.counts.size()), 0, nullptr,
                                 0.f, FLT_MAX, ImVec2(width, kHistogramHeight - 3 * ImGui::GetTextLineHeightWithSpacing()));
            ImGui::PopStyleColor();
            ImGui::Text("%.4g", histogram_.lo);
            char hi[32];
            std::snprintf(hi, sizeof hi, "%.4g", histogram_.hi);
            ImGui::SameLine(std::max(0.f, width - ImGui::CalcTextSize(hi).x));
            ImGui::TextUnformatted(hi);
        }
    }
    const bool changed = previous.has_value() != frame_.hover.has_value() ||
                         (previous && frame_.hover && !(previous->cell == frame_.hover->cell));
    if (changed) emit hoverChanged();
}

std::optional<QPointF> TensorInspector::cellCentre(int64_t row, int64_t col) const {
    if (!hasFrame_) return std::nullopt;
    const auto p = plots::cellCentre(frame_, heatmap_, row, col);
    return p ? std::optional<QPointF>(QPointF(p->x, p->y)) : std::nullopt;
}

bool TensorInspector::hoverCell(int64_t row, int64_t col) {
    const auto centre = cellCentre(row, col);
    if (!centre) return false;
    canvas_->moveMouseTo(*centre);
    return true;
}

}  // namespace scalpel
