// Fuzz target: bytes -> safetensors parser -> decode every listed tensor.
#include <cstddef>
#include <cstdint>
#include <string>

#include "data/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace scalpel;
    try {
        TensorFile tf = parseSafetensors(MappedFile::fromBytes("fuzz.safetensors", std::string(reinterpret_cast<const char*>(data), size)));
        for (const auto& e : tf.tensors) {
            // The parser proved each tensor's byte size fits inside the input, so decoding
            // allocates at most ~16x the input (bits to float64, complex doubled).
            auto f = tf.toFloat(e);
            auto d = tf.toDouble(e);
            if (f.ok() != d.ok()) __builtin_trap();
        }
    } catch (const FormatError&) {
        // Rejected input: expected for most mutations.
    }
    return 0;
}
