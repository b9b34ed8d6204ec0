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

nlohmann::ordered_json parseStrictJson(std::span<const uint8_t> bytes, const std::string& what) {
    using Json = nlohmann::ordered_json;
    // One key set per open object (arrays need none: keys only occur directly in objects).
    std::vector<std::set<std::string>> open;
    std::string duplicate;
    Json::parser_callback_t cb = [&](int, Json::parse_event_t ev, Json& parsed) {
        switch (ev) {
            case Json::parse_event_t::object_start: open.emplace_back(); break;
            case Json::parse_event_t::object_end:
                if (!open.empty()) open.pop_back();
                break;
            case Json::parse_event_t::key:
                if (!open.empty() && parsed.is_string() &&
                    !open.back().insert(parsed.get<std::string>()).second && duplicate.empty())
                    duplicate = parsed.get<std::string>();
                break;
            default: break;
        }
        return true;
    };
    Json j;
    try {
        j = Json::parse(bytes.begin(), bytes.end(), cb, /*allow_exceptions=*/true);
    } catch (const Json::exception& e) {
        fail(what + " is not valid JSON: " + e.what());
    }
    if (!duplicate.empty()) fail(what + " has the key '" + duplicate + "' twice");
    return j;
}

}  // namespace scalpel
