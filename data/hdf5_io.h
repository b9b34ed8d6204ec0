#pragma once
// Building blocks shared by the HDF5 tensor reader (hdf5_reader.cpp), the Keras layout
// (hdf5_keras.cpp) and Scalpel's own activation dumps (activation_dump.cpp).
// Every function throws FormatError naming the dataset or attribute on failure and
// expects silenceHdf5Errors() to have been called on this thread.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "data/dtype.h"
#include "data/hdf5_handle.h"
#include "data/tensor_file.h"

namespace scalpel {

// Opens an existing HDF5 file on disk read-only, after hdf5Precheck on its bytes.
std::shared_ptr<Hid> openHdf5File(const std::string& path);
// Opens a whole HDF5 file held in memory (core driver file image; the bytes are copied).
// `label` only names the file in messages.
std::shared_ptr<Hid> openHdf5Image(const std::string& label, std::span<const uint8_t> bytes);

// Validates the signature location (0, 512, 1024, ...) and the end-of-file address the
// superblock claims against the real size, so truncated files fail with a clear reason.
void hdf5Precheck(std::span<const uint8_t> file);

// What a dataset holds, as Scalpel sees it.
struct Hdf5DatasetInfo {
    DType dtype = DType::RAW8;
    std::vector<int64_t> shape;
    std::string note;          // non-empty: not readable as a tensor, and why
    size_t swapUnit = 0;       // > 1: the file stores big-endian units of this many bytes
};

Hdf5DatasetInfo describeDataset(hid_t dataset, const std::string& name);

// Row-major little-endian bytes of a numeric dataset (exactly info.byteSize bytes).
std::vector<uint8_t> readDatasetBytes(hid_t file, const std::string& datasetPath);

// A lazily loading TensorEntry for the dataset at `datasetPath`, listed as `name`.
// The entry keeps the file open.
TensorEntry makeDatasetEntry(const std::shared_ptr<Hid>& file, const std::string& datasetPath,
                             const std::string& name);

// Full paths ("a/b/c") of every dataset reachable by hard links, each object once
// (cycles and repeated links are visited once), in name order.
std::vector<std::string> listDatasetPaths(hid_t file);

bool hasAttribute(hid_t obj, const std::string& name);
// Scalar (or single-element) string attribute, fixed or variable length. nullopt if absent.
std::optional<std::string> readStringAttribute(hid_t obj, const std::string& name);
// 0-d or 1-d string array attribute (fixed or variable length). nullopt if absent.
std::optional<std::vector<std::string>> readStringListAttribute(hid_t obj, const std::string& name);
// Keras splits long lists into name0, name1, ...: the concatenation, or nullopt if
// neither `name` nor `name0` exists.
std::optional<std::vector<std::string>> readChunkedStringList(hid_t obj, const std::string& name);
// Scalar integer attribute. nullopt if absent; throws if not an integer scalar.
std::optional<int64_t> readIntAttribute(hid_t obj, const std::string& name);
// Every scalar string or numeric attribute of `obj`, as text (for metadata).
std::vector<std::pair<std::string, std::string>> readScalarAttributes(hid_t obj);

bool linkExists(hid_t loc, const std::string& path);

}  // namespace scalpel
