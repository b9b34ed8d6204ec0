#pragma once
// One LRP explanation from files to a result file: load the model and the inputs, explain the
// chosen classes, write the lrp-explain result (graph_lrp_file.h). `scalpel explain` and the
// workbench's Analysis ▸ Explain (LRP)… both run this.
#include <optional>
#include <string>
#include <vector>

#include "analysis/graph/graph_lrp.h"
#include "data/result.h"

namespace scalpel::graph {

struct ExplainRequest {
    std::string modelPath, inputSpec, out;
    std::string targetText = "pred";  // a class, "pred", or a comma list with one entry per example
    LrpOptions options;               // rule already canonical (canonicalLrpRule)
    std::optional<double> low, high;  // scalar z^B bounds (EpsilonGammaBox)
    std::string commandLine;          // provenance ("" from the GUI: "workbench")
};

struct ExplainSummary {
    LrpResult result;
    std::string format, layout;  // model format; input layout as passed (NCHW, NHWC, NC)
    std::vector<double> sums;    // total input relevance per example
    std::vector<double> targetLogits;
};

// "pred", "3" or "3,pred,1" (-1 stands for pred); nullopt when malformed.
std::optional<std::vector<int64_t>> parseLrpTargets(const std::string& text);

// Errors name the model or inputs file; no file is left at `out` on failure.
Result<ExplainSummary> runExplainToFile(const ExplainRequest& request);

}  // namespace scalpel::graph
