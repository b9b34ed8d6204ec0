#pragma once
// GGUF header reader internals exposed for tests and fuzzing (formats.md §9).
// The Result-returning entry point is readGguf in readers.h.
#include <cstdint>
#include <memory>
#include <optional>

#include "data/mapped_file.h"
#include "data/tensor_file.h"

namespace scalpel {

// Parses the header, key/value metadata (as display strings) and tensor infos of a GGUF v2/v3
// file. Readable tensors (F32, F16, BF16, F64, I8..I64) load lazily from the mapping;
// quantised ones are listed as RAW8 tensors of their stored bytes (shape [bytes]), with the
// ggml type and logical shape in metadata["gguf.tensor.<name>"]. Throws FormatError.
TensorFile parseGguf(std::shared_ptr<const MappedFile> file);

// Storage of a ggml type: `blockValues` values take `blockBytes` bytes. nullopt when unknown.
struct GgmlTypeInfo {
    const char* name;
    uint32_t blockValues;
    uint32_t blockBytes;
    std::optional<DType> dtype;  // set when Scalpel decodes it
};
std::optional<GgmlTypeInfo> ggmlTypeInfo(uint32_t type);

}  // namespace scalpel
