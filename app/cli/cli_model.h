#pragma once
// What the model-running subcommands (run, patch) share: the tokenizer that sits beside a
// Hugging Face checkpoint, if any.
#include <optional>
#include <string>

#include "data/bpe_tokenizer.h"
#include "data/result.h"

namespace scalpel::cli {

// The folder's tokenizer (tokenizer.json, vocab.json + merges.txt, or encoder.json + vocab.bpe)
// for a checkpoint folder or a weights file inside one; nullopt when the folder has none, an
// error when one is there but broken.
Result<std::optional<BpeTokenizer>> tokenizerBeside(const std::string& modelPath);

}  // namespace scalpel::cli
