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

#include "widgets/canvas/imgui_canvas.h"
#include "widgets/views/figure_menu.h"
#include "widgets/plots/imgui_figure.h"
#include "widgets/views/patching_figures.h"

namespace scalpel {

using patching::Component;
using patching::Method;


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
    onEscape(this, canvas_, [this] { pin(std::nullopt); });
    // Right-click a map: colours and scaling for all maps, export of the map under the mouse.
    canvas_->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(canvas_, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
        if (heatmaps_.empty()) return;
        if (const FigureSlot* s = figureAt(scatterSlots_, pos)) {  // a scatter: export only
            showFigureMenu(this, canvas_->mapToGlobal(pos), s->figure, s->name);
            return;
        }
        size_t panel = 0;
        for (size_t i = 0; i < frames_.size(); ++i)
            if (frames_[i].geometry.plot().contains(float(pos.x()), float(pos.y()))) panel = i;
        FigureMenuHooks hooks;
        hooks.restyle = [this](const plots::HeatmapStyle& s) { setStyle(s); };
        hooks.figure = [this, panel] { return plots::AnyFigure(heatmaps_[std::min(panel, heatmaps_.size() - 1)]); };
        hooks.resetZoom = [this] {
            views_.assign(heatmaps_.size(), {});
            canvas_->requestRedraw();
        };
        hooks.exportName = QString::fromUtf8(methodDisplayName(methods_[std::min(panel, methods_.size() - 1)]));
        showHeatmapMenu(this, canvas_->mapToGlobal(pos), style_, hooks);
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
                         .arg(summary_.contains("direction") && summary_["direction"].is_string()
                                  ? QString::fromStdString(summary_["direction"].get<std::string>())
                                  : tr("unknown direction"))
                         .arg(result_.ldClean.size())
                         .arg(result_.meanClean, 0, 'f', 3)
                         .arg(result_.meanCorrupt, 0, 'f', 3));
    rebuild();
}

Component PatchingView::component() const { return Component(component_->currentData().toInt()); }

void PatchingView::setComponent(Component c) { component_->setCurrentIndex(component_->findData(int(c))); }
void PatchingView::setExample(int example) { example_->setCurrentIndex(example_->findData(example)); }
void PatchingView::setSharedScale(bool shared) { shared_->setChecked(shared); }

int PatchingView::example() const { return example_->currentData().toInt(); }
bool PatchingView::sharedScale() const { return shared_->isChecked(); }

void PatchingView::setStyle(const plots::HeatmapStyle& style) {
    style_ = style;
    rebuild();
}

void PatchingView::pin(std::optional<plots::Cell> cell) {
    pinned_ = cell;
    updateDetails();
    canvas_->requestRedraw();
}

void PatchingView::rebuild() {
    heatmaps_.clear();
    scatters_.clear();
    methods_.clear();
    if (result_.maps.empty() || component_->currentIndex() < 0) return;
    auto figures = buildPatchingFigures(result_, summary_, component(), example_->currentData().toInt(), shared_->isChecked());
    heatmaps_ = std::move(figures.heatmaps);
    for (auto& hm : heatmaps_) plots::applyStyle(hm, style_);
    scatters_ = std::move(figures.scatters);
    methods_ = std::move(figures.methods);
    views_.assign(heatmaps_.size(), {});
    frames_.assign(heatmaps_.size(), {});
    if (pinned_ && (pinned_->row >= heatmaps_.front().rows || pinned_->col >= heatmaps_.front().cols)) pinned_.reset();
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
        html += QStringLiteral("<tr><td>%1</td><td align=right><b>%2</b></td>").arg(methodDisplayName(m)).arg(map->mean[flat], 0, 'g', 4);
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
    for (auto& hm : heatmaps_) {
        hm.highlight = shown;
        // A pinned node marks its layer row and its position column in every map.
        hm.markRow = pinned_ ? std::optional<int64_t>(pinned_->row) : std::nullopt;
        hm.markCol = pinned_ ? std::optional<int64_t>(pinned_->col) : std::nullopt;
    }
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
        scatterSlots_.clear();
        for (size_t j = 0; j < m; ++j) {
            ImGui::SetCursorScreenPos(ImVec2(origin.x + float(j) * (ws + gap), origin.y + heatH + gap));
            scatterSlots_.push_back({plots::Rect{origin.x + float(j) * (ws + gap), origin.y + heatH + gap, ws, hs}, scatters_[j],
                                     QStringLiteral("scatter_%1").arg(j + 1)});
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
    if (panel >= frames_.size() || panel >= heatmaps_.size()) return std::nullopt;
    const auto p = plots::cellCentre(frames_[panel], heatmaps_[panel], row, col);
    return p ? std::optional<QPointF>(QPointF(p->x, p->y)) : std::nullopt;
}

bool PatchingView::hoverCell(size_t panel, int64_t row, int64_t col) {
    const auto centre = cellCentre(panel, row, col);
    if (!centre) return false;
    canvas_->moveMouseTo(*centre);
    return true;
}

}  // namespace scalpel
