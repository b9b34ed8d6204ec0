#include "widgets/views/relevance_view.h"

#include <imgui.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "data/tensor_file.h"
#include "widgets/canvas/imgui_canvas.h"
#include "widgets/views/figure_menu.h"

namespace scalpel {
namespace {

// Geometry of one example: channels, height, width and the index of (c, y, x) in its block.
struct ImageLayout {
    int64_t C = 1, H = 1, W = 1;
    bool channelsLast = false;
    size_t at(int64_t c, int64_t y, int64_t x) const {
        return size_t(channelsLast ? (y * W + x) * C + c : (c * H + y) * W + x);
    }
};

ImageLayout imageLayout(const PreparedRelevance& r) {
    ImageLayout L;
    if (r.shape.size() == 4) {
        L.channelsLast = r.layout == "NHWC";
        L.C = L.channelsLast ? r.shape[3] : r.shape[1];
        L.H = L.channelsLast ? r.shape[1] : r.shape[2];
        L.W = L.channelsLast ? r.shape[2] : r.shape[3];
    } else if (r.shape.size() == 2) {
        L.W = r.shape[1];
    }
    return L;
}

}  // namespace

PreparedRelevance PreparedRelevance::read(const std::string& path) {
    PreparedRelevance p;
    p.path = path;
    auto file = openTensorFile(path);
    if (!file) {
        p.error = file.error().what();
        return p;
    }
    auto meta = [&](const char* k) {
        auto it = file->metadata.find(k);
        return it == file->metadata.end() ? std::string() : it->second;
    };
    if (meta("method") != "lrp-explain") {
        p.error = path + ": not an LRP explanation (scalpel explain writes method = \"lrp-explain\")";
        return p;
    }
    p.rule = meta("rule");
    p.layout = meta("input_layout");
    auto floats = [&](const char* name, std::vector<float>& out, std::vector<int64_t>* shape) -> bool {
        const TensorEntry* e = file->find(name);
        if (!e) {
            p.error = path + ": missing dataset /" + name;
            return false;
        }
        auto v = file->toFloat(*e);
        if (!v) {
            p.error = v.error().what();
            return false;
        }
        out = std::move(*v);
        if (shape) *shape = e->info.shape;
        return true;
    };
    std::vector<int64_t> inputShape;
    if (!floats("results/relevance", p.relevance, &p.shape) || !floats("results/inputs", p.inputs, &inputShape) ||
        !floats("results/outputs", p.outputs, &p.outputShape))
        return p;
    if (inputShape != p.shape || p.shape.empty() || (p.shape.size() != 2 && p.shape.size() != 4)) {
        p.error = path + ": relevance and inputs must have the same [B, F] or 4-D image shape";
        return p;
    }
    if (const TensorEntry* e = file->find("results/target")) {
        if (auto v = file->toDouble(*e))
            for (double t : *v) p.targets.push_back(int64_t(t));
    }
    if (const TensorEntry* e = file->find("results/relevance_sum")) {
        if (auto v = file->toDouble(*e)) p.sums = *v;
    }
    return p;
}

plots::Heatmap relevanceMap(const PreparedRelevance& r, int64_t ex) {
    plots::Heatmap hm;
    if (r.shape.empty() || ex < 0 || ex >= r.shape[0]) return hm;
    const ImageLayout L = imageLayout(r);
    const size_t per = size_t(L.C * L.H * L.W);
    const float* v = r.relevance.data() + size_t(ex) * per;
    hm.rows = L.H;
    hm.cols = L.W;
    hm.values.assign(size_t(L.H * L.W), 0.f);
    for (int64_t y = 0; y < L.H; ++y)
        for (int64_t x = 0; x < L.W; ++x) {
            double s = 0;
            for (int64_t c = 0; c < L.C; ++c) s += v[L.at(c, y, x)];
            hm.values[size_t(y * L.W + x)] = float(s);
        }
    hm.title = "relevance (sum over channels), example " + std::to_string(ex);
    plots::autoScale(hm);
    if (hm.colormap != plots::ColormapKind::Diverging) {  // one-signed maps still centre at zero
        const float m = std::max(std::abs(hm.vmin), std::abs(hm.vmax));
        hm.colormap = plots::ColormapKind::Diverging;
        hm.vmin = -m;
        hm.vmax = m;
    }
    return hm;
}

RelevanceView::RelevanceView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    header_ = new QLabel(tr("No relevance file open (scalpel explain --out R.h5, then open it)"), this);
    header_->setWordWrap(true);
    header_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(header_);
    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Example"), this));
    example_ = new QSpinBox(this);
    controls->addWidget(example_);
    controls->addStretch(1);
    layout->addLayout(controls);
    canvas_ = new ImGuiCanvas(this);
    canvas_->setDrawFunction([this] { drawFrame(); });
    layout->addWidget(canvas_, 1);
    connect(example_, &QSpinBox::valueChanged, this, [this] { rebuild(); });
    canvas_->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(canvas_, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
        if (map_.rows == 0) return;
        FigureMenuHooks hooks;
        hooks.restyle = [this](const plots::HeatmapStyle& s) {
            style_ = s;
            rebuild();
        };
        hooks.figure = [this] { return plots::AnyFigure(map_); };
        hooks.resetZoom = [this] {
            view_ = {};
            canvas_->requestRedraw();
        };
        hooks.exportName = QStringLiteral("relevance_%1").arg(example_->value());
        showHeatmapMenu(this, canvas_->mapToGlobal(pos), style_, hooks);
    });
}

