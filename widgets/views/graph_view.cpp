#include "widgets/views/graph_view.h"

#include <imgui.h>

#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeySequence>
#include <QLabel>
#include <QShortcut>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>
#include <nlohmann/json.hpp>

#include "analysis/graph/graph_import.h"
#include "data/tensor_file.h"
#include "widgets/canvas/imgui_canvas.h"
#include "widgets/views/figure_menu.h"

namespace scalpel {
namespace {

constexpr uint64_t kMaxDumpElements = uint64_t(1) << 28;  // 1 GiB of float32 in all

std::string unescapeSite(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && s.compare(i, 3, "%2F") == 0) {
            out += '/';
            i += 2;
        } else if (s[i] == '%' && i + 2 < s.size() && s.compare(i, 3, "%25") == 0) {
            out += '%';
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

int64_t product(const std::vector<int64_t>& shape, size_t from = 0) {
    int64_t n = 1;
    for (size_t i = from; i < shape.size(); ++i) n *= shape[i];
    return n;
}

QString shapeText(const std::vector<int64_t>& shape) {
    QStringList parts;
    for (int64_t d : shape) parts << QString::number(d);
    return "[" + parts.join(", ") + "]";
}

}  // namespace

PreparedGraph PreparedGraph::model(const std::string& path) {
    PreparedGraph p;
    p.path = path;
    auto loaded = graph::loadGraphModel(path);
    if (!loaded) {
        p.error = loaded.error().what();
        return p;
    }
    try {
        const graph::GraphModel& m = *loaded;
        p.format = m.format;
        p.inputLayout = m.inputLayout;
        std::map<std::string, int64_t> params;
        for (const auto& n : m.nodes()) {
            int64_t count = 0;
            for (int v : n.inputs)
                if (v >= 0 && m.values()[size_t(v)].kind == graph::Value::Kind::Constant) count += m.values()[size_t(v)].constant.numel();
            params[n.name] = count;
        }
        for (const auto& s : m.describeSites()) {
            auto it = params.find(s.name);
            p.layers.push_back({s.name, s.op, s.shape, it == params.end() ? 0 : it->second});
        }
    } catch (const std::exception& e) {
        p.error = path + ": " + e.what();
    }
    return p;
}

PreparedGraph PreparedGraph::dump(const std::string& path) {
    PreparedGraph p;
    p.path = path;
    p.isDump = true;
    auto file = openTensorFile(path);
    if (!file) {
        p.error = file.error().what();
        return p;
    }
    auto meta = [&](const char* key) {
        auto it = file->metadata.find(key);
        return it == file->metadata.end() ? std::string() : it->second;
    };
    p.format = meta("model_format");
    p.inputLayout = meta("input_layout");
    std::vector<std::string> order;
    nlohmann::json ops = nlohmann::json::object();
    try {
        if (!meta("site_order").empty()) order = nlohmann::json::parse(meta("site_order")).get<std::vector<std::string>>();
        if (!meta("site_ops").empty()) ops = nlohmann::json::parse(meta("site_ops"));
    } catch (const std::exception&) {
        order.clear();  // a damaged attribute: fall back to the file's order
    }
    uint64_t total = 0;
    std::map<std::string, const TensorEntry*> bySite;
    for (const auto& e : file->tensors) {
        const std::string& n = e.info.name;
        if (n.rfind("sites/", 0) == 0) bySite[unescapeSite(n.substr(6))] = &e;
        if (n == "outputs") {
            auto v = file->toFloat(e);
            if (v) {
                p.outputs = std::move(*v);
                p.outputShape = e.info.shape;
            }
        }
    }
    if (order.empty())
        for (const auto& [name, e] : bySite) order.push_back(name);
    for (const auto& name : order) {
        auto it = bySite.find(name);
        if (it == bySite.end()) continue;
        const TensorEntry& e = *it->second;
        total += e.info.numel();
        if (total > kMaxDumpElements) {
            p.error = path + ": more than 2^28 values in its sites; write fewer sites (scalpel run --sites)";
            return p;
        }
        auto v = file->toFloat(e);
        if (!v) {
            p.error = v.error().what();
            return p;
        }
        const std::string op = ops.contains(name) && ops[name].is_string() ? ops[name].get<std::string>() : "Input";
        p.layers.push_back({name, op, e.info.shape, -1});
        p.values[name] = std::move(*v);
    }
    if (p.layers.empty()) p.error = path + ": holds no sites (scalpel run --sites all writes every layer)";
    return p;
}

ChannelGrid channelGrid(const std::vector<float>& values, const std::vector<int64_t>& shape, int64_t ex, const std::string& title,
                        bool channelsLast) {
    ChannelGrid g;
    plots::Heatmap& hm = g.heatmap;
    hm.title = title;
    if (shape.empty() || ex < 0 || ex >= shape[0] || int64_t(values.size()) != product(shape)) return g;
    const int64_t per = product(shape, 1);
    const float* v = values.data() + ex * per;
    if (shape.size() == 4) {
        g.channels = channelsLast ? shape[3] : shape[1];
        g.height = channelsLast ? shape[1] : shape[2];
        g.width = channelsLast ? shape[2] : shape[3];
        g.tilesPerRow = std::max<int64_t>(1, int64_t(std::ceil(std::sqrt(double(g.channels)))));
        const int64_t tileRows = (g.channels + g.tilesPerRow - 1) / g.tilesPerRow;
        hm.rows = tileRows * (g.height + 1) - 1;
        hm.cols = g.tilesPerRow * (g.width + 1) - 1;
        hm.values.assign(size_t(hm.rows * hm.cols), NAN);  // gaps between tiles stay NaN (grey)
        for (int64_t c = 0; c < g.channels; ++c) {
            const int64_t r0 = (c / g.tilesPerRow) * (g.height + 1), c0 = (c % g.tilesPerRow) * (g.width + 1);
            for (int64_t y = 0; y < g.height; ++y)
                for (int64_t x = 0; x < g.width; ++x)
                    hm.values[size_t((r0 + y) * hm.cols + c0 + x)] =
                        channelsLast ? v[(y * g.width + x) * g.channels + c] : v[(c * g.height + y) * g.width + x];
        }
    } else if (shape.size() == 3) {
        hm.rows = shape[1];
        hm.cols = shape[2];
        hm.values.assign(v, v + per);
    } else {
        hm.rows = 1;
        hm.cols = per;
        hm.values.assign(v, v + per);
    }
    plots::autoScale(hm);
    return g;
}

std::optional<std::array<int64_t, 3>> ChannelGrid::locate(const plots::Cell& cell) const {
    if (channels == 0) return std::nullopt;
    const int64_t ty = cell.row / (height + 1), tx = cell.col / (width + 1);
    const int64_t y = cell.row % (height + 1), x = cell.col % (width + 1);
    const int64_t c = ty * tilesPerRow + tx;
    if (y == height || x == width || c >= channels) return std::nullopt;
    return std::array<int64_t, 3>{c, y, x};
}

GraphView::GraphView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    header_ = new QLabel(tr("No graph model open (File ▸ Open a .onnx or Keras .h5 model, or a scalpel run dump)"), this);
    header_->setWordWrap(true);
    header_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(header_);
    auto* split = new QSplitter(this);
    table_ = new QTableWidget(0, 4, split);
    table_->setHorizontalHeaderLabels({tr("Layer"), tr("Operator"), tr("Output shape"), tr("Parameters")});
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->verticalHeader()->setVisible(false);
    table_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    for (int c = 1; c < 4; ++c) table_->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    auto* right = new QWidget(split);
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Example"), right));
    example_ = new QSpinBox(right);
    controls->addWidget(example_);
    controls->addStretch(1);
    rightLayout->addLayout(controls);
    canvas_ = new ImGuiCanvas(right);
    canvas_->setDrawFunction([this] { drawFrame(); });
    rightLayout->addWidget(canvas_, 1);
    split->addWidget(table_);
    split->addWidget(right);
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 1);
    split->setSizes({430, 900});
    layout->addWidget(split, 1);

