#pragma once
// safetensors reader internals exposed for tests and fuzzing (formats.md §1).
// The Result-returning entry points are readSafetensors / readSafetensorsIndex in readers.h.
#include <memory>
#include <string>

#include "data/mapped_file.h"
#include "data/tensor_file.h"

namespace scalpel {

// Largest JSON header accepted (reference HeaderTooLarge limit).
inline constexpr uint64_t kSafetensorsMaxHeader = 100'000'000;
// Most tensors one file or index may list (formats.md §0).
inline constexpr uint64_t kSafetensorsMaxTensors = 1'000'000;

// Parses and validates a whole safetensors file held in `file`. Tensor bytes stay in the
// mapping and are copied out only by TensorEntry::load. Throws FormatError.
TensorFile parseSafetensors(std::shared_ptr<const MappedFile> file);

// True when the first bytes look like safetensors (u64 length with bytes 4..7 zero, then '{').
bool looksLikeSafetensors(const MappedFile& file);

// Parses a sharded checkpoint index (model.safetensors.index.json or
// pytorch_model.bin.index.json) whose JSON text is `index`; shard paths are resolved
// relative to the folder of index->path(). Throws FormatError.
TensorFile parseSafetensorsIndex(std::shared_ptr<const MappedFile> index);

}  // namespace scalpel
