#pragma once
// HDF5 files as tensor containers: every numeric dataset by its full path, or, for Keras 2
// files (formats.md §8), the model weights under their Keras names in layer order.
#include <memory>
#include <set>
#include <string>

#include "data/hdf5_handle.h"
#include "data/mapped_file.h"
#include "data/tensor_file.h"

namespace scalpel {

// Bytes-level entry point (fuzzing, in-memory files). Throws FormatError.
TensorFile parseHdf5(std::shared_ptr<const MappedFile> file);

// Lists the tensors of an opened file (shared by readHdf5 and parseHdf5). Throws FormatError.
TensorFile describeHdf5(const std::shared_ptr<Hid>& file, const std::string& path);

// Keras 2 layouts (`model.save` .h5 and `save_weights`): fills out.tensors with the weights
// named as Keras names them, sets format "keras-h5" and the Keras metadata, and records the
// dataset paths it listed in `listed`. Returns false (touching nothing) for other files.
bool describeKeras(const std::shared_ptr<Hid>& file, TensorFile& out, std::set<std::string>& listed);

}  // namespace scalpel
