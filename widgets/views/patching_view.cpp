#include "widgets/views/patching_view.h"

#include <imgui.h>

#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QScrollArea>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "analysis/common/agreement.h"
#include "widgets/canvas/imgui_canvas.h"
#include "widgets/plots/imgui_figure.h"
#include "widgets/views/token_label.h"

namespace scalpel {

using patching::Component;
using patching::Method;

namespace {

const char* displayName(Method m) {
    switch (m) {
        case Method::Ap: return "AP";
        case Method::Atp: return "AtP";
        case Method::Relp: return "RelP";
        case Method::RelpAh: return "RelP+AH";
        case Method::AttnLrp: return "RelP+AttnLRP";
        case Method::Ig: return "IG";
    }
    return "?";
}

}  // namespace

PatchingView::PatchingView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    header_ = new QLabel(this);
    header_->setWordWrap(true);
    header_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(header_);
    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Component"), this));
    component_ = new QComboBox(this);
    component_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    controls->addWidget(component_);
    controls->addWidget(new QLabel(tr("Show"), this));
    example_ = new QComboBox(this);
    example_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    controls->addWidget(example_);
    shared_ = new QCheckBox(tr("Shared colour scale"), this);
    shared_->setChecked(true);
    controls->addWidget(shared_);
    controls->addStretch(1);
    layout->addLayout(controls);
    canvas_ = new ImGuiCanvas(this);
    canvas_->setDrawFunction([this] { drawFrame(); });
    layout->addWidget(canvas_, 1);
    details_ = new QLabel(this);
    details_->setTextFormat(Qt::RichText);
    details_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Many examples make a wide table: scroll it rather than widen the window.
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(details_);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setMinimumHeight(110);
    scroll->setMaximumHeight(150);
    layout->addWidget(scroll);

    connect(component_, &QComboBox::currentIndexChanged, this, [this] { rebuild(); });
    connect(example_, &QComboBox::currentIndexChanged, this, [this] { rebuild(); });
    connect(shared_, &QCheckBox::toggled, this, [this] { rebuild(); });
    connect(canvas_, &ImGuiCanvas::keyPressed, this, [this](int key) {
        if (key == Qt::Key_Escape) pin(std::nullopt);
    });
    header_->setText(tr("No relevance-patching result (scalpel patch --out RESULT.h5, then open it)"));
}

void PatchingView::showResult(patching::PatchingResult result, nlohmann::json summary) {
    result_ = std::move(result);
    summary_ = std::move(summary);
    hover_.reset();
    pinned_.reset();
    const QSignalBlocker b1(component_), b2(example_);
    component_->clear();
    for (const auto& m : result_.maps) {
        const int c = int(m.component);
        if (component_->findData(c) < 0) component_->addItem(patching::componentName(m.component), c);
    }
    example_->clear();
    example_->addItem(tr("batch mean"), -1);
    for (size_t b = 0; b < result_.ldClean.size(); ++b)
        example_->addItem(tr("example %1 (LD clean %2, corrupt %3)")
                              .arg(b)
                              .arg(result_.ldClean[b], 0, 'f', 2)
                              .arg(result_.ldCorrupt[b], 0, 'f', 2),
                          int(b));
    header_->setText(tr("Relevance patching, %1, %2 prompt(s): logit difference clean %3, corrupted %4 (batch means); "
                        "metric normalised to clean = 1, corrupted = 0. Hover a node to see it in every view, click to "
                        "pin it (Esc releases).")
                         .arg(QString::fromStdString(summary_.value("direction", std::string("denoising"))))
                         .arg(result_.ldClean.size())
                         .arg(result_.meanClean, 0, 'f', 3)
                         .arg(result_.meanCorrupt, 0, 'f', 3));
    rebuild();
}

Component PatchingView::component() const { return Component(component_->currentData().toInt()); }

void PatchingView::setComponent(Component c) { component_->setCurrentIndex(component_->findData(int(c))); }
void PatchingView::setExample(int example) { example_->setCurrentIndex(example_->findData(example)); }
void PatchingView::setSharedScale(bool shared) { shared_->setChecked(shared); }

void PatchingView::pin(std::optional<plots::Cell> cell) {
    pinned_ = cell;
    updateDetails();
    canvas_->requestRedraw();
}

std::vector<double> PatchingView::valuesOf(const patching::ScoreMap& m) const {
    const int ex = example_->currentData().toInt();
    if (ex < 0) return m.mean;
    const size_t per = m.mean.size();
    return std::vector<double>(m.perExample.begin() + ptrdiff_t(size_t(ex) * per), m.perExample.begin() + ptrdiff_t(size_t(ex + 1) * per));
}

