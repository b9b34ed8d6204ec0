#include "data/format_sniff.h"

#include <cstring>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "data/mapped_file.h"
#include "data/zip_archive.h"

namespace scalpel {

const char* fileKindName(FileKind k) {
    switch (k) {
        case FileKind::Unknown: return "unknown";
        case FileKind::Directory: return "directory";
        case FileKind::Safetensors: return "safetensors";
        case FileKind::PytorchZip: return "pytorch-zip";
        case FileKind::PytorchLegacy: return "pytorch-legacy";
        case FileKind::Npy: return "npy";
        case FileKind::Npz: return "npz";
        case FileKind::KerasZip: return "keras-zip";
        case FileKind::Hdf5: return "hdf5";
        case FileKind::Gguf: return "gguf";
        case FileKind::ShardIndexJson: return "shard-index-json";
        case FileKind::TokenizerJson: return "tokenizer-json";
        case FileKind::ConfigJson: return "config-json";
        case FileKind::Json: return "json";
    }
    return "unknown";
}

static bool startsWith(std::span<const uint8_t> b, const void* magic, size_t n) {
    return b.size() >= n && std::memcmp(b.data(), magic, n) == 0;
}

static FileKind sniffZip(const std::shared_ptr<const MappedFile>& file) {
    try {
        ZipArchive zip(file);
        bool anyNpy = false;
        for (const auto& m : zip.members()) {
            const std::string& n = m.name;
            if (n == "data.pkl" || (n.size() > 9 && n.compare(n.size() - 9, 9, "/data.pkl") == 0))
                return FileKind::PytorchZip;
            if (n.size() > 4 && n.compare(n.size() - 4, 4, ".npy") == 0) anyNpy = true;
        }
        if (zip.find("config.json")) return FileKind::KerasZip;
        if (anyNpy) return FileKind::Npz;
    } catch (const FormatError&) {
        // A broken zip: let the PyTorch reader report the precise problem.
    }
    return FileKind::PytorchZip;
}

static FileKind sniffJson(std::span<const uint8_t> b) {
    if (b.size() > 100'000'000) return FileKind::Unknown;
    auto j = nlohmann::json::parse(b.begin(), b.end(), nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return FileKind::Unknown;
    if (j.contains("weight_map")) return FileKind::ShardIndexJson;
    if (j.contains("model")) return FileKind::TokenizerJson;
    if (j.contains("vocab_size") || j.contains("model_type")) return FileKind::ConfigJson;
    return FileKind::Json;
}

FileKind sniffFile(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) return FileKind::Directory;
    auto mapped = MappedFile::open(path);
    if (!mapped) return FileKind::Unknown;
    auto b = (*mapped)->all();
    static const uint8_t kLegacy[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
    static const uint8_t kHdf5[] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    if (startsWith(b, "PK\x03\x04", 4) || startsWith(b, "PK\x05\x06", 4)) return sniffZip(*mapped);
    if (startsWith(b, kLegacy, sizeof kLegacy)) return FileKind::PytorchLegacy;
    if (startsWith(b, "\x93NUMPY", 6)) return FileKind::Npy;
    if (startsWith(b, "GGUF", 4)) return FileKind::Gguf;
    for (uint64_t off = 0; off + 8 <= b.size(); off = off ? off * 2 : 512) {
        if (std::memcmp(b.data() + off, kHdf5, 8) == 0) return FileKind::Hdf5;
        if (off > (uint64_t(1) << 40)) break;
    }
    if (b.size() >= 9 && b[4] == 0 && b[5] == 0 && b[6] == 0 && b[7] == 0 && b[8] == '{') return FileKind::Safetensors;
    size_t i = 0;
    while (i < b.size() && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) ++i;
    if (i < b.size() && b[i] == '{') return sniffJson(b);
    // A file with an 8-byte length but not followed by '{' is most likely a damaged safetensors.
    return FileKind::Unknown;
}

}  // namespace scalpel
