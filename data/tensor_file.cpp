#include "data/tensor_file.h"

#include <limits>

namespace scalpel {

uint64_t TensorInfo::numel() const {
    uint64_t n = 1;
    for (int64_t d : shape) n *= static_cast<uint64_t>(d);
    return n;
}

uint64_t TensorInfo::byteSize() const { return dtypeByteSize(dtype, numel()).value_or(0); }

std::string TensorInfo::shapeString() const {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i) s += ", ";
        s += std::to_string(shape[i]);
    }
    return s + "]";
}

uint64_t checkedNumel(const std::vector<int64_t>& shape, const std::string& what) {
    if (shape.size() > 64) fail(what + ": rank " + std::to_string(shape.size()) + " exceeds the limit of 64");
    uint64_t n = 1;
    constexpr uint64_t kMax = uint64_t(1) << 62;
    for (int64_t d : shape) {
        if (d < 0) fail(what + ": negative dimension " + std::to_string(d));
        if (d != 0 && n > kMax / static_cast<uint64_t>(d))
            fail(what + ": shape overflows (more than 2^62 elements)");
        n *= static_cast<uint64_t>(d);
    }
    return n;
}

const TensorEntry* TensorFile::find(const std::string& name) const {
    for (const auto& e : tensors)
        if (e.info.name == name) return &e;
    return nullptr;
}

Result<std::vector<uint8_t>> TensorFile::raw(const TensorEntry& e) const {
    return catchError(path, [&]() -> std::vector<uint8_t> {
        if (!e.info.note.empty()) fail("tensor '" + e.info.name + "' cannot be read: " + e.info.note);
        auto bytes = e.load();
        if (bytes.size() != e.info.byteSize())
            fail("tensor '" + e.info.name + "': loader returned " + std::to_string(bytes.size()) +
                 " bytes, expected " + std::to_string(e.info.byteSize()));
        return bytes;
    });
}

template <class T, class Decode>
static Result<std::vector<T>> decodeEntry(const TensorFile& f, const TensorEntry& e, Decode decode) {
    auto bytes = f.raw(e);
    if (!bytes) return bytes.error();
    return catchError(f.path, [&]() -> std::vector<T> {
        if (!dtypeIsDecodable(e.info.dtype))
            fail("tensor '" + e.info.name + "' has dtype " + std::string(dtypeName(e.info.dtype)) +
                 " which is shown raw only");
        uint64_t n = e.info.numel();
        std::vector<T> out(dtypeIsComplex(e.info.dtype) ? 2 * n : n);
        decode(e.info.dtype, std::span<const uint8_t>(*bytes), n, out.data());
        return out;
    });
}

Result<std::vector<float>> TensorFile::toFloat(const TensorEntry& e) const {
    return decodeEntry<float>(*this, e, decodeToFloat);
}

Result<std::vector<double>> TensorFile::toDouble(const TensorEntry& e) const {
    return decodeEntry<double>(*this, e, decodeToDouble);
}

}  // namespace scalpel
