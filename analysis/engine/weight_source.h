#pragma once
// Named float32 weights out of any checkpoint openTensorFile reads, for the model loaders
// (GPT-2 now, Llama later). It resolves names under optional prefixes, checks dtype and shape
// before decoding anything, and remembers which tensors were used so that the loader can
// report the ones it did not understand.
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "data/tensor_file.h"

namespace scalpel::engine {

class WeightSource {
public:
    // `prefixes` are tried in order for every name (e.g. {"", "transformer."}).
    WeightSource(const TensorFile& file, std::vector<std::string> prefixes);

    // True when `name` exists under one of the prefixes. Throws when it exists under two.
    bool has(const std::string& name) const;
    // The stored shape of `name` (throws FormatError when missing).
    const TensorInfo& info(const std::string& name) const;

    // Decoded as float32, row-major [rows, cols] in the file -> the same [rows, cols] matrix.
    // Throws FormatError "<stored name>: expected [r, c], found [...]" on a shape mismatch,
    // "<name>: missing" when absent, and names the dtype when it is not floating point.
    Eigen::MatrixXf matrix(const std::string& name, int64_t rows, int64_t cols);
    Eigen::VectorXf vector(const std::string& name, int64_t size);

    // Marks tensors as understood but unused (legacy buffers): they are not reported.
    void skipIf(const std::function<bool(const std::string& unprefixedName)>& predicate);
    // Stored names neither read nor skipped, in file order.
    std::vector<std::string> unused() const;

private:
    const TensorEntry& entry(const std::string& name) const;
    const TensorEntry* findOne(const std::string& name) const;
    std::vector<float> decode(const std::string& name, const std::vector<int64_t>& expected);

    const TensorFile& file_;
    std::vector<std::string> prefixes_;
    std::set<std::string> used_;  // stored names
};

// "[a, b]" for messages.
std::string shapeText(const std::vector<int64_t>& shape);
// "a, b, c" with at most `limit` names, then "and N more".
std::string nameList(const std::vector<std::string>& names, size_t limit = 8);

}  // namespace scalpel::engine
