// Dispatch from a path (file or checkpoint folder) to the matching reader.
#include <algorithm>
#include <filesystem>

#include "data/format_sniff.h"
#include "data/readers.h"
#include "data/tensor_file.h"

namespace scalpel {
namespace fs = std::filesystem;

// A Hugging Face style folder: prefer the sharded index, then single-file weights.
static Result<TensorFile> openFolder(const std::string& dir) {
    for (const char* index : {"model.safetensors.index.json", "pytorch_model.bin.index.json"}) {
        fs::path p = fs::path(dir) / index;
        if (fs::exists(p)) return readSafetensorsIndex(p.string());
    }
    std::vector<std::string> candidates;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        if (!e.is_regular_file()) continue;
        std::string name = e.path().filename().string();
        if (name.ends_with(".safetensors")) candidates.push_back(e.path().string());
    }
    std::sort(candidates.begin(), candidates.end());
    if (candidates.size() == 1) return readSafetensors(candidates.front());
    if (candidates.size() > 1)
        return Error{dir, "contains " + std::to_string(candidates.size()) +
                              " .safetensors files but no model.safetensors.index.json; open one of them directly"};
    for (const char* bin : {"pytorch_model.bin", "model.pt", "model.pth"}) {
        fs::path p = fs::path(dir) / bin;
        if (fs::exists(p)) return readPytorchCheckpoint(p.string());
    }
    return Error{dir, "folder holds no checkpoint (expected *.safetensors, a *.index.json or pytorch_model.bin)"};
}

Result<TensorFile> openTensorFile(const std::string& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return Error{path, "no such file or directory"};
    switch (sniffFile(path)) {
        case FileKind::Directory: return openFolder(path);
        case FileKind::Safetensors: return readSafetensors(path);
        case FileKind::ShardIndexJson: return readSafetensorsIndex(path);
        case FileKind::PytorchZip:
        case FileKind::PytorchLegacy: return readPytorchCheckpoint(path);
        case FileKind::Npy: return readNpy(path);
        case FileKind::Npz: return readNpz(path);
        case FileKind::Hdf5: return readHdf5(path);
        case FileKind::Gguf: return readGguf(path);
        case FileKind::KerasZip: return Error{path, "Keras 3 .keras archives are not supported yet; save with model.save('x.h5')"};
        case FileKind::TokenizerJson:
        case FileKind::ConfigJson:
        case FileKind::Json: return Error{path, "is a JSON file without tensors (use `scalpel tokenize` for tokenizers)"};
        case FileKind::Unknown: break;
    }
    auto size = fs::file_size(path, ec);
    if (!ec && size < 8) return Error{path, "file is too small (" + std::to_string(size) + " bytes) to hold any supported format"};
    return Error{path, "unrecognised format: not safetensors, PyTorch (zip or legacy), NPY/NPZ, HDF5 or GGUF"};
}

}  // namespace scalpel