    connect(table_, &QTableWidget::itemSelectionChanged, this, [this] { rebuild(); });
    connect(example_, &QSpinBox::valueChanged, this, [this] { rebuild(); });
    onEscape(this, canvas_, [this] { lock(std::nullopt); });
    canvas_->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(canvas_, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
        if (grid_.heatmap.rows == 0) return;
        FigureMenuHooks hooks;
        hooks.restyle = [this](const plots::HeatmapStyle& s) {
            style_ = s;
            rebuild();
        };
        hooks.figure = [this] { return plots::AnyFigure(grid_.heatmap); };
        hooks.resetZoom = [this] {
            view_ = {};
            canvas_->requestRedraw();
        };
        hooks.exportName = selectedLayer();
        showHeatmapMenu(this, canvas_->mapToGlobal(pos), style_, hooks);
    });
}

bool GraphView::showPrepared(PreparedGraph prepared) {
    data_ = std::move(prepared);
    message_ = QString::fromStdString(data_.error);
    {
        const QSignalBlocker block(table_);
        table_->setRowCount(0);
        for (const auto& l : data_.layers) {
            const int r = table_->rowCount();
            table_->insertRow(r);
            table_->setItem(r, 0, new QTableWidgetItem(QString::fromStdString(l.name)));
            table_->setItem(r, 1, new QTableWidgetItem(QString::fromStdString(l.op)));
            table_->setItem(r, 2, new QTableWidgetItem(shapeText(l.shape)));
            auto* params = new QTableWidgetItem(l.parameters < 0 ? QStringLiteral("–") : QLocale(QLocale::English).toString(qlonglong(l.parameters)));
            params->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            table_->setItem(r, 3, params);
        }
    }
    if (!message_.isEmpty()) {
        header_->setText(message_);
        grid_ = {};
        canvas_->requestRedraw();
        return false;
    }
    int64_t total = 0;
    for (const auto& l : data_.layers) total += std::max<int64_t>(0, l.parameters);
    QString text = tr("<b>%1</b> — %2 model, input layout %3, %n layer(s)", nullptr, int(data_.layers.size()))
                       .arg(QString::fromStdString(data_.path).toHtmlEscaped(), QString::fromStdString(data_.format),
                            QString::fromStdString(data_.inputLayout));
    if (!data_.isDump) {
        text += tr(", %1 parameters. Shapes are for a batch of one. To see activations: <code>scalpel run --model FILE "
                   "--inputs X.npy --sites all --out D.h5</code>, then open D.h5.")
                    .arg(QLocale(QLocale::English).toString(qlonglong(total)));
    } else if (data_.outputShape.size() == 2 && data_.outputShape[1] > 0) {
        QStringList preds;
        for (int64_t b = 0; b < data_.outputShape[0]; ++b) {
            const float* row = data_.outputs.data() + b * data_.outputShape[1];
            preds << QString::number(std::max_element(row, row + data_.outputShape[1]) - row);
        }
        text += tr(". Predicted class per example: %1. Pick a layer; hover a cell for channel, position and value, click "
                   "to lock, right-click for colours and export.")
                    .arg(preds.join(", "));
    }
    header_->setText(text);
    const int64_t batch = data_.isDump && !data_.layers.empty() && !data_.layers.front().shape.empty() ? data_.layers.front().shape[0] : 1;
    example_->setRange(0, int(std::max<int64_t>(0, batch - 1)));
    example_->setEnabled(data_.isDump);
    // Start on the first computed layer (the input is rarely what one looks at first).
    int first = 0;
    while (first + 1 < int(data_.layers.size()) && data_.layers[size_t(first)].op == "Input") ++first;
    table_->selectRow(first);
    rebuild();
    return true;
}

