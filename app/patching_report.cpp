// The relevance-patching report (app/report_exporter.h): what was run and on what, the metric's
// baselines, the agreement of every estimate with activation patching, each component's method
// heatmaps and scatters (the view's figures as SVG), the IG completeness check, and CSV files of
// the batch-mean maps (the per-example maps are in the result file).
#include <cstdio>

#include "app/report_exporter.h"
#include "widgets/plots/figure_export.h"
#include "widgets/views/patching_figures.h"

namespace scalpel {

using nlohmann::json;
using patching::Component;

namespace {

std::string fixed(double v, int digits = 4) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

std::string text(const json& summary, const char* key) {
    if (!summary.contains(key)) return "";
    return summary[key].is_string() ? summary[key].get<std::string>() : summary[key].dump();
}

}  // namespace

Report buildPatchingReport(const patching::PatchingResult& r, const json& summary) {
    Report report;
    report.title = "Scalpel — relevance patching";
    ReportSection overview;
    overview.title = "Run";
    overview.paragraphs = {
        "Model: " + text(summary, "model") + ". Prompts: " + text(summary, "prompts") + " (" + std::to_string(r.ldClean.size()) +
            " pairs). Direction: " + text(summary, "direction") + ".",
        "Metric: " + text(summary, "metric") + ". Mean logit difference clean " + fixed(r.meanClean) + ", corrupted " +
            fixed(r.meanCorrupt) + ".",
        "Each map entry is the change of the metric when that node (a layer's residual stream, attention or MLP output at "
        "one position, or one head) is patched (AP), or its first-order estimate (AtP: gradient; RelP: LRP "
        "coefficients; IG: integrated gradients)."};
    ReportTable params{"Parameters", {"parameter", "value"}, {}};
    for (const char* k : {"methods", "components", "direction", "ig_steps", "top_k", "forward_passes", "backward_passes"})
        if (summary.contains(k)) params.rows.push_back({k, text(summary, k)});
    if (summary.contains("rule_sets"))
        for (auto it = summary["rule_sets"].begin(); it != summary["rule_sets"].end(); ++it)
            params.rows.push_back({"rule set " + it.key(), it->get<std::string>()});
    overview.tables.push_back(params);
    report.sections.push_back(overview);

    ReportSection agreement;
    agreement.title = "Agreement with activation patching";
    agreement.paragraphs = {"Pearson and Spearman correlation and top-k overlap (by |value|) of each estimate's batch-mean map "
                            "with AP's, structural zeros included; and the mean over examples of the per-example Pearson r."};
    ReportTable table{"", {"method", "component", "Pearson r", "Spearman ρ", "top-k overlap", "k", "r per example"}, {}};
    for (const auto& a : r.agreement)
        table.rows.push_back({methodDisplayName(a.method), patching::componentName(a.component), fixed(a.pearson), fixed(a.spearman),
                              fixed(a.topK, 2), std::to_string(a.k), fixed(a.pearsonPerExample)});
    agreement.tables.push_back(table);
    report.sections.push_back(agreement);

    std::vector<Component> components;
    for (const auto& m : r.maps)
        if (std::find(components.begin(), components.end(), m.component) == components.end()) components.push_back(m.component);
    for (Component c : components) {
        ReportSection section;
        section.title = std::string("Component ") + patching::componentName(c);
        const auto figures = buildPatchingFigures(r, summary, c, -1, true);
        for (const auto& hm : figures.heatmaps)
            section.figures.push_back({hm.title + " (batch mean)", plots::inlineSvg(plots::figureToSvg(hm, 560, 320))});
        for (const auto& s : figures.scatters)
            section.figures.push_back({s.text.title, plots::inlineSvg(plots::figureToSvg(s, 420, 320))});
        report.sections.push_back(section);
        // CSV: one row per node, one column per method (batch means).
        std::string csv = "node";
        for (auto m : figures.methods) csv.append(",").append(patching::methodName(m));
        csv += "\n";
        const auto& hm = figures.heatmaps.front();
        for (int64_t row = 0; row < hm.rows; ++row)
            for (int64_t col = 0; col < hm.cols; ++col) {
                csv += csvField(hm.rowLabels[size_t(row)] + " " + std::to_string(col) + " " + hm.colLabels[size_t(col)]);
                for (auto m : figures.methods) csv.append(",").append(csvNumber(r.find(m, c)->mean[size_t(row * hm.cols + col)]));
                csv += "\n";
            }
        report.csvs.push_back({std::string("patching_") + patching::componentName(c), csv});
    }

    if (summary.contains("ig_completeness") && !summary["ig_completeness"].empty()) {
        ReportSection ig;
        ig.title = "Integrated gradients: completeness";
        ig.paragraphs = {"Per layer, the sum of IG over the layer's nodes against the AP effect of patching the whole layer tensor "
                         "(they agree when the path integral is well resolved)."};
        ReportTable t{"", {"component", "layer", "sum of IG", "AP of the whole layer"}, {}};
        for (const auto& row : summary["ig_completeness"])
            t.rows.push_back({row["component"].get<std::string>(), std::to_string(row["layer"].get<int>()),
                              fixed(row["ig_sum"].get<double>()), fixed(row["ap_whole_layer"].get<double>())});
        ig.tables.push_back(t);
        report.sections.push_back(ig);
    }
    return report;
}

bool exportPatchingReport(const std::string& dir, const patching::PatchingResult& r, const json& summary, std::string* error) {
    Report report;
    try {
        report = buildPatchingReport(r, summary);
    } catch (const json::exception& e) {  // a result file whose summary lacks what the report reads
        if (error) *error = std::string("the result's summary is incomplete: ") + e.what();
        return false;
    }
    auto e = writeReport(dir, report);
    if (e && error) *error = *e;
    return !e;
}

}  // namespace scalpel
