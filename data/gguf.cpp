// GGUF v2/v3 header reader (formats.md §9). Everything is read through a bounds-checked
// cursor, and every count is compared with the bytes left in the file before anything is
// allocated for it, so hostile u64 lengths fail fast instead of allocating.
#include "data/gguf.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <set>

#include "data/readers.h"

namespace scalpel {

namespace {

constexpr uint64_t kMaxTensors = 1'000'000;
constexpr uint32_t kMaxDims = 4;          // GGML_MAX_DIMS
constexpr int kMaxArrayNesting = 8;       // arrays of arrays of ...; real files use 1
constexpr size_t kInlineArrayValues = 8;  // short numeric arrays are shown in full

enum ValueType : uint32_t { U8, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 };

const char* valueTypeName(uint32_t t) {
    static const char* names[] = {"u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64"};
    return t <= F64 ? names[t] : "?";
}

// Smallest encoded size of one value of type t (arrays: the u32 type + u64 count).
uint64_t minValueSize(uint32_t t) {
    switch (t) {
        case U8: case I8: case BOOL: return 1;
        case U16: case I16: return 2;
        case U32: case I32: case F32: return 4;
        case U64: case I64: case F64: case STRING: return 8;
        case ARRAY: return 12;
        default: return 0;
    }
}

class Cursor {
public:
    explicit Cursor(const MappedFile& f) : f_(f) {}
    uint64_t pos() const { return pos_; }
    uint64_t left() const { return f_.size() - pos_; }
    std::span<const uint8_t> take(uint64_t n, const char* what) {
        auto s = f_.slice(pos_, n, what);
        pos_ += n;
        return s;
    }
    template <class T>
    T get(const char* what) {
        T v;
        std::memcpy(&v, take(sizeof v, what).data(), sizeof v);
        return v;
    }
    std::string str(const char* what) {
        uint64_t at = pos_;
        uint64_t n = get<uint64_t>(what);
        if (n > left())
            fail(std::string(what) + " at offset " + std::to_string(at) + " claims " + std::to_string(n) +
                 " bytes, but only " + std::to_string(left()) + " remain in the file");
        auto b = take(n, what);
        return std::string(b.begin(), b.end());
    }

private:
    const MappedFile& f_;
    uint64_t pos_ = 0;
};

template <class T>
std::string number(T v) {
    std::array<char, 64> buf{};
    auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);  // shortest round-trip form
    return std::string(buf.data(), r.ptr);
}

// One value rendered for display. Strings are shown as is; arrays summarised.
std::string readValue(Cursor& c, uint32_t type, const std::string& key, int depth) {
    switch (type) {
        case U8: return number(c.get<uint8_t>("u8 value"));
        case I8: return number(c.get<int8_t>("i8 value"));
        case U16: return number(c.get<uint16_t>("u16 value"));
        case I16: return number(c.get<int16_t>("i16 value"));
        case U32: return number(c.get<uint32_t>("u32 value"));
        case I32: return number(c.get<int32_t>("i32 value"));
        case F32: return number(c.get<float>("f32 value"));
        case U64: return number(c.get<uint64_t>("u64 value"));
        case I64: return number(c.get<int64_t>("i64 value"));
        case F64: return number(c.get<double>("f64 value"));
        case BOOL: {
            uint64_t at = c.pos();
            uint8_t b = c.get<uint8_t>("bool value");
            if (b > 1) fail("key '" + key + "': bool at offset " + std::to_string(at) + " is " + std::to_string(b) + ", expected 0 or 1");
            return b ? "true" : "false";
        }
        case STRING: return c.str("string value");
        case ARRAY: {
            if (depth >= kMaxArrayNesting) fail("key '" + key + "': arrays nested deeper than " + std::to_string(kMaxArrayNesting));
            uint64_t at = c.pos();
            uint32_t et = c.get<uint32_t>("array element type");
            uint64_t n = c.get<uint64_t>("array length");
            if (et > F64) fail("key '" + key + "': array at offset " + std::to_string(at) + " has unknown element type " + std::to_string(et));
            if (n > c.left() / minValueSize(et))
                fail("key '" + key + "': array at offset " + std::to_string(at) + " claims " + std::to_string(n) + " " +
                     valueTypeName(et) + " elements, more than the " + std::to_string(c.left()) + " bytes left can hold");
            bool inline_ = n <= kInlineArrayValues && et != STRING && et != ARRAY;
            if (!inline_ && et != STRING && et != ARRAY) {
                // Fixed-size elements that are only summarised: skip them in one step
                // (checking bools), instead of formatting millions of numbers.
                auto span = c.take(n * minValueSize(et), "array data");
                if (et == BOOL)
                    for (uint8_t b : span)
                        if (b > 1) fail("key '" + key + "': bool array element is " + std::to_string(b) + ", expected 0 or 1");
                return "[array of " + std::to_string(n) + " " + valueTypeName(et) + "]";
            }
            std::string shown = "[";
            for (uint64_t i = 0; i < n; ++i) {
                std::string v = readValue(c, et, key, depth + 1);
                if (inline_) shown += (i ? ", " : "") + v;
            }
            if (inline_) return shown + "]";
            return "[array of " + std::to_string(n) + " " + valueTypeName(et) + "]";
        }
        default: fail("key '" + key + "': unknown value type " + std::to_string(type));
    }
}

struct PendingTensor {
    TensorEntry entry;
    uint64_t offset = 0, bytes = 0;
    bool sized = false;
    std::string quantised;  // non-empty for quantised ggml types: what the raw bytes hold
};

std::string fullName(const GgmlTypeInfo& t, uint32_t id) { return std::string(t.name) + " (ggml type " + std::to_string(id) + ")"; }

PendingTensor readTensorInfo(Cursor& c) {
    PendingTensor p;
    TensorInfo& info = p.entry.info;
    uint64_t at = c.pos();
    info.name = c.str("tensor name");
    const std::string what = "tensor '" + info.name + "' (info at offset " + std::to_string(at) + ")";
    uint32_t nd = c.get<uint32_t>("tensor n_dims");
    if (nd > kMaxDims) fail(what + ": n_dims is " + std::to_string(nd) + ", at most " + std::to_string(kMaxDims) + " allowed");
    std::vector<int64_t> dims;
    for (uint32_t i = 0; i < nd; ++i) {
        uint64_t d = c.get<uint64_t>("tensor dimension");
        if (d > uint64_t(INT64_MAX)) fail(what + ": dimension " + std::to_string(d) + " is too large");
        dims.push_back(static_cast<int64_t>(d));
    }
    uint32_t type = c.get<uint32_t>("tensor type");
    p.offset = c.get<uint64_t>("tensor data offset");
    info.shape.assign(dims.rbegin(), dims.rend());  // dims[0] varies fastest: numpy order is reversed
    uint64_t numel = checkedNumel(info.shape, what);
    auto t = ggmlTypeInfo(type);
    if (!t) {
        info.dtype = DType::RAW8;
        info.note = "unknown ggml type " + std::to_string(type) + ": size and layout unknown";
        return p;
    }
    if (numel % t->blockValues != 0)
        fail(what + ": " + std::to_string(numel) + " values are not a whole number of " + fullName(*t, type) +
             " blocks of " + std::to_string(t->blockValues));
    uint64_t blocks = numel / t->blockValues;
    if (blocks > UINT64_MAX / t->blockBytes) fail(what + ": byte size overflows");
    p.bytes = blocks * t->blockBytes;
    p.sized = true;
    if (t->dtype) {
        info.dtype = *t->dtype;
    } else {
        // Quantised blocks are opaque here: the tensor is its stored bytes (RAW8, viewable raw);
        // the ggml type and logical shape go to the file's metadata (see parseGguf).
        p.quantised = fullName(*t, type) + ", logical shape " + info.shapeString() + ": shown raw only";
        info.dtype = DType::RAW8;
        info.shape = {static_cast<int64_t>(p.bytes)};
    }
    return p;
}

}  // namespace

