#pragma once
// One report for a whole session: every document's figures as drawn on screen (same style,
// same selections), its parameters, the numbers behind each figure as CSV, and a provenance
// table (each file's size, SHA-256 and whether it changed since the session was saved).
// Used by File ▸ Export Report and by `scalpel report --session` (no display needed).
#include <memory>
#include <optional>
#include <string>

#include "analysis/common/progress.h"
#include "analysis/patching/patching_result_file.h"
#include "app/report_exporter.h"
#include "data/session_file.h"

namespace scalpel {

struct SessionReportInputs {
    Session session;
    std::string sessionPath;  // resolves the documents' relative paths
    // A relevance-patching result held in memory (a GUI run not yet saved) replaces the file
    // of the session's patching document.
    std::shared_ptr<const patching::PatchingFile> patchingInMemory;
};

// Throws std::runtime_error naming the file for a document that cannot be read.
Report buildSessionReport(const SessionReportInputs& inputs, const ProgressToken& progress = {});

// Writes `out` (.html or .pdf) and the report's CSVs beside it (report_<name>.csv).
std::optional<std::string> writeReportFile(const std::string& out, const Report& report);

// `scalpel report --session FILE --out report.html|report.pdf [--json]`: headless (offscreen).
int reportCommand(int argc, char** argv);

}  // namespace scalpel
