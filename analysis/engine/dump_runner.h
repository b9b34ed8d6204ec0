#pragma once
// Runs a GPT-2 model on a token batch and writes the logits and chosen hook sites to an
// activation dump (docs/formats.md). Shared by `scalpel run` and the workbench.
#include <optional>
#include <string>
#include <vector>

#include "analysis/common/progress.h"
#include "analysis/engine/gpt2_model.h"
#include "data/activation_dump.h"

namespace scalpel::engine {

struct DumpRequest {
    std::vector<Site> sites;
    bool logits = true;                     // /logits [B, T, V]
    std::vector<std::string> tokenStrings;  // B*T display strings, or empty
    Provenance provenance;
};

struct DumpSummary {
    std::vector<std::string> sites;                 // names written, in forward order
    std::vector<std::vector<int64_t>> shapes;       // dataset shapes, same order
    std::vector<int32_t> argmaxLast;                // the most likely next token of each row
};

// Dump layout of a site: [B, T, features], with q/k/v/z as [B, T, H*dh] (head-major) and
// hook_pattern as [B, Tquery, H*Tkey] (head-major), so that every site is token-indexed.
Result<DumpSummary> runToDump(const Gpt2Model<float>& model, const TokenBatch& tokens, const DumpRequest& request,
                              const std::string& outPath, const ProgressToken& progress = {});

}  // namespace scalpel::engine