std::optional<GgmlTypeInfo> ggmlTypeInfo(uint32_t type) {
    // Block sizes from ggml's type traits (values per block, bytes per block).
    switch (type) {
        case 0: return GgmlTypeInfo{"F32", 1, 4, DType::F32};
        case 1: return GgmlTypeInfo{"F16", 1, 2, DType::F16};
        case 2: return GgmlTypeInfo{"Q4_0", 32, 18, {}};
        case 3: return GgmlTypeInfo{"Q4_1", 32, 20, {}};
        case 6: return GgmlTypeInfo{"Q5_0", 32, 22, {}};
        case 7: return GgmlTypeInfo{"Q5_1", 32, 24, {}};
        case 8: return GgmlTypeInfo{"Q8_0", 32, 34, {}};
        case 9: return GgmlTypeInfo{"Q8_1", 32, 36, {}};
        case 10: return GgmlTypeInfo{"Q2_K", 256, 84, {}};
        case 11: return GgmlTypeInfo{"Q3_K", 256, 110, {}};
        case 12: return GgmlTypeInfo{"Q4_K", 256, 144, {}};
        case 13: return GgmlTypeInfo{"Q5_K", 256, 176, {}};
        case 14: return GgmlTypeInfo{"Q6_K", 256, 210, {}};
        case 15: return GgmlTypeInfo{"Q8_K", 256, 292, {}};
        case 16: return GgmlTypeInfo{"IQ2_XXS", 256, 66, {}};
        case 17: return GgmlTypeInfo{"IQ2_XS", 256, 74, {}};
        case 18: return GgmlTypeInfo{"IQ3_XXS", 256, 98, {}};
        case 19: return GgmlTypeInfo{"IQ1_S", 256, 50, {}};
        case 20: return GgmlTypeInfo{"IQ4_NL", 32, 18, {}};
        case 21: return GgmlTypeInfo{"IQ3_S", 256, 110, {}};
        case 22: return GgmlTypeInfo{"IQ2_S", 256, 82, {}};
        case 23: return GgmlTypeInfo{"IQ4_XS", 256, 136, {}};
        case 24: return GgmlTypeInfo{"I8", 1, 1, DType::I8};
        case 25: return GgmlTypeInfo{"I16", 1, 2, DType::I16};
        case 26: return GgmlTypeInfo{"I32", 1, 4, DType::I32};
        case 27: return GgmlTypeInfo{"I64", 1, 8, DType::I64};
        case 28: return GgmlTypeInfo{"F64", 1, 8, DType::F64};
        case 29: return GgmlTypeInfo{"IQ1_M", 256, 56, {}};
        case 30: return GgmlTypeInfo{"BF16", 1, 2, DType::BF16};
        case 34: return GgmlTypeInfo{"TQ1_0", 256, 54, {}};
        case 35: return GgmlTypeInfo{"TQ2_0", 256, 66, {}};
        case 39: return GgmlTypeInfo{"MXFP4", 32, 17, {}};
        default: return std::nullopt;
    }
}

