#pragma once
// Paired text/image embeddings read from NPY, NPZ or HDF5 (any supported tensor file).
#include <string>
#include <vector>

#include <Eigen/Core>

#include "data/result.h"

namespace scalpel::clip {

struct EmbeddingPairs {
    Eigen::MatrixXd text;                 // n x d
    Eigen::MatrixXd image;                // n x d
    std::vector<std::string> promptIds;   // optional, size n
    std::string textKey, imageKey;        // the tensor names actually used
};

// textKey/imageKey name tensors in the file (HDF5: dataset paths, with or without a leading
// '/'). Empty keys: "text" and "image", or for a single NPY file nothing (error). Checks rank 2,
// equal n and d, finite values; errors name the file, the key and the row.
// promptKey (optional) names per-row prompt ids: a 1-D numeric tensor, or an HDF5 string
// dataset (prompt texts); rows with equal ids form one prompt group.
Result<EmbeddingPairs> loadEmbeddingPairs(const std::string& path, std::string textKey, std::string imageKey,
                                          const std::string& promptKey = {});

// A single 2-D matrix from FILE[:KEY] (e.g. a frequency matrix Omega from NPY or HDF5).
Result<Eigen::MatrixXd> loadMatrix(const std::string& fileAndKey);

}  // namespace scalpel::clip
