// Fuzz target: bytes -> GGUF header parser -> read (and decode where possible) every tensor.
#include <cstddef>
#include <cstdint>
#include <string>

#include "data/gguf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace scalpel;
    try {
        TensorFile tf = parseGguf(MappedFile::fromBytes("fuzz.gguf", std::string(reinterpret_cast<const char*>(data), size)));
        for (const auto& e : tf.tensors) {
            auto raw = tf.raw(e);
            if (dtypeIsDecodable(e.info.dtype)) {
                auto d = tf.toDouble(e);
                if (raw.ok() != d.ok()) __builtin_trap();
            }
        }
    } catch (const FormatError&) {
        // Rejected input: expected for most mutations.
    }
    return 0;
}
