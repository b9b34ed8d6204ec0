// Loading and validating GPT-2 byte-level BPE vocabularies (formats.md §6): vocab.json +
// merges.txt, encoder.json + vocab.bpe, or tokenizer.json with merges as "a b" strings or
// ["a","b"] pairs. Every problem is an error naming the file and what is wrong.
#include <filesystem>
#include <fstream>
#include <limits>

#include <nlohmann/json.hpp>

#include "data/bpe_text.h"
#include "data/bpe_tokenizer_impl.h"

namespace scalpel {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr uintmax_t kMaxFileBytes = 100u << 20;  // formats.md §0: JSON <= 100 MB
const char* const kEndOfText = "<|endoftext|>";

std::string readFile(const fs::path& path) {
    std::error_code ec;
    const uintmax_t size = fs::file_size(path, ec);
    if (ec) fail("cannot read: " + ec.message());
    if (size > kMaxFileBytes) fail("file is " + std::to_string(size) + " bytes, over the 100 MB limit");
    std::ifstream in(path, std::ios::binary);
    std::string data(static_cast<size_t>(size), '\0');
    if (!in.read(data.data(), static_cast<std::streamsize>(size))) fail("cannot read the file");
    return data;
}

json parseJson(std::string_view text) {
    try {
        return json::parse(text);
    } catch (const json::exception& e) {
        fail(std::string("invalid JSON: ") + e.what());
    }
}

// A token for an error message: one line (control bytes escaped), short, valid UTF-8.
std::string inQuotes(std::string_view s) {
    std::string out = "'";
    for (char c : bpe::replaceInvalidUtf8(s.substr(0, 80))) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned char>(c));
            out += hex;
        } else {
            out += c;
        }
    }
    return out + (s.size() > 80 ? "...'" : "'");
}

// A merge as read from a file: the two parts and where it came from (for messages).
struct RawMerge {
    std::string left, right;
    std::string where;  // "line 12" / "merges[11]"
};

struct RawModel {
    std::vector<std::pair<std::string, int64_t>> vocab;
    std::vector<RawMerge> merges;
    std::vector<AddedToken> added;
    bool addPrefixSpace = false;
    bool ignoreMerges = false;
};

void readVocab(const json& v, RawModel& raw) {
    if (!v.is_object()) fail("vocab is not a JSON object");
    for (const auto& [key, id] : v.items()) {
        if (!id.is_number_integer()) fail("vocab id of " + inQuotes(key) + " is not an integer");
        const int64_t value = id.get<int64_t>();
        if (value < 0 || value > std::numeric_limits<int32_t>::max())
            fail("vocab id " + std::to_string(value) + " of " + inQuotes(key) + " is out of range");
        raw.vocab.emplace_back(key, value);
    }
}

// merges.txt / vocab.bpe: optional "#version" first line, then exactly "left right" per line.
void readMergesText(std::string_view text, RawModel& raw) {
    size_t lineNo = 0;
    for (size_t pos = 0; pos < text.size();) {
        size_t eol = text.find('\n', pos);
        if (eol == std::string_view::npos) eol = text.size();
        std::string_view line = text.substr(pos, eol - pos);
        pos = eol + 1;
        ++lineNo;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (lineNo == 1 && line.starts_with("#version")) continue;
        const size_t space = line.find(' ');
        if (line.empty() || space == std::string_view::npos || space == 0 || space + 1 == line.size() ||
            line.find(' ', space + 1) != std::string_view::npos)
            fail("line " + std::to_string(lineNo) + " is not exactly two tokens separated by one space: " +
                 inQuotes(line));
        raw.merges.push_back({std::string(line.substr(0, space)), std::string(line.substr(space + 1)),
                              "line " + std::to_string(lineNo)});
    }
}

