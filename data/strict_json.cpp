#include "data/strict_json.h"

#include <set>
#include <vector>

#include "data/result.h"

namespace scalpel {

std::optional<size_t> findInvalidUtf8(std::span<const uint8_t> b) {
    size_t i = 0;
    const size_t n = b.size();
    while (i < n) {
        uint8_t c = b[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        size_t len;
        uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) len = 2, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef) len = 3, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4) len = 4, cp = c & 0x07;
        else return i;  // stray continuation byte, 0xc0/0xc1 overlong lead, or > U+10FFFF lead
        if (n - i < len) return i;
        for (size_t k = 1; k < len; ++k) {
            if ((b[i + k] & 0xc0) != 0x80) return i;
            cp = (cp << 6) | (b[i + k] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return i;  // overlong, out of range, or a UTF-16 surrogate
        i += len;
    }
    return std::nullopt;
}

namespace {

// SAX pass that builds nothing: records duplicate keys and the top-level key order. (The DOM
// parser's callback mode cannot be used: it rescans the parent after every nested object,
// which is quadratic in the number of tensors.)
struct KeyChecker : nlohmann::json_sax<nlohmann::json> {
    std::vector<std::set<std::string>> open;  // key sets of the objects being parsed
    std::vector<std::string>* topLevelKeys = nullptr;
    std::string duplicate;
    std::string error;

    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t&) override { return true; }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override {
        open.emplace_back();
        return true;
    }
    bool key(string_t& k) override {
        if (!open.back().insert(k).second && duplicate.empty()) duplicate = k;
        if (open.size() == 1 && topLevelKeys) topLevelKeys->push_back(k);
        return true;
    }
    bool end_object() override {
        open.pop_back();
        return true;
    }
    bool start_array(std::size_t) override { return true; }
    bool end_array() override { return true; }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
        error = e.what();
        return false;
    }
};

}  // namespace

nlohmann::json parseStrictJson(std::span<const uint8_t> bytes, const std::string& what,
                               std::vector<std::string>* topLevelKeys) {
    KeyChecker checker;
    checker.topLevelKeys = topLevelKeys;
    if (!nlohmann::json::sax_parse(bytes.begin(), bytes.end(), &checker)) fail(what + " is not valid JSON: " + checker.error);
    if (!checker.duplicate.empty()) fail(what + " has the key '" + checker.duplicate + "' twice");
    try {
        return nlohmann::json::parse(bytes.begin(), bytes.end());
    } catch (const nlohmann::json::exception& e) {
        fail(what + " is not valid JSON: " + e.what());
    }
}

}  // namespace scalpel