QString GraphView::selectedLayer() const {
    const auto rows = table_->selectionModel() ? table_->selectionModel()->selectedRows() : QModelIndexList();
    if (rows.isEmpty()) return {};
    return table_->item(rows.front().row(), 0)->text();
}

bool GraphView::selectLayer(const std::string& name) {
    for (int r = 0; r < table_->rowCount(); ++r)
        if (table_->item(r, 0)->text().toStdString() == name) {
            table_->selectRow(r);
            return true;
        }
    return false;
}

void GraphView::setExample(int example) { example_->setValue(example); }
int GraphView::example() const { return example_->value(); }

void GraphView::setStyle(const plots::HeatmapStyle& style) {
    style_ = style;
    rebuild();
}

void GraphView::lock(std::optional<plots::Cell> cell) {
    if (cell && (cell->row < 0 || cell->col < 0 || cell->row >= grid_.heatmap.rows || cell->col >= grid_.heatmap.cols)) cell.reset();
    locked_ = cell;
    grid_.heatmap.highlight = cell;
    canvas_->requestRedraw();
}

void GraphView::rebuild() {
    const std::string name = selectedLayer().toStdString();
    auto it = data_.values.find(name);
    auto layer = std::find_if(data_.layers.begin(), data_.layers.end(), [&](const GraphLayer& l) { return l.name == name; });
    grid_ = {};
    if (it != data_.values.end() && layer != data_.layers.end()) {
        const std::string title = name + " " + shapeText(layer->shape).toStdString() + ", example " + std::to_string(example_->value());
        // Graph inputs keep the layout the user gave (NHWC for Keras images); every other site is NCHW.
        const bool nhwc = layer->op == "Input" && data_.inputLayout == "NHWC";
        grid_ = channelGrid(it->second, layer->shape, example_->value(), title, nhwc);
        plots::applyStyle(grid_.heatmap, style_);
    }
    locked_.reset();
    view_ = {};
    lod_ = {};
    hasFrame_ = false;  // cell positions of the last frame belong to the old grid
    canvas_->requestRedraw();
}

