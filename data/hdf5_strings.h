#pragma once
// String datasets of HDF5 files (prompt texts, captions, token strings), which the tensor view
// lists but cannot decode.
#include <string>
#include <vector>

#include "data/result.h"

namespace scalpel {

// Every string of a 1-D (or any-rank, flattened) fixed- or variable-length string dataset.
// Claims are bounded by the bytes the dataset stores.
Result<std::vector<std::string>> readStringDataset(const std::string& file, const std::string& datasetPath);

}  // namespace scalpel