void readMergesJson(const json& merges, RawModel& raw) {
    if (!merges.is_array()) fail("model.merges is not an array");
    for (size_t i = 0; i < merges.size(); ++i) {
        const json& m = merges[i];
        const std::string where = "model.merges[" + std::to_string(i) + "]";
        if (m.is_string()) {  // tokenizers < 0.20: "left right"
            const std::string& s = m.get_ref<const std::string&>();
            const size_t space = s.find(' ');
            if (space == std::string::npos || space == 0 || space + 1 == s.size() ||
                s.find(' ', space + 1) != std::string::npos)
                fail(where + " is not exactly two tokens separated by one space: " + inQuotes(s));
            raw.merges.push_back({s.substr(0, space), s.substr(space + 1), where});
        } else if (m.is_array()) {  // tokenizers >= 0.20: ["left", "right"]
            if (m.size() != 2 || !m[0].is_string() || !m[1].is_string())
                fail(where + " is not a pair of two strings (has " + std::to_string(m.size()) + " elements)");
            raw.merges.push_back({m[0].get<std::string>(), m[1].get<std::string>(), where});
        } else {
            fail(where + " is neither a \"a b\" string nor an [\"a\",\"b\"] pair");
        }
    }
}

bool boolField(const json& obj, const char* key, bool fallback) {
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return fallback;
    if (!it->is_boolean()) fail(std::string(key) + " is not a boolean");
    return it->get<bool>();
}

RawModel readTokenizerJsonChecked(std::string_view text);

// nlohmann throws type errors for unexpected shapes (e.g. a non-string "type"); report them
// as format errors instead of letting them escape the loader.
RawModel readTokenizerJson(std::string_view text) {
    try {
        return readTokenizerJsonChecked(text);
    } catch (const json::exception& e) {
        fail(std::string("unexpected JSON structure: ") + e.what());
    }
}

RawModel readTokenizerJsonChecked(std::string_view text) {
    const json root = parseJson(text);
    if (!root.is_object()) fail("tokenizer.json is not a JSON object");
    RawModel raw;
    const auto model = root.find("model");
    if (model == root.end() || !model->is_object()) fail("no \"model\" object");
    if (const auto type = model->find("type"); type != model->end()) {
        if (!type->is_string()) fail("model.type is not a string");
        if (type->get<std::string>() != "BPE") fail("unsupported tokenizer model " + type->get<std::string>());
    }
    for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
        const auto it = model->find(key);
        if (it != model->end() && !it->is_null() && !(it->is_string() && it->get<std::string>().empty()))
            fail(std::string("unsupported model.") + key + " " + inQuotes(it->dump()));
    }
    raw.ignoreMerges = boolField(*model, "ignore_merges", false);
    const auto vocab = model->find("vocab");
    if (vocab == model->end()) fail("model.vocab is missing");
    readVocab(*vocab, raw);
    const auto merges = model->find("merges");
    if (merges == model->end()) fail("model.merges is missing");
    readMergesJson(*merges, raw);

    if (const auto norm = root.find("normalizer"); norm != root.end() && !norm->is_null())
        fail("unsupported normalizer " + inQuotes(norm->dump()));
    const auto pre = root.find("pre_tokenizer");
    if (pre == root.end() || !pre->is_object() || !pre->contains("type") || (*pre)["type"] != "ByteLevel")
        fail("unsupported pre_tokenizer " + (pre == root.end() ? "(none)" : inQuotes(pre->dump())) +
             " (GPT-2 byte-level BPE needs ByteLevel)");
    if (!boolField(*pre, "use_regex", true)) fail("unsupported pre_tokenizer ByteLevel with use_regex false");
    raw.addPrefixSpace = boolField(*pre, "add_prefix_space", false);

    if (const auto added = root.find("added_tokens"); added != root.end() && !added->is_null()) {
        if (!added->is_array()) fail("added_tokens is not an array");
        for (size_t i = 0; i < added->size(); ++i) {
            const json& t = (*added)[i];
            const std::string where = "added_tokens[" + std::to_string(i) + "]";
            if (!t.is_object()) fail(where + " is not an object");
            const auto id = t.find("id"), content = t.find("content");
            if (id == t.end() || !id->is_number_integer()) fail(where + ".id is missing or not an integer");
            if (content == t.end() || !content->is_string() || content->get<std::string>().empty())
                fail(where + ".content is missing, empty or not a string");
            const int64_t value = id->get<int64_t>();
            if (value < 0 || value > std::numeric_limits<int32_t>::max())
                fail(where + ".id " + std::to_string(value) + " is out of range");
            raw.added.push_back({content->get<std::string>(), static_cast<int32_t>(value),
                                 boolField(t, "lstrip", false), boolField(t, "rstrip", false)});
        }
    }
    return raw;
}

