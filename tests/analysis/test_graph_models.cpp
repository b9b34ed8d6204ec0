// Graph models (analysis/graph) against the torch references of tests/fixtures/gen_graph.py:
// ONNX exports of an MLP, a CNN and a ResNet-style model, a hand-made Keras Sequential model, and
// the real MLPerf Tiny Keras models (../shared/real/keras, read in place). Outputs, hook sites and
// (ONNX models, Keras Sequential) gradients to the input, sites and parameters are compared per tensor as max |engine - reference| <= tol * max(|reference|, 1e-3 floor).
// The engine computes in float32 (GEMM sums in float, BatchNorm folded to one multiply-add in
// float) from float32 weights; the references are float64 from the same float32 weights and are
// stored rounded to float32 (2^-24 relative). Measured errors are below 1e-6 of the scale for the
// small fixtures (forward and backward) and below 3e-6 for ResNet-8 (16 stacked layers, sums over up to 576 terms);
// tol = 2e-5 leaves a margin of several times for other BLAS kernels and summation orders while
// any real mistake (a wrong pad side, NCHW/NHWC order, a wrong pooling divisor) errs by >1e-2.
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "analysis/graph/graph_import.h"
#include "graph_fixture_util.h"
#include "data/activation_dump.h"
#include "data/tensor_file.h"

using namespace scalpel;
using namespace scalpel::graph;
using namespace graph_fixture;

namespace {
const std::string kDir = std::string(SCALPEL_SOURCE_DIR) + "/tests/fixtures/graph/";
const std::string kReal = std::string(SCALPEL_SHARED_DIR) + "/real/keras/";
constexpr double kTol = 2e-5;

struct Reference {
    Tensor inputs, outputs;
    std::map<std::string, Tensor> sites;  // site name -> value
};

Reference reference(const std::string& file) {
    Reference r;
    r.inputs = load(file, "/inputs");
    r.outputs = load(file, "/outputs");
    auto tf = openTensorFile(file);
    if (!tf) qFatal("%s", tf.error().what().c_str());
    for (const auto& e : tf->tensors) {
        std::string name = e.info.name;
        if (name.starts_with("/")) name.erase(0, 1);
        if (!name.starts_with("sites/")) continue;
        r.sites[decode(name.substr(6))] = load(file, "/" + name);
    }
    return r;
}

// Largest error relative to the tensor's scale; -1 on a shape mismatch.
// Runs the model on the reference inputs and checks the outputs and every stored site.
bool matchesReference(const GraphModel& m, const std::string& refFile, double tol = kTol) {
    const Reference ref = reference(refFile);
    ForwardOptions opt;
    for (const auto& [name, _] : ref.sites) opt.sites.push_back(name);
    ForwardResult run;
    try {
        run = m.forward({ref.inputs}, opt);
    } catch (const std::exception& e) {
        qWarning("%s", e.what());
        return false;
    }
    bool ok = true;
    auto check = [&](const std::string& what, const Tensor& got, const Tensor& want) {
        const double e = relError(got, want);
        if (e < 0 || e > tol) {
            qWarning("%s: %s error %.3g", refFile.c_str(), what.c_str(), e);
            ok = false;
        }
        return e;
    };
    double worst = check("outputs", run.outputs.at(0), ref.outputs);
    for (const auto& [name, want] : ref.sites) worst = std::max(worst, check(name, run.sites.at(name), want));
    qInfo("%s: %zu site(s), worst relative error %.3g", std::filesystem::path(refFile).filename().c_str(), ref.sites.size(), worst);
    return ok;
}

// Backward of sum(outputs * /grad/dy) against torch autograd: the input, the stored sites and the
// parameters the reference names (/grad/params/<initializer>).
bool gradientsMatch(const GraphModel& m, const std::string& refFile, double tol = kTol) {
    const Reference ref = reference(refFile);
    const Tensor dy = load(refFile, "/grad/dy");
    auto tf = openTensorFile(refFile);
    if (!tf) qFatal("%s", tf.error().what().c_str());
    std::map<std::string, Tensor> wantSites, wantParams;
    const std::string inputName = m.values()[static_cast<size_t>(m.inputs().front())].name;
    wantSites[inputName] = load(refFile, "/grad/input");
    for (const auto& e : tf->tensors) {
        std::string name = e.info.name;
        if (name.starts_with("/")) name.erase(0, 1);
        if (name.starts_with("grad/sites/")) wantSites[decode(name.substr(11))] = load(refFile, "/" + name);
        if (name.starts_with("grad/params/")) wantParams[decode(name.substr(12))] = load(refFile, "/" + name);
    }
    ForwardOptions fo;
    fo.keepTape = true;
    BackwardOptions bo;
    for (const auto& [name, _] : wantSites) bo.sites.push_back(name);
    bo.parameters = true;
    BackwardResult grads;
    try {
        const auto run = m.forward({ref.inputs}, fo);
        grads = m.backward(run, {dy}, bo);
    } catch (const std::exception& e) {
        qWarning("%s", e.what());
        return false;
    }
    bool ok = true;
    double worst = 0;
    auto check = [&](const std::string& what, const Tensor& got, const Tensor& want) {
        const double e = relError(got, want);
        if (e < 0 || e > tol) {
            qWarning("%s: gradient of %s error %.3g", refFile.c_str(), what.c_str(), e);
            ok = false;
        }
        worst = std::max(worst, e);
    };
    for (const auto& [name, want] : wantSites) check(name, grads.sites.at(name), want);
    for (const auto& [name, want] : wantParams) {
        if (!grads.parameters.count(name)) {
            qWarning("no parameter '%s'", name.c_str());
            ok = false;
            continue;
        }
        check(name, grads.parameters.at(name), want);
    }
    qInfo("%s: gradients of %zu site(s) and %zu parameter(s), worst relative error %.3g",
          std::filesystem::path(refFile).filename().c_str(), wantSites.size(), wantParams.size(), worst);
    return ok && !wantParams.empty();
}

bool contains(const std::string& text, const std::string& part) {
    if (text.find(part) != std::string::npos) return true;
    qWarning("'%s' does not contain '%s'", text.c_str(), part.c_str());
    return false;
}
}  // namespace

