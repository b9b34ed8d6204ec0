// NPY magic, version and header. The header is the repr() of a Python dict such as
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// and is read by a literal parser that only understands strings, integers, booleans,
// None, tuples, lists and dicts: nothing in it is ever evaluated.
#include <bit>
#include <cctype>
#include <cstring>

#include "data/npy.h"

namespace scalpel {
namespace {

struct PyValue {
    enum Kind { Str, Int, Bool, None, Tuple, List, Dict } kind = None;
    std::string str;
    int64_t i = 0;
    bool b = false;
    std::vector<PyValue> items;                          // Tuple, List; Dict: key, value, key, value...
};

class LiteralParser {
public:
    explicit LiteralParser(std::string_view text) : s_(text) {}

    PyValue parseDocument() {
        PyValue v = parseValue(0);
        skipSpace();
        if (pos_ != s_.size()) error("unexpected text after the dictionary");
        return v;
    }

private:
    std::string_view s_;
    size_t pos_ = 0;
    static constexpr int kMaxDepth = 16;

    [[noreturn]] void error(const std::string& what) const {
        std::string shown(s_.substr(0, 160));
        for (char& c : shown)
            if (static_cast<unsigned char>(c) < 0x20) c = ' ';
        fail("NPY header is not a valid dict literal: " + what + " at byte " + std::to_string(pos_) +
             " of the header \"" + shown + (s_.size() > 160 ? "...\"" : "\""));
    }
    void skipSpace() {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
    }
    bool consume(char c) {
        skipSpace();
        if (pos_ < s_.size() && s_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    bool consumeWord(std::string_view w) {
        if (s_.substr(pos_, w.size()) != w) return false;
        size_t end = pos_ + w.size();
        if (end < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[end])) || s_[end] == '_')) return false;
        pos_ = end;
        return true;
    }

    PyValue parseValue(int depth) {
        if (depth > kMaxDepth) error("nesting deeper than 16 levels");
        skipSpace();
        if (pos_ >= s_.size()) error("unexpected end");
        char c = s_[pos_];
        PyValue v;
        if (c == '\'' || c == '"') {
            v.kind = PyValue::Str;
            v.str = parseString();
        } else if (c == '-' || c == '+' || (c >= '0' && c <= '9')) {
            v.kind = PyValue::Int;
            v.i = parseInt();
        } else if (consumeWord("True")) {
            v.kind = PyValue::Bool;
            v.b = true;
        } else if (consumeWord("False")) {
            v.kind = PyValue::Bool;
        } else if (consumeWord("None")) {
            v.kind = PyValue::None;
        } else if (c == '(' || c == '[' || c == '{') {
            ++pos_;
            const char close = c == '(' ? ')' : c == '[' ? ']' : '}';
            v.kind = c == '(' ? PyValue::Tuple : c == '[' ? PyValue::List : PyValue::Dict;
            bool sawComma = false;
            while (!consume(close)) {
                if (!v.items.empty() && !sawComma) error(std::string("expected ',' or '") + close + "'");
                v.items.push_back(parseValue(depth + 1));
                if (v.kind == PyValue::Dict) {
                    if (!consume(':')) error("expected ':' after a dictionary key");
                    v.items.push_back(parseValue(depth + 1));
                }
                sawComma = consume(',');
            }
            // "(3)" is just the integer 3 in Python, not a tuple.
            if (v.kind == PyValue::Tuple && v.items.size() == 1 && !sawComma) return v.items[0];
        } else {
            error(std::string("unexpected character '") + c + "'");
        }
        return v;
    }

    std::string parseString() {
        const char quote = s_[pos_++];
        std::string out;
        while (true) {
            if (pos_ >= s_.size()) error("unterminated string");
            char c = s_[pos_++];
            if (c == quote) return out;
            if (c == '\n') error("newline inside a string");
            if (c == '\\') {
                if (pos_ >= s_.size()) error("unterminated string");
                char e = s_[pos_++];
                if (e != '\\' && e != '\'' && e != '"') error(std::string("unsupported escape '\\") + e + "'");
                c = e;
            }
            out += c;
        }
    }

