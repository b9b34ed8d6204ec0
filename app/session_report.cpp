#include "app/session_report.h"

#include <QGuiApplication>
#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "analysis/common/layer_token_map.h"
#include "app/cli/cli.h"
#include "app/cli/cli_args.h"
#include "app/session_state.h"
#include "data/sha256.h"
#include "data/tensor_file.h"
#include "widgets/plots/figure_export.h"
#include "widgets/views/activation_view.h"
#include "widgets/views/clip_analysis.h"
#include "widgets/views/graph_view.h"
#include "widgets/views/relevance_view.h"
#include "widgets/views/tensor_inspector.h"

namespace scalpel {
namespace {

constexpr int kFigW = 900, kFigH = 520;
constexpr int64_t kMaxCsvCells = 4'000'000;  // larger slices are summarised, not dumped

std::string baseName(const std::string& path) { return std::filesystem::path(path).filename().string(); }

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

// Values of a heatmap as CSV: one row per heatmap row, its label first.
std::string heatmapCsv(const plots::Heatmap& hm) {
    std::string out = "row";
    for (int64_t c = 0; c < hm.cols; ++c)
        out.append(",").append(csvField(c < int64_t(hm.colLabels.size()) ? hm.colLabels[size_t(c)] : std::to_string(c)));
    out += "\n";
    for (int64_t r = 0; r < hm.rows; ++r) {
        out += csvField(r < int64_t(hm.rowLabels.size()) ? hm.rowLabels[size_t(r)] : std::to_string(r));
        for (int64_t c = 0; c < hm.cols; ++c) out.append(",").append(csvNumber(hm.at(r, c)));
        out += "\n";
    }
    return out;
}

ReportTable viewTable(const nlohmann::json& view) {
    ReportTable t{"View settings", {"setting", "value"}, {}};
    for (auto it = view.begin(); it != view.end(); ++it) t.rows.push_back({it.key(), it->is_string() ? it->get<std::string>() : it->dump()});
    return t;
}

void addHeatmapSection(Report& report, const std::string& title, const std::string& csvName, plots::Heatmap hm,
                       const nlohmann::json& view, std::vector<std::string> paragraphs) {
    applyStyle(hm, styleFromJson(setting<nlohmann::json>(view, "style", {})));
    ReportSection s;
    s.title = title;
    s.paragraphs = std::move(paragraphs);
    s.figures.push_back({hm.title, plots::inlineSvg(plots::figureToSvg(hm, kFigW, kFigH))});
    s.tables.push_back(viewTable(view));
    report.sections.push_back(std::move(s));
    if (hm.rows * hm.cols <= kMaxCsvCells) report.csvs.push_back({csvName, heatmapCsv(hm)});
}

void appendReport(Report& into, Report part, const std::string& prefix) {
    for (auto& s : part.sections) {
        s.title = prefix + ": " + s.title;
        into.sections.push_back(std::move(s));
    }
    for (auto& c : part.csvs) into.csvs.push_back({prefix + "_" + c.name, std::move(c.content)});
}

}  // namespace

Report buildSessionReport(const SessionReportInputs& in, const ProgressToken& progress) {
    Report report;
    report.title = "Scalpel — session " + baseName(in.sessionPath);
    ReportSection provenance;
    provenance.title = "Provenance";
    provenance.paragraphs = {"Session " + in.sessionPath + ", Scalpel " SCALPEL_VERSION_STRING "."};
    ReportTable files{"Files", {"document", "file", "bytes", "SHA-256", "status"}, {}};
    const auto changed = changedSessionFiles(in.session, in.sessionPath);
    for (const auto& d : in.session.documents) {
        const std::string path = resolveSessionPath(in.sessionPath, d.path);
        std::string status = "unchanged";
        for (const auto& c : changed)
            if (c.rfind(path + ":", 0) == 0) status = c.substr(path.size() + 2);
        if (d.kind == "patching-result" && in.patchingInMemory) status = "in memory (a workbench run not saved to a file)";
        files.rows.push_back({d.kind, path, std::to_string(d.size), d.sha256, status});
    }
    provenance.tables.push_back(files);
    report.sections.push_back(provenance);

    const size_t n = in.session.documents.size();
    for (size_t i = 0; i < n; ++i) {
        progress.check();
        const auto& d = in.session.documents[i];
        const std::string path = resolveSessionPath(in.sessionPath, d.path);
        const std::string tag = "doc" + std::to_string(i + 1);
        progress.report(double(i) / double(n), "report: " + d.path);
        const nlohmann::json& v = d.view;
        if (d.kind == "tensor-file") {
            auto file = openTensorFile(path);
            if (!file) throw std::runtime_error(file.error().what());
            const std::string name = setting<std::string>(v, "tensor", "");
            if (name.empty()) continue;
            PreparedTensor t = TensorInspector::prepare(*file, QString::fromStdString(name));
            if (!t.error.isEmpty()) throw std::runtime_error(t.error.toStdString());
            plots::Heatmap hm = tensorSliceHeatmap(t.values, t.info.shape, setting<std::vector<int64_t>>(v, "slice", {}));
            hm.title = name + " " + t.info.shapeString();
            hm.highlight = cellFromJson(setting<nlohmann::json>(v, "lock", {}));
            addHeatmapSection(report, "Tensor " + name + " (" + baseName(path) + ")", tag + "_tensor", std::move(hm), v,
                              {"Statistics over the whole tensor: min " + num(t.stats.min) + ", max " + num(t.stats.max) +
                               ", mean " + num(t.stats.mean) + ", std " + num(t.stats.std) + ", " + std::to_string(t.stats.nanCount) +
                               " NaN, " + std::to_string(t.stats.infCount) + " ±Inf."});
        } else if (d.kind == "activation-dump") {
            PreparedDump dump = ActivationView::prepare(path);
            if (!dump.error.isEmpty()) throw std::runtime_error(dump.error.toStdString());
            const std::string family = setting<std::string>(v, "family", dump.families.empty() ? "" : dump.families.front().name);
            const auto reducer = parseTokenReducer(setting<std::string>(v, "reducer", "l2")).value_or(TokenReducer::L2Norm);
            plots::Heatmap hm = activationHeatmap(dump, family, setting<int64_t>(v, "example", 0), reducer, setting<int64_t>(v, "feature", 0));
            if (hm.rows == 0) throw std::runtime_error(path + ": the session's site family '" + family + "' or example is not in the dump");
            if (auto lock = cellFromJson(setting<nlohmann::json>(v, "lock", {}))) {
                hm.markRow = lock->row;
                if (lock->col >= 0) hm.markCol = lock->col, hm.highlight = lock;
            }
            addHeatmapSection(report, "Activations " + family + " (" + baseName(path) + ")", tag + "_activations", std::move(hm), v,
                              {"Rows are layers, columns the tokens of example " + std::to_string(setting<int64_t>(v, "example", 0)) +
                               "; each cell reduces the token's features (" + tokenReducerName(reducer) + ")."});
        } else if (d.kind == "patching-result") {
            std::shared_ptr<const patching::PatchingFile> file = in.patchingInMemory;
            if (!file) {
                auto read = patching::readPatchingResult(path);
                if (!read) throw std::runtime_error(read.error().what());
                file = std::make_shared<const patching::PatchingFile>(std::move(read.value()));
            }
            appendReport(report, buildPatchingReport(file->result, file->summary), tag);
        } else if (d.kind == "graph-model" || d.kind == "graph-dump") {
            const PreparedGraph g = d.kind == "graph-dump" ? PreparedGraph::dump(path) : PreparedGraph::model(path);
            if (!g.error.empty()) throw std::runtime_error(g.error);
            ReportSection s;
            s.title = std::string(d.kind == "graph-dump" ? "Graph model activations (" : "Graph model (") + baseName(path) + ")";
            s.paragraphs = {g.format + " model, input layout " + g.inputLayout + ", " + std::to_string(g.layers.size()) + " layers."};
            ReportTable layers{"Layers in forward order", {"layer", "operator", "output shape", "parameters"}, {}};
            std::string csv = "layer,operator,shape,parameters\n";
            for (const auto& l : g.layers) {
                std::string shape;
                for (size_t i = 0; i < l.shape.size(); ++i) shape += (i ? "x" : "") + std::to_string(l.shape[i]);
                layers.rows.push_back({l.name, l.op, shape, l.parameters < 0 ? "" : std::to_string(l.parameters)});
                csv.append(csvField(l.name)).append(",").append(csvField(l.op)).append(",").append(shape).append(",");
                csv.append(l.parameters < 0 ? "" : std::to_string(l.parameters)).append("\n");
            }
            s.tables.push_back(std::move(layers));
            report.sections.push_back(std::move(s));
            report.csvs.push_back({tag + "_layers", csv});
            const std::string layer = setting<std::string>(v, "layer", "");
            auto values = g.values.find(layer);
            auto info = std::find_if(g.layers.begin(), g.layers.end(), [&](const GraphLayer& l) { return l.name == layer; });
            if (values != g.values.end() && info != g.layers.end()) {
                const int64_t ex = setting<int64_t>(v, "example", 0);
                ChannelGrid grid = channelGrid(values->second, info->shape, ex, layer + ", example " + std::to_string(ex),
                                               info->op == "Input" && g.inputLayout == "NHWC");
                grid.heatmap.highlight = cellFromJson(setting<nlohmann::json>(v, "lock", {}));
                addHeatmapSection(report, "Layer " + layer, tag + "_layer", std::move(grid.heatmap), v,
                                  {"Channel tiles in reading order (left to right, top to bottom); grey cells separate tiles."});
            }
        } else if (d.kind == "lrp-explain") {
            const PreparedRelevance r = PreparedRelevance::read(path);
            if (!r.error.empty()) throw std::runtime_error(r.error);
            const int64_t ex = setting<int64_t>(v, "example", 0);
            plots::Heatmap hm = relevanceMap(r, ex);
            if (hm.rows == 0) throw std::runtime_error(path + ": the session's example " + std::to_string(ex) + " is not in the file");
            std::vector<std::string> text = {"Rule " + r.rule + ", inputs " + r.layout + "."};
            if (size_t(ex) < r.targets.size()) text.push_back("Target class " + std::to_string(r.targets[size_t(ex)]) + ".");
            if (size_t(ex) < r.sums.size()) text.push_back("Total input relevance " + num(r.sums[size_t(ex)]) + ".");
            addHeatmapSection(report, "LRP relevance (" + baseName(path) + ")", tag + "_relevance", std::move(hm), v, std::move(text));
        } else if (d.kind == "clip") {
            const ClipJobRequest request = clipRequestFromJson(d.parameters, path);
            appendReport(report, buildClipReport(runClipAnalysis(request, progress)), tag);
        }
    }
    return report;
}

std::optional<std::string> writeReportFile(const std::string& out, const Report& report) {
    namespace fs = std::filesystem;
    const fs::path target(out);
    const std::string ext = target.extension().string();
    std::error_code ec;
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    fs::create_directories(dir, ec);
    if (ec) return dir.string() + ": cannot create the folder: " + ec.message();
    if (ext == ".pdf") {
        if (auto err = writeReportPdf(out, report)) return err;
    } else if (ext == ".html" || ext == ".htm") {
        std::ofstream f(out, std::ios::binary | std::ios::trunc);
        f << renderReportHtml(report);
        f.close();
        if (!f) return out + ": cannot write";
    } else {
        return out + ": the report must end in .html or .pdf";
    }
    for (const auto& c : report.csvs) {
        const std::string path = (dir / ("report_" + c.name + ".csv")).string();
        std::ofstream f(path, std::ios::binary | std::ios::trunc);
        f << c.content;
        f.close();
        if (!f) return path + ": cannot write";
    }
    return std::nullopt;
}

int reportCommand(int argc, char** argv) {
    static const char* usage =
        "usage: scalpel report --session FILE.scalpel --out REPORT.html|REPORT.pdf [--json]\n"
        "  Every figure of the session (vector graphics, drawn as on screen), its parameters and\n"
        "  provenance; the numbers behind each figure go to report_<name>.csv beside the report.\n"
        "  Needs no display. Files changed since the session was saved are reported (and used).\n";
    std::vector<std::string> args(argv + 2, argv + argc);
    cli::ArgParser p("report", usage);
    std::string sessionPath, out;
    bool json = false;
    p.value("--session", sessionPath).value("--out", out).flag("--json", json);
    if (int rc = p.parse(args); rc >= 0) return rc;
    if (sessionPath.empty() || out.empty()) return p.usageError("--session and --out are required");
    const std::string ext = std::filesystem::path(out).extension().string();
    if (ext != ".html" && ext != ".htm" && ext != ".pdf") return p.usageError("--out must end in .html or .pdf");

    // Fonts and QPainter need a QGuiApplication; the offscreen platform needs no display.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    if (qEnvironmentVariableIsEmpty("XDG_RUNTIME_DIR")) {
        // Qt would pick this folder itself, with a warning on stderr that means nothing here.
        const std::string runtime = "/tmp/runtime-" + std::to_string(::getuid());
        std::error_code ec;
        std::filesystem::create_directories(runtime, ec);
        std::filesystem::permissions(runtime, std::filesystem::perms::owner_all, ec);
        if (!ec) qputenv("XDG_RUNTIME_DIR", QByteArray::fromStdString(runtime));
    }
    int qargc = 1;
    QGuiApplication app(qargc, argv);