// The bytes a vocabulary spelling stands for: each byte symbol back to its byte; any other
// character (not produced by byte-level BPE) stands for its own UTF-8.
std::string spellingBytes(std::string_view spelling) {
    std::string out;
    for (size_t pos = 0; pos < spelling.size();) {
        char32_t cp = 0;
        size_t len = bpe::wellFormedLength(spelling, pos, &cp);
        if (len == 0) {  // cannot come from JSON; merges.txt parts are checked against vocab
            out += spelling[pos++];
            continue;
        }
        const int b = bpe::symbolToByte(cp);
        if (b >= 0) out += static_cast<char>(b);
        else out.append(spelling.substr(pos, len));
        pos += len;
    }
    return out;
}

void build(RawModel raw, BpeTokenizer::Impl& m) {
    int64_t maxId = -1;
    for (const auto& [s, id] : raw.vocab) maxId = std::max(maxId, id);
    for (const auto& a : raw.added) maxId = std::max<int64_t>(maxId, a.id);
    const int64_t count = static_cast<int64_t>(raw.vocab.size() + raw.added.size());
    if (maxId < 0) fail("the vocabulary is empty");
    // Ids index a table: refuse sparse ids that would make it far larger than the file.
    if (maxId > 4 * count + 1024)
        fail("max id " + std::to_string(maxId) + " is implausible for " + std::to_string(count) + " tokens");
    m.idString.assign(static_cast<size_t>(maxId) + 1, std::string());
    m.idBytes.assign(static_cast<size_t>(maxId) + 1, std::string());
    std::vector<bool> used(static_cast<size_t>(maxId) + 1, false);
    m.vocab.reserve(raw.vocab.size());
    for (auto& [s, id] : raw.vocab) {
        if (used[id])
            fail("duplicate id " + std::to_string(id) + " for " + inQuotes(m.idString[id]) + " and " + inQuotes(s));
        used[id] = true;
        m.idBytes[id] = spellingBytes(s);
        m.idString[id] = s;
        m.vocab.emplace(std::move(s), static_cast<int32_t>(id));
    }
    for (auto& a : raw.added) {
        const auto it = m.vocab.find(a.content);
        if (it != m.vocab.end() && it->second != a.id)
            fail("added token " + inQuotes(a.content) + " has id " + std::to_string(a.id) + " but the vocab says " +
                 std::to_string(it->second));
        if (it == m.vocab.end()) {
            if (used[a.id])
                fail("added token " + inQuotes(a.content) + " reuses id " + std::to_string(a.id) + " of " +
                     inQuotes(m.idString[a.id]));
            used[a.id] = true;
            m.idString[a.id] = a.content;
        }
        m.idBytes[a.id] = a.content;  // special tokens decode to their literal text
    }
    m.added = std::move(raw.added);

    const char32_t* table = bpe::byteToSymbolTable();
    for (int b = 0; b < 256; ++b) {
        std::string sym;
        bpe::appendUtf8(sym, table[b]);
        const auto it = m.vocab.find(sym);
        if (it == m.vocab.end()) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "0x%02x", b);
            fail("the vocabulary lacks the byte symbol " + inQuotes(sym) + " for byte " + hex +
                 " (not a byte-level BPE vocabulary?)");
        }
        m.byteId[b] = it->second;
    }

    if (raw.merges.empty()) fail("zero merges (merges missing or in an unsupported encoding)");
    m.mergeRank.reserve(raw.merges.size());
    for (size_t rank = 0; rank < raw.merges.size(); ++rank) {
        const RawMerge& r = raw.merges[rank];
        const auto left = m.vocab.find(r.left), right = m.vocab.find(r.right);
        if (left == m.vocab.end()) fail("merge at " + r.where + ": " + inQuotes(r.left) + " is not in the vocabulary");
        if (right == m.vocab.end()) fail("merge at " + r.where + ": " + inQuotes(r.right) + " is not in the vocabulary");
        const auto merged = m.vocab.find(r.left + r.right);
        if (merged == m.vocab.end())
            fail("merge at " + r.where + ": " + inQuotes(r.left + r.right) + " (the concatenation) is not in the vocabulary");
        // The first listing of a pair wins, as in a rank table built by position.
        m.mergeRank.emplace(BpeTokenizer::Impl::pairKey(left->second, right->second),
                            BpeTokenizer::Impl::Merge{static_cast<int32_t>(rank), merged->second});
    }
    m.mergeCount = raw.merges.size();
    m.addPrefixSpace = raw.addPrefixSpace;
    m.ignoreMerges = raw.ignoreMerges;
}

}  // namespace