    int64_t parseInt() {
        bool negative = s_[pos_] == '-';
        if (s_[pos_] == '-' || s_[pos_] == '+') ++pos_;
        if (pos_ >= s_.size() || s_[pos_] < '0' || s_[pos_] > '9') error("expected digits");
        uint64_t v = 0;
        while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
            uint64_t d = uint64_t(s_[pos_] - '0');
            if (v > (uint64_t(INT64_MAX) - d) / 10) error("integer does not fit in 64 bits");
            v = v * 10 + d;
            ++pos_;
        }
        if (pos_ < s_.size() && (s_[pos_] == 'L' || s_[pos_] == 'l')) ++pos_;  // Python 2 long, as in "(3L,)"
        return negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
    }
};

struct DescrInfo {
    DType dtype;
    uint32_t size;
};

// descr: byte order + kind + item size. Only plain numeric types are accepted; the
// others are named in the refusal so that users know what the file holds.
[[noreturn]] void refuseDescr(const std::string& descr, const std::string& what) {
    throw NpyUnsupportedDtype("NPY dtype descr '" + descr + "' is " + what + ", which Scalpel does not read");
}

DescrInfo decodeDescr(const std::string& descr, bool& bigEndian) {
    if (descr.size() < 2) refuseDescr(descr, "not a recognised dtype");
    const char order = descr[0];
    if (order != '<' && order != '>' && order != '|' && order != '=') refuseDescr(descr, "missing a byte-order character");
    const char kind = descr[1];
    const std::string rest = descr.substr(2);
    switch (kind) {
        case 'O': refuseDescr(descr, "an object array (pickled Python objects)");
        case 'S': case 'a': case 'U': refuseDescr(descr, "a string array");
        case 'M': case 'm': refuseDescr(descr, "a datetime/timedelta array");
        case 'V': refuseDescr(descr, "a void (raw record) array");
        default: break;
    }
    static const struct { char kind; const char* size; DType dtype; uint32_t bytes; } kTable[] = {
        {'b', "1", DType::BOOL, 1}, {'u', "1", DType::U8, 1},   {'i', "1", DType::I8, 1},
        {'i', "2", DType::I16, 2},  {'u', "2", DType::U16, 2},  {'f', "2", DType::F16, 2},
        {'i', "4", DType::I32, 4},  {'u', "4", DType::U32, 4},  {'f', "4", DType::F32, 4},
        {'i', "8", DType::I64, 8},  {'u', "8", DType::U64, 8},  {'f', "8", DType::F64, 8},
        {'c', "8", DType::C64, 8},  {'c', "16", DType::C128, 16},
    };
    for (const auto& t : kTable) {
        if (t.kind != kind || rest != t.size) continue;
        if (order == '|' && t.bytes > 1) refuseDescr(descr, "multi-byte but has no byte order ('|')");
        // '=' is the writer's native order; numpy always writes '<' or '>' itself.
        bigEndian = order == '>' || (order == '=' && std::endian::native == std::endian::big);
        if (t.bytes == 1) bigEndian = false;
        return {t.dtype, t.bytes};
    }
    refuseDescr(descr, "not a supported numeric type (supported: b1 u1 i1 i2 u2 f2 i4 u4 f4 i8 u8 f8 c8 c16)");
}

// Python-like rendering of a parsed literal, for error messages.
std::string repr(const PyValue& v) {
    switch (v.kind) {
        case PyValue::Str: return "'" + v.str + "'";
        case PyValue::Int: return std::to_string(v.i);
        case PyValue::Bool: return v.b ? "True" : "False";
        case PyValue::None: return "None";
        default: break;
    }
    std::string out = v.kind == PyValue::Tuple ? "(" : v.kind == PyValue::List ? "[" : "{";
    for (size_t k = 0; k < v.items.size(); ++k) {
        if (k) out += (v.kind == PyValue::Dict && k % 2) ? ": " : ", ";
        out += repr(v.items[k]);
        if (out.size() > 200) break;
    }
    return out + (v.kind == PyValue::Tuple ? ")" : v.kind == PyValue::List ? "]" : "}");
}

const PyValue* lookup(const PyValue& dict, const char* key) {
    for (size_t k = 0; k + 1 < dict.items.size(); k += 2)
        if (dict.items[k].kind == PyValue::Str && dict.items[k].str == key) return &dict.items[k + 1];
    return nullptr;
}

}  // namespace

