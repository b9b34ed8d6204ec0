// Reading and validating Scalpel activation dumps; reading any dataset by path.
#include <cmath>
#include <algorithm>
#include <cstring>

#include "data/activation_dump.h"
#include "data/hdf5_io.h"

namespace scalpel {

namespace {

std::string shapeText(const std::vector<int64_t>& shape) { return TensorInfo{"", DType::F32, shape, ""}.shapeString(); }

Hdf5DatasetInfo openInfo(hid_t file, const std::string& path) {
    Hid ds = checkHid(H5Dopen2(file, path.c_str(), H5P_DEFAULT), "dataset '" + path + "': cannot open");
    return describeDataset(ds.get(), path);
}

bool isFloat(DType t) { return t == DType::F16 || t == DType::BF16 || t == DType::F32 || t == DType::F64; }
bool isInteger(DType t) {
    return t == DType::I8 || t == DType::U8 || t == DType::I16 || t == DType::U16 || t == DType::I32 ||
           t == DType::U32 || t == DType::I64 || t == DType::U64;
}

std::vector<std::string> readStringDataset(hid_t file, const std::string& path, uint64_t expected) {
    Hid ds = checkHid(H5Dopen2(file, path.c_str(), H5P_DEFAULT), "dataset '" + path + "': cannot open");
    Hid type = checkHid(H5Dget_type(ds.get()), "dataset '" + path + "': datatype");
    Hid space = checkHid(H5Dget_space(ds.get()), "dataset '" + path + "': dataspace");
    if (H5Tget_class(type.get()) != H5T_STRING) fail("dataset '" + path + "' is not a string dataset");
    hssize_t n = H5Sget_simple_extent_npoints(space.get());
    if (n < 0 || uint64_t(n) != expected)
        fail("dataset '" + path + "' holds " + std::to_string(n) + " strings, expected " + std::to_string(expected));
    // Bound the allocation by what the file stores (compression allowed up to ~1:1100).
    uint64_t perElement = H5Tis_variable_str(type.get()) > 0 ? 8 : std::max<size_t>(H5Tget_size(type.get()), 1);
    uint64_t stored = H5Dget_storage_size(ds.get());
    if (expected > (uint64_t(1) << 40) / perElement || expected * perElement > 1100 * stored + 4096)
        fail("dataset '" + path + "' claims " + std::to_string(expected) + " strings but stores only " +
             std::to_string(stored) + " bytes");
    std::vector<std::string> out;
    out.reserve(expected);
    if (H5Tis_variable_str(type.get()) > 0) {
        Hid mem = checkHid(H5Tcopy(H5T_C_S1), "string type");
        checkStatus(H5Tset_size(mem.get(), H5T_VARIABLE), "string type");
        checkStatus(H5Tset_cset(mem.get(), H5Tget_cset(type.get())), "string type");
        std::vector<char*> ptrs(expected, nullptr);
        checkStatus(H5Dread(ds.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()),
                    "dataset '" + path + "': read failed");
        for (char* p : ptrs) out.emplace_back(p ? p : "");
        H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, ptrs.data());
    } else {
        size_t width = H5Tget_size(type.get());
        if (width == 0 || expected > (uint64_t(1) << 32) / width) fail("dataset '" + path + "': implausible size");
        std::vector<char> buf(expected * width);
        checkStatus(H5Dread(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()),
                    "dataset '" + path + "': read failed");
        for (uint64_t i = 0; i < expected; ++i) out.emplace_back(buf.data() + i * width, strnlen(buf.data() + i * width, width));
    }
    return out;
}

herr_t collectLink(hid_t, const char* name, const H5L_info_t*, void* data) {
    auto* names = static_cast<std::vector<std::string>*>(data);
    if (names->size() >= 1'000'000) return 1;
    names->emplace_back(name);
    return 0;
}

// Checks that dataset `path` is a rank-3 float array whose first two dimensions match
// /tokens/ids; returns its shape.
std::vector<int64_t> checkPerToken(hid_t file, const std::string& path, const ActivationDump& d) {
    Hdf5DatasetInfo info = openInfo(file, path);
    if (!info.note.empty()) fail("dataset '" + path + "' is not numeric: " + info.note);
    if (!isFloat(info.dtype))
        fail("dataset '" + path + "' has dtype " + std::string(dtypeName(info.dtype)) + ", expected a float type");
    std::vector<int64_t> ids{d.examples, d.tokens};
    if (info.shape.size() != 3)
        fail("dataset '" + path + "' has shape " + shapeText(info.shape) + " (rank " + std::to_string(info.shape.size()) +
             "), expected rank 3 [examples, tokens, features] matching /tokens/ids " + shapeText(ids));
    if (info.shape[0] != d.examples || info.shape[1] != d.tokens)
        fail("dataset '" + path + "' has shape " + shapeText(info.shape) + " but /tokens/ids has shape " + shapeText(ids) +
             ": " + (info.shape[0] != d.examples ? "example" : "token") + " counts differ");
    return info.shape;
}

template <class T, class Decode>
Result<Dataset<T>> readAs(const std::string& file, const std::string& datasetPath, Decode decode) {
    return catchError(file, [&] {
        auto f = openHdf5File(file);
        std::string path = datasetPath;
        if (!linkExists(f->get(), path)) fail("no dataset '" + datasetPath + "'");
        Hdf5DatasetInfo info = openInfo(f->get(), path);
        if (!info.note.empty()) fail("dataset '" + datasetPath + "' cannot be read: " + info.note);
        if (dtypeIsComplex(info.dtype) || !dtypeIsDecodable(info.dtype))
            fail("dataset '" + datasetPath + "' has dtype " + std::string(dtypeName(info.dtype)) + ", not a real number type");
        auto bytes = readDatasetBytes(f->get(), path);
        Dataset<T> out;
        out.shape = info.shape;
        uint64_t n = checkedNumel(info.shape, "dataset '" + datasetPath + "'");
        out.values.resize(n);
        decode(info.dtype, std::span<const uint8_t>(bytes), n, out.values.data());
        return out;
    });
}

}  // namespace

