// loadGpt2 against tests/fixtures/gen_gpt2_weights.py: torch's own sums and entries of every
// tensor, the same weights under both naming schemes and containers, float16 rounding, and
// errors that name the tensor or the config field.
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "analysis/engine/gpt2_weights.h"

using namespace scalpel::engine;
namespace fs = std::filesystem;

namespace {

const std::string kDir = std::string(SCALPEL_SOURCE_DIR) + "/tests/fixtures/gpt2_weights";

nlohmann::json expected() {
    std::ifstream in(kDir + "/expected.json");
    return nlohmann::json::parse(in);
}

// Every tensor under its hub name, vectors as [n, 1].
std::vector<std::pair<std::string, Eigen::MatrixXf>> named(const Gpt2Weights& w) {
    std::vector<std::pair<std::string, Eigen::MatrixXf>> out{{"wte.weight", w.wte}, {"wpe.weight", w.wpe}};
    for (size_t i = 0; i < w.blocks.size(); ++i) {
        const auto& b = w.blocks[i];
        const std::string p = "h." + std::to_string(i) + ".";
        out.insert(out.end(), {{p + "ln_1.weight", b.ln1.weight}, {p + "ln_1.bias", b.ln1.bias},
                               {p + "ln_2.weight", b.ln2.weight}, {p + "ln_2.bias", b.ln2.bias},
                               {p + "attn.c_attn.weight", b.attnW}, {p + "attn.c_attn.bias", b.attnB},
                               {p + "attn.c_proj.weight", b.attnProjW}, {p + "attn.c_proj.bias", b.attnProjB},
                               {p + "mlp.c_fc.weight", b.fcW}, {p + "mlp.c_fc.bias", b.fcB},
                               {p + "mlp.c_proj.weight", b.mlpProjW}, {p + "mlp.c_proj.bias", b.mlpProjB}});
    }
    out.insert(out.end(), {{"ln_f.weight", w.lnF.weight}, {"ln_f.bias", w.lnF.bias}});
    return out;
}

// Matches torch's shape, float64 sum and entries (flat row-major index) for one tensor.
void checkTensor(const std::string& name, const Eigen::MatrixXf& m, const nlohmann::json& e) {
    const auto shape = e["shape"].get<std::vector<int64_t>>();
    const int64_t cols = shape.size() == 2 ? shape[1] : 1;
    QVERIFY2(m.rows() == shape[0] && m.cols() == cols, name.c_str());
    // Entries are float32 values (or float16 ones) printed as float64: exact after the cast.
    for (const auto& entry : e["entries"]) {
        const int64_t i = entry[0].get<int64_t>();
        QVERIFY2(m(i / cols, i % cols) == static_cast<float>(entry[1].get<double>()), name.c_str());
    }
    // Same float32 values summed in float64 in another order: at most ~n * 2^-53 * sum|x|.
    const double sum = m.cast<double>().sum(), abs = m.cast<double>().cwiseAbs().sum();
    QVERIFY2(std::abs(sum - e["sum"].get<double>()) <= 1e-12 * abs, name.c_str());
}

void checkAll(const Gpt2Weights& w, const nlohmann::json& e) {
    const auto all = named(w);
    QCOMPARE(all.size(), e.size());  // every tensor of the fixture is covered
    for (const auto& [name, m] : all) {
        QVERIFY2(e.contains(name), name.c_str());
        checkTensor(name, m, e[name]);
    }
}

bool sameWeights(const Gpt2Weights& a, const Gpt2Weights& b) {
    const auto x = named(a), y = named(b);
    for (size_t i = 0; i < x.size(); ++i)
        if (x[i].second != y[i].second) return false;
    return x.size() == y.size();
}

std::string errorOf(const std::string& path) {
    auto r = loadGpt2(path);
    return r ? std::string("(loaded)") : r.error().what();
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

class TestGpt2Weights : public QObject {
    Q_OBJECT
private slots:
    void safetensorsWithoutPrefix() {
        auto w = loadGpt2(kDir + "/safetensors");
        QVERIFY2(w.ok(), w ? "" : w.error().what().c_str());
        QCOMPARE(w->format, std::string("safetensors"));
        QCOMPARE(w->blocks.size(), size_t(2));
        QCOMPARE(w->config.nInner, int64_t(32));  // n_inner null -> 4 * n_embd
        checkAll(*w, expected()["f32"]);
        QVERIFY(!w->untiedLmHead);
        QVERIFY(&w->lmHead() == &w->wte);
        QVERIFY2(w->warnings.empty(), w->warnings.empty() ? "" : w->warnings.front().c_str());
    }

    // transformer.-prefixed names, a saved copy of the tied lm_head and legacy mask buffers.
    void pytorchBinWithPrefix() {
        auto w = loadGpt2(kDir + "/pytorch_bin");
        QVERIFY2(w.ok(), w ? "" : w.error().what().c_str());
        QVERIFY(contains(w->format, "pytorch"));
        checkAll(*w, expected()["f32"]);
        QVERIFY(!w->untiedLmHead);  // equal to wte: tied, no copy kept
        // attn.bias / attn.masked_bias are skipped silently: no "not used" warning.
        QVERIFY2(w->warnings.empty(), w->warnings.empty() ? "" : w->warnings.front().c_str());

        auto plain = loadGpt2(kDir + "/safetensors");
        QVERIFY(plain.ok());
        QVERIFY(sameWeights(*w, *plain));
    }

    // The hub's sharded layout: index.json + two shards, the same weights.
    void shardedCheckpoint() {
        auto w = loadGpt2(kDir + "/sharded");
        QVERIFY2(w.ok(), w ? "" : w.error().what().c_str());
        checkAll(*w, expected()["f32"]);
        auto plain = loadGpt2(kDir + "/safetensors");
        QVERIFY(plain.ok());
        QVERIFY(sameWeights(*w, *plain));
    }

    // Also loads when given the weights file rather than the folder.
    void weightsFilePath() {
        auto w = loadGpt2(kDir + "/safetensors/model.safetensors");
        QVERIFY2(w.ok(), w ? "" : w.error().what().c_str());
        checkAll(*w, expected()["f32"]);
    }

    // f16/: float16 weights, wte in bfloat16, ln_f in float64.
    void lowPrecision() {
        auto w = loadGpt2(kDir + "/f16");
        QVERIFY2(w.ok(), w ? "" : w.error().what().c_str());
        const auto e = expected()["f16"];
        // float16/bfloat16 -> float32 is exact; float64 -> float32 rounds, but the fixture's
        // float64 values are float32 values widened, so it is exact too: same checks as F32.
        checkAll(*w, e);
        auto f32 = loadGpt2(kDir + "/safetensors");
        QVERIFY(f32.ok());
        // Against the float32 originals, round to nearest with a p-bit significand has relative
        // error <= 2^-p: p = 11 for float16, 8 for bfloat16, none for float64. Below float16's
        // normal range (2^-14) the spacing is 2^-24, hence an absolute 2^-25 on top.
        const auto a = named(*w), b = named(*f32);
        for (size_t t = 0; t < a.size(); ++t) {
            const std::string dtype = e[a[t].first]["dtype"];
            const int p = dtype == "F16" ? 11 : dtype == "BF16" ? 8 : 0;
            const Eigen::ArrayXXf diff = (a[t].second - b[t].second).array().abs();
            if (p == 0) {
                QVERIFY2((diff == 0).all(), a[t].first.c_str());
                continue;
            }
            const Eigen::ArrayXXf bound = b[t].second.array().abs() * std::ldexp(1.0f, -p) + std::ldexp(1.0f, -25);
            QVERIFY2((diff <= bound).all(), a[t].first.c_str());
            QVERIFY2((diff > 0).any(), a[t].first.c_str());  // really rounded: the test can see it
        }
        QCOMPARE(e["wte.weight"]["dtype"].get<std::string>(), std::string("BF16"));
        QCOMPARE(e["ln_f.bias"]["dtype"].get<std::string>(), std::string("F64"));
    }

    void untiedHeadAndExtraTensor() {
        auto w = loadGpt2(kDir + "/untied");
        QVERIFY2(w.ok(), w ? "" : w.error().what().c_str());
        const auto e = expected();
        checkAll(*w, e["f32"]);
        QVERIFY(w->untiedLmHead.has_value());
        QVERIFY(&w->lmHead() == &*w->untiedLmHead);
        checkTensor("lm_head.weight", w->lmHead(), e["untied_lm_head"]);
        QCOMPARE(w->warnings.size(), size_t(2));
        QVERIFY(contains(w->warnings[0], "lm_head.weight differs from wte.weight"));
        QVERIFY(contains(w->warnings[1], "1 tensor(s) not used by GPT-2: extra.scale"));
    }

    // The q|k|v split and per-head slices follow formats.md §4: head h of part p reads
    // c_attn columns p * D + h * headDim + [0, headDim); c_proj rows h * headDim + [0, headDim).
    void headSlices() {
        auto w = loadGpt2(kDir + "/safetensors");
        QVERIFY(w.ok());
        const Gpt2Block& b = w->blocks[1];
        const int64_t D = 8, hd = 4;
        QCOMPARE(b.headDim, hd);
        QCOMPARE(b.nHead, int64_t(2));
        for (int p = 0; p < 3; ++p) {
            const Qkv part = static_cast<Qkv>(p);
            QCOMPARE(b.qkvWeight(part).cols(), D);
            QCOMPARE(b.qkvBias(part)(3), b.attnB(p * D + 3));
            for (int64_t h = 0; h < 2; ++h)
                for (int64_t r = 0; r < D; ++r)
                    for (int64_t c = 0; c < hd; ++c) {
                        QCOMPARE(b.headWeight(part, h)(r, c), b.attnW(r, p * D + h * hd + c));
                        QCOMPARE(b.headBias(part, h)(c), b.attnB(p * D + h * hd + c));
                        QCOMPARE(b.headOutput(h)(c, r), b.attnProjW(h * hd + c, r));
                    }
        }
        // And against torch directly: flat entry 1 of c_attn.weight is row 0, column 1 (q, head 0).
        const auto e = expected()["f32"]["h.1.attn.c_attn.weight"]["entries"][1];
        QCOMPARE(e[0].get<int>(), 1);
        QCOMPARE(b.headWeight(Qkv::Q, 0)(0, 1), static_cast<float>(e[1].get<double>()));
    }

    void missingTensorIsNamed() {
        const std::string msg = errorOf(kDir + "/bad_missing");
        QVERIFY2(contains(msg, "h.1.mlp.c_proj.bias: missing"), msg.c_str());
    }

    void misShapedTensorIsNamed() {
        const std::string msg = errorOf(kDir + "/bad_transposed");
        QVERIFY2(contains(msg, "h.1.mlp.c_fc.weight: expected [8, 32], found [32, 8]"), msg.c_str());
    }

    void ambiguousPrefixIsNamed() {
        const std::string msg = errorOf(kDir + "/bad_both_prefixes");
        QVERIFY2(contains(msg, "both wte.weight and transformer.wte.weight are present"), msg.c_str());
    }

    void integerWeightsRefused() {
        const std::string msg = errorOf(kDir + "/bad_int_dtype");
        QVERIFY2(contains(msg, "wte.weight: dtype I8 is not a float type"), msg.c_str());
    }

    void badConfigs_data() {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("message");
        QTest::newRow("vocab") << "vocab_size" << "51"
                               << "\"vocab_size\" is 51 but wte.weight has 50 rows";
        QTest::newRow("positions") << "n_positions" << "32"
                                   << "\"n_positions\" is 32 but wpe.weight has 16 rows";
        QTest::newRow("heads") << "n_head" << "3" << "not divisible";
        QTest::newRow("inner") << "n_inner" << "16" << "h.0.mlp.c_fc.weight: expected [8, 16], found [8, 32]";
        QTest::newRow("layers") << "n_layer" << "3" << "h.2.ln_1.weight: missing";
        QTest::newRow("family") << "model_type" << "\"bert\"" << "expected \"gpt2\"";
    }

    void badConfigs() {
        QFETCH(QString, field);
        QFETCH(QString, value);
        QFETCH(QString, message);
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const fs::path dir = tmp.path().toStdString();
        fs::copy_file(kDir + "/safetensors/model.safetensors", dir / "model.safetensors");
        std::ifstream in(kDir + "/safetensors/config.json");
        nlohmann::json config = nlohmann::json::parse(in);
        config[field.toStdString()] = nlohmann::json::parse(value.toStdString());
        std::ofstream(dir / "config.json") << config.dump();
        const std::string msg = errorOf(dir.string());
        QVERIFY2(contains(msg, message.toStdString()), msg.c_str());
    }

    void missingConfig() {
        QTemporaryDir tmp;
        fs::copy_file(kDir + "/safetensors/model.safetensors", fs::path(tmp.path().toStdString()) / "model.safetensors");
        const std::string msg = errorOf(tmp.path().toStdString());
        QVERIFY2(contains(msg, "no config.json"), msg.c_str());
    }
};

QTEST_APPLESS_MAIN(TestGpt2Weights)
#include "test_gpt2_weights.moc"
