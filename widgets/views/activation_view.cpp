#include "widgets/views/activation_view.h"

#include <imgui.h>

#include <QComboBox>
#include <QCoreApplication>
#include <QHBoxLayout>
#include <QShortcut>
#include <QLabel>
#include <QMouseEvent>
#include <QSpinBox>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "widgets/canvas/imgui_canvas.h"
#include "widgets/views/figure_menu.h"
#include "widgets/plots/colormap.h"
#include "widgets/views/token_label.h"

namespace scalpel {


ActivationView::ActivationView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    header_ = new QLabel(this);
    header_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(header_);

    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Site"), this));
    family_ = new QComboBox(this);
    family_->setMinimumWidth(220);
    controls->addWidget(family_);
    controls->addWidget(new QLabel(tr("Example"), this));
    example_ = new QSpinBox(this);
    controls->addWidget(example_);
    controls->addWidget(new QLabel(tr("Per token"), this));
    reducer_ = new QComboBox(this);
    reducer_->addItem(tr("L2 norm"), int(TokenReducer::L2Norm));
    reducer_->addItem(tr("mean"), int(TokenReducer::Mean));
    reducer_->addItem(tr("max |x|"), int(TokenReducer::MaxAbs));
    reducer_->addItem(tr("feature"), int(TokenReducer::Feature));
    controls->addWidget(reducer_);
    feature_ = new QSpinBox(this);
    feature_->setEnabled(false);
    controls->addWidget(feature_);
    controls->addStretch(1);
    layout->addLayout(controls);

    canvas_ = new ImGuiCanvas(this);
    canvas_->setDrawFunction([this] { drawFrame(); });
    layout->addWidget(canvas_, 1);

    strip_ = new QLabel(this);
    strip_->setWordWrap(true);
    strip_->setTextFormat(Qt::RichText);
    strip_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    strip_->setMinimumHeight(48);
    layout->addWidget(strip_);

    connect(family_, &QComboBox::currentIndexChanged, this, [this] { rebuild(); });
    connect(example_, &QSpinBox::valueChanged, this, [this] { rebuild(); });
    connect(reducer_, &QComboBox::currentIndexChanged, this, [this] {
        feature_->setEnabled(TokenReducer(reducer_->currentData().toInt()) == TokenReducer::Feature);
        rebuild();
    });
    connect(feature_, &QSpinBox::valueChanged, this, [this] { rebuild(); });
    connect(this, &ActivationView::hoverChanged, this, [this] { updateStrip(); });
    // Esc releases a pinned row wherever the focus is inside the view (the canvas takes keys).
    onEscape(this, canvas_, [this] { lockRow(std::nullopt); });
    canvas_->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(canvas_, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
        if (heatmap_.rows == 0) return;
        FigureMenuHooks hooks;
        hooks.restyle = [this](const plots::HeatmapStyle& s) { setStyle(s); };
        hooks.figure = [this] { return plots::AnyFigure(heatmap_); };
        hooks.resetZoom = [this] { setView({}); };
        hooks.exportName = familyName();
        showHeatmapMenu(this, canvas_->mapToGlobal(pos), style_, hooks);
    });
    header_->setText(tr("No activation dump open"));
}

PreparedDump ActivationView::prepare(const std::string& path) {
    PreparedDump p;
    auto dump = readActivationDump(path);
    if (!dump) {
        p.error = QString::fromStdString(dump.error().what());
        return p;
    }
    p.dump = std::move(*dump);
    uint64_t total = 0;
    std::vector<std::string> names;
    for (const auto& s : p.dump.sites) {
        names.push_back(s.name);
        total += uint64_t(s.shape[0]) * uint64_t(s.shape[1]) * uint64_t(s.shape[2]);
    }
    if (total > PreparedDump::kMaxElements) {
        p.error = QObject::tr("%1: the sites hold %2 values in all, more than this view loads (%3)")
                      .arg(QString::fromStdString(path)).arg(total).arg(PreparedDump::kMaxElements);
        return p;
    }
    for (const auto& s : p.dump.sites) {
        auto data = readDataset(path, "/sites/" + s.name);
        if (!data) {
            p.error = QString::fromStdString(data.error().what());
            return p;
        }
        p.features[s.name] = s.shape[2];
        p.values[s.name] = std::move(data->values);
    }
    p.families = groupSiteFamilies(names);
    if (p.families.empty()) p.error = QObject::tr("%1 holds no hook sites (only tokens/logits)").arg(QString::fromStdString(path));
    return p;
}

