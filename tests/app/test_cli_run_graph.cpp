// `scalpel run` on graph models (ONNX, Keras .h5) end to end, against the references of
// tests/fixtures/gen_graph.py: the dump's /outputs and /sites equal the torch values within 2e-5
// of each tensor's scale (float32 engine, tolerance argued in test_graph_models.cpp); NPY and
// HDF5 inputs work; `--sites list` prints names, operators and shapes; bad input gives exit
// code 1 or 2 with a reason and leaves no file.
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "analysis/graph/graph_import.h"
#include "data/activation_dump.h"
#include "run_process.h"

using namespace scalpel;
using nlohmann::json;

namespace {
const std::string kDir = std::string(SCALPEL_SOURCE_DIR) + "/tests/fixtures/graph/";

std::string tempPath(const std::string& name) {
    return (std::filesystem::temp_directory_path() / ("scalpel_cli_run_graph_" + name)).string();
}

bool same(const std::string& dump, const std::string& dataset, const std::string& ref, const std::string& refDataset) {
    auto got = readDataset(dump, dataset);
    auto want = readDataset(ref, refDataset);
    if (!got || !want) {
        qWarning("%s", (!got ? got.error() : want.error()).what().c_str());
        return false;
    }
    if (got->shape != want->shape) return false;
    double scale = 1e-3, err = 0;
    for (size_t i = 0; i < want->values.size(); ++i) {
        scale = std::max(scale, std::abs(double(want->values[i])));
        err = std::max(err, std::abs(double(got->values[i]) - double(want->values[i])));
    }
    if (err > 2e-5 * scale) qWarning("%s: error %.3g at scale %.3g", dataset.c_str(), err, scale);
    return err <= 2e-5 * scale;
}

// The reference inputs as a float32 NPY written by hand.
std::string npyInputs(const std::string& ref) {
    auto d = readDataset(ref, "/inputs");
    if (!d) qFatal("%s", d.error().what().c_str());
    std::string shape = "(";
    for (int64_t s : d->shape) shape += std::to_string(s) + ", ";
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + "), }";
    header.append(128 - 10 - header.size() - 1, ' ');
    header += "\n";
    const std::string path = tempPath("inputs.npy");
    std::ofstream f(path, std::ios::binary);
    f.write("\x93NUMPY\x01\x00", 8);
    const uint16_t len = static_cast<uint16_t>(header.size());
    f.write(reinterpret_cast<const char*>(&len), 2);
    f << header;
    f.write(reinterpret_cast<const char*>(d->values.data()), static_cast<std::streamsize>(d->values.size() * 4));
    return path;
}
}  // namespace

class TestCliRunGraph : public QObject {
    Q_OBJECT
private slots:
    void kerasDumpMatchesTorch() {
        const std::string out = tempPath("keras.h5"), ref = kDir + "keras_seq_ref.h5";
        auto r = runProcess({SCALPEL_EXE, "run", "--model", kDir + "keras_seq.h5", "--inputs", ref + ":/inputs", "--sites", "conv*",
                             "dense", "--out", out, "--json"});
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        const json summary = json::parse(r.out);
        QCOMPARE(summary["outputs"], json({3, 5}));
        QCOMPARE(summary["sites"].size(), size_t(3));
        QCOMPARE(summary["sites"][0]["name"], json("conv/linear"));
        QCOMPARE(summary["sites"][0]["shape"], json({3, 4, 4, 5}));
        QVERIFY(same(out, "/outputs", ref, "/outputs"));
        QVERIFY(same(out, "/sites/conv%2Flinear", ref, "/sites/conv%2Flinear"));
        QVERIFY(same(out, "/sites/conv", ref, "/sites/conv"));
        QVERIFY(same(out, "/sites/dense", ref, "/sites/dense"));
    }

    void onnxWithNpyInputs() {
        if (!graph::onnxSupported()) QSKIP("built without ONNX");
        const std::string out = tempPath("cnn.h5"), ref = kDir + "cnn_ref.h5";
        auto r = runProcess({SCALPEL_EXE, "run", "--model", kDir + "cnn.onnx", "--inputs", npyInputs(ref), "--sites", "/pool*",
                             "--out", out});
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        QVERIFY2(r.out.find("3 example(s), outputs [3, 10], 4 site(s)") != std::string::npos, r.out.c_str());
        QVERIFY(same(out, "/outputs", ref, "/outputs"));
        QVERIFY(same(out, "/sites/%2Fpool2%2FAveragePool", ref, "/sites/%2Fpool2%2FAveragePool"));
    }

    void listSites() {
        if (!graph::onnxSupported()) QSKIP("built without ONNX");
        auto r = runProcess({SCALPEL_EXE, "run", "--model", kDir + "cnn.onnx", "--sites", "list"});
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        QVERIFY2(r.out.find("x\tInput\t[N, 3, 12, 12]\n") != std::string::npos, r.out.c_str());
        QVERIFY2(r.out.find("/conv2/Conv\tConv\t[N, 8, 6, 6]\n") != std::string::npos, r.out.c_str());
        QVERIFY2(r.out.find("/fc/Gemm\tGemm\t[N, 10]\n") != std::string::npos, r.out.c_str());
    }

    void badInputIsReported() {
        const std::string out = tempPath("bad.h5");
        std::filesystem::remove(out);
        auto r = runProcess({SCALPEL_EXE, "run", "--model", kDir + "keras_unsupported.h5", "--inputs", kDir + "keras_seq_ref.h5:/inputs",
                             "--out", out});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.find("unsupported Keras layer 'Conv2DTranspose'") != std::string::npos, r.err.c_str());
        // CNN inputs into the Keras model: wrong shape.
        r = runProcess({SCALPEL_EXE, "run", "--model", kDir + "keras_seq.h5", "--inputs", kDir + "cnn_ref.h5:/inputs", "--out", out});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.find("input 'image' must have shape [-1, 7, 9, 3]") != std::string::npos, r.err.c_str());
        QVERIFY(!std::filesystem::exists(out));
        r = runProcess({SCALPEL_EXE, "run", "--model", kDir + "keras_seq.h5", "--inputs", kDir + "keras_seq_ref.h5", "--out", out});
        QCOMPARE(r.exitCode, 1);  // several datasets: the path must be named
        QVERIFY2(r.err.find("name one as FILE:NAME") != std::string::npos, r.err.c_str());
        r = runProcess({SCALPEL_EXE, "run", "--model", kDir + "keras_seq.h5", "--inputs", kDir + "keras_seq_ref.h5:/inputs", "--sites",
                        "nothing*", "--out", out});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(!std::filesystem::exists(out));
        if (graph::onnxSupported()) {
            r = runProcess({SCALPEL_EXE, "run", "--model", kDir + "unsupported.onnx", "--sites", "list"});
            QCOMPARE(r.exitCode, 1);
            QVERIFY2(r.err.find("unsupported ONNX operator 'Cos' at node 'my_cos'") != std::string::npos, r.err.c_str());
        }
    }
};

QTEST_APPLESS_MAIN(TestCliRunGraph)
#include "test_cli_run_graph.moc"
