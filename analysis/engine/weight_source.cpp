#include "analysis/engine/weight_source.h"

#include "data/result.h"

namespace scalpel::engine {

std::string shapeText(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

std::string nameList(const std::vector<std::string>& names, size_t limit) {
    std::string s;
    for (size_t i = 0; i < names.size() && i < limit; ++i) s += (i ? ", " : "") + names[i];
    if (names.size() > limit) s += " and " + std::to_string(names.size() - limit) + " more";
    return s;
}

WeightSource::WeightSource(const TensorFile& file, std::vector<std::string> prefixes)
    : file_(file), prefixes_(std::move(prefixes)) {}

const TensorEntry* WeightSource::findOne(const std::string& name) const {
    const TensorEntry* found = nullptr;
    for (const auto& p : prefixes_) {
        const TensorEntry* e = file_.find(p + name);
        if (!e) continue;
        // Two spellings of one weight: picking either silently could load the wrong one.
        if (found) fail("both " + found->info.name + " and " + e->info.name + " are present");
        found = e;
    }
    return found;
}

bool WeightSource::has(const std::string& name) const { return findOne(name) != nullptr; }

const TensorEntry& WeightSource::entry(const std::string& name) const {
    const TensorEntry* e = findOne(name);
    if (!e) fail(name + ": missing");
    return *e;
}

const TensorInfo& WeightSource::info(const std::string& name) const { return entry(name).info; }

std::vector<float> WeightSource::decode(const std::string& name, const std::vector<int64_t>& expected) {
    const TensorEntry& e = entry(name);
    const TensorInfo& i = e.info;
    if (i.shape != expected) fail(i.name + ": expected " + shapeText(expected) + ", found " + shapeText(i.shape));
    if (!i.note.empty()) fail(i.name + ": not readable (" + i.note + ")");
    switch (i.dtype) {
        case DType::F16: case DType::BF16: case DType::F32: case DType::F64: break;
        default: fail(i.name + ": dtype " + std::string(dtypeName(i.dtype)) + " is not a float type (F16, BF16, F32, F64)");
    }
    auto values = file_.toFloat(e);
    if (!values) fail(i.name + ": " + values.error().message);
    if (values->size() != i.numel()) fail(i.name + ": decoded " + std::to_string(values->size()) + " values");
    used_.insert(i.name);
    return std::move(*values);
}

Eigen::MatrixXf WeightSource::matrix(const std::string& name, int64_t rows, int64_t cols) {
    std::vector<float> v = decode(name, {rows, cols});
    // The file is row-major; Eigen's default is column-major, so map then copy.
    return Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(v.data(), rows, cols);
}

Eigen::VectorXf WeightSource::vector(const std::string& name, int64_t size) {
    std::vector<float> v = decode(name, {size});
    return Eigen::Map<const Eigen::VectorXf>(v.data(), size);
}

void WeightSource::skipIf(const std::function<bool(const std::string&)>& predicate) {
    for (const auto& t : file_.tensors) {
        for (const auto& p : prefixes_) {
            const std::string& n = t.info.name;
            if (n.starts_with(p) && predicate(n.substr(p.size()))) {
                used_.insert(n);
                break;
            }
        }
    }
}

std::vector<std::string> WeightSource::unused() const {
    std::vector<std::string> out;
    for (const auto& t : file_.tensors)
        if (!used_.count(t.info.name)) out.push_back(t.info.name);
    return out;
}

}  // namespace scalpel::engine
