// `scalpel explain` end to end: the result file's layout (docs/formats.md, method "lrp-explain"),
// its relevance against the torch references of tests/fixtures/gen_graph_lrp.py (z⁺/γ/z^B-based
// composites: within 2e-5 of the map's largest value, as argued in test_graph_lrp.cpp), NPY and
// HDF5 inputs, ONNX (NCHW, NC) and Keras (NHWC) layouts, and bad input (exit code 1 or 2, a reason
// naming the problem, no file left behind).
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "analysis/graph/graph_import.h"
#include "data/activation_dump.h"
#include "data/hdf5_handle.h"
#include "data/hdf5_io.h"
#include "data/tensor_file.h"
#include "run_process.h"

using namespace scalpel;
using nlohmann::json;

namespace {
const std::string kDir = std::string(SCALPEL_SOURCE_DIR) + "/tests/fixtures/graph/";
const std::string kReal = std::string(SCALPEL_SHARED_DIR) + "/real/keras/";

std::string tempPath(const std::string& name) {
    return (std::filesystem::temp_directory_path() / ("scalpel_cli_explain_" + name)).string();
}

Dataset<float> read(const std::string& file, const std::string& dataset) {
    auto d = readDataset(file, dataset);
    if (!d) qFatal("%s", d.error().what().c_str());
    return *d;
}

double relError(const Dataset<float>& got, const Dataset<float>& want) {
    if (got.shape != want.shape) return 1e30;
    double scale = 1e-30, err = 0;
    for (size_t i = 0; i < want.values.size(); ++i) {
        scale = std::max(scale, std::abs(double(want.values[i])));
        err = std::max(err, std::abs(double(got.values[i]) - double(want.values[i])));
    }
    return err / scale;
}

std::map<std::string, std::string> rootAttributes(const std::string& file) {
    silenceHdf5Errors();
    Hid f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    std::map<std::string, std::string> out;
    if (!f.valid()) return out;
    for (auto& [k, v] : readScalarAttributes(f.get())) out[k] = v;
    return out;
}

// Checks the layout of a result file and returns its datasets' dtypes by name.
std::map<std::string, DType> dtypes(const std::string& file) {
    std::map<std::string, DType> out;
    auto tf = openTensorFile(file);
    if (!tf) qFatal("%s", tf.error().what().c_str());
    for (const auto& t : tf->tensors) out[t.info.name.starts_with("/") ? t.info.name : "/" + t.info.name] = t.info.dtype;
    return out;
}

// The reference inputs as a float32 NPY written by hand.
std::string npyInputs(const std::string& ref) {
    const auto d = read(ref, "/inputs");
    std::string shape = "(";
    for (int64_t s : d.shape) shape += std::to_string(s) + ", ";
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + "), }";
    header.append(128 - 10 - header.size() - 1, ' ');
    header += "\n";
    const std::string path = tempPath("inputs.npy");
    std::ofstream f(path, std::ios::binary);
    f.write("\x93NUMPY\x01\x00", 8);
    const uint16_t len = static_cast<uint16_t>(header.size());
    f.write(reinterpret_cast<const char*>(&len), 2);
    f << header;
    f.write(reinterpret_cast<const char*>(d.values.data()), static_cast<std::streamsize>(d.values.size() * 4));
    return path;
}

std::string targetsOf(const std::string& ref) {
    std::string s;
    for (float v : read(ref, "/targets").values) {
        if (!s.empty()) s += ',';
        s += std::to_string(static_cast<int64_t>(v));
    }
    return s;
}
}  // namespace

class TestCliExplain : public QObject {
    Q_OBJECT
private slots:
    void onnxCnnLayout() {
        if (!graph::onnxSupported()) QSKIP("built without ONNX");
        const std::string out = tempPath("cnn.h5"), ref = kDir + "lrp/cnn_lrp_ref.h5";
        std::filesystem::remove(out);
        auto r = runProcess({SCALPEL_EXE, "explain", "--model", kDir + "cnn.onnx", "--inputs", ref + ":/inputs", "--target",
                             targetsOf(ref), "--rule", "EpsilonPlus", "--out", out});
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        QVERIFY(r.out.find("rule EpsilonPlus") != std::string::npos);
        const auto rel = read(out, "/results/relevance");
        const double e = relError(rel, read(ref, "/relevance/EpsilonPlus"));
        qInfo("cnn EpsilonPlus: relative error %.3g", e);
        QVERIFY(e < 2e-5);
        QCOMPARE(read(out, "/results/inputs").values, read(ref, "/inputs").values);
        QVERIFY(relError(read(out, "/results/outputs"), read(ref, "/logits")) < 2e-5);
        QCOMPARE(read(out, "/results/target").values, read(ref, "/targets").values);
        const auto sums = readDatasetDouble(out, "/results/relevance_sum");
        QVERIFY(sums.ok());
        QCOMPARE(sums->shape, std::vector<int64_t>{3});
        for (size_t b = 0; b < 3; ++b) {
            double s = 0;
            for (size_t i = 0; i < 432; ++i) s += rel.values[b * 432 + i];
            QVERIFY(std::abs(s - sums->values[b]) < 1e-6 + 1e-5 * std::abs(s));
        }
        const auto types = dtypes(out);
        QCOMPARE(types.size(), size_t(5));
        QVERIFY(types.at("/results/relevance") == DType::F32 && types.at("/results/inputs") == DType::F32 &&
                types.at("/results/outputs") == DType::F32);
        QVERIFY(types.at("/results/target") == DType::I64);
        QVERIFY(types.at("/results/relevance_sum") == DType::F64);
        const auto attrs = rootAttributes(out);
        QCOMPARE(attrs.at("scalpel_schema"), std::string("result"));
        QCOMPARE(attrs.at("scalpel_schema_version"), std::string("1"));
        QCOMPARE(attrs.at("method"), std::string("lrp-explain"));
        QCOMPARE(attrs.at("input_layout"), std::string("NCHW"));
        QCOMPARE(attrs.at("rule"), std::string("EpsilonPlus"));
        const json params = json::parse(attrs.at("parameters"));
        QCOMPARE(params["rule"], json("EpsilonPlus"));
        QCOMPARE(params["explained_site"], json("/fc/Gemm"));
        QCOMPARE(params["node_rules"]["/conv1/Conv"], json("zplus"));
        QCOMPARE(params["node_rules"]["/fc/Gemm"], json("epsilon(1e-06)"));
        QVERIFY(!std::filesystem::exists(out + ".tmp"));
    }

