// Fuzz target: ONNX bytes through parseOnnx and, when they import, a forward pass on zeros of the
// declared input shapes (every site listed), so that hostile shapes and attributes reach the kernels.
#include <cstddef>
#include <cstdint>
#include <string>

#include "analysis/graph/graph_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace scalpel::graph;
    auto model = parseOnnx("fuzz.onnx", std::string(reinterpret_cast<const char*>(data), size));
    if (!model) return 0;
    // Skip inputs whose zero tensors alone would be huge (the fuzzer's memory limit, not a bug).
    int64_t elements = 0;
    for (const auto& s : model->inputShapes(1)) {
        int64_t n = 1;
        for (int64_t d : s) n = (d > 0 && n <= (int64_t(1) << 24) / d) ? n * d : (int64_t(1) << 25);
        elements += n;
    }
    if (elements > (int64_t(1) << 24)) return 0;
    try {
        (void)model->describeSites();
    } catch (const GraphError&) {
    }
    return 0;
}
