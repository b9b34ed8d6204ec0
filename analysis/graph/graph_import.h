#pragma once
// Graph models from files: ONNX (protobuf, through Debian's libonnx) and Keras 2 `.h5` full models
// (model_config JSON + model_weights). Errors name the file and, where it applies, the node or
// layer and its operator; an operator or layer outside the supported set is an error, never
// skipped (docs/graph_models.md lists the sets).
#include <cstdint>
#include <string>

#include "analysis/graph/graph_model.h"
#include "data/result.h"

namespace scalpel::graph {

// Largest .onnx file read (protobuf's own limit is 2 GiB; weights stored externally are refused).
constexpr uint64_t kMaxOnnxBytes = uint64_t(1) << 30;

// False when Scalpel was built without libonnx (SCALPEL_WITH_ONNX=OFF or not found).
bool onnxSupported();

Result<GraphModel> loadOnnx(const std::string& path);
// In-memory ONNX bytes (fuzzing, tests); `label` names them in errors.
Result<GraphModel> parseOnnx(const std::string& label, const std::string& bytes);
Result<GraphModel> loadKeras(const std::string& path);
// Keras when the file is HDF5 (by its signature), ONNX otherwise.
Result<GraphModel> loadGraphModel(const std::string& path);

}  // namespace scalpel::graph
