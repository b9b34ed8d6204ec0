// Fuzz target: zip/NPZ bytes through ZipArchive (reading every member) and through
// parseNpz, loading and decoding every tensor it lists.
#include <cstddef>
#include <cstdint>
#include <string>

#include "data/npy.h"
#include "data/zip_archive.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace scalpel;
    auto file = MappedFile::fromBytes("fuzz.npz", std::string(reinterpret_cast<const char*>(data), size));
    try {
        // A small inflate limit keeps each run fast; size checks are what is exercised.
        ZipArchive zip(file, uint64_t(64) << 20);
        for (const auto& m : zip.members()) {
            try {
                (void)zip.read(m);
            } catch (const FormatError&) {
            }
        }
    } catch (const FormatError&) {
    }
    try {
        TensorFile tf = parseNpz(file);
        for (const auto& e : tf.tensors) {
            (void)tf.raw(e);
            (void)tf.toDouble(e);
        }
    } catch (const FormatError&) {
    }
    return 0;
}
