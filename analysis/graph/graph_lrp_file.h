#pragma once
// Writes an LRP explanation (analysis/graph/graph_lrp.h) to a Scalpel result file: schema
// "result", method "lrp-explain" (layout in docs/formats.md). Written to `<path>.tmp` and renamed,
// so that no partial file is left at `path` on an error.
#include <optional>
#include <string>

#include "analysis/graph/graph_lrp.h"
#include "data/activation_dump.h"
#include "data/result.h"

namespace scalpel::graph {

struct LrpFileInfo {
    std::string inputLayout;     // "NCHW", "NHWC" or "NC"
    std::string parametersJson;  // the run's settings (rule, epsilon, gamma, low, high, targets, ...)
    Provenance provenance;
};

// /results/relevance and /results/inputs float32 (the input's shape, as the user passed it),
// /results/outputs float32 [B, K] (the explained logits), /results/target int64 [B],
// /results/relevance_sum float64 [B]; root attributes input_layout and rule.
std::optional<Error> writeLrpResult(const std::string& path, const LrpResult& r, const Tensor& inputs, const LrpFileInfo& info);

}  // namespace scalpel::graph