class TestGraphModels : public QObject {
    Q_OBJECT
private slots:
    void onnxMlp() {
        if (!onnxSupported()) QSKIP("built without ONNX");
        const auto m = model(loadGraphModel(kDir + "mlp.onnx"));
        QCOMPARE(m.format, std::string("onnx"));
        QVERIFY(matchesReference(m, kDir + "mlp_ref.h5"));
    }

    void onnxCnn() {
        if (!onnxSupported()) QSKIP("built without ONNX");
        const auto m = model(loadOnnx(kDir + "cnn.onnx"));
        QVERIFY(matchesReference(m, kDir + "cnn_ref.h5"));
        // Batch rows are independent: row 1 alone gives row 1 of the batch.
        const Reference ref = reference(kDir + "cnn_ref.h5");
        const int64_t per = ref.inputs.numel() / ref.inputs.dim(0);
        Tensor one({1, 3, 12, 12}, std::vector<float>(ref.inputs.data.begin() + per, ref.inputs.data.begin() + 2 * per));
        const auto y1 = m.forward({one}).outputs.at(0);
        const auto yb = m.forward({ref.inputs}).outputs.at(0);
        for (int64_t k = 0; k < 10; ++k) QCOMPARE(y1.data[static_cast<size_t>(k)], yb.data[static_cast<size_t>(10 + k)]);
    }

    void onnxResBlock() {
        if (!onnxSupported()) QSKIP("built without ONNX");
        const auto m = model(loadOnnx(kDir + "resblock.onnx"));
        QVERIFY(matchesReference(m, kDir + "resblock_ref.h5"));
        const auto block = m.matchSites("/block2/*Conv");
        QCOMPARE(block, (std::vector<std::string>{"/block2/conv1/Conv", "/block2/conv2/Conv", "/block2/short/short.0/Conv"}));
        const auto sites = m.describeSites();
        QCOMPARE(sites.front().name, std::string("x"));
        QCOMPARE(sites.front().shape, (std::vector<int64_t>{1, 3, 10, 10}));
        QCOMPARE(sites.back().name, std::string("/fc/Gemm"));
        QCOMPARE(sites.back().shape, (std::vector<int64_t>{1, 5}));
    }