bool ActivationView::showPrepared(PreparedDump prepared) {
    data_ = std::move(prepared);
    message_ = data_.error;
    locked_.reset();
    lockedCol_.reset();
    view_ = {};
    {
        const QSignalBlocker b1(family_), b2(example_);
        family_->clear();
        for (const auto& f : data_.families)
            family_->addItem(f.layers.empty() ? QString::fromStdString(f.name)
                                              : tr("%1  (%n layer(s))", nullptr, int(f.layers.size())).arg(QString::fromStdString(f.name)),
                             QString::fromStdString(f.name));
        // Open on the residual stream when there is one: the usual first look.
        const int resid = family_->findData(QStringLiteral("hook_resid_pre"));
        if (resid >= 0) family_->setCurrentIndex(resid);
        example_->setRange(0, int(std::max<int64_t>(0, data_.dump.examples - 1)));
        example_->setValue(0);
    }
    if (!message_.isEmpty()) {
        header_->setText(message_);
        heatmap_ = {};
        canvas_->requestRedraw();
        return false;
    }
    rebuild();
    return true;
}

QString ActivationView::familyName() const { return family_->currentData().toString(); }

void ActivationView::setFamily(const QString& name) {
    const int i = family_->findData(name);
    if (i >= 0) family_->setCurrentIndex(i);
}

void ActivationView::setExample(int example) { example_->setValue(example); }

void ActivationView::setReducer(TokenReducer reducer, int feature) {
    const QSignalBlocker b(feature_);
    feature_->setValue(feature);
    reducer_->setCurrentIndex(reducer_->findData(int(reducer)));
    rebuild();
}

void ActivationView::lockRow(std::optional<int64_t> row) {
    locked_ = row;
    lockedCol_.reset();
    applyMarks();
    updateStrip();
}

void ActivationView::lockCell(std::optional<plots::Cell> cell) {
    if (cell && (cell->row < 0 || cell->col < 0 || cell->row >= heatmap_.rows || cell->col >= heatmap_.cols)) cell.reset();
    locked_ = cell ? std::optional<int64_t>(cell->row) : std::nullopt;
    lockedCol_ = cell ? std::optional<int64_t>(cell->col) : std::nullopt;
    applyMarks();
    updateStrip();
}

void ActivationView::applyMarks() {
    heatmap_.markRow = locked_;
    heatmap_.markCol = lockedCol_;
    heatmap_.highlight.reset();
    if (locked_ && lockedCol_) heatmap_.highlight = plots::Cell{*locked_, *lockedCol_};
    canvas_->requestRedraw();
}

int ActivationView::example() const { return example_->value(); }
TokenReducer ActivationView::reducer() const { return TokenReducer(reducer_->currentData().toInt()); }
int ActivationView::feature() const { return feature_->value(); }

void ActivationView::setStyle(const plots::HeatmapStyle& style) {
    style_ = style;
    plots::autoScale(heatmap_);
    plots::applyStyle(heatmap_, style_);
    lodCache_ = {};
    updateStrip();
    canvas_->requestRedraw();
}

void ActivationView::setView(const plots::HeatmapView& view) {
    view_ = view;
    canvas_->requestRedraw();
}

plots::Heatmap activationHeatmap(const PreparedDump& d, const std::string& family, int64_t ex, TokenReducer reducer,
                                 int64_t feature) {
    plots::Heatmap hm;
    auto fam = std::find_if(d.families.begin(), d.families.end(), [&](const SiteFamily& f) { return f.name == family; });
    const int64_t E = d.dump.examples, T = d.dump.tokens;
    if (fam == d.families.end() || ex < 0 || ex >= E) return hm;
    const int64_t F = d.features.at(fam->sites.front());
    if (reducer == TokenReducer::Feature) feature = std::clamp<int64_t>(feature, 0, F - 1);
    hm.rows = int64_t(fam->sites.size());
    hm.cols = T;
    for (size_t r = 0; r < fam->sites.size(); ++r) {
        const auto& site = fam->sites[r];
        const auto row = reduceTokens(d.values.at(site), E, T, d.features.at(site), ex, reducer, feature);
        hm.values.insert(hm.values.end(), row.begin(), row.end());
        std::string rowLabel = site;
        if (!fam->layers.empty()) rowLabel = std::string("L").append(std::to_string(fam->layers[r]));
        hm.rowLabels.push_back(std::move(rowLabel));
    }
    for (int64_t t = 0; t < T; ++t) {
        const size_t i = size_t(ex * T + t);
        hm.colLabels.push_back(i < d.dump.tokenStrings.size() ? tokenAxisLabel(d.dump.tokenStrings[i])
                                                              : std::to_string(d.dump.tokenIds[i]));
    }
    const std::string reducerText = reducer == TokenReducer::Feature ? "feature " + std::to_string(feature)
                                    : reducer == TokenReducer::L2Norm ? "L2 norm"
                                    : reducer == TokenReducer::Mean   ? "mean"
                                                                      : "max |x|";
    hm.title = fam->name + " — " + reducerText + " per token, example " + std::to_string(ex);
    plots::autoScale(hm);
    return hm;
}