    auto session = readSessionFile(sessionPath);
    if (!session) {
        std::fprintf(stderr, "scalpel report: %s\n", session.error().what().c_str());
        return cli::kBadInput;
    }
    for (const auto& line : changedSessionFiles(*session, sessionPath)) std::fprintf(stderr, "warning: %s\n", line.c_str());
    const auto t0 = std::chrono::steady_clock::now();
    try {
        ProgressToken progress([](double f, const std::string& stage) {
            std::fprintf(stderr, "\r[%3d%%] %-60.60s", int(f * 100), stage.c_str());
        });
        const Report report = buildSessionReport({*session, std::filesystem::absolute(sessionPath).string(), nullptr}, progress);
        std::fprintf(stderr, "\n");
        if (auto err = writeReportFile(out, report)) {
            std::fprintf(stderr, "scalpel report: %s\n", err->c_str());
            return cli::kBadInput;
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (json)
            std::printf("%s\n", nlohmann::json({{"session", sessionPath}, {"out", out}, {"sections", report.sections.size()},
                                                {"csv_files", report.csvs.size()}, {"seconds", seconds}})
                                    .dump()
                                    .c_str());
        else
            std::printf("wrote %s (%zu sections, %zu CSV files) in %.2f s\n", out.c_str(), report.sections.size(), report.csvs.size(), seconds);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "\nscalpel report: %s\n", e.what());
        return cli::kBadInput;
    }
    return cli::kOk;
}

}  // namespace scalpel
