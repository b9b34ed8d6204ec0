// Fuzz target for the patching prompt-pair reader (data/prompt_pairs): any bytes as a JSONL file
// with token ids (no tokenizer). Must return a value or an error, never crash or throw.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "data/prompt_pairs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto r = scalpel::parsePromptPairs(text, "fuzz.jsonl", nullptr, std::nullopt);
    if (r) {
        const auto& p = r.value();
        // Invariants the patching code relies on.
        if (p.clean.size() != p.corrupt.size() || p.clean.size() != p.answer.size() || p.clean.empty()) std::abort();
        for (size_t i = 0; i < p.clean.size(); ++i)
            if (p.clean[i].size() != p.corrupt[i].size() || p.clean[i].size() != p.clean[0].size()) std::abort();
    }
    return 0;
}
