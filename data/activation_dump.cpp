// Writing Scalpel's HDF5 files: activation dumps and result files (docs/formats.md).
#include "data/activation_dump.h"

#include <ctime>
#include <regex>

#include "data/hdf5_handle.h"
#include "data/tensor_file.h"

namespace scalpel {

namespace {

template <class Fn>
std::optional<Error> guard(const std::string& path, Fn&& fn) {
    try {
        silenceHdf5Errors();
        fn();
        return std::nullopt;
    } catch (const FormatError& e) {
        return Error{path, e.what()};
    } catch (const std::bad_alloc&) {
        return Error{path, "out of memory while writing"};
    }
}

std::string nowIso8601() {
    std::time_t t = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&t, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

Hid utf8StringType() {
    Hid t = checkHid(H5Tcopy(H5T_C_S1), "string type");
    checkStatus(H5Tset_size(t.get(), H5T_VARIABLE), "string type");
    checkStatus(H5Tset_cset(t.get(), H5T_CSET_UTF8), "string type");
    return t;
}

void removeAttribute(hid_t obj, const std::string& key) {
    if (H5Aexists(obj, key.c_str()) > 0) checkStatus(H5Adelete(obj, key.c_str()), "attribute '" + key + "'");
    H5Eclear2(H5E_DEFAULT);
}

void writeAttribute(hid_t obj, const std::string& key, hid_t fileType, hid_t memType, const void* value) {
    removeAttribute(obj, key);
    Hid space = checkHid(H5Screate(H5S_SCALAR), "dataspace");
    Hid attr = checkHid(H5Acreate2(obj, key.c_str(), fileType, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                        "cannot create attribute '" + key + "'");
    checkStatus(H5Awrite(attr.get(), memType, value), "cannot write attribute '" + key + "'");
}

void writeStringAttr(hid_t obj, const std::string& key, const std::string& value) {
    Hid t = utf8StringType();
    const char* p = value.c_str();
    writeAttribute(obj, key, t.get(), t.get(), &p);
}

void writeIntAttr(hid_t obj, const std::string& key, int64_t value) {
    writeAttribute(obj, key, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

// Creates dataset `path` (intermediate groups included) with `shape`; returns it open.
Hid createDataset(hid_t file, const std::string& path, hid_t fileType, const std::vector<int64_t>& shape) {
    if (H5Lexists(file, path.c_str(), H5P_DEFAULT) > 0) fail("dataset '" + path + "' already exists");
    H5Eclear2(H5E_DEFAULT);
    std::vector<hsize_t> dims(shape.begin(), shape.end());
    Hid space = checkHid(H5Screate_simple(int(dims.size()), dims.data(), nullptr), "dataset '" + path + "': dataspace");
    Hid lcpl = checkHid(H5Pcreate(H5P_LINK_CREATE), "link property list");
    checkStatus(H5Pset_create_intermediate_group(lcpl.get(), 1), "link property list");
    return checkHid(H5Dcreate2(file, path.c_str(), fileType, space.get(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
                    "cannot create dataset '" + path + "'");
}

void checkCount(const std::string& path, uint64_t given, const std::vector<int64_t>& shape) {
    uint64_t n = checkedNumel(shape, "dataset '" + path + "'");
    if (given != n)
        fail("dataset '" + path + "': " + std::to_string(given) + " values given for shape " +
             TensorInfo{"", DType::F32, shape, ""}.shapeString() + " (" + std::to_string(n) + " expected)");
}

std::optional<int> layerOf(const std::string& hook) {
    static const std::regex kBlock(R"(^blocks\.(\d{1,6})\..*)");
    std::smatch m;
    if (std::regex_match(hook, m, kBlock)) return std::stoi(m[1].str());
    return std::nullopt;
}

}  // namespace

ScalpelFileWriter::ScalpelFileWriter(ScalpelFileWriter&&) noexcept = default;
ScalpelFileWriter& ScalpelFileWriter::operator=(ScalpelFileWriter&&) noexcept = default;
ScalpelFileWriter::~ScalpelFileWriter() = default;

std::optional<Error> ScalpelFileWriter::createFile(ScalpelFileWriter& w, const std::string& path,
                                                   const std::string& schema, int version, const Provenance& p) {
    w.path_ = path;
    return guard(path, [&] {
        w.file_ = std::make_unique<Hid>(checkHid(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                                                 "cannot create HDF5 file"));
        hid_t f = w.file_->get();
        writeStringAttr(f, "scalpel_schema", schema);
        writeIntAttr(f, "scalpel_schema_version", version);
        writeStringAttr(f, "scalpel_version", p.scalpelVersion.empty() ? "unknown" : p.scalpelVersion);
        writeStringAttr(f, "created", p.created.empty() ? nowIso8601() : p.created);
        if (!p.modelPath.empty()) writeStringAttr(f, "model_path", p.modelPath);
        if (!p.modelSha256.empty()) writeStringAttr(f, "model_sha256", p.modelSha256);
        if (!p.commandLine.empty()) writeStringAttr(f, "command_line", p.commandLine);
    });
}

std::optional<Error> ScalpelFileWriter::setAttribute(const std::string& key, const std::string& value) {
    return guard(path_, [&] { writeStringAttr(file_->get(), key, value); });
}

std::optional<Error> ScalpelFileWriter::setIntAttribute(const std::string& key, int64_t value) {
    return guard(path_, [&] { writeIntAttr(file_->get(), key, value); });
}

std::optional<Error> ScalpelFileWriter::setDoubleAttribute(const std::string& key, double value) {
    return guard(path_, [&] { writeAttribute(file_->get(), key, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value); });
}

template <class T>
static std::optional<Error> writeNumbers(const std::string& file, hid_t loc, const std::string& path,
                                         std::span<const T> values, const std::vector<int64_t>& shape, hid_t fileType,
                                         hid_t memType) {
    return guard(file, [&] {
        checkCount(path, values.size(), shape);
        Hid ds = createDataset(loc, path, fileType, shape);
        if (!values.empty())
            checkStatus(H5Dwrite(ds.get(), memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
                        "cannot write dataset '" + path + "'");
    });
}

std::optional<Error> ScalpelFileWriter::writeFloats(const std::string& path, std::span<const float> values,
                                                    const std::vector<int64_t>& shape) {
    return writeNumbers(path_, file_->get(), path, values, shape, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT);
}

std::optional<Error> ScalpelFileWriter::writeDoubles(const std::string& path, std::span<const double> values,
                                                     const std::vector<int64_t>& shape) {
    return writeNumbers(path_, file_->get(), path, values, shape, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE);
}

std::optional<Error> ScalpelFileWriter::close() {
    if (!file_ || !file_->valid()) return std::nullopt;
    return guard(path_, [&] { checkStatus(H5Fclose(file_->release()), "closing the file failed"); });
}

Result<ActivationDumpWriter> ActivationDumpWriter::create(const std::string& path, const Provenance& provenance) {
    ActivationDumpWriter w;
    if (auto err = createFile(w, path, kActivationDumpSchema, kActivationDumpVersion, provenance)) return *err;
    return w;
}

std::optional<Error> ActivationDumpWriter::setTokens(std::span<const int32_t> ids, int64_t examples, int64_t tokens,
                                                     const std::vector<std::string>& strings) {
    return guard(path_, [&] {
        if (examples_ >= 0) fail("/tokens/ids was already written");
        std::vector<int64_t> shape{examples, tokens};
        checkCount("/tokens/ids", ids.size(), shape);
        if (!strings.empty()) checkCount("/tokens/strings", strings.size(), shape);
        Hid ds = createDataset(file_->get(), "/tokens/ids", H5T_STD_I32LE, shape);
        if (!ids.empty())
            checkStatus(H5Dwrite(ds.get(), H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, ids.data()),
                        "cannot write dataset '/tokens/ids'");
        if (!strings.empty()) {
            Hid t = utf8StringType();
            Hid sds = createDataset(file_->get(), "/tokens/strings", t.get(), shape);
            std::vector<const char*> ptrs;
            for (const auto& s : strings) ptrs.push_back(s.c_str());
            checkStatus(H5Dwrite(sds.get(), t.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()),
                        "cannot write dataset '/tokens/strings'");
        }
        examples_ = examples;
        tokens_ = tokens;
    });
}

std::optional<Error> ActivationDumpWriter::addSite(const std::string& hookName, std::span<const float> values,
                                                   std::array<int64_t, 3> shape, std::optional<int> layer) {
    std::string path = "/sites/" + hookName;
    if (auto err = guard(path_, [&] {
            if (hookName.empty() || hookName.find('/') != std::string::npos || hookName == "." || hookName == "..")
                fail("site name '" + hookName + "' must be non-empty and contain no '/'");
            if (examples_ < 0) fail("setTokens must be called before adding site '" + hookName + "'");
            if (shape[0] != examples_ || shape[1] != tokens_)
                fail("dataset '" + path + "' has shape [" + std::to_string(shape[0]) + ", " + std::to_string(shape[1]) +
                     ", " + std::to_string(shape[2]) + "] but /tokens/ids is [" + std::to_string(examples_) + ", " +
                     std::to_string(tokens_) + "]");
        }))
        return err;
    if (auto err = writeFloats(path, values, {shape.begin(), shape.end()})) return err;
    std::optional<int> l = layer ? layer : layerOf(hookName);
    if (!l) return std::nullopt;
    return guard(path_, [&] {
        Hid ds = checkHid(H5Dopen2(file_->get(), path.c_str(), H5P_DEFAULT), "dataset '" + path + "'");
        writeIntAttr(ds.get(), "layer", *l);
    });
}

std::optional<Error> ActivationDumpWriter::setLogits(std::span<const float> values, std::array<int64_t, 3> shape) {
    if (examples_ >= 0 && (shape[0] != examples_ || shape[1] != tokens_))
        return Error{path_, "dataset '/logits' examples and tokens must match /tokens/ids [" + std::to_string(examples_) +
                                ", " + std::to_string(tokens_) + "]"};
    return writeFloats("/logits", values, {shape.begin(), shape.end()});
}

Result<ResultFileWriter> ResultFileWriter::create(const std::string& path, const Provenance& provenance,
                                                  const std::string& method, const std::string& parametersJson) {
    ResultFileWriter w;
    if (auto err = createFile(w, path, kResultFileSchema, kResultFileVersion, provenance)) return *err;
    if (auto err = w.setAttribute("method", method)) return *err;
    if (auto err = w.setAttribute("parameters", parametersJson.empty() ? "{}" : parametersJson)) return *err;
    return w;
}

}  // namespace scalpel
