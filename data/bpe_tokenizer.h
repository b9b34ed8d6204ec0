#pragma once
// GPT-2 byte-level BPE (formats.md §6): encode text to ids and decode ids to text,
// byte-exact with OpenAI's encoder.py / Hugging Face's ByteLevel BPE.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "data/result.h"

namespace scalpel {

class BpeTokenizer {
public:
    // Loads from a folder (tokenizer.json, or vocab.json + merges.txt, or
    // encoder.json + vocab.bpe) or from a tokenizer.json file directly.
    static Result<BpeTokenizer> load(const std::string& path);
    static Result<BpeTokenizer> fromVocabAndMerges(const std::string& vocabJson, const std::string& mergesTxt);
    static Result<BpeTokenizer> fromTokenizerJson(const std::string& tokenizerJson);

    // Invalid UTF-8 in `text` is encoded faithfully: each undecodable byte keeps its own
    // byte symbol and pre-splits like a non-letter, non-digit, non-space character (as
    // U+FFFD would), so every byte string has an encoding and decode() returns the same bytes
    // whenever the input was valid UTF-8.
    std::vector<int32_t> encode(std::string_view text) const;
    // Concatenates token bytes; invalid UTF-8 becomes U+FFFD.
    std::string decode(const std::vector<int32_t>& ids) const;
    // The token's text as shown to a user (bytes decoded, e.g. " the"); "" for unknown ids.
    std::string tokenText(int32_t id) const;
    // The token's vocabulary spelling (e.g. "Ġthe").
    std::string tokenString(int32_t id) const;
    size_t vocabSize() const;   // max id + 1
    size_t mergeCount() const;
    const std::string& source() const;

    BpeTokenizer();
    ~BpeTokenizer();
    BpeTokenizer(BpeTokenizer&&) noexcept;
    BpeTokenizer& operator=(BpeTokenizer&&) noexcept;

    struct Impl;  // data/bpe_tokenizer_impl.h

private:
    // Same as the public loaders, with the file names used in error messages.
    static Result<BpeTokenizer> fromFiles(const std::string& vocabText, const std::string& vocabName,
                                          const std::string& mergesText, const std::string& mergesName,
                                          const std::string& source);
    static Result<BpeTokenizer> fromTokenizerJsonFile(const std::string& text, const std::string& path);
    std::unique_ptr<Impl> impl_;
};

}  // namespace scalpel