TensorFile parseGguf(std::shared_ptr<const MappedFile> file) {
    Cursor c(*file);
    if (file->size() < 24) fail("file is " + std::to_string(file->size()) + " bytes, too small for the 24-byte GGUF header");
    auto magic = c.take(4, "magic");
    if (std::memcmp(magic.data(), "GGUF", 4) != 0) fail("missing the GGUF magic at offset 0");
    uint32_t version = c.get<uint32_t>("version");
    if (version >= 65536) fail("GGUF version " + std::to_string(version) + " is implausible: the file is possibly big-endian, which is not supported");
    if (version != 2 && version != 3) fail("GGUF version " + std::to_string(version) + " is not supported (expected 2 or 3)");
    uint64_t tensorCount = c.get<uint64_t>("tensor count");
    uint64_t kvCount = c.get<uint64_t>("metadata count");
    // Each key/value takes at least 13 bytes (u64 key length, u32 type, 1-byte value) and each
    // tensor info at least 24 (u64 name length, u32 n_dims, u32 type, u64 offset).
    if (kvCount > c.left() / 13)
        fail("metadata count " + std::to_string(kvCount) + " is more than the " + std::to_string(c.left()) + " bytes left can hold");
    if (tensorCount > kMaxTensors || tensorCount > c.left() / 24)
        fail("tensor count " + std::to_string(tensorCount) + " is more than the file can hold (" + std::to_string(c.left()) + " bytes left)");

    TensorFile out;
    out.path = file->path();
    out.format = "gguf";
    uint64_t alignment = 32;
    std::set<std::string> seenKeys;
    for (uint64_t i = 0; i < kvCount; ++i) {
        uint64_t at = c.pos();
        std::string key = c.str("metadata key");
        uint32_t type = c.get<uint32_t>("metadata value type");
        if (type > F64) fail("key '" + key + "' at offset " + std::to_string(at) + " has unknown value type " + std::to_string(type));
        if (!seenKeys.insert(key).second) fail("key '" + key + "' at offset " + std::to_string(at) + " appears twice");
        if (key == "general.alignment") {
            if (type != U32) fail("general.alignment must be u32, found " + std::string(valueTypeName(type)));
            uint64_t vat = c.pos();
            alignment = c.get<uint32_t>("general.alignment");
            if (alignment == 0 || alignment % 8 != 0)
                fail("general.alignment at offset " + std::to_string(vat) + " is " + std::to_string(alignment) + ", expected a non-zero multiple of 8");
            out.metadata[key] = std::to_string(alignment);
            continue;
        }
        out.metadata[key] = readValue(c, type, key, 0);
    }
    if (!seenKeys.count("general.architecture")) out.warnings.push_back("general.architecture is missing");
    out.metadata["gguf.version"] = std::to_string(version);

    std::vector<PendingTensor> pending;
    std::set<std::string> names;
    for (uint64_t i = 0; i < tensorCount; ++i) {
        pending.push_back(readTensorInfo(c));
        if (!names.insert(pending.back().entry.info.name).second)
            fail("tensor '" + pending.back().entry.info.name + "' is listed twice");
    }

    // Tensor data start at the next multiple of the alignment after the infos.
    uint64_t dataStart = c.pos() + (alignment - c.pos() % alignment) % alignment;
    uint64_t dataSize = dataStart <= file->size() ? file->size() - dataStart : 0;
    std::vector<const PendingTensor*> sized;
    for (auto& p : pending) {
        const std::string what = "tensor '" + p.entry.info.name + "'";
        if (p.offset % alignment != 0)
            fail(what + ": data offset " + std::to_string(p.offset) + " is not a multiple of the alignment " + std::to_string(alignment));
        if (!p.sized) continue;
        if (p.offset > dataSize || p.bytes > dataSize - p.offset)
            fail(what + ": data [" + std::to_string(p.offset) + ", +" + std::to_string(p.bytes) + ") run past the end of the data section (" +
                 std::to_string(dataSize) + " bytes from offset " + std::to_string(dataStart) + "); the file is truncated");
        sized.push_back(&p);
        const uint64_t start = dataStart + p.offset, length = p.bytes;
        std::string name = p.entry.info.name;
        p.entry.load = [file, start, length, name]() {
            auto bytes = file->slice(start, length, ("data of tensor '" + name + "'").c_str());
            return std::vector<uint8_t>(bytes.begin(), bytes.end());
        };
    }
    std::sort(sized.begin(), sized.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
    for (size_t i = 1; i < sized.size(); ++i)
        if (sized[i]->offset < sized[i - 1]->offset + sized[i - 1]->bytes)
            fail("tensor '" + sized[i]->entry.info.name + "' overlaps the data of tensor '" + sized[i - 1]->entry.info.name + "'");
    for (auto& p : pending) {
        if (!p.quantised.empty()) out.metadata["gguf.tensor." + p.entry.info.name] = "quantised " + p.quantised;
        if (!p.entry.load) p.entry.load = [] () -> std::vector<uint8_t> { fail("tensor has an unknown ggml type"); };
        out.tensors.push_back(std::move(p.entry));
    }
    return out;
}

Result<TensorFile> readGguf(const std::string& path) {
    auto file = MappedFile::open(path);
    if (!file) return file.error();
    return catchError(path, [&] { return parseGguf(*file); });
}

}  // namespace scalpel
