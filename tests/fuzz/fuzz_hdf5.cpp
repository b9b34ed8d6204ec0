// Fuzz target for the HDF5 reader: the bytes are opened as an in-memory file image (core
// driver), every dataset is listed and every readable tensor decoded.
#include <cstddef>
#include <cstdint>
#include <string>

#include "data/hdf5_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto file = scalpel::MappedFile::fromBytes("fuzz.h5", std::string(reinterpret_cast<const char*>(data), size));
    auto parsed = scalpel::catchError("fuzz.h5", [&] { return scalpel::parseHdf5(file); });
    if (!parsed) return 0;
    for (const auto& e : parsed->tensors) {
        if (!e.info.note.empty() || !scalpel::dtypeIsDecodable(e.info.dtype)) continue;
        // The reader allows up to 64 MiB (more if the storage backs it up) per dataset; the
        // smoke run skips big claims so 3000 inputs stay fast.
        if (e.info.byteSize() > (uint64_t(4) << 20)) continue;
        (void)parsed->toFloat(e);  // errors are fine; crashes, hangs and huge allocations are not
    }
    return 0;
}
