#include "widgets/views/clip_view.h"

#include <imgui.h>

#include <QApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPushButton>
#include <QTextDocument>
#include <QVBoxLayout>
#include <algorithm>

#include "widgets/canvas/imgui_canvas.h"

namespace scalpel {
namespace {

QString num(double v) { return QString::number(v, 'g', 6); }

}  // namespace

ClipView::ClipView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 6, 8, 4);
    auto* top = new QHBoxLayout;
    header_ = new QLabel(this);
    header_->setObjectName("clipHeader");
    header_->setTextFormat(Qt::RichText);
    header_->setWordWrap(true);
    header_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    exportButton_ = new QPushButton(tr("Export report…"), this);
    exportButton_->setObjectName("exportReport");
    exportButton_->setEnabled(false);
    connect(exportButton_, &QPushButton::clicked, this, &ClipView::exportRequested);
    top->addWidget(header_, 1);
    top->addWidget(exportButton_, 0, Qt::AlignTop);
    layout->addLayout(top);
    canvas_ = new ImGuiCanvas(this);
    layout->addWidget(canvas_, 1);
    canvas_->setDrawFunction([this] { draw(); });
    canvas_->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(canvas_, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
        if (const FigureSlot* s = figureAt(slots_, pos)) showFigureMenu(this, canvas_->mapToGlobal(pos), s->figure, s->name);
    });
    header_->setText(tr("No CLIP decomposition yet: Analysis ▸ CLIP decomposition…"));
}

void ClipView::setAnalysis(std::shared_ptr<const ClipAnalysis> analysis) {
    analysis_ = std::move(analysis);
    hover_.reset();
    pinned_.reset();
    scatterLayouts_[0].reset();
    scatterLayouts_[1].reset();
    exportButton_->setEnabled(analysis_ != nullptr);
    if (!analysis_) {
        figures_ = {};
        header_->setText(tr("No CLIP decomposition yet"));
        canvas_->requestRedraw();
        return;
    }
    figures_ = buildClipFigures(*analysis_);
    const auto& d = analysis_->decomposition;
    QString html = QStringLiteral("<div style='font-size:11pt'>");
    html += tr("<b style='font-size:14pt'>SCE %1</b> &nbsp; <span style='color:#444'>%2</span><br>")
                .arg(num(d.sce), QString(kSceMeaning).toHtmlEscaped());
    html += tr("<b style='font-size:14pt'>text score %1</b> &nbsp; <span style='color:#444'>%2</span><br>")
                .arg(num(d.textScore), QString(kTextScoreMeaning).toHtmlEscaped());
    html += tr("Tr Λ<sub>I|T</sub> %1 &nbsp;+&nbsp; Tr Λ<sub>I,T</sub> %2 &nbsp;=&nbsp; Tr C<sub>II</sub> %3")
                .arg(num(d.traceSchur), num(d.traceText), num(d.traceImage));
    html += QStringLiteral(" &nbsp;·&nbsp; ") + QString::fromStdString(clipRouteLine(d)).toHtmlEscaped();
    html += tr(" &nbsp;·&nbsp; σ %1, cut-off %2 × λ<sub>max</sub>").arg(num(analysis_->options.sigma), num(d.cutoffRelative));
    if (analysis_->nullification)
        html += tr("<br>Nullification (%1): mean cos(text, image) %2 → %3")
                    .arg(QString::fromStdString(analysis_->nullifyForm), num(analysis_->nullification->meanCosineBefore),
                         num(analysis_->nullification->meanCosineAfter));
    html += tr("<br><span style='color:#666'>%1 — text '%2', image '%3'</span>")
                .arg(QString::fromStdString(analysis_->source).toHtmlEscaped(),
                     QString::fromStdString(analysis_->textKey).toHtmlEscaped(),
                     QString::fromStdString(analysis_->imageKey).toHtmlEscaped());
    for (const auto& w : d.warnings)
        html += tr("<br><span style='color:#b35900'>warning: %1</span>").arg(QString::fromStdString(w).toHtmlEscaped());
    html += QStringLiteral("</div>");
    header_->setText(html);
    canvas_->requestRedraw();
}

QString ClipView::summaryText() const {
    QTextDocument doc;
    doc.setHtml(header_->text());
    return doc.toPlainText();
}

void ClipView::setHighlight(std::optional<size_t> row) {
    pinned_ = row;
    emit highlightChanged();
    canvas_->requestRedraw();
}

