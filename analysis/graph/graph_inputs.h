#pragma once
// Inputs for graph models from files: `FILE` (NPY, or any tensor file holding one tensor) or
// `FILE:NAME` (a tensor of an NPZ / HDF5 / safetensors file, e.g. data.h5:/images). Shared by
// `scalpel run` and `scalpel explain`; errors name the file and the tensor.
#include <string>

#include "analysis/graph/graph_model.h"
#include "data/result.h"

namespace scalpel::graph {

Result<Tensor> readGraphInput(const std::string& spec);

}  // namespace scalpel::graph
