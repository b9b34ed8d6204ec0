// Fuzz target: raw bytes into the restricted pickle machine, then through the tensor
// walker with a fixed 4 KiB storage for every key, loading every tensor it lists.
#include <cstdint>
#include <string>

#include "data/pytorch_checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::vector<uint8_t> storage(4096, 0x3c);
    try {
        auto parsed = scalpel::pickle::runPickle({data, size}, 0, "fuzz.pkl");
        scalpel::TensorFile file;
        scalpel::pytorch::collectTensors(parsed, [](const std::string&) {
            scalpel::pytorch::StorageRecord rec;
            rec.bytes = storage;
            return rec;
        }, "", file);
        for (const auto& t : file.tensors) {
            try {
                auto bytes = t.load();
                (void)bytes;
            } catch (const scalpel::FormatError&) {
            }
        }
    } catch (const scalpel::FormatError&) {
    }
    return 0;
}
