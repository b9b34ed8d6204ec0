#pragma once
// Private state of BpeTokenizer, shared by bpe_tokenizer.cpp (encode/decode) and
// bpe_tokenizer_load.cpp (parsing and validation). Not part of the public interface.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "data/bpe_tokenizer.h"

namespace scalpel {

struct AddedToken {
    std::string content;
    int32_t id = 0;
    bool lstrip = false, rstrip = false;
};

struct BpeTokenizer::Impl {
    struct Merge {
        int32_t rank;    // position in the merges list: lower merges first
        int32_t merged;  // id of the concatenation
    };
    static uint64_t pairKey(int32_t a, int32_t b) {
        return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
    }

    std::unordered_map<std::string, int32_t> vocab;      // symbol spelling -> id
    std::unordered_map<uint64_t, Merge> mergeRank;       // (left id, right id) -> merge
    std::array<int32_t, 256> byteId{};                   // id of each single-byte symbol
    std::vector<std::string> idString;                   // id -> spelling ("" for holes)
    std::vector<std::string> idBytes;                    // id -> raw bytes it stands for
    std::vector<AddedToken> added;                       // split out before pre-tokenizing
    size_t mergeCount = 0;
    bool addPrefixSpace = false;
    bool ignoreMerges = false;
    std::string source;

    void encodeOrdinary(std::string_view text, std::vector<int32_t>& ids) const;
};

}  // namespace scalpel
