// The CLIP decomposition report (app/report_exporter.h): scores with their meaning, every
// number of clipSummaryJson, parameters and provenance, the figures of the view as SVG and
// CSV files of spectra, prompt groups, the sigma sweep and nullification cosines.
#include <QDateTime>
#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "analysis/clip/clip_result_file.h"
#include "app/report_exporter.h"
#include "widgets/plots/figure_export.h"
#include "widgets/views/clip_figures.h"

namespace scalpel {
namespace {

using nlohmann::json;

std::string scalarText(const json& v) {
    if (v.is_number_float()) {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.10g", v.get<double>());
        return buf;
    }
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
}

// Every scalar of the summary, keys joined with '.', arrays of scalars joined with "; ".
void flatten(const json& j, const std::string& prefix, std::vector<std::pair<std::string, json>>& out) {
    for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
        if (key == "prompt_groups") continue;  // a table and a CSV of its own
        if (it->is_object()) flatten(*it, key, out);
        else out.emplace_back(key, *it);
    }
}

std::string spectraCsv(const clip::Decomposition& d) {
    std::string s = "index,c_ii,lambda_text,lambda_schur,c_tt\n";
    const Eigen::Index n = std::max({d.spectrumImage.size(), d.spectrumText.size(), d.spectrumSchur.size(), d.spectrumTextCov.size()});
    auto at = [](const Eigen::VectorXd& v, Eigen::Index i) { return i < v.size() ? csvNumber(v(i)) : std::string(); };
    for (Eigen::Index i = 0; i < n; ++i)
        s += std::to_string(i + 1) + "," + at(d.spectrumImage, i) + "," + at(d.spectrumText, i) + "," +
             at(d.spectrumSchur, i) + "," + at(d.spectrumTextCov, i) + "\n";
    return s;
}

ReportFigure figure(const plots::AnyFigure& f, const std::string& caption, int w = 520, int h = 360) {
    return {caption, plots::figureToSvg(f, w, h)};
}

}  // namespace

