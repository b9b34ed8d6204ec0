#pragma once
// One entry point per container format. Each returns a TensorFile whose tensors load
// lazily, or an Error naming the file and what is wrong. openTensorFile() in
// tensor_file.h sniffs the content and dispatches here.
#include <string>

#include "data/tensor_file.h"

namespace scalpel {

Result<TensorFile> readSafetensors(const std::string& path);          // data/safetensors.cpp
Result<TensorFile> readSafetensorsIndex(const std::string& indexPath); // sharded *.index.json (safetensors or .bin shards)
Result<TensorFile> readPytorchCheckpoint(const std::string& path);    // zip (>=1.6) and legacy; data/pytorch_checkpoint.cpp
Result<TensorFile> readNpy(const std::string& path);                  // data/npy.cpp
Result<TensorFile> readNpz(const std::string& path);                  // data/npy.cpp
Result<TensorFile> readHdf5(const std::string& path);                 // Keras .h5 and any HDF5: every numeric dataset; data/hdf5_reader.cpp
Result<TensorFile> readGguf(const std::string& path);                 // header, metadata and tensor infos; data/gguf.cpp

}  // namespace scalpel
