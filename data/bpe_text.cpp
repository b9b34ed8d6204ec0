#include "data/bpe_text.h"

#include <QtCore/QChar>

#include <array>
#include <functional>

namespace scalpel::bpe {

namespace {

bool isWhiteSpace(char32_t cp) {
    // Unicode White_Space, which is what `\s` means for str patterns in Python's `regex`
    // module (checked over all code points by the unicode_classes.json fixture).
    if (cp <= 0x20) return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D);
    if (cp < 0x85) return false;
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
           cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

CharClass classifySlow(char32_t cp) {
    if (isWhiteSpace(cp)) return CharClass::Space;
    switch (QChar::category(cp)) {
        case QChar::Letter_Uppercase:
        case QChar::Letter_Lowercase:
        case QChar::Letter_Titlecase:
        case QChar::Letter_Modifier:
        case QChar::Letter_Other: return CharClass::Letter;
        case QChar::Number_DecimalDigit:
        case QChar::Number_Letter:
        case QChar::Number_Other: return CharClass::Number;
        default: return CharClass::Other;
    }
}

struct AsciiClasses {
    std::array<CharClass, 128> table{};
    AsciiClasses() {
        for (char32_t c = 0; c < 128; ++c) table[c] = classifySlow(c);
    }
};

// Result of looking at the bytes at one position: a well-formed sequence (ok) of `length`
// bytes, or an ill-formed one whose maximal subpart (the bytes that could still have
// started a valid sequence) is `length` >= 1 bytes long.
struct Scan {
    bool ok;
    size_t length;
    char32_t cp;
};

Scan scanUtf8(std::string_view t, size_t pos) {
    const auto byte = [&](size_t i) { return static_cast<uint8_t>(t[i]); };
    const uint8_t b0 = byte(pos);
    if (b0 < 0x80) return {true, 1, b0};
    size_t need;
    uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    char32_t cp;
    if (b0 >= 0xC2 && b0 <= 0xDF) { need = 2; cp = b0 & 0x1F; }
    else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 3; cp = b0 & 0x0F;
        if (b0 == 0xE0) lo = 0xA0;       // no overlongs
        else if (b0 == 0xED) hi = 0x9F;  // no surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 4; cp = b0 & 0x07;
        if (b0 == 0xF0) lo = 0x90;       // no overlongs
        else if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    } else {
        return {false, 1, 0};  // 80..C1, F5..FF can never start a sequence
    }
    for (size_t k = 1; k < need; ++k) {
        if (pos + k >= t.size()) return {false, k, 0};
        const uint8_t b = byte(pos + k);
        const uint8_t l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
        if (b < l || b > h) return {false, k, 0};
        cp = (cp << 6) | (b & 0x3F);
    }
    return {true, need, cp};
}

std::array<char32_t, 256> makeByteToSymbol() {
    std::array<char32_t, 256> table{};
    char32_t next = 0x100;
    for (int b = 0; b < 256; ++b) {
        const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        table[b] = printable ? static_cast<char32_t>(b) : next++;
    }
    return table;
}

const std::array<char32_t, 256> kByteToSymbol = makeByteToSymbol();

}  // namespace

CharClass classify(char32_t cp) {
    static const AsciiClasses ascii;
    if (cp < 128) return ascii.table[cp];
    return classifySlow(cp);
}

size_t wellFormedLength(std::string_view text, size_t pos, char32_t* cp) {
    if (pos >= text.size()) return 0;
    const Scan s = scanUtf8(text, pos);
    if (!s.ok) return 0;
    if (cp) *cp = s.cp;
    return s.length;
}

namespace {

// One code point (or invalid byte) at a byte position, with its regex class.
struct Unit {
    char32_t cp;
    size_t length;
    CharClass cls;
};

Unit unitAt(std::string_view text, size_t pos) {
    const Scan s = scanUtf8(text, pos);
    if (!s.ok) return {kInvalidByte, 1, CharClass::Other};
    return {s.cp, s.length, classify(s.cp)};
}

}  // namespace

void preTokenize(std::string_view text, const std::function<void(size_t, size_t)>& onPiece) {
    // Streams over the text decoding code points on the fly (no per-code-point arrays), so
    // memory stays flat however long the text is.
    const size_t n = text.size();
    const auto cpAt = [&](size_t pos) { return pos < n ? unitAt(text, pos).cp : kInvalidByte; };
    const auto runEnd = [&](size_t pos, CharClass c, size_t* lastStart) {
        while (pos < n) {
            const Unit u = unitAt(text, pos);
            if (u.cls != c) break;
            if (lastStart) *lastStart = pos;
            pos += u.length;
        }
        return pos;
    };
    size_t i = 0;
    while (i < n) {
        const Unit u = unitAt(text, i);
        size_t end = i;
        // 's|'t|'re|'ve|'m|'ll|'d (lower case only, as in the regex); all ASCII, one byte each.
        if (u.cp == U'\'') {
            const char32_t c1 = cpAt(i + 1), c2 = cpAt(i + 2);
            if (c1 == U's' || c1 == U't' || c1 == U'm' || c1 == U'd') end = i + 2;
            else if ((c1 == U'r' && c2 == U'e') || (c1 == U'v' && c2 == U'e') || (c1 == U'l' && c2 == U'l'))
                end = i + 3;
        }
        if (end == i) {
            // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional single U+0020 first.
            CharClass c = u.cls;
            size_t start = i;
            if (u.cp == U' ' && i + 1 < n) {
                const Unit next = unitAt(text, i + 1);
                if (next.cls != CharClass::Space) {
                    start = i + 1;
                    c = next.cls;
                }
            }
            if (c != CharClass::Space) {
                end = runEnd(start, c, nullptr);
            } else {
                // \s+(?!\S) backtracks to leave the last space before a non-space; a lone
                // space before a non-space falls through to \s+.
                size_t last = i;
                const size_t j = runEnd(i, CharClass::Space, &last);
                end = (j == n || last == i) ? j : last;
            }
        }
        onPiece(i, end);
        i = end;
    }
}

void preTokenize(std::string_view text, std::vector<Piece>& out) {
    out.clear();
    preTokenize(text, [&](size_t begin, size_t end) { out.push_back({begin, end}); });
}

const char32_t* byteToSymbolTable() { return kByteToSymbol.data(); }

int symbolToByte(char32_t cp) {
    if (cp < 0x100) {
        const bool printable = (cp >= 0x21 && cp <= 0x7E) || (cp >= 0xA1 && cp <= 0xAC) || (cp >= 0xAE);
        return printable ? static_cast<int>(cp) : -1;
    }
    if (cp < 0x100 + 68) {
        for (int b = 0; b < 256; ++b)
            if (kByteToSymbol[b] == cp) return b;
    }
    return -1;
}

void appendUtf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

std::string replaceInvalidUtf8(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    for (size_t pos = 0; pos < bytes.size();) {
        const Scan s = scanUtf8(bytes, pos);
        if (s.ok) out.append(bytes.substr(pos, s.length));
        else appendUtf8(out, 0xFFFD);
        pos += s.length;
    }
    return out;
}

}  // namespace scalpel::bpe
