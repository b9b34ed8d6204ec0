// readHdf5: any HDF5 file as a TensorFile (see hdf5_reader.h).
#include "data/hdf5_reader.h"

#include <algorithm>
#include <filesystem>

#include "data/activation_dump.h"
#include "data/hdf5_io.h"
#include "data/hdf5_probe.h"
#include "data/readers.h"

namespace scalpel {

TensorFile describeHdf5(const std::shared_ptr<Hid>& file, const std::string& path) {
    silenceHdf5Errors();
    TensorFile out;
    out.path = path;
    out.format = "hdf5";
    hid_t root = file->get();

    // Scalpel's own dumps are validated on open, so a damaged dump is reported as such.
    if (readStringAttribute(root, "scalpel_schema") == std::optional<std::string>(kActivationDumpSchema))
        (void)describeActivationDump(root, path);

    std::set<std::string> listed;
    if (!describeKeras(file, out, listed))
        for (auto& [key, value] : readScalarAttributes(root)) out.metadata[key] = value;

    for (const auto& p : listDatasetPaths(root))
        if (!listed.count(p)) out.tensors.push_back(makeDatasetEntry(file, p, p));
    return out;
}

// Listing a file reads only metadata (plus the token ids and strings of a dump); 256 MiB
// plus 8x the file size is far above what any valid file needs (the in-memory path also
// holds two copies of the image).
static uint64_t probeBudget(uint64_t fileSize) {
    return (uint64_t(256) << 20) + std::min<uint64_t>(fileSize, uint64_t(1) << 36) * 8;
}

TensorFile parseHdf5(std::shared_ptr<const MappedFile> file) {
    auto open = [&] { return describeHdf5(openHdf5Image(file->path(), file->all()), file->path()); };
    probeInChildProcess([&] { (void)open(); }, probeBudget(file->size()));
    return open();
}

Result<TensorFile> readHdf5(const std::string& path) {
    return catchError(path, [&] {
        std::error_code ec;
        uint64_t size = std::filesystem::file_size(path, ec);
        probeInChildProcess([&] { (void)describeHdf5(openHdf5File(path), path); }, probeBudget(ec ? 0 : size));
        return describeHdf5(openHdf5File(path), path);
    });
}

}  // namespace scalpel
