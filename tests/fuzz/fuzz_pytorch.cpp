// Fuzz target: whole files (zip or legacy checkpoints) through the PyTorch reader,
// reading every tensor it lists.
#include <cstdint>
#include <string>

#include "data/mapped_file.h"
#include "data/pytorch_checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto file = scalpel::MappedFile::fromBytes("fuzz.pt", std::string(reinterpret_cast<const char*>(data), size));
    auto result = scalpel::catchError("fuzz.pt", [&] { return scalpel::parsePytorchCheckpoint(file); });
    if (!result) return 0;
    for (const auto& t : result->tensors) {
        auto bytes = result->raw(t);
        (void)bytes;
    }
    return 0;
}