Result<BpeTokenizer> BpeTokenizer::fromVocabAndMerges(const std::string& vocabJson, const std::string& mergesTxt) {
    return fromFiles(vocabJson, "", mergesTxt, "", "");
}

Result<BpeTokenizer> BpeTokenizer::fromFiles(const std::string& vocabText, const std::string& vocabName,
                                             const std::string& mergesText, const std::string& mergesName,
                                             const std::string& source) {
    RawModel raw;
    const auto readVocabFile = [&] {
        try {
            readVocab(parseJson(vocabText), raw);
        } catch (const json::exception& e) {
            fail(std::string("unexpected JSON structure: ") + e.what());
        }
        return true;
    };
    if (auto r = catchError(vocabName, readVocabFile); !r)
        return r.error();
    // vocab.json has no added_tokens: like GPT2Tokenizer, treat <|endoftext|> as special.
    for (const auto& [s, id] : raw.vocab)
        if (s == kEndOfText) raw.added.push_back({s, static_cast<int32_t>(id)});
    return catchError(mergesName, [&] {
        readMergesText(mergesText, raw);
        BpeTokenizer tok;
        build(std::move(raw), *tok.impl_);
        tok.impl_->source = source;
        return tok;
    });
}

Result<BpeTokenizer> BpeTokenizer::fromTokenizerJson(const std::string& tokenizerJson) {
    return fromTokenizerJsonFile(tokenizerJson, "");
}

Result<BpeTokenizer> BpeTokenizer::fromTokenizerJsonFile(const std::string& text, const std::string& path) {
    return catchError(path, [&] {
        BpeTokenizer tok;
        build(readTokenizerJson(text), *tok.impl_);
        tok.impl_->source = path;
        return tok;
    });
}

Result<BpeTokenizer> BpeTokenizer::load(const std::string& path) {
    std::error_code ec;
    const auto readOrError = [](const fs::path& p, std::string& out) -> Result<bool> {
        return catchError(p.string(), [&] { out = readFile(p); return true; });
    };
    if (fs::is_directory(path, ec)) {
        const fs::path dir(path);
        std::string a, b;
        if (fs::exists(dir / "tokenizer.json", ec)) {
            if (auto r = readOrError(dir / "tokenizer.json", a); !r) return r.error();
            return fromTokenizerJsonFile(a, (dir / "tokenizer.json").string());
        }
        for (const auto& [vocab, merges] : {std::pair{"vocab.json", "merges.txt"}, std::pair{"encoder.json", "vocab.bpe"}}) {
            if (!fs::exists(dir / vocab, ec) || !fs::exists(dir / merges, ec)) continue;
            if (auto r = readOrError(dir / vocab, a); !r) return r.error();
            if (auto r = readOrError(dir / merges, b); !r) return r.error();
            return fromFiles(a, (dir / vocab).string(), b, (dir / merges).string(), path);
        }
        return Error{path, "no tokenizer.json, vocab.json + merges.txt or encoder.json + vocab.bpe in this folder"};
    }
    std::string text;
    if (auto r = readOrError(path, text); !r) return r.error();
    return fromTokenizerJsonFile(text, path);
}

}  // namespace scalpel
