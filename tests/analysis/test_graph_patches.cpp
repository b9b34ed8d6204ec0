// Activation patching on graph models against torch (tests/fixtures/gen_graph_patches.py): the
// corrupted run's value at one site replaces the clean run's at chosen batch rows and channels,
// then everywhere. Outputs, the gradient of the summed target logit to the clean input (nothing
// flows back through patched entries) and to the patched site match the float64 reference.
// Tolerance: 2e-5 of each tensor's largest magnitude — the engine is float32 (about 1e-7
// relative per operation over a dozen layers), the reference float64 with the same float32
// weights; a wrong row, channel or a gradient leaking through a patch is of the order of 1.
#include <QtTest>
#include <cmath>

#include "analysis/graph/graph_import.h"
#include "graph_fixture_util.h"
#include "data/activation_dump.h"
#include "data/tensor_file.h"

using namespace scalpel;
using namespace scalpel::graph;
using graph_fixture::relError;

namespace {
const std::string kDir = std::string(SCALPEL_SOURCE_DIR) + "/tests/fixtures/graph/";

Tensor load(const std::string& file, const std::string& dataset) {
    auto d = readDatasetDouble(file, dataset);
    if (!d) qFatal("%s", d.error().what().c_str());
    return Tensor(d->shape, std::vector<float>(d->values.begin(), d->values.end()));
}

std::vector<int64_t> indices(const std::string& file, const std::string& dataset) {
    auto d = readDatasetDouble(file, dataset);
    if (!d) qFatal("%s", d.error().what().c_str());
    return std::vector<int64_t>(d->values.begin(), d->values.end());
}

std::string attr(const std::string& file, const char* name) {
    auto tf = openTensorFile(file);
    if (!tf) qFatal("%s", tf.error().what().c_str());
    return tf->metadata.at(name);
}
}  // namespace

class TestGraphPatches : public QObject {
    Q_OBJECT
private slots:
    void patchesMatchTorch_data() {
        QTest::addColumn<QString>("model");
        QTest::newRow("resblock") << "resblock";  // residual: the skip path bypasses the patch
        QTest::newRow("cnn") << "cnn";            // sequential: a whole patch cuts the input off
    }
    void patchesMatchTorch() {
        QFETCH(QString, model);
        const std::string ref = kDir + "patches/" + model.toStdString() + "_patch_ref.h5";
        auto loaded = loadOnnx(kDir + model.toStdString() + ".onnx");
        QVERIFY2(bool(loaded), loaded ? "" : loaded.error().what().c_str());
        const GraphModel& m = *loaded;
        const std::string site = attr(ref, "site");
        const int64_t cls = std::stoll(attr(ref, "cls"));
        const std::string input = m.values()[size_t(m.inputs()[0])].name;
        const Tensor clean = load(ref, "/x_clean"), corrupt = load(ref, "/x_corrupt");

        ForwardOptions c;
        c.sites = {site};
        const Tensor corruptSite = m.forward({corrupt}, c).sites.at(site);

        auto patchedRun = [&](std::vector<int64_t> rows, std::vector<int64_t> channels) {
            ForwardOptions o;
            o.keepTape = true;
            o.patches.push_back({site, corruptSite, std::move(rows), std::move(channels)});
            auto run = m.forward({clean}, o);
            Tensor dy(run.outputs[0].shape);
            for (int64_t b = 0; b < dy.dim(0); ++b) dy.data[size_t(b * dy.dim(1) + cls)] = 1;
            BackwardOptions bo;
            bo.sites = {input, site};
            return std::make_pair(run.outputs[0], m.backward(run, {dy}, bo));
        };
        const auto [out, grads] = patchedRun(indices(ref, "/rows"), indices(ref, "/channels"));
        QVERIFY(relError(out, load(ref, "/partial_out")) < 2e-5);
        QVERIFY2(relError(grads.sites.at(input), load(ref, "/partial_dx")) < 2e-5,
                 qPrintable(QString::number(relError(grads.sites.at(input), load(ref, "/partial_dx")))));
        QVERIFY(relError(grads.sites.at(site), load(ref, "/partial_dsite")) < 2e-5);
        const auto [wholeOut, wholeGrads] = patchedRun({}, {});
        QVERIFY(relError(wholeOut, load(ref, "/whole_out")) < 2e-5);
        const Tensor wholeDx = load(ref, "/whole_dx");
        double refMax = 0;
        for (float v : wholeDx.data) refMax = std::max(refMax, double(std::abs(v)));
        if (refMax == 0) {  // the sequential CNN: not a single path around the patch, exactly zero
            for (float v : wholeGrads.sites.at(input).data) QCOMPARE(v, 0.0f);
        } else {
            QVERIFY(relError(wholeGrads.sites.at(input), wholeDx) < 2e-5);
        }
    }

    void badPatchesAreNamed() {
        auto loaded = loadOnnx(kDir + "cnn.onnx");
        QVERIFY(bool(loaded));
        const Tensor x({2, 3, 12, 12}, 0.5f);
        auto expectError = [&](GraphPatch p, const char* words) {
            ForwardOptions o;
            o.patches.push_back(std::move(p));
            try {
                (void)loaded->forward({x}, o);
                QFAIL("no error");
            } catch (const GraphError& e) {
                QVERIFY2(std::string(e.what()).find(words) != std::string::npos, e.what());
            }
        };
        expectError({"/nowhere", Tensor({1}), {}, {}}, "'/nowhere': no such site");
        expectError({"/Relu_1", Tensor({2, 3}), {}, {}}, "value of shape");
        ForwardOptions s;
        s.sites = {"/Relu_1"};
        const Tensor site = loaded->forward({x}, s).sites.at("/Relu_1");
        expectError({"/Relu_1", site, {5}, {}}, "row 5 is out of range");
        expectError({"/Relu_1", site, {}, {site.dim(1)}}, "channel");
    }
};

QTEST_APPLESS_MAIN(TestGraphPatches)
#include "test_graph_patches.moc"