    void gradientsMatchTorchAutograd() {
        if (!onnxSupported()) QSKIP("built without ONNX");
        for (const char* name : {"mlp", "cnn", "resblock"}) {
            const auto m = model(loadOnnx(kDir + name + ".onnx"));
            QVERIFY2(gradientsMatch(m, kDir + name + "_ref.h5"), name);
        }
    }

    void kerasSequentialSamePadding() {
        const auto m = model(loadGraphModel(kDir + "keras_seq.h5"));
        QCOMPARE(m.format, std::string("keras-h5"));
        QCOMPARE(m.inputLayout, std::string("NHWC"));
        QVERIFY(matchesReference(m, kDir + "keras_seq_ref.h5"));
        QVERIFY(gradientsMatch(m, kDir + "keras_seq_ref.h5"));
    }

    void kerasResNet8() {
        if (!std::filesystem::exists(kReal + "pretrainedResnet.h5")) QSKIP("../shared/real/keras is not present");
        const auto m = model(loadKeras(kReal + "pretrainedResnet.h5"));
        QVERIFY(matchesReference(m, kDir + "keras_resnet_ref.h5"));
        const auto sites = m.describeSites();
        QCOMPARE(sites.front().name, std::string("input_1"));
        QCOMPARE(sites.front().shape, (std::vector<int64_t>{1, 32, 32, 3}));
        QCOMPARE(sites.back().name, std::string("dense"));
        QCOMPARE(sites.back().shape, (std::vector<int64_t>{1, 10}));
        // Every Keras layer is a site.
        for (const char* layer : {"conv2d", "batch_normalization", "activation", "add", "conv2d_8", "average_pooling2d", "flatten"})
            QVERIFY2(m.matchSites(layer).size() == 1, layer);
    }

    void kerasAd01() {
        if (!std::filesystem::exists(kReal + "ad01.h5")) QSKIP("../shared/real/keras is not present");
        const auto m = model(loadGraphModel(kReal + "ad01.h5"));
        QVERIFY(matchesReference(m, kDir + "keras_ad01_ref.h5"));
        QCOMPARE(m.matchSites("dense_*").size(), size_t(9));
    }

    void unsupportedIsNamed() {
        auto k = loadKeras(kDir + "keras_unsupported.h5");
        QVERIFY(!k);
        QVERIFY(contains(k.error().what(), "unsupported Keras layer 'Conv2DTranspose' (layer 'deconv')"));
        QVERIFY(contains(k.error().what(), "keras_unsupported.h5"));
        if (!onnxSupported()) QSKIP("built without ONNX");
        auto o = loadOnnx(kDir + "unsupported.onnx");
        QVERIFY(!o);
        QVERIFY(contains(o.error().what(), "unsupported ONNX operator 'Cos' at node 'my_cos'"));
        QVERIFY(contains(o.error().what(), "unsupported.onnx"));
    }