const DumpSite* ActivationDump::site(const std::string& name) const {
    for (const auto& s : sites)
        if (s.name == name) return &s;
    return nullptr;
}

ActivationDump describeActivationDump(hid_t f, const std::string& path) {
    silenceHdf5Errors();
    ActivationDump d;
    d.path = path;
    auto schema = readStringAttribute(f, "scalpel_schema");
    if (!schema) fail("not a Scalpel activation dump: root attribute 'scalpel_schema' is missing");
    if (*schema != kActivationDumpSchema)
        fail("not a Scalpel activation dump: scalpel_schema is '" + *schema + "', expected 'activation-dump'");
    auto version = readIntAttribute(f, "scalpel_schema_version");
    if (!version) fail("activation dump: root attribute 'scalpel_schema_version' is missing");
    if (*version != kActivationDumpVersion)
        fail("activation dump schema version " + std::to_string(*version) + " is not supported (this Scalpel reads version " +
             std::to_string(kActivationDumpVersion) + ")");
    d.schemaVersion = int(*version);
    for (auto& [k, v] : readScalarAttributes(f)) d.attributes[k] = v;

    if (!linkExists(f, "tokens/ids")) fail("activation dump: dataset '/tokens/ids' is missing");
    Hdf5DatasetInfo ids = openInfo(f, "tokens/ids");
    if (!ids.note.empty() || !isInteger(ids.dtype))
        fail("dataset '/tokens/ids' must hold integers, found " + (ids.note.empty() ? std::string(dtypeName(ids.dtype)) : ids.note));
    if (ids.shape.size() != 2)
        fail("dataset '/tokens/ids' has shape " + shapeText(ids.shape) + ", expected rank 2 [examples, tokens]");
    d.examples = ids.shape[0];
    d.tokens = ids.shape[1];
    uint64_t n = checkedNumel(ids.shape, "dataset '/tokens/ids'");
    auto bytes = readDatasetBytes(f, "tokens/ids");
    std::vector<double> values(n);
    decodeToDouble(ids.dtype, bytes, n, values.data());
    d.tokenIds.reserve(n);
    for (uint64_t i = 0; i < n; ++i) {
        if (values[i] < -2147483648.0 || values[i] > 2147483647.0)
            fail("dataset '/tokens/ids': value " + std::to_string(values[i]) + " at index " + std::to_string(i) +
                 " does not fit int32");
        d.tokenIds.push_back(int32_t(values[i]));
    }
    if (linkExists(f, "tokens/strings")) d.tokenStrings = readStringDataset(f, "tokens/strings", n);

    if (linkExists(f, "sites")) {
        Hid g = checkHid(H5Gopen2(f, "sites", H5P_DEFAULT), "'/sites' is not a group");
        std::vector<std::string> names;
        hsize_t idx = 0;
        checkStatus(H5Literate(g.get(), H5_INDEX_NAME, H5_ITER_INC, &idx, collectLink, &names), "cannot list '/sites'");
        for (const auto& name : names) {
            std::string sitePath = "sites/" + name;
            H5O_info_t oi;
            checkStatus(H5Oget_info_by_name2(f, sitePath.c_str(), &oi, H5O_INFO_BASIC, H5P_DEFAULT),
                        "'/" + sitePath + "'");
            if (oi.type != H5O_TYPE_DATASET) fail("'/" + sitePath + "' is not a dataset");
            DumpSite s;
            s.name = name;
            s.shape = checkPerToken(f, "/" + sitePath, d);
            Hid ds = checkHid(H5Dopen2(f, sitePath.c_str(), H5P_DEFAULT), "dataset '/" + sitePath + "'");
            if (auto layer = readIntAttribute(ds.get(), "layer")) {
                if (*layer < 0 || *layer > 1'000'000) fail("dataset '/" + sitePath + "': implausible layer " + std::to_string(*layer));
                s.layer = int(*layer);
            }
            d.sites.push_back(std::move(s));
        }
    }
    if (linkExists(f, "logits")) d.logitsShape = checkPerToken(f, "/logits", d);
    return d;
}

Result<ActivationDump> readActivationDump(const std::string& path) {
    return catchError(path, [&] { return describeActivationDump(openHdf5File(path)->get(), path); });
}

Result<Dataset<float>> readDataset(const std::string& file, const std::string& datasetPath) {
    return readAs<float>(file, datasetPath, decodeToFloat);
}

Result<Dataset<double>> readDatasetDouble(const std::string& file, const std::string& datasetPath) {
    return readAs<double>(file, datasetPath, decodeToDouble);
}

}  // namespace scalpel
