#pragma once
// PyTorch checkpoints (formats.md §2, §3): zip archives written by torch.save >= 1.6 and
// TorchScript, and the legacy pre-zip stream. The object pickle is read by the
// restricted pickle machine; tensors are listed with validated geometry and loaded
// lazily (strided views gathered into row-major, big-endian storages byte-swapped).
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "data/dtype.h"
#include "data/mapped_file.h"
#include "data/pickle_machine.h"
#include "data/tensor_file.h"

namespace scalpel {

// Bytes-level entry point (used by fuzzing and by readPytorchCheckpoint in readers.h).
// Throws FormatError naming what is wrong.
TensorFile parsePytorchCheckpoint(std::shared_ptr<const MappedFile> file);

namespace pytorch {

// One storage record, as located by the container (zip member or legacy stream).
struct StorageRecord {
    std::span<const uint8_t> bytes;        // the whole record
    std::shared_ptr<const void> keepAlive; // owner of `bytes` (mapped file or inflated copy)
    bool bigEndian = false;
};

// Finds the bytes of the storage named by a persistent id's key. Throws FormatError.
using StorageLookup = std::function<StorageRecord(const std::string& key)>;

// Element type and size of a storage class name ("torch.FloatStorage"); itemSize 1 and
// nullopt dtype for UntypedStorage (the dtype then comes from _rebuild_tensor_v3).
struct StorageType {
    std::optional<DType> dtype;
    uint64_t itemSize = 1;
    bool quantized = false;
};
std::optional<StorageType> storageTypeFromName(const std::string& name);
std::optional<DType> dtypeFromTorchName(const std::string& name);  // "torch.float32"

// Walks the value tree of an object pickle, names every tensor (dict keys joined by
// '.'), validates each view against its storage and appends TensorEntries to `out`.
// `prefix` is prepended to every name ("constants" for TorchScript constants).
void collectTensors(const pickle::Parsed& parsed, const StorageLookup& lookup, const std::string& prefix,
                    TensorFile& out);

// Row-major copy of a strided view: `offset`, `stride` in elements of `itemSize` bytes.
// `swapUnit` > 1 reverses each swapUnit-byte group (big-endian storages). The caller has
// validated the view against `storage`.
std::vector<uint8_t> gatherStrided(std::span<const uint8_t> storage, uint64_t itemSize, int64_t offset,
                                   const std::vector<int64_t>& size, const std::vector<int64_t>& stride,
                                   uint64_t swapUnit);

}  // namespace pytorch
}  // namespace scalpel
