// readHdf5: any HDF5 file as a TensorFile (see hdf5_reader.h).
#include "data/hdf5_reader.h"

#include "data/activation_dump.h"
#include "data/hdf5_io.h"
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

TensorFile parseHdf5(std::shared_ptr<const MappedFile> file) {
    return describeHdf5(openHdf5Image(file->path(), file->all()), file->path());
}

Result<TensorFile> readHdf5(const std::string& path) {
    return catchError(path, [&] { return describeHdf5(openHdf5File(path), path); });
}

}  // namespace scalpel