Report buildClipReport(const ClipAnalysis& a) {
    const clip::Decomposition& d = a.decomposition;
    const ClipFigures F = buildClipFigures(a);
    Report r;
    r.title = "CLIP Schur-complement decomposition" + (a.source.empty() ? std::string() : " — " + a.source);

    ReportSection scores{"Scores", {}, {}, {}};
    scores.paragraphs = {"SCE = " + csvNumber(d.sce) + ". " + kSceMeaning + ".",
                         "Text score = " + csvNumber(d.textScore) + ". " + kTextScoreMeaning + ".",
                         "Tr Λ_{I|T} " + plots::formatNumber(d.traceSchur) + " + Tr Λ_{I,T} " +
                             plots::formatNumber(d.traceText) + " = Tr C_II " + plots::formatNumber(d.traceImage) +
                             ". Route: " + clipRouteLine(d) + "."};
    for (const auto& w : d.warnings) scores.paragraphs.push_back("Warning: " + w);
    scores.figures = {figure(F.decomposition, "Decomposition of the image covariance trace", 520, 220),
                      figure(F.spectra, "Eigenvalue spectra (log scale) with the clamp and the C_TT cut-off")};
    if (!a.sweep.empty()) scores.figures.push_back(figure(F.sweep, "SCE for σ around the chosen value (same seed)"));
    r.sections.push_back(std::move(scores));

    const json summary = json::parse(clip::clipSummaryJson(d, a.options, a.nullification));
    std::vector<std::pair<std::string, json>> flat;
    flatten(summary, "", flat);
    ReportSection numbers{"All numbers", {"Every value of the JSON summary (clipSummaryJson)."}, {}, {}};
    ReportTable table{"", {"quantity", "value"}, {}};
    std::string scoresCsv = "quantity,value\n";
    for (const auto& [key, value] : flat) {
        table.rows.push_back({key, scalarText(value)});
        scoresCsv += csvField(key) + "," + csvField(value.is_number() ? csvNumber(value.get<double>()) : scalarText(value)) + "\n";
    }
    numbers.tables.push_back(std::move(table));
    r.sections.push_back(std::move(numbers));

    ReportSection groups{"Per-prompt diversity", {}, {}, {}};
    groups.paragraphs.push_back(std::to_string(d.groups.size()) +
                                " prompt groups; the within-group trace is the image diversity of one prompt.");
    if (!F.groups.bars.empty()) groups.figures.push_back(figure(F.groups, "Largest groups", 620, 40 + 22 * int(F.groups.bars.size()) + 60));
    std::string groupsCsv = "prompt,size,within_trace\n";
    for (const auto& g : d.groups) groupsCsv += csvField(g.label) + "," + std::to_string(g.size) + "," + csvNumber(g.withinTrace) + "\n";
    r.sections.push_back(std::move(groups));

    if (a.nullification || a.pcaBefore.size() > 0) {
        ReportSection nul{"Prompt nullification", {}, {}, {}};
        if (a.nullification)
            nul.paragraphs.push_back("Form: " + a.nullifyForm + ". Mean cos(text, image) " +
                                     csvNumber(a.nullification->meanCosineBefore) + " before, " +
                                     csvNumber(a.nullification->meanCosineAfter) + " after; rank kept " +
                                     std::to_string(a.nullification->rankKept) + ".");
        if (!F.pcaBefore.sets.empty()) nul.figures.push_back(figure(F.pcaBefore, "PCA of the image embeddings (colour: prompt group)"));
        if (!F.pcaAfter.sets.empty()) nul.figures.push_back(figure(F.pcaAfter, "PCA after nullification"));
        if (!F.cosines.sets.empty()) nul.figures.push_back(figure(F.cosines, "cos(text, image) per pair, before vs after"));
        r.sections.push_back(std::move(nul));
    }

    ReportSection prov{"Parameters and provenance", {}, {}, {}};
    ReportTable pt{"", {"item", "value"}, {}};
    pt.rows = {{"embeddings", a.source}, {"text key", a.textKey}, {"image key", a.imageKey},
               {"Scalpel version", SCALPEL_VERSION_STRING},
               {"created", QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toStdString()}};
    for (auto it = summary["parameters"].begin(); it != summary["parameters"].end(); ++it)
        pt.rows.push_back({"parameter " + it.key(), scalarText(*it)});
    prov.tables.push_back(std::move(pt));
    r.sections.push_back(std::move(prov));

    r.csvs.push_back({"spectra", spectraCsv(d)});
    r.csvs.push_back({"groups", groupsCsv});
    r.csvs.push_back({"scores", scoresCsv});
    if (!a.sweep.empty()) {
        std::string s = "sigma,sce,text_score\n";
        for (const auto& p : a.sweep) s += csvNumber(p.sigma) + "," + csvNumber(p.sce) + "," + csvNumber(p.textScore) + "\n";
        r.csvs.push_back({"sigma_sweep", s});
    }
    if (a.nullification) {
        std::string s = "row,cosine_before,cosine_after\n";
        for (Eigen::Index i = 0; i < a.nullification->cosineBefore.size(); ++i)
            s += std::to_string(i) + "," + csvNumber(a.nullification->cosineBefore(i)) + "," + csvNumber(a.nullification->cosineAfter(i)) + "\n";
        r.csvs.push_back({"nullification", s});
    }
    return r;
}

bool exportClipReport(const std::string& dir, const ClipAnalysis& analysis, std::string* error) {
    try {
        if (auto err = writeReport(dir, buildClipReport(analysis))) {
            if (error) *error = *err;
            return false;
        }
    } catch (const std::exception& e) {
        if (error) *error = dir + ": " + e.what();
        return false;
    }
    return true;
}

bool exportClipReport(const std::string& dir, const clip::Decomposition& d, const clip::Options& o,
                      const std::optional<clip::Nullification>& nullification, const std::string& source, std::string* error) {
    ClipAnalysis a;
    a.source = source;
    a.options = o;
    a.decomposition = d;
    a.nullification = nullification;
    if (nullification) a.nullifyForm = "given";
    return exportClipReport(dir, a, error);
}

}  // namespace scalpel
