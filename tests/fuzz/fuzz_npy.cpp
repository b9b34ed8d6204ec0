// Fuzz target: NPY bytes through parseNpy, loading and decoding the tensor.
#include <cstddef>
#include <cstdint>
#include <string>

#include "data/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace scalpel;
    try {
        TensorFile tf = parseNpy(MappedFile::fromBytes("fuzz.npy", std::string(reinterpret_cast<const char*>(data), size)));
        for (const auto& e : tf.tensors) {
            (void)tf.raw(e);       // loader output must match the declared byte size
            (void)tf.toDouble(e);  // and decode
        }
    } catch (const FormatError&) {
    }
    return 0;
}