    void hostileInputFailsCleanly() {
        if (onnxSupported()) {
            // Truncations and byte flips of a real model: an error or a model, never a crash.
            std::ifstream in(kDir + "cnn.onnx", std::ios::binary);
            const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            for (size_t cut : {size_t(0), size_t(10), bytes.size() / 2, bytes.size() - 1}) {
                auto r = parseOnnx("cut", bytes.substr(0, cut));
                if (r) {
                    try {
                        (void)r->describeSites();
                    } catch (const GraphError&) {
                    }
                }
            }
            for (size_t i = 0; i < bytes.size(); i += 7) {
                std::string b = bytes;
                b[i] = static_cast<char>(b[i] ^ 0x5a);
                auto r = parseOnnx("flip", b);
                if (!r) continue;
                try {
                    (void)r->describeSites();
                } catch (const GraphError&) {
                }
            }
            QVERIFY(!parseOnnx("junk", "definitely not protobuf \xff\xff\xff"));
        }
        // Wrong input shape and unknown sites are errors naming the problem.
        const auto m = model(loadKeras(kDir + "keras_seq.h5"));
        try {
            (void)m.forward({Tensor({2, 9, 7, 3})});
            QFAIL("no error for a wrong input shape");
        } catch (const GraphError& e) {
            QVERIFY(contains(e.what(), "input 'image' must have shape [-1, 7, 9, 3]"));
        }
        try {
            ForwardOptions opt;
            opt.sites = {"nope"};
            (void)m.forward({Tensor({1, 7, 9, 3})}, opt);
            QFAIL("no error for an unknown site");
        } catch (const GraphError& e) {
            QVERIFY(contains(e.what(), "no site named 'nope'"));
        }
        // An operator that refuses its inputs names the node.
        GraphModel g;
        const int x = g.addInput("x", {-1, 4});
        Node n;
        n.name = "fc";
        n.opType = "Gemm";
        n.op = Op::Gemm;
        n.inputs = {x, g.addConstant("w", Tensor({5, 3}))};
        g.addNode(n, "y");
        g.markOutput(g.findValue("y"));
        g.finalize();
        try {
            (void)g.forward({Tensor({2, 4})});
            QFAIL("no error for mismatched Gemm shapes");
        } catch (const GraphError& e) {
            QVERIFY(contains(e.what(), "node 'fc' (Gemm): Gemm inner dimensions differ"));
        }
        // Oversized shapes are refused before allocation.
        QVERIFY_THROWS_EXCEPTION(GraphError, Tensor({int64_t(1) << 20, int64_t(1) << 20}));
    }

    void operatorsByHand() {
        // AveragePool count_include_pad both ways, ceil_mode and SAME_UPPER on a 1x1x3x3 ramp.
        Tensor x({1, 1, 3, 3}, std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9});
        Node n;
        n.op = Op::AveragePool;
        n.attrs.kernel = {2, 2};
        n.attrs.pads = {1, 1, 1, 1};
        n.attrs.strides = {2, 2};
        auto y = runNode(n, {&x});
        QCOMPARE(y.shape, (std::vector<int64_t>{1, 1, 2, 2}));
        QCOMPARE(y.data, (std::vector<float>{1, 2.5f, 5.5f, 7}));
        n.attrs.countIncludePad = true;
        y = runNode(n, {&x});
        QCOMPARE(y.data, (std::vector<float>{0.25f, 1.25f, 2.75f, 7}));
        // TensorFlow 'same', stride 2 on 3x3: out 2x2, total pad 1 at the bottom/right only.
        Node s;
        s.op = Op::MaxPool;
        s.attrs.kernel = {2, 2};
        s.attrs.strides = {2, 2};
        s.attrs.autoPad = AutoPad::SameUpper;
        y = runNode(s, {&x});
        QCOMPARE(y.data, (std::vector<float>{5, 6, 8, 9}));
        // Keras Flatten: NCHW held, NHWC order out.
        Tensor c({1, 2, 1, 2}, std::vector<float>{1, 2, 3, 4});
        Node f;
        f.op = Op::Flatten;
        f.attrs.channelsLast = true;
        QCOMPARE(runNode(f, {&c}).data, (std::vector<float>{1, 3, 2, 4}));
        // Broadcasting: [2, 1, 3] + [4, 1] -> [2, 4, 3].
        Tensor a({2, 1, 3}, std::vector<float>{0, 1, 2, 10, 11, 12});
        Tensor b({4, 1}, std::vector<float>{100, 200, 300, 400});
        Node add;
        add.op = Op::Add;
        const auto z = runNode(add, {&a, &b});
        QCOMPARE(z.shape, (std::vector<int64_t>{2, 4, 3}));
        QCOMPARE(z.data[static_cast<size_t>((1 * 4 + 2) * 3 + 1)], 311.0f);
    }
};

QTEST_APPLESS_MAIN(TestGraphModels)
#include "test_graph_models.moc"
