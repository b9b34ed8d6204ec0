#pragma once
// Prompt pairs for patching experiments (relp.md §1), one JSON object per line:
//   {"clean": "When Mary and John ...", "corrupt": "...", "answer": " Mary", "wrong": " John"}
// `clean`/`corrupt` are strings (tokenized with the model's tokenizer) or lists of token ids;
// `answer`/`wrong` are strings of exactly one token or token ids. Blank lines and lines starting
// with '#' are skipped. Every error names the file and the line.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "data/bpe_tokenizer.h"
#include "data/result.h"

namespace scalpel {

struct PromptPairs {
    std::vector<std::vector<int32_t>> clean, corrupt;  // equal lengths within a pair and across pairs
    std::vector<int32_t> answer, wrong;
    std::vector<int> lines;                              // source line of each pair (1-based)
};

// `tokenizer` may be null when every field holds ids. `bos` is prepended to string prompts.
Result<PromptPairs> readPromptPairs(const std::string& path, const BpeTokenizer* tokenizer, std::optional<int32_t> bos);
// The same from text already in memory (`name` is used in messages).
Result<PromptPairs> parsePromptPairs(const std::string& text, const std::string& name, const BpeTokenizer* tokenizer,
                                     std::optional<int32_t> bos);

}  // namespace scalpel
