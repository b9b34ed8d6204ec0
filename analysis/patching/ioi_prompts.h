#pragma once
// Built-in indirect-object-identification prompts (Wang et al. 2022 style; relp.md §6) for
// GPT-2-tokenized models: "When Mary and John went to the store, John gave a drink to" ->
// " Mary" (answer, the indirect object) vs " John" (wrong, the subject). Corruptions keep the
// token count: ABC (three fresh names in the name slots) or S2-swap (S2 replaced by IO).
// Names, places and objects are used only where they are one token for the given tokenizer.
// Same seed, same prompts. scripts/py/ioi.py (training the demo model) uses the same lists.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "data/bpe_tokenizer.h"
#include "data/prompt_pairs.h"
#include "data/result.h"

namespace scalpel::patching {

enum class IoiCorruption { Abc, S2Swap };

struct IoiPrompt {
    std::string clean, corrupt, answer, wrong;  // answer/wrong with their leading space
};

// n prompts, all of one token length (the templates are grouped by length and the group of the
// first draw is kept). Throws std::invalid_argument when the tokenizer leaves too few one-token names.
std::vector<IoiPrompt> generateIoi(int n, uint64_t seed, IoiCorruption corruption, const BpeTokenizer& tokenizer);

// The same, tokenized (with `bos` prepended when given) into prompt pairs.
PromptPairs tokenizeIoi(const std::vector<IoiPrompt>& prompts, const BpeTokenizer& tokenizer, std::optional<int32_t> bos);

}  // namespace scalpel::patching
