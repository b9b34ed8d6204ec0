// Fuzz target for GPT-2 byte-level BPE. Input starting with '{' is parsed as a tokenizer.json
// (and, if it loads, used to encode itself); anything else is text for a fixed small tokenizer.
// The fixed tokenizer comes from $SCALPEL_FUZZ_TOKENIZER, else tests/fixtures/tokenizer/
// tiny_pairs found next to this source file, else a built-in byte-only vocabulary.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "data/bpe_text.h"
#include "data/bpe_tokenizer.h"

namespace {

scalpel::BpeTokenizer builtinTokenizer() {
    nlohmann::json vocab = nlohmann::json::object();
    for (int b = 0; b < 256; ++b) {
        std::string sym;
        scalpel::bpe::appendUtf8(sym, scalpel::bpe::byteToSymbolTable()[b]);
        vocab[sym] = b;
    }
    vocab["\xc4\xa0t"] = 256;  // "Ġt"
    nlohmann::json root = {{"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", {"\xc4\xa0 t"}}}},
                           {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}}}};
    auto r = scalpel::BpeTokenizer::fromTokenizerJson(root.dump());
    if (!r) std::abort();  // the built-in vocabulary must always load
    return std::move(r.value());
}

const scalpel::BpeTokenizer& fixedTokenizer() {
    static const scalpel::BpeTokenizer tok = [] {
        std::string path;
        if (const char* env = std::getenv("SCALPEL_FUZZ_TOKENIZER")) path = env;
        else path = (std::filesystem::path(__FILE__).parent_path() / "../fixtures/tokenizer/tiny_pairs").string();
        auto r = scalpel::BpeTokenizer::load(path);
        return r ? std::move(r.value()) : builtinTokenizer();
    }();
    return tok;
}

void exercise(const scalpel::BpeTokenizer& tok, const std::string& text) {
    const auto ids = tok.encode(text);
    const std::string back = tok.decode(ids);
    // Byte-level BPE must reproduce every input, invalid bytes replaced as in decode.
    if (back != scalpel::bpe::replaceInvalidUtf8(text)) std::abort();
    for (size_t i = 0; i < ids.size() && i < 64; ++i) {
        (void)tok.tokenText(ids[i]);
        (void)tok.tokenString(ids[i]);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    if (!input.empty() && input[0] == '{') {
        auto r = scalpel::BpeTokenizer::fromTokenizerJson(input);
        if (r) exercise(r.value(), input.substr(0, 4096));
        return 0;
    }
    exercise(fixedTokenizer(), input);
    return 0;
}