    void onnxMlpPredictedJson() {
        if (!graph::onnxSupported()) QSKIP("built without ONNX");
        const std::string out = tempPath("mlp.h5"), ref = kDir + "lrp/mlp_lrp_ref.h5";
        auto r = runProcess({SCALPEL_EXE, "explain", "--model", kDir + "mlp.onnx", "--inputs", npyInputs(ref), "--rule", "zplus",
                             "--out", out, "--json"});
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        const json j = json::parse(r.out);
        QCOMPARE(j["input_layout"], json("NC"));
        QCOMPARE(j["skipped_softmax"], json(true));
        QCOMPARE(j["explained_site"], json("/fc3/Gemm"));
        const auto logits = read(out, "/results/outputs");
        for (size_t b = 0; b < 3; ++b) {
            const auto row = logits.values.begin() + static_cast<std::ptrdiff_t>(b * 6);
            QCOMPARE(j["targets"][b].get<int64_t>(), std::max_element(row, row + 6) - row);
        }
        QCOMPARE(rootAttributes(out).at("input_layout"), std::string("NC"));
    }

    void kerasNhwc() {
        if (!std::filesystem::exists(kReal + "pretrainedResnet.h5")) QSKIP("../shared/real/keras is not present");
        const std::string out = tempPath("keras.h5"), ref = kDir + "lrp/keras_resnet_lrp_ref.h5";
        auto r = runProcess({SCALPEL_EXE, "explain", "--model", kReal + "pretrainedResnet.h5", "--inputs", ref + ":inputs", "--target",
                             targetsOf(ref), "--rule", "epsilon_gamma_box", "--low", "0", "--high", "1", "--out", out});
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        const auto rel = read(out, "/results/relevance");
        QCOMPARE(rel.shape, (std::vector<int64_t>{2, 32, 32, 3}));
        const double e = relError(rel, read(ref, "/relevance/EpsilonGammaBox"));
        qInfo("keras EpsilonGammaBox: relative error %.3g", e);
        QVERIFY(e < 2e-5);
        const auto attrs = rootAttributes(out);
        QCOMPARE(attrs.at("input_layout"), std::string("NHWC"));
        QCOMPARE(attrs.at("rule"), std::string("EpsilonGammaBox"));
        QCOMPARE(json::parse(attrs.at("parameters"))["merged_batchnorms"].size(), size_t(7));
    }

    void badInput() {
        if (!graph::onnxSupported()) QSKIP("built without ONNX");
        const std::string out = tempPath("bad.h5"), ref = kDir + "lrp/cnn_lrp_ref.h5";
        std::filesystem::remove(out);
        auto r = runProcess({SCALPEL_EXE, "explain", "--model", kDir + "cnn.onnx", "--inputs", ref + ":/inputs", "--rule", "EpsilonBogus",
                             "--out", out});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.find("'EpsilonBogus'") != std::string::npos, r.err.c_str());
        r = runProcess({SCALPEL_EXE, "explain", "--model", kDir + "cnn.onnx", "--inputs", ref + ":/inputs", "--target", "12", "--out", out});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.find("target class 12") != std::string::npos, r.err.c_str());
        r = runProcess({SCALPEL_EXE, "explain", "--model", kDir + "cnn.onnx", "--inputs", ref + ":/inputs", "--target", "two", "--out", out});
        QCOMPARE(r.exitCode, 2);
        r = runProcess({SCALPEL_EXE, "explain", "--model", kDir + "cnn.onnx", "--inputs", ref + ":/inputs", "--out",
                        tempPath("no_such_dir") + "/r.h5"});
        QCOMPARE(r.exitCode, 1);
        r = runProcess({SCALPEL_EXE, "explain", "--model", kDir + "missing.onnx", "--inputs", ref + ":/inputs", "--out", out});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(!std::filesystem::exists(out));
        QVERIFY(!std::filesystem::exists(out + ".tmp"));
    }
};

QTEST_APPLESS_MAIN(TestCliExplain)
#include "test_cli_explain.moc"
