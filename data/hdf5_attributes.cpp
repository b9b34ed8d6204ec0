// Reading HDF5 attributes (strings, string lists, integers) defensively.
#include <cmath>
#include <cstdio>
#include <cstring>

#include "data/hdf5_io.h"

namespace scalpel {

namespace {

std::string quoted(const std::string& name) { return "attribute '" + name + "'"; }

// Attributes are small (HDF5 caps them near 64 KB unless dense storage is used); this
// bound only protects against a corrupt dataspace claiming billions of elements.
constexpr uint64_t kMaxAttributeBytes = uint64_t(256) << 20;

std::vector<std::string> readStrings(hid_t attr, const std::string& name) {
    Hid type = checkHid(H5Aget_type(attr), quoted(name) + ": cannot read its datatype");
    Hid space = checkHid(H5Aget_space(attr), quoted(name) + ": cannot read its dataspace");
    hssize_t n = H5Sget_simple_extent_npoints(space.get());
    if (n < 0) fail(quoted(name) + ": invalid dataspace");
    std::vector<std::string> out;
    // Keras writes an empty list as an empty float64 array: any empty attribute is no strings.
    if (n == 0) return out;
    if (H5Tget_class(type.get()) != H5T_STRING) fail(quoted(name) + " is not a string");
    // Attribute values are stored in full in the file (no compression), so the storage
    // size bounds what a (possibly corrupt) dataspace may claim: a fixed-length string
    // takes its width, a variable-length one a global heap reference (length + address + index, at least 8 bytes).
    size_t width = H5Tget_size(type.get());
    htri_t variable = H5Tis_variable_str(type.get());
    if (variable < 0) fail(quoted(name) + ": " + hdf5ErrorText());
    uint64_t perElement = variable ? 8 : width;
    uint64_t stored = H5Aget_storage_size(attr);
    if (perElement == 0 || uint64_t(n) > kMaxAttributeBytes / perElement || uint64_t(n) * perElement > stored)
        fail(quoted(name) + ": claims " + std::to_string(n) + " strings but stores only " + std::to_string(stored) +
             " bytes");
    if (variable) {
        Hid mem = checkHid(H5Tcopy(H5T_C_S1), "string type");
        checkStatus(H5Tset_size(mem.get(), H5T_VARIABLE), "string type");
        checkStatus(H5Tset_cset(mem.get(), H5Tget_cset(type.get())), "string type");
        std::vector<char*> ptrs(size_t(n), nullptr);
        checkStatus(H5Aread(attr, mem.get(), ptrs.data()), quoted(name) + ": read failed");
        for (char* p : ptrs) out.emplace_back(p ? p : "");
        H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, ptrs.data());
        return out;
    }
    std::vector<char> buf(size_t(n) * width);
    checkStatus(H5Aread(attr, type.get(), buf.data()), quoted(name) + ": read failed");
    bool spacePadded = H5Tget_strpad(type.get()) == H5T_STR_SPACEPAD;
    for (hssize_t i = 0; i < n; ++i) {
        const char* s = buf.data() + size_t(i) * width;
        size_t len = strnlen(s, width);
        if (spacePadded)
            while (len > 0 && s[len - 1] == ' ') --len;
        out.emplace_back(s, len);
    }
    return out;
}

herr_t collectName(hid_t, const char* name, const H5A_info_t*, void* data) {
    auto* names = static_cast<std::vector<std::string>*>(data);
    if (names->size() >= 10'000) return 1;  // metadata, not a database: stop listing
    names->emplace_back(name);
    return 0;
}

}  // namespace

bool hasAttribute(hid_t obj, const std::string& name) {
    htri_t r = H5Aexists(obj, name.c_str());
    if (r < 0) H5Eclear2(H5E_DEFAULT);
    return r > 0;
}

std::optional<std::vector<std::string>> readStringListAttribute(hid_t obj, const std::string& name) {
    if (!hasAttribute(obj, name)) return std::nullopt;
    Hid attr = checkHid(H5Aopen(obj, name.c_str(), H5P_DEFAULT), quoted(name) + ": cannot open");
    return readStrings(attr.get(), name);
}

std::optional<std::string> readStringAttribute(hid_t obj, const std::string& name) {
    auto list = readStringListAttribute(obj, name);
    if (!list) return std::nullopt;
    if (list->size() != 1)
        fail(quoted(name) + ": expected one string, found " + std::to_string(list->size()));
    return list->front();
}

std::optional<std::vector<std::string>> readChunkedStringList(hid_t obj, const std::string& name) {
    if (auto whole = readStringListAttribute(obj, name)) return whole;
    if (!hasAttribute(obj, name + "0")) return std::nullopt;
    std::vector<std::string> all;
    for (int chunk = 0; chunk < 100'000; ++chunk) {
        auto part = readStringListAttribute(obj, name + std::to_string(chunk));
        if (!part) break;
        all.insert(all.end(), part->begin(), part->end());
    }
    return all;
}

std::optional<int64_t> readIntAttribute(hid_t obj, const std::string& name) {
    if (!hasAttribute(obj, name)) return std::nullopt;
    Hid attr = checkHid(H5Aopen(obj, name.c_str(), H5P_DEFAULT), quoted(name) + ": cannot open");
    Hid type = checkHid(H5Aget_type(attr.get()), quoted(name) + ": cannot read its datatype");
    Hid space = checkHid(H5Aget_space(attr.get()), quoted(name) + ": cannot read its dataspace");
    if (H5Tget_class(type.get()) != H5T_INTEGER || H5Sget_simple_extent_npoints(space.get()) != 1)
        fail(quoted(name) + ": expected one integer");
    int64_t v = 0;
    checkStatus(H5Aread(attr.get(), H5T_NATIVE_INT64, &v), quoted(name) + ": read failed");
    return v;
}

std::vector<std::pair<std::string, std::string>> readScalarAttributes(hid_t obj) {
    std::vector<std::string> names;
    hsize_t idx = 0;
    if (H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, &idx, collectName, &names) < 0) H5Eclear2(H5E_DEFAULT);
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& name : names) {
        Hid attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT));
        if (!attr.valid()) continue;
        Hid type(H5Aget_type(attr.get()));
        Hid space(H5Aget_space(attr.get()));
        if (!type.valid() || !space.valid() || H5Sget_simple_extent_npoints(space.get()) != 1) continue;
        H5T_class_t cls = H5Tget_class(type.get());
        if (cls == H5T_STRING) {
            out.emplace_back(name, readStrings(attr.get(), name).front());
        } else if (cls == H5T_INTEGER) {
            int64_t v = 0;
            if (H5Aread(attr.get(), H5T_NATIVE_INT64, &v) >= 0) out.emplace_back(name, std::to_string(v));
        } else if (cls == H5T_FLOAT) {
            double v = 0;
            char text[32];
            if (H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &v) >= 0) {
                std::snprintf(text, sizeof text, "%.17g", v);
                out.emplace_back(name, text);
            }
        }
    }
    H5Eclear2(H5E_DEFAULT);
    return out;
}

}  // namespace scalpel
