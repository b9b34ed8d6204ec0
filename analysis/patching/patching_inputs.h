#pragma once
// Everything a patching run needs, from paths: the model's weights, its tokenizer (if any), the
// prompt batch (a JSONL file or built-in IOI prompts) and the clean prompts' token texts. Shared
// by `scalpel patch` and the workbench's patching job.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/engine/gpt2_weights.h"
#include "analysis/patching/ioi_prompts.h"
#include "analysis/patching/relevance_patching.h"

namespace scalpel::patching {

struct PatchingRequest {
    std::string modelPath;
    std::string promptsPath;  // JSONL; empty = built-in IOI prompts
    int ioiCount = 0;
    IoiCorruption corruption = IoiCorruption::Abc;
    uint64_t seed = 0;
    bool bos = true;  // prepend the config's bos_token_id to text prompts
};

struct PatchingInputs {
    engine::Gpt2Weights weights;
    PromptBatch batch;
    std::string source;                                 // "FILE" or "ioi n=… corruption=… seed=…"
    std::vector<std::vector<std::string>> cleanTokens;  // token texts (empty without a tokenizer)
};

// Errors name the file (and line) at fault.
scalpel::Result<PatchingInputs> loadPatchingInputs(const PatchingRequest& request);

}  // namespace scalpel::patching
