#pragma once
// Text layer of GPT-2 byte-level BPE (formats.md §6): UTF-8 scanning, the character classes
// of the GPT-2 pre-split regex, the hand-written pre-tokenizer, the byte <-> symbol map and
// lenient UTF-8 decoding. Kept apart from bpe_tokenizer.cpp so each can be tested alone.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace scalpel::bpe {

// Classes used by `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
enum class CharClass : uint8_t { Letter, Number, Space, Other };

// \p{L}, \p{N} from Qt's Unicode tables; \s is Unicode White_Space (as Python's `regex`).
CharClass classify(char32_t cp);

// Stands for one byte of invalid UTF-8 met while scanning text.
constexpr char32_t kInvalidByte = 0xFFFFFFFF;

// Strict UTF-8 (Unicode Table 3-7). Returns the number of bytes of a well-formed sequence at
// `pos`, or 0 when the bytes there are not one (overlong, surrogate, > U+10FFFF, truncated).
size_t wellFormedLength(std::string_view text, size_t pos, char32_t* cp);

// Splits text into the pieces the GPT-2 regex would find (byte ranges [begin, end)).
// An invalid UTF-8 byte is its own "code point" of class Other, so its raw byte is kept
// and encoded faithfully (a U+FFFD in its place would split the same way).
struct Piece {
    size_t begin, end;
};
void preTokenize(std::string_view text, std::vector<Piece>& out);
void preTokenize(std::string_view text, const std::function<void(size_t begin, size_t end)>& onPiece);

// bytes_to_unicode(): byte -> code point of its vocabulary symbol.
const char32_t* byteToSymbolTable();  // 256 entries
// Inverse of the map; -1 for code points that are not byte symbols.
int symbolToByte(char32_t cp);

void appendUtf8(std::string& out, char32_t cp);
// Decodes UTF-8 replacing each maximal invalid subpart with U+FFFD (Python errors='replace').
std::string replaceInvalidUtf8(std::string_view bytes);

}  // namespace scalpel::bpe
