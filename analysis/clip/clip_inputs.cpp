#include "analysis/clip/clip_inputs.h"

#include <cmath>
#include <cstdio>

#include "data/hdf5_strings.h"
#include "data/tensor_file.h"

namespace scalpel::clip {
namespace {

// Finds a tensor by name, accepting HDF5-style "/a/b" for "a/b" and the reverse.
const TensorEntry* findTensor(const TensorFile& file, const std::string& key) {
    if (const auto* e = file.find(key)) return e;
    if (!key.empty() && key[0] == '/') return file.find(key.substr(1));
    return file.find("/" + key);
}

std::string available(const TensorFile& file) {
    std::string names;
    for (size_t i = 0; i < file.tensors.size() && i < 12; ++i) names += (i ? ", " : "") + file.tensors[i].info.name;
    if (file.tensors.size() > 12) names += ", ...";
    return names.empty() ? "(none)" : names;
}

Result<Eigen::MatrixXd> readMatrix(const TensorFile& file, const std::string& key) {
    const TensorEntry* e = findTensor(file, key);
    if (!e) return Error{file.path, "no tensor named '" + key + "' (available: " + available(file) + ")"};
    if (e->info.shape.size() != 2)
        return Error{file.path, "'" + key + "' has shape " + e->info.shapeString() + ", expected [n, d]"};
    if (dtypeIsComplex(e->info.dtype)) return Error{file.path, "'" + key + "' is complex, expected real embeddings"};
    auto values = file.toDouble(*e);
    if (!values) return values.error();
    const auto rows = e->info.shape[0], cols = e->info.shape[1];
    // Row-major file data into a column-major Eigen matrix.
    Eigen::MatrixXd m = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
        values->data(), rows, cols);
    for (Eigen::Index i = 0; i < m.rows(); ++i)
        if (!m.row(i).allFinite()) return Error{file.path, "'" + key + "' row " + std::to_string(i) + " contains NaN or Inf"};
    return m;
}

Result<std::vector<std::string>> readPromptIds(const TensorFile& file, const std::string& key) {
    if (const TensorEntry* e = findTensor(file, key); e && e->info.note.empty()) {
        if (e->info.shape.size() != 1) return Error{file.path, "prompt ids '" + key + "' must be 1-D, found " + e->info.shapeString()};
        auto values = file.toDouble(*e);
        if (!values) return values.error();
        std::vector<std::string> ids;
        for (double v : *values) {
            if (!std::isfinite(v)) return Error{file.path, "prompt ids '" + key + "' contain NaN or Inf"};
            // Ids are labels: integers print as integers, anything else in full precision.
            char buf[32];
            std::snprintf(buf, sizeof buf, v == std::floor(v) && std::abs(v) < 1e15 ? "%.0f" : "%.17g", v);
            ids.emplace_back(buf);
        }
        return ids;
    }
    if (file.format == "hdf5" || file.format == "keras-h5") return readStringDataset(file.path, key);
    return Error{file.path, "no prompt ids named '" + key + "' (a 1-D numeric tensor, or an HDF5 string dataset)"};
}

}  // namespace

Result<EmbeddingPairs> loadEmbeddingPairs(const std::string& path, std::string textKey, std::string imageKey,
                                          const std::string& promptKey) {
    auto file = openTensorFile(path);
    if (!file) return file.error();
    if (file->tensors.empty()) return Error{path, "holds no tensors, expected text and image embeddings"};
    if (textKey.empty()) textKey = "text";
    if (imageKey.empty()) imageKey = "image";
    auto text = readMatrix(*file, textKey);
    if (!text) return text.error();
    auto image = readMatrix(*file, imageKey);
    if (!image) return image.error();
    if (text->rows() != image->rows())
        return Error{path, "text '" + textKey + "' has " + std::to_string(text->rows()) + " rows but image '" + imageKey +
                               "' has " + std::to_string(image->rows()) + "; rows must be paired one to one"};
    if (text->cols() != image->cols())
        return Error{path, "text dimension " + std::to_string(text->cols()) + " differs from image dimension " +
                               std::to_string(image->cols())};
    if (text->rows() < 2) return Error{path, "need at least 2 pairs, found " + std::to_string(text->rows())};
    EmbeddingPairs pairs;
    if (!promptKey.empty()) {
        auto ids = readPromptIds(*file, promptKey);
        if (!ids) return ids.error();
        if (ids->size() != static_cast<size_t>(text->rows()))
            return Error{path, "prompt ids '" + promptKey + "' has " + std::to_string(ids->size()) + " entries for " +
                                   std::to_string(text->rows()) + " pairs"};
        pairs.promptIds = std::move(*ids);
    }
    pairs.text = std::move(*text);
    pairs.image = std::move(*image);
    pairs.textKey = textKey;
    pairs.imageKey = imageKey;
    return pairs;
}

Result<Eigen::MatrixXd> loadMatrix(const std::string& fileAndKey) {
    std::string path = fileAndKey, key;
    // FILE:KEY, but a bare path that exists wins (paths may contain ':').
    auto colon = fileAndKey.rfind(':');
    if (colon != std::string::npos && colon > 0) {
        path = fileAndKey.substr(0, colon);
        key = fileAndKey.substr(colon + 1);
    }
    auto file = openTensorFile(path);
    if (!file && !key.empty()) {
        auto whole = openTensorFile(fileAndKey);
        if (whole) {
            file = std::move(whole);
            key.clear();
        }
    }
    if (!file) return file.error();
    if (key.empty()) {
        if (file->tensors.size() != 1)
            return Error{file->path, "holds " + std::to_string(file->tensors.size()) + " tensors; name one as FILE:KEY"};
        key = file->tensors.front().info.name;
    }
    return readMatrix(*file, key);
}

}  // namespace scalpel::clip