void PatchingView::rebuild() {
    heatmaps_.clear();
    scatters_.clear();
    methods_.clear();
    if (result_.maps.empty() || component_->currentIndex() < 0) return;
    const Component c = component();
    std::vector<const patching::ScoreMap*> maps;
    if (const auto* ap = result_.find(Method::Ap, c)) maps.push_back(ap);
    for (const auto& m : result_.maps)
        if (m.component == c && m.method != Method::Ap) maps.push_back(&m);
    const auto& shape = maps.front()->shape;
    const int64_t L = shape[1];
    int64_t rows = L, cols = shape[2];
    if (c == Component::HeadPos) {
        rows = L * shape[2];
        cols = shape[3];
    }
    // Axis labels: layers (and heads), tokens of the shown example (or of example 0 for the mean).
    std::vector<std::string> rowLabels, colLabels;
    for (int64_t l = 0; l < L; ++l) {
        if (c == Component::HeadPos)
            for (int64_t h = 0; h < shape[2]; ++h) rowLabels.push_back("L" + std::to_string(l) + ".H" + std::to_string(h));
        else
            rowLabels.push_back(std::string("L").append(std::to_string(l)));
    }
    const int ex = std::max(0, example_->currentData().toInt());
    const bool tokenCols = c != Component::Head;
    for (int64_t j = 0; j < cols; ++j) {
        if (!tokenCols) colLabels.push_back(std::string("H").append(std::to_string(j)));
        else if (summary_.contains("tokens") && size_t(ex) < summary_["tokens"].size() && size_t(j) < summary_["tokens"][size_t(ex)].size())
            colLabels.push_back(tokenAxisLabel(summary_["tokens"][size_t(ex)][size_t(j)].get<std::string>()));
        else
            colLabels.push_back(std::to_string(j));
    }
    double sharedMax = 0;
    std::vector<std::vector<double>> values;
    for (const auto* m : maps) {
        values.push_back(valuesOf(*m));
        for (double v : values.back())
            if (std::isfinite(v)) sharedMax = std::max(sharedMax, std::abs(v));
    }
    const std::vector<double>& ap = values.front();
    for (size_t i = 0; i < maps.size(); ++i) {
        plots::Heatmap hm;
        hm.rows = rows;
        hm.cols = cols;
        hm.rowLabels = rowLabels;
        hm.colLabels = colLabels;
        hm.values.assign(values[i].begin(), values[i].end());
        hm.colormap = plots::ColormapKind::Diverging;
        double mx = shared_->isChecked() ? sharedMax : 0;
        if (!shared_->isChecked())
            for (double v : values[i])
                if (std::isfinite(v)) mx = std::max(mx, std::abs(v));
        if (mx <= 0) mx = 1;
        hm.vmin = float(-mx);
        hm.vmax = float(mx);
        std::string title = displayName(maps[i]->method);
        if (i > 0 && maps.front()->method == Method::Ap) {
            const double r = pearson(values[i], ap);
            char buf[64];
            std::snprintf(buf, sizeof buf, " (r = %.3f)", r);
            title += buf;
            plots::ScatterFigure s;
            s.text = {std::string(displayName(maps[i]->method)) + " vs AP" + buf, "activation patching",
                      displayName(maps[i]->method)};
            plots::PointSet set;
            set.name = displayName(maps[i]->method);
            set.x = ap;
            set.y = values[i];
            s.sets.push_back(std::move(set));
            scatters_.push_back(std::move(s));
        }
        hm.title = title;
        heatmaps_.push_back(std::move(hm));
        methods_.push_back(maps[i]->method);
    }
    views_.assign(heatmaps_.size(), {});
    frames_.assign(heatmaps_.size(), {});
    if (pinned_ && (pinned_->row >= rows || pinned_->col >= cols)) pinned_.reset();
    updateDetails();
    canvas_->requestRedraw();
}

QString PatchingView::detailsText() const { return details_->text(); }

void PatchingView::updateDetails() {
    const auto node = pinned_ ? pinned_ : hover_;
    if (!node || heatmaps_.empty()) {
        details_->setText(tr("Hover a node for its value under every method; click to pin it and list its per-example values."));
        return;
    }
    const auto& hm = heatmaps_.front();
    const Component c = component();
    QString where = QString::fromStdString(hm.rowLabels[size_t(node->row)]);
    where += c == Component::Head ? QStringLiteral(" · head %1").arg(node->col)
                                  : QStringLiteral(" · position %1 '%2'").arg(node->col).arg(QString::fromStdString(hm.colLabels[size_t(node->col)]));
    QString html = QStringLiteral("<b>%1</b>%2<br><table cellspacing=6><tr><th align=left>method</th><th>mean</th>")
                       .arg(where.toHtmlEscaped(), pinned_ ? tr(" (pinned)") : QString());
    const size_t flat = size_t(node->row * hm.cols + node->col);
    const size_t B = result_.ldClean.size();
    for (size_t b = 0; b < B; ++b) html += QStringLiteral("<th>ex %1</th>").arg(b);
    html += "</tr>";
    for (Method m : methods_) {
        const auto* map = result_.find(m, c);
        if (!map) continue;
        html += QStringLiteral("<tr><td>%1</td><td align=right><b>%2</b></td>").arg(displayName(m)).arg(map->mean[flat], 0, 'g', 4);
        for (size_t b = 0; b < B; ++b)
            html += QStringLiteral("<td align=right>%1</td>").arg(map->perExample[b * map->mean.size() + flat], 0, 'g', 4);
        html += "</tr>";
    }
    details_->setText(html + "</table>");
}