bool RelevanceView::showPrepared(PreparedRelevance prepared) {
    data_ = std::move(prepared);
    message_ = QString::fromStdString(data_.error);
    if (!message_.isEmpty()) {
        header_->setText(message_);
        map_ = {};
        canvas_->requestRedraw();
        return false;
    }
    {
        const QSignalBlocker block(example_);
        example_->setRange(0, int(std::max<int64_t>(0, data_.shape[0] - 1)));
        example_->setValue(0);
    }
    rebuild();
    return true;
}

void RelevanceView::setExample(int example) { example_->setValue(example); }
int RelevanceView::example() const { return example_->value(); }

void RelevanceView::setStyle(const plots::HeatmapStyle& style) {
    style_ = style;
    rebuild();
}

void RelevanceView::rebuild() {
    const int64_t ex = example_->value();
    map_ = relevanceMap(data_, ex);
    plots::applyStyle(map_, style_);
    view_ = {};
    QString text = tr("<b>%1</b> — rule %2, inputs %3").arg(QString::fromStdString(data_.path).toHtmlEscaped(),
                                                             QString::fromStdString(data_.rule), QString::fromStdString(data_.layout));
    if (size_t(ex) < data_.targets.size() && data_.outputShape.size() == 2) {
        const int64_t t = data_.targets[size_t(ex)], K = data_.outputShape[1];
        const float* row = data_.outputs.data() + ex * K;
        const int64_t pred = std::max_element(row, row + K) - row;
        text += tr(". Example %1: target class %2 (logit %3), predicted %4").arg(ex).arg(t).arg(t >= 0 && t < K ? row[t] : NAN, 0, 'g', 5).arg(pred);
        if (size_t(ex) < data_.sums.size()) text += tr(", total input relevance %1").arg(data_.sums[size_t(ex)], 0, 'g', 5);
        text += ". Red: evidence for the target, blue: against.";
    }
    header_->setText(text);
    canvas_->requestRedraw();
}

void RelevanceView::drawImage(float width, float height) {
    const ImageLayout L = imageLayout(data_);
    const int64_t ex = example_->value();
    const size_t per = size_t(L.C * L.H * L.W);
    if (data_.shape.size() != 4 || size_t(ex + 1) * per > data_.inputs.size()) return;
    const float* v = data_.inputs.data() + size_t(ex) * per;
    // Min-max over the example: models take normalised inputs, the eye needs [0, 1].
    const auto [lo, hi] = std::minmax_element(v, v + per);
    const float span = *hi > *lo ? *hi - *lo : 1.f;
    ImGui::TextUnformatted("input (min-max scaled)");
    const ImVec2 o = ImGui::GetCursorScreenPos();
    const float cell = std::min(width / float(L.W), (height - ImGui::GetTextLineHeightWithSpacing()) / float(L.H));
    ImDrawList* dl = ImGui::GetWindowDrawList();
    for (int64_t y = 0; y < L.H; ++y)
        for (int64_t x = 0; x < L.W; ++x) {
            auto ch = [&](int64_t c) { return int(std::lround(255.f * (v[L.at(std::min(c, L.C - 1), y, x)] - *lo) / span)); };
            const ImU32 col = L.C >= 3 ? IM_COL32(ch(0), ch(1), ch(2), 255) : IM_COL32(ch(0), ch(0), ch(0), 255);
            dl->AddRectFilled(ImVec2(o.x + float(x) * cell, o.y + float(y) * cell), ImVec2(o.x + float(x + 1) * cell, o.y + float(y + 1) * cell), col);
        }
    ImGui::Dummy(ImVec2(float(L.W) * cell, float(L.H) * cell));
}

void RelevanceView::drawFrame() {
    if (map_.rows == 0) {
        ImGui::TextWrapped("%s", message_.isEmpty() ? "Open a relevance file (scalpel explain --out R.h5)." : message_.toUtf8().constData());
        return;
    }
    const ImVec2 origin = ImGui::GetCursorScreenPos(), avail = ImGui::GetContentRegionAvail();
    const bool image = data_.shape.size() == 4;
    const float left = image ? std::min(avail.x * 0.42f, avail.y) : 0.f;
    if (image) drawImage(left - 16, avail.y);
    ImGui::SetCursorScreenPos(ImVec2(origin.x + left, origin.y));
    plots::drawImGuiHeatmap("relevance", map_, view_, image ? std::min(avail.y, avail.x - left) : std::min(avail.y, 220.f), nullptr,
                            avail.x - left);
}

}  // namespace scalpel
