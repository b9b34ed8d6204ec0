#pragma once
// The tokenizer that sits beside a Hugging Face checkpoint, if any (scalpel run, scalpel patch,
// the workbench's patching job).
#include <optional>
#include <string>

#include "data/bpe_tokenizer.h"
#include "data/result.h"

namespace scalpel::engine {

// The folder's tokenizer (tokenizer.json, vocab.json + merges.txt, or encoder.json + vocab.bpe)
// for a checkpoint folder or a weights file inside one; nullopt when the folder has none, an
// error when one is there but broken.
Result<std::optional<BpeTokenizer>> tokenizerBeside(const std::string& modelPath);

}  // namespace scalpel::engine