std::optional<QPointF> ClipView::scatterPoint(int which, size_t row) const {
    if (which < 0 || which > 1 || !scatterLayouts_[which]) return std::nullopt;
    const auto& fig = which == 0 ? figures_.pcaBefore : figures_.pcaAfter;
    if (fig.sets.empty() || row >= fig.sets[0].x.size()) return std::nullopt;
    const auto& L = *scatterLayouts_[which];
    return QPointF(L.x.toPixel(fig.sets[0].x[row], L.plot.x, L.plot.x + L.plot.w),
                   L.y.toPixel(fig.sets[0].y[row], L.plot.y + L.plot.h, L.plot.y));
}

bool ClipView::hoverPoint(size_t row) {
    const auto p = scatterPoint(1, row) ? scatterPoint(1, row) : scatterPoint(0, row);
    if (!p) return false;
    canvas_->moveMouseTo(*p);
    return true;
}

void ClipView::draw() {
    if (!analysis_) {
        ImGui::TextDisabled("Run Analysis > CLIP decomposition… to see spectra, scores and projections here.");
        return;
    }
    const ImVec2 origin = ImGui::GetCursorScreenPos(), avail = ImGui::GetContentRegionAvail();
    const float gap = 18, w = (avail.x - 2 * gap) / 3, h = (avail.y - gap) / 2, half = (avail.x - gap) / 2;
    auto at = [&](int col, int row) { ImGui::SetCursorScreenPos(ImVec2(origin.x + col * (w + gap), origin.y + row * (h + gap))); };
    // Both scatters show this frame's highlight; the hover found below applies next frame.
    const auto shown = highlight();
    figures_.pcaBefore.highlight = shown;
    figures_.pcaAfter.highlight = shown;

    // Remember where each figure goes: a right-click exports the one under the mouse.
    slots_.clear();
    auto slot = [&](float width, float height, plots::AnyFigure fig, const char* name) {
        const ImVec2 p = ImGui::GetCursorScreenPos();
        slots_.push_back({plots::Rect{p.x, p.y, width, height}, std::move(fig), name});
    };
    at(0, 0);
    slot(w, h, figures_.spectra, "clip_spectra");
    plots::drawImGuiLineFigure("spectra", figures_.spectra, w, h);
    at(1, 0);
    slot(w, h * 0.42f, figures_.decomposition, "clip_decomposition");
    plots::drawImGuiBarFigure("decomposition", figures_.decomposition, w, h * 0.42f);
    ImGui::SetCursorScreenPos(ImVec2(origin.x + (w + gap), origin.y + h * 0.42f + gap / 2));
    slot(w, h * 0.58f - gap / 2, figures_.sweep, "clip_sigma_sweep");
    plots::drawImGuiLineFigure("sweep", figures_.sweep, w, h * 0.58f - gap / 2);
    at(2, 0);
    slot(w, h, figures_.groups, "clip_prompt_groups");
    plots::drawImGuiBarFigure("groups", figures_.groups, w, h);

    std::optional<size_t> hovered;
    at(0, 1);
    if (!figures_.pcaBefore.sets.empty()) {
        slot(half, h, figures_.pcaBefore, "clip_pca_before");
        auto f = plots::drawImGuiScatterFigure("pcaBefore", figures_.pcaBefore, half, h);
        scatterLayouts_[0] = f.layout;
        if (f.hover) hovered = f.hover->index;
    }
    ImGui::SetCursorScreenPos(ImVec2(origin.x + half + gap, origin.y + h + gap));
    if (!figures_.pcaAfter.sets.empty()) {
        slot(half, h, figures_.pcaAfter, "clip_pca_after");
        auto f = plots::drawImGuiScatterFigure("pcaAfter", figures_.pcaAfter, half, h);
        scatterLayouts_[1] = f.layout;
        if (f.hover) hovered = f.hover->index;
    } else {
        ImGui::TextDisabled("No nullification in this run: no after-scatter.");
    }
    if (hovered && ImGui::IsMouseClicked(ImGuiMouseButton_Left)) pinned_ = hovered;
    if (ImGui::IsKeyPressed(ImGuiKey_Escape)) pinned_.reset();
    if (hovered != hover_) {
        hover_ = hovered;
        // Redraw from the queue, not from inside this frame.
        QMetaObject::invokeMethod(this, [this] {
            emit highlightChanged();
            canvas_->requestRedraw();
        }, Qt::QueuedConnection);
    }
}

}  // namespace scalpel