void ActivationView::rebuild() {
    const int fi = family_->currentIndex();
    if (fi < 0 || size_t(fi) >= data_.families.size()) return;
    const SiteFamily& fam = data_.families[size_t(fi)];
    const int64_t E = data_.dump.examples, T = data_.dump.tokens, ex = example_->value();
    const auto reducer = TokenReducer(reducer_->currentData().toInt());
    const int64_t F = data_.features.at(fam.sites.front());
    feature_->setRange(0, int(F - 1));

    plots::Heatmap hm = activationHeatmap(data_, fam.name, ex, reducer, feature_->value());
    plots::autoScale(hm);
    plots::applyStyle(hm, style_);
    heatmap_ = std::move(hm);
    lodCache_ = {};
    header_->setText(tr("%1 — %2 example(s) × %3 token(s); rows: layers, columns: tokens. Hover for values, click a cell "
                        "to lock its row in the token strip and mark its token (Esc releases); right-click for colours, scale, export.")
                         .arg(QString::fromStdString(data_.dump.path))
                         .arg(E)
                         .arg(T));
    if (locked_ && *locked_ >= heatmap_.rows) locked_.reset();
    if (!locked_ || (lockedCol_ && *lockedCol_ >= heatmap_.cols)) lockedCol_.reset();
    applyMarks();
    updateStrip();
    canvas_->requestRedraw();
}

int64_t ActivationView::stripRow() const { return stripRow_; }

QString ActivationView::stripHtml() const { return strip_->text(); }

void ActivationView::updateStrip() {
    if (heatmap_.rows == 0) {
        strip_->clear();
        stripRow_ = -1;
        return;
    }
    stripRow_ = locked_ ? *locked_ : (frame_.hover ? frame_.hover->cell.row : heatmap_.rows - 1);
    const auto& cmap = plots::Colormap::get(heatmap_.colormap);
    const int64_t ex = example_->value(), T = heatmap_.cols;
    QString html = QStringLiteral("<b>%1%2:</b> ")
                       .arg(QString::fromStdString(heatmap_.rowLabels[size_t(stripRow_)]), locked_ ? tr(" (pinned)") : QString());
    for (int64_t t = 0; t < T; ++t) {
        const double v = heatmap_.at(stripRow_, t);
        const plots::Rgb c = cmap.at(heatmap_.position(v));
        const double lum = 0.299 * c.r + 0.587 * c.g + 0.114 * c.b;
        const size_t i = size_t(ex * T + t);
        QString text = i < data_.dump.tokenStrings.size() ? QString::fromStdString(data_.dump.tokenStrings[i])
                                                          : QString::number(data_.dump.tokenIds[i]);
        // The locked token is underlined and bold: the column marked in the heatmap.
        const bool marked = lockedCol_ && *lockedCol_ == t;
        html += QStringLiteral("<span style=\"background-color:%1; color:%2%5\" title=\"%3\">%4</span>")
                    .arg(QColor::fromRgbF(c.r, c.g, c.b).name(), lum < 0.5 ? "#ffffff" : "#000000")
                    .arg(v, 0, 'g', 5)
                    .arg(text.toHtmlEscaped().replace(' ', "&nbsp;"))
                    .arg(marked ? QStringLiteral("; font-weight:bold; text-decoration:underline") : QString());
    }
    strip_->setText(html);
}

void ActivationView::drawFrame() {
    const auto previous = frame_.hover;
    if (heatmap_.rows == 0) {
        frame_ = {};
        ImGui::TextWrapped("%s", message_.isEmpty() ? "Open an activation dump (scalpel run --out DUMP.h5)." : message_.toUtf8().constData());
    } else {
        frame_ = plots::drawImGuiHeatmap("activations", heatmap_, view_, 0, &lodCache_);
        hasFrame_ = true;
        // A click without a drag pins the row under the mouse.
        if (frame_.hover && ImGui::IsMouseReleased(ImGuiMouseButton_Left) &&
            ImGui::GetMouseDragDelta(ImGuiMouseButton_Left, 0).x == 0 &&
            ImGui::GetMouseDragDelta(ImGuiMouseButton_Left, 0).y == 0) {
            lockCell(frame_.hover->cell);
        }
    }
    const bool changed = previous.has_value() != frame_.hover.has_value() ||
                         (previous && frame_.hover && !(previous->cell == frame_.hover->cell));
    if (changed) emit hoverChanged();
}

std::optional<QPointF> ActivationView::cellCentre(int64_t row, int64_t col) const {
    if (!hasFrame_) return std::nullopt;
    const auto p = plots::cellCentre(frame_, heatmap_, row, col);
    return p ? std::optional<QPointF>(QPointF(p->x, p->y)) : std::nullopt;
}

bool ActivationView::hoverCell(int64_t row, int64_t col) {
    const auto centre = cellCentre(row, col);
    if (!centre) return false;
    canvas_->moveMouseTo(*centre);
    return true;
}

}  // namespace scalpel
