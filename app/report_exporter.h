#pragma once
// Report export: a report is sections of title + paragraphs + figures (inline SVG) + tables,
// plus CSV files written next to it. Any method can build one; writeReport makes
// DIR/report.html and DIR/report_<name>.csv. Needs no widgets: figures are drawn with
// QPainter, so a QGuiApplication (the offscreen platform is enough) must exist.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/clip/clip_options.h"
#include "analysis/clip/nullification.h"
#include "analysis/clip/schur_decomposition.h"
#include "analysis/patching/relevance_patching.h"

namespace scalpel {

struct ClipAnalysis;

struct ReportTable {
    std::string caption;
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
};

struct ReportFigure {
    std::string caption;
    std::string svg;  // a complete SVG document or just the <svg> element
};

struct ReportSection {
    std::string title;
    std::vector<std::string> paragraphs;  // plain text (escaped on output)
    std::vector<ReportFigure> figures;
    std::vector<ReportTable> tables;
};

struct ReportCsv {
    std::string name;     // written as report_<name>.csv
    std::string content;  // complete CSV text with header line
};

struct Report {
    std::string title;
    std::vector<ReportSection> sections;
    std::vector<ReportCsv> csvs;
};

std::string htmlEscape(const std::string& text);
// CSV pieces: a number with round-trip precision (%.17g), a field quoted when it needs to be.
std::string csvNumber(double v);
std::string csvField(const std::string& s);
std::string renderReportHtml(const Report& report);
// Creates `dir` if needed and writes report.html, report.pdf and the CSVs. Returns an error message.
std::optional<std::string> writeReport(const std::string& dir, const Report& report);
// The report as A4 PDF pages (vector figures). Needs a QGuiApplication.
std::optional<std::string> writeReportPdf(const std::string& path, const Report& report);

// --- CLIP (Schur-complement decomposition) report, built in app/clip_report.cpp ---
Report buildClipReport(const ClipAnalysis& analysis);
// Headless entry point: writes DIR/report.html + report_*.csv. Without embeddings there is no
// sigma sweep and no PCA scatter; nullification (if given) adds its cosines. `source` names
// the embeddings file in the provenance table. error (optional) receives the reason on failure.
bool exportClipReport(const std::string& dir, const clip::Decomposition& d, const clip::Options& o,
                      const std::optional<clip::Nullification>& nullification, const std::string& source = {},
                      std::string* error = nullptr);
bool exportClipReport(const std::string& dir, const ClipAnalysis& analysis, std::string* error = nullptr);

// --- Relevance-patching report, built in app/patching_report.cpp ---
// Summary, agreement table, every component's method heatmaps and scatters against AP (SVG),
// IG completeness, and one CSV of batch-mean maps per component. `summary` is patchingSummary.
Report buildPatchingReport(const patching::PatchingResult& result, const nlohmann::json& summary);
bool exportPatchingReport(const std::string& dir, const patching::PatchingResult& result, const nlohmann::json& summary,
                          std::string* error = nullptr);

}  // namespace scalpel
