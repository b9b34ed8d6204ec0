#pragma once
// NPY / NPZ reading (numpy/lib/format.py). The NPY header is a Python dict literal; it
// is parsed by a small literal parser and never evaluated. Tensors load lazily and are
// returned row-major little-endian (big-endian data is swapped, Fortran order is
// transposed on load).
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "data/mapped_file.h"
#include "data/tensor_file.h"

namespace scalpel {

struct NpyHeader {
    int major = 1, minor = 0;
    std::string descr;            // as written, e.g. "<f4"
    DType dtype = DType::F32;
    uint32_t itemSize = 4;        // bytes per element
    bool bigEndian = false;       // data must be byte-swapped on load
    bool fortranOrder = false;    // data is column-major; transposed on load
    std::vector<int64_t> shape;   // empty = scalar (one element)
    uint64_t numel = 1;
    uint64_t dataOffset = 0;      // from the start of the NPY bytes
    uint64_t dataSize = 0;        // numel * itemSize, verified to fit in the bytes
};

// Thrown for well-formed files whose dtype Scalpel does not read (object, string,
// structured, ...): an NPZ lists such members with a note instead of failing.
struct NpyUnsupportedDtype : FormatError {
    using FormatError::FormatError;
};

constexpr uint64_t kNpyMaxHeaderBytes = 10000;  // numpy's max_header_size for untrusted files

// Parses magic, version and header of NPY bytes and checks that the data fits.
// Throws FormatError (NpyUnsupportedDtype for refused dtypes).
NpyHeader parseNpyHeader(std::span<const uint8_t> bytes);

// Converts `data` (exactly h.dataSize bytes as stored) to row-major little-endian.
std::vector<uint8_t> npyToRowMajorLE(const NpyHeader& h, std::span<const uint8_t> data);

// Bytes-level entry points (fuzzing, in-memory data). Throw FormatError.
TensorFile parseNpy(std::shared_ptr<const MappedFile> file);
TensorFile parseNpz(std::shared_ptr<const MappedFile> file);

}  // namespace scalpel
