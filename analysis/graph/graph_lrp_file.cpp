#include "analysis/graph/graph_lrp_file.h"

#include <filesystem>

#include "data/hdf5_handle.h"

namespace scalpel::graph {

namespace {

constexpr const char* kSchema = "result";
constexpr int kVersion = 1;

class LrpResultWriter : public ScalpelFileWriter {
public:
    static Result<LrpResultWriter> create(const std::string& path, const Provenance& provenance) {
        LrpResultWriter w;
        if (auto e = createFile(w, path, kSchema, kVersion, provenance)) return *e;
        return w;
    }
    // int64 dataset at a root-level group path ("/results/target"); the group must exist.
    std::optional<Error> writeInt64s(const std::string& path, const std::vector<int64_t>& values) {
        auto r = catchError(path_, [&]() -> int {
            silenceHdf5Errors();
            const hsize_t dims[1] = {static_cast<hsize_t>(values.size())};
            Hid space = checkHid(H5Screate_simple(1, dims, nullptr), "cannot create a dataspace for '" + path + "'");
            Hid ds = checkHid(H5Dcreate2(file_->get(), path.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                              "cannot create dataset '" + path + "'");
            if (!values.empty())
                checkStatus(H5Dwrite(ds.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
                            "cannot write dataset '" + path + "'");
            return 0;
        });
        if (!r) return r.error();
        return std::nullopt;
    }
};

void check(const std::optional<Error>& e) {
    if (e) throw FormatError(e->message);
}

std::span<const float> span(const Tensor& t) { return {t.data.data(), t.data.size()}; }

}  // namespace

std::optional<Error> writeLrpResult(const std::string& path, const LrpResult& r, const Tensor& inputs, const LrpFileInfo& info) {
    const std::string tmp = path + ".tmp";
    std::error_code ec;
    auto done = catchError(path, [&]() -> int {
        if (r.inputs.empty() || r.inputs[0].shape != inputs.shape) fail("relevance and inputs differ in shape");
        const int64_t B = inputs.rank() ? inputs.dim(0) : 1;
        const int64_t per = B ? inputs.numel() / B : 0;
        std::vector<double> sums(static_cast<size_t>(B), 0.0);
        for (int64_t i = 0; i < inputs.numel(); ++i) sums[static_cast<size_t>(i / per)] += r.inputs[0].data[static_cast<size_t>(i)];
        auto w = LrpResultWriter::create(tmp, info.provenance);
        if (!w) throw FormatError(w.error().message);
        check(w->setAttribute("method", "lrp-explain"));
        check(w->setAttribute("parameters", info.parametersJson.empty() ? "{}" : info.parametersJson));
        check(w->setAttribute("input_layout", info.inputLayout));
        check(w->setAttribute("rule", r.rule));
        check(w->writeFloats("/results/relevance", span(r.inputs[0]), inputs.shape));
        check(w->writeFloats("/results/inputs", span(inputs), inputs.shape));
        check(w->writeFloats("/results/outputs", span(r.logits), r.logits.shape));
        check(w->writeInt64s("/results/target", r.targets));
        check(w->writeDoubles("/results/relevance_sum", sums, {B}));
        check(w->close());
        std::error_code rc;
        std::filesystem::rename(tmp, path, rc);
        if (rc) fail("cannot rename " + tmp + " to " + path + ": " + rc.message());
        return 0;
    });
    if (!done) {
        std::filesystem::remove(tmp, ec);
        return done.error();
    }
    return std::nullopt;
}

}  // namespace scalpel::graph