NpyHeader parseNpyHeader(std::span<const uint8_t> bytes) {
    NpyHeader h;
    if (bytes.size() < 6 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0)
        fail("not an NPY file: expected the magic \\x93NUMPY at offset 0");
    if (bytes.size() < 10)
        fail("NPY file of " + std::to_string(bytes.size()) + " bytes is truncated before its header");
    h.major = bytes[6];
    h.minor = bytes[7];
    if ((h.major != 1 && h.major != 2 && h.major != 3) || h.minor != 0)
        fail("unsupported NPY format version " + std::to_string(h.major) + "." + std::to_string(h.minor) +
             " (expected 1.0, 2.0 or 3.0)");
    uint64_t headerStart = h.major == 1 ? 10 : 12;
    if (bytes.size() < headerStart) fail("NPY file is truncated inside its header length field");
    const uint8_t* p = bytes.data() + 8;
    uint64_t headerLen = h.major == 1 ? uint64_t(p[0] | p[1] << 8)
                                      : uint64_t(p[0]) | uint64_t(p[1]) << 8 | uint64_t(p[2]) << 16 | uint64_t(p[3]) << 24;
    if (headerLen > kNpyMaxHeaderBytes)
        fail("NPY header length " + std::to_string(headerLen) + " exceeds the limit of " +
             std::to_string(kNpyMaxHeaderBytes) + " bytes");
    if (headerLen > bytes.size() - headerStart)
        fail("NPY header of " + std::to_string(headerLen) + " bytes at offset " + std::to_string(headerStart) +
             " runs past the end of the file (" + std::to_string(bytes.size()) + " bytes)");
    std::string_view text(reinterpret_cast<const char*>(bytes.data() + headerStart), static_cast<size_t>(headerLen));

    PyValue dict = LiteralParser(text).parseDocument();
    if (dict.kind != PyValue::Dict) fail("NPY header is not a dictionary");
    for (size_t k = 0; k < dict.items.size(); k += 2) {
        const PyValue& key = dict.items[k];
        if (key.kind != PyValue::Str) fail("NPY header has a non-string key");
        if (key.str != "descr" && key.str != "fortran_order" && key.str != "shape")
            fail("NPY header has an unexpected key '" + key.str + "' (expected descr, fortran_order, shape)");
        for (size_t j = 0; j < k; j += 2)
            if (dict.items[j].str == key.str) fail("NPY header repeats the key '" + key.str + "'");
    }
    const PyValue* descr = lookup(dict, "descr");
    const PyValue* fortran = lookup(dict, "fortran_order");
    const PyValue* shape = lookup(dict, "shape");
    if (!descr || !fortran || !shape) fail("NPY header lacks one of the keys 'descr', 'fortran_order', 'shape'");

    if (descr->kind == PyValue::List) {
        std::string shown = repr(*descr);
        if (shown.size() > 120) shown = shown.substr(0, 120) + "...";
        throw NpyUnsupportedDtype("NPY dtype descr " + shown + " is structured (a list of fields), which Scalpel does not read");
    }
    if (descr->kind != PyValue::Str) fail("NPY header 'descr' is not a string");
    h.descr = descr->str;
    DescrInfo d = decodeDescr(h.descr, h.bigEndian);
    h.dtype = d.dtype;
    h.itemSize = d.size;

    if (fortran->kind != PyValue::Bool) fail("NPY header 'fortran_order' is not True or False");
    h.fortranOrder = fortran->b;

    if (shape->kind != PyValue::Tuple) fail("NPY header 'shape' is not a tuple");
    for (const PyValue& dim : shape->items) {
        if (dim.kind != PyValue::Int) fail("NPY header 'shape' holds a non-integer");
        h.shape.push_back(dim.i);
    }
    h.numel = checkedNumel(h.shape, "NPY shape");
    if (h.numel > UINT64_MAX / h.itemSize) fail("NPY shape overflows the byte size");
    h.dataSize = h.numel * h.itemSize;
    h.dataOffset = headerStart + headerLen;
    if (h.dataSize > bytes.size() - h.dataOffset)
        fail("NPY data of " + std::to_string(h.dataSize) + " bytes (" + std::to_string(h.numel) + " x '" + h.descr +
             "') at offset " + std::to_string(h.dataOffset) + " runs past the end of the file (" +
             std::to_string(bytes.size()) + " bytes): truncated");
    return h;
}

}  // namespace scalpel
