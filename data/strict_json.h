#pragma once
// JSON parsing for untrusted headers: strict UTF-8 and duplicate keys rejected at every
// level (nlohmann silently keeps the last duplicate, which would hide a second tensor).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace scalpel {

// Offset of the first byte that is not part of well-formed UTF-8 (overlongs, surrogates and
// code points above U+10FFFF are ill-formed), or nullopt when all of `bytes` is valid.
std::optional<size_t> findInvalidUtf8(std::span<const uint8_t> bytes);

// Parses `bytes`. Throws FormatError "<what> ..." for invalid JSON or a duplicate key (naming
// it). Does not check UTF-8; call findInvalidUtf8 first. The result is a plain (map-backed)
// json, because nlohmann::ordered_json inserts in linear time and a hostile header with a
// million keys would take hours; `topLevelKeys`, when given, receives the keys of the
// top-level object in file order.
nlohmann::json parseStrictJson(std::span<const uint8_t> bytes, const std::string& what,
                               std::vector<std::string>* topLevelKeys = nullptr);

}  // namespace scalpel
