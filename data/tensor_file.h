#pragma once
// The common view every tensor container (safetensors, PyTorch, NPY/NPZ, Keras HDF5,
// HDF5 dumps) is turned into: a list of named tensors whose bytes are loaded lazily.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "data/dtype.h"
#include "data/result.h"

namespace scalpel {

struct TensorInfo {
    std::string name;             // as stored (prefixes are never renamed)
    DType dtype = DType::F32;
    std::vector<int64_t> shape;   // row-major; empty = scalar
    std::string note;             // non-empty: listed but not readable, and why

    uint64_t numel() const;       // product of shape (callers validated overflow)
    uint64_t byteSize() const;    // numel * bits / 8
    std::string shapeString() const;  // "[3, 4]"
};

struct TensorEntry {
    TensorInfo info;
    // Returns exactly info.byteSize() bytes, row-major little-endian. Throws FormatError.
    std::function<std::vector<uint8_t>()> load;
};

struct TensorFile {
    std::string path;
    std::string format;  // "safetensors", "pytorch-zip", "pytorch-legacy", "npy", "npz", "keras-h5", "hdf5", ...
    std::vector<TensorEntry> tensors;
    std::map<std::string, std::string> metadata;
    std::vector<std::string> warnings;

    const TensorEntry* find(const std::string& name) const;
    Result<std::vector<uint8_t>> raw(const TensorEntry& e) const;
    // Decoded values; complex tensors give interleaved (re, im).
    Result<std::vector<float>> toFloat(const TensorEntry& e) const;
    Result<std::vector<double>> toDouble(const TensorEntry& e) const;
};

// Checked product of a shape: throws FormatError naming `what` on negative dims,
// rank > 64, or overflow past 2^62 elements.
uint64_t checkedNumel(const std::vector<int64_t>& shape, const std::string& what);

// Opens any supported file (sniffed by content, never by extension) or a checkpoint
// folder (Hugging Face layout: *.safetensors, sharded index, pytorch_model.bin).
Result<TensorFile> openTensorFile(const std::string& path);

}  // namespace scalpel