void PatchingView::drawFrame() {
    if (heatmaps_.empty()) {
        ImGui::TextDisabled("Open a relevance-patching result file (scalpel patch --out RESULT.h5).");
        return;
    }
    const auto shown = pinned_ ? pinned_ : hover_;
    for (auto& hm : heatmaps_) hm.highlight = shown;
    for (auto& s : scatters_)
        s.highlight = shown ? std::optional<size_t>(size_t(shown->row * heatmaps_.front().cols + shown->col)) : std::nullopt;

    const ImVec2 origin = ImGui::GetCursorScreenPos(), avail = ImGui::GetContentRegionAvail();
    const float gap = 16, lineH = ImGui::GetTextLineHeightWithSpacing();
    const float heatH = scatters_.empty() ? avail.y : avail.y * 0.56f;
    // Side by side while each map keeps ~330 px; otherwise a grid of as many columns as fit.
    const size_t n = heatmaps_.size();
    const size_t perRow = std::clamp<size_t>(size_t((avail.x + gap) / (330 + gap)), 1, n);
    const size_t gridRows = (n + perRow - 1) / perRow;
    const float w = (avail.x - gap * float(perRow - 1)) / float(perRow);
    const float h = (heatH - gap * float(gridRows - 1)) / float(gridRows);
    std::optional<plots::Cell> hovered;
    for (size_t i = 0; i < n; ++i) {
        ImGui::SetCursorScreenPos(ImVec2(origin.x + float(i % perRow) * (w + gap), origin.y + float(i / perRow) * (h + gap)));
        frames_[i] = plots::drawImGuiHeatmap(("map" + std::to_string(i)).c_str(), heatmaps_[i], views_[i], h - lineH, nullptr, w);
        if (frames_[i].hover) hovered = frames_[i].hover->cell;
    }
    if (!scatters_.empty()) {
        const size_t m = scatters_.size();
        const float ws = (avail.x - gap * float(m - 1)) / float(m), hs = avail.y - heatH - gap;
        for (size_t j = 0; j < m; ++j) {
            ImGui::SetCursorScreenPos(ImVec2(origin.x + float(j) * (ws + gap), origin.y + heatH + gap));
            const auto f = plots::drawImGuiScatterFigure(("scatter" + std::to_string(j)).c_str(), scatters_[j], ws, hs);
            if (f.hover) {
                const int64_t cols = heatmaps_.front().cols;
                hovered = plots::Cell{int64_t(f.hover->index) / cols, int64_t(f.hover->index) % cols};
            }
        }
    }
    if (hovered && ImGui::IsMouseReleased(ImGuiMouseButton_Left) && ImGui::GetMouseDragDelta(ImGuiMouseButton_Left, 0).x == 0 &&
        ImGui::GetMouseDragDelta(ImGuiMouseButton_Left, 0).y == 0) {
        pinned_ = hovered;
        updateDetails();
    }
    if (hovered != hover_) {
        hover_ = hovered;
        // Redraw from the queue, not from inside this frame.
        QMetaObject::invokeMethod(this, [this] {
            updateDetails();
            emit hoverChanged();
            canvas_->requestRedraw();
        }, Qt::QueuedConnection);
    }
}

std::optional<QPointF> PatchingView::cellCentre(size_t panel, int64_t row, int64_t col) const {
    if (panel >= frames_.size() || panel >= heatmaps_.size() || row < 0 || col < 0 || row >= heatmaps_[panel].rows ||
        col >= heatmaps_[panel].cols)
        return std::nullopt;
    const plots::Rect r = frames_[panel].geometry.cellRect({row, col});
    if (r.w <= 0 || r.h <= 0) return std::nullopt;
    return QPointF(r.x + r.w / 2, r.y + r.h / 2);
}

bool PatchingView::hoverCell(size_t panel, int64_t row, int64_t col) {
    const auto centre = cellCentre(panel, row, col);
    if (!centre) return false;
    QMouseEvent move(QEvent::MouseMove, *centre, canvas_->mapToGlobal(*centre), Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QCoreApplication::sendEvent(canvas_, &move);
    return true;
}

}  // namespace scalpel
