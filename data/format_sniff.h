#pragma once
// Content-based format detection (formats.md §0). Extensions are never trusted.
#include <string>

namespace scalpel {

enum class FileKind {
    Unknown, Directory, Safetensors, PytorchZip, PytorchLegacy, Npy, Npz, KerasZip, Hdf5, Gguf,
    ShardIndexJson, TokenizerJson, ConfigJson, Json,
};

const char* fileKindName(FileKind k);
// Looks at the first bytes (and, for zips, the member names; for JSON, the top-level keys).
FileKind sniffFile(const std::string& path);

}  // namespace scalpel
