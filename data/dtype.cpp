// Element types and their decoding (formats.md §1 dtype table).
//
// Sub-byte packing conventions:
//  - F4 (E2M1): two values per byte, element 2k in the LOW nibble, 2k+1 in the high nibble.
//    This is PyTorch's float4_e2m1fn_x2 layout (c10 Float4_e2m1fn_x2.h: "val1 : val0" =
//    bits "7654 : 3210"), which safetensors maps to "F4" with the logical element count as
//    shape.
//  - F6 (E2M3, E3M2): neither PyTorch nor ml_dtypes defines a packed layout (ml_dtypes keeps one
//    value per byte). ASSUMPTION: the buffer is an LSB-first bit stream, element i occupying
//    stream bits [6i, 6i+6), where stream bit k is bit (k % 8) of byte k / 8, and the element's
//    own least significant bit comes first. This is the same rule that yields the F4 layout
//    above, so one convention covers both.
#include "data/dtype.h"

#include <array>
#include <cmath>
#include <cstring>
#include <limits>

#include "data/result.h"

namespace scalpel {

namespace {

struct DTypeRow {
    DType type;
    const char* name;
    int bits;
};

constexpr std::array<DTypeRow, 25> kTable{{
    {DType::BOOL, "BOOL", 8},
    {DType::U8, "U8", 8},
    {DType::I8, "I8", 8},
    {DType::I16, "I16", 16},
    {DType::U16, "U16", 16},
    {DType::I32, "I32", 32},
    {DType::U32, "U32", 32},
    {DType::I64, "I64", 64},
    {DType::U64, "U64", 64},
    {DType::F16, "F16", 16},
    {DType::BF16, "BF16", 16},
    {DType::F32, "F32", 32},
    {DType::F64, "F64", 64},
    {DType::C32, "C32", 32},
    {DType::C64, "C64", 64},
    {DType::C128, "C128", 128},
    {DType::F8_E4M3, "F8_E4M3", 8},
    {DType::F8_E5M2, "F8_E5M2", 8},
    {DType::F8_E4M3FNUZ, "F8_E4M3FNUZ", 8},
    {DType::F8_E5M2FNUZ, "F8_E5M2FNUZ", 8},
    {DType::F8_E8M0, "F8_E8M0", 8},
    {DType::F6_E2M3, "F6_E2M3", 6},
    {DType::F6_E3M2, "F6_E3M2", 6},
    {DType::F4, "F4", 4},
    {DType::RAW8, "RAW8", 8},
}};

const DTypeRow& row(DType t) {
    for (const auto& r : kTable)
        if (r.type == t) return r;
    fail("internal error: unknown dtype enumerator " + std::to_string(static_cast<int>(t)));
}

template <class U>
U loadLE(const uint8_t* p) {
    U v;
    std::memcpy(&v, p, sizeof v);  // unaligned-safe; the project targets little-endian hosts
    return v;
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Generic sign/exponent/mantissa minifloat with IEEE-style subnormals (exponent field 0).
// Special values are handled by the callers, which know each format's rules.
double miniFloat(uint32_t bits, int expBits, int manBits, int bias) {
    uint32_t man = bits & ((1u << manBits) - 1);
    uint32_t exp = (bits >> manBits) & ((1u << expBits) - 1);
    bool neg = (bits >> (manBits + expBits)) & 1u;
    double v = exp == 0 ? std::ldexp(double(man), 1 - bias - manBits)
                        : std::ldexp(double(man | (1u << manBits)), int(exp) - bias - manBits);
    return neg ? -v : v;
}

double f8e4m3(uint8_t b) {  // float8_e4m3fn: no Inf, NaN = S.1111.111
    if ((b & 0x7f) == 0x7f) return kNaN;
    return miniFloat(b, 4, 3, 7);
}
double f8e5m2(uint8_t b) {  // IEEE-like: exponent 31 is Inf (mantissa 0) or NaN
    if ((b & 0x7c) == 0x7c) return (b & 0x03) ? kNaN : ((b & 0x80) ? -kInf : kInf);
    return miniFloat(b, 5, 2, 15);
}
double f8e4m3fnuz(uint8_t b) {  // the only NaN is 0x80 (the would-be -0)
    if (b == 0x80) return kNaN;
    return miniFloat(b, 4, 3, 8);
}
double f8e5m2fnuz(uint8_t b) {
    if (b == 0x80) return kNaN;
    return miniFloat(b, 5, 2, 16);
}
double f8e8m0(uint8_t b) {  // unsigned power of two (OCP MX scale)
    if (b == 0xff) return kNaN;
    return std::ldexp(1.0, int(b) - 127);
}

double halfToDouble(uint16_t h) {
    if ((h & 0x7c00) == 0x7c00) return (h & 0x03ff) ? kNaN : ((h & 0x8000) ? -kInf : kInf);
    return miniFloat(h, 5, 10, 15);
}

// Element i of a packed sub-byte stream (see the convention at the top of this file).
uint32_t packedBits(const uint8_t* src, uint64_t i, int width) {
    uint64_t bit = i * uint64_t(width);
    uint64_t byte = bit / 8;
    int shift = int(bit % 8);
    uint32_t word = src[byte];
    if (shift + width > 8) word |= uint32_t(src[byte + 1]) << 8;
    return (word >> shift) & ((1u << width) - 1);
}

template <class T>
void decodeAll(DType t, std::span<const uint8_t> src, uint64_t numel, T* dst) {
    auto need = dtypeByteSize(t, numel);
    if (!need || *need != src.size())
        fail(std::string("decode ") + row(t).name + ": " + std::to_string(src.size()) +
             " bytes do not hold " + std::to_string(numel) + " elements");
    const uint8_t* p = src.data();
    auto each = [&](size_t width, auto fn) {
        for (uint64_t i = 0; i < numel; ++i) dst[i] = static_cast<T>(fn(p + i * width));
    };
    switch (t) {
        case DType::BOOL: return each(1, [](const uint8_t* q) { return *q ? 1 : 0; });
        case DType::U8: return each(1, [](const uint8_t* q) { return *q; });
        case DType::I8: return each(1, [](const uint8_t* q) { return static_cast<int8_t>(*q); });
        case DType::I16: return each(2, loadLE<int16_t>);
        case DType::U16: return each(2, loadLE<uint16_t>);
        case DType::I32: return each(4, loadLE<int32_t>);
        case DType::U32: return each(4, loadLE<uint32_t>);
        case DType::I64: return each(8, loadLE<int64_t>);
        case DType::U64: return each(8, loadLE<uint64_t>);
        case DType::F16: return each(2, [](const uint8_t* q) { return halfToDouble(loadLE<uint16_t>(q)); });
        case DType::BF16: return each(2, [](const uint8_t* q) { return bfloat16ToFloat(loadLE<uint16_t>(q)); });
        case DType::F32: return each(4, loadLE<float>);
        case DType::F64: return each(8, loadLE<double>);
        case DType::C32:
            for (uint64_t i = 0; i < 2 * numel; ++i) dst[i] = static_cast<T>(halfToDouble(loadLE<uint16_t>(p + 2 * i)));
            return;
        case DType::C64:
            for (uint64_t i = 0; i < 2 * numel; ++i) dst[i] = static_cast<T>(loadLE<float>(p + 4 * i));
            return;
        case DType::C128:
            for (uint64_t i = 0; i < 2 * numel; ++i) dst[i] = static_cast<T>(loadLE<double>(p + 8 * i));
            return;
        case DType::F8_E4M3: return each(1, [](const uint8_t* q) { return f8e4m3(*q); });
        case DType::F8_E5M2: return each(1, [](const uint8_t* q) { return f8e5m2(*q); });
        case DType::F8_E4M3FNUZ: return each(1, [](const uint8_t* q) { return f8e4m3fnuz(*q); });
        case DType::F8_E5M2FNUZ: return each(1, [](const uint8_t* q) { return f8e5m2fnuz(*q); });
        case DType::F8_E8M0: return each(1, [](const uint8_t* q) { return f8e8m0(*q); });
        case DType::F6_E2M3:  // bias 1, no Inf/NaN, max 7.5
            for (uint64_t i = 0; i < numel; ++i) dst[i] = static_cast<T>(miniFloat(packedBits(p, i, 6), 2, 3, 1));
            return;
        case DType::F6_E3M2:  // bias 3, no Inf/NaN, max 28
            for (uint64_t i = 0; i < numel; ++i) dst[i] = static_cast<T>(miniFloat(packedBits(p, i, 6), 3, 2, 3));
            return;
        case DType::F4:  // E2M1, bias 1: ±{0, .5, 1, 1.5, 2, 3, 4, 6}
            for (uint64_t i = 0; i < numel; ++i) dst[i] = static_cast<T>(miniFloat(packedBits(p, i, 4), 2, 1, 1));
            return;
        case DType::RAW8: break;
    }
    fail("dtype RAW8 holds opaque (quantised) bytes and cannot be decoded to numbers");
}

}  // namespace

int dtypeBits(DType t) { return row(t).bits; }

std::string_view dtypeName(DType t) { return row(t).name; }

std::optional<DType> dtypeFromName(std::string_view name) {
    for (const auto& r : kTable)
        if (name == r.name) return r.type;
    return std::nullopt;
}

bool dtypeIsComplex(DType t) { return t == DType::C32 || t == DType::C64 || t == DType::C128; }

bool dtypeIsDecodable(DType t) { return t != DType::RAW8; }

std::optional<uint64_t> dtypeByteSize(DType t, uint64_t numel) {
    uint64_t bits = static_cast<uint64_t>(dtypeBits(t));
    if (numel > std::numeric_limits<uint64_t>::max() / bits) return std::nullopt;
    uint64_t total = numel * bits;
    if (total % 8 != 0) return std::nullopt;
    return total / 8;
}

void decodeToFloat(DType t, std::span<const uint8_t> src, uint64_t numel, float* dst) {
    decodeAll<float>(t, src, numel, dst);
}

void decodeToDouble(DType t, std::span<const uint8_t> src, uint64_t numel, double* dst) {
    decodeAll<double>(t, src, numel, dst);
}

float halfToFloat(uint16_t h) { return static_cast<float>(halfToDouble(h)); }

float bfloat16ToFloat(uint16_t b) {
    uint32_t bits = uint32_t(b) << 16;  // bfloat16 is the top half of a float32
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

}  // namespace scalpel
