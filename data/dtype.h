#pragma once
// Element types of every supported format, and their decoding to float32/float64.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace scalpel {

enum class DType : uint8_t {
    BOOL, U8, I8, I16, U16, I32, U32, I64, U64,
    F16, BF16, F32, F64,
    C32,  // complex half (ComplexHalf storages): (re, im) float16
    C64,  // (re, im) float32
    C128, // (re, im) float64
    F8_E4M3, F8_E5M2, F8_E4M3FNUZ, F8_E5M2FNUZ, F8_E8M0,
    F6_E2M3, F6_E3M2, F4,
    RAW8,  // opaque bytes (quantised storages): listed and viewable raw, never decoded
};

// Bits per element (4, 6, 8, 16, 32, 64, 128).
int dtypeBits(DType t);
// Canonical safetensors-style name ("F32", "BF16", "F8_E4M3", ...).
std::string_view dtypeName(DType t);
// Inverse of dtypeName, also accepting safetensors spellings. nullopt when unknown.
std::optional<DType> dtypeFromName(std::string_view name);
bool dtypeIsComplex(DType t);
bool dtypeIsDecodable(DType t);  // false for RAW8

// Number of bytes `numel` elements occupy; nullopt on overflow or when numel*bits is
// not a whole number of bytes (F4/F6 slices that end mid-byte).
std::optional<uint64_t> dtypeByteSize(DType t, uint64_t numel);

// Decode `numel` elements stored little-endian in `src` into `dst`.
// Complex types write interleaved (re, im), i.e. 2*numel values.
// Precondition: src.size() == *dtypeByteSize(t, numel). Throws FormatError for RAW8.
void decodeToFloat(DType t, std::span<const uint8_t> src, uint64_t numel, float* dst);
void decodeToDouble(DType t, std::span<const uint8_t> src, uint64_t numel, double* dst);

// Scalar helpers shared by readers and tests.
float halfToFloat(uint16_t h);
float bfloat16ToFloat(uint16_t b);

}  // namespace scalpel