void GraphView::drawFrame() {
    const QString before = hoverText_;
    if (grid_.heatmap.rows == 0) {
        frame_ = {};
        hoverText_.clear();
        ImGui::TextWrapped("%s", data_.isDump ? "Pick a layer in the list."
                                              : "Layer list of the model. Open a dump of it (scalpel run --model FILE --inputs "
                                                "X --sites all --out D.h5) to see each layer's activations here.");
        return;
    }
    // The hovered (or locked) cell as text above the grid (last frame's; tooltips show it too).
    ImGui::TextUnformatted(before.isEmpty() ? "Hover a cell: channel, position and value" : before.toUtf8().constData());
    frame_ = plots::drawImGuiHeatmap("graph", grid_.heatmap, view_, 0, &lod_);
    hasFrame_ = true;
    if (frame_.hover && ImGui::IsMouseReleased(ImGuiMouseButton_Left) && ImGui::GetMouseDragDelta(ImGuiMouseButton_Left, 0).x == 0 &&
        ImGui::GetMouseDragDelta(ImGuiMouseButton_Left, 0).y == 0) {
        lock(frame_.hover->cell);
    }
    const auto cell = frame_.hover ? std::optional<plots::Cell>(frame_.hover->cell) : locked_;
    hoverText_.clear();
    if (cell) {
        if (auto at = grid_.locate(*cell))
            hoverText_ = tr("channel %1, y %2, x %3: %4").arg((*at)[0]).arg((*at)[1]).arg((*at)[2]).arg(grid_.heatmap.at(cell->row, cell->col), 0, 'g', 6);
        else if (grid_.channels == 0)
            hoverText_ = tr("row %1, column %2: %3").arg(cell->row).arg(cell->col).arg(grid_.heatmap.at(cell->row, cell->col), 0, 'g', 6);
    }
    if (hoverText_ != before)
        QMetaObject::invokeMethod(this, [this] {
            emit hoverChanged();
            canvas_->requestRedraw();  // the text line shows the new cell
        }, Qt::QueuedConnection);
}

bool GraphView::hoverCell(int64_t row, int64_t col) {
    const auto p = hasFrame_ ? plots::cellCentre(frame_, grid_.heatmap, row, col) : std::nullopt;
    if (!p) return false;
    canvas_->moveMouseTo(QPointF(p->x, p->y));
    return true;
}

}  // namespace scalpel
