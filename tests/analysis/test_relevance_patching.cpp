// Relevance patching against tests/fixtures/gen_relp.py, an independent float64 PyTorch
// implementation of AP, AtP, RelP (+AH, AttnLRP) and IG on a tiny GPT-2 trained there on a toy IOI
// task: every map, per example, both directions, the IG completeness maps, the logit-difference
// baselines; batched AP equals AP one node at a time; the agreement statistics against brute force.
//
// Tolerances. float64 engine on the fixture's float32 weights: only summation order differs from
// torch, so maps agree to 1e-9 of the largest |entry| of the map (observed ~1e-13; a wrong rule or
// slice shows at 1e-2 or worse). float32 engine: the normalised metric is a difference of logits
// of size ~10 divided by ~9, so float32 rounding (~1e-6 relative per op through two blocks) gives
// ~1e-5; 2e-4 of the map's scale keeps a margin and still fails on any real error.
#include <QtTest>

#include <cmath>

#include "analysis/common/agreement.h"
#include "analysis/patching/relevance_patching.h"
#include "data/prompt_pairs.h"
#include "data/tensor_file.h"

using namespace scalpel;
using namespace scalpel::patching;

namespace {

const std::string kDir = std::string(SCALPEL_SOURCE_DIR) + "/tests/fixtures/relp";

const TensorFile& reference() {
    static TensorFile file = [] {
        auto f = openTensorFile(kDir + "/reference.safetensors");
        if (!f) qFatal("%s", f.error().what().c_str());
        return std::move(*f);
    }();
    return file;
}

std::vector<double> values(const std::string& name) {
    const auto* e = reference().find(name);
    if (!e) qFatal("fixture tensor %s missing", name.c_str());
    return *reference().toDouble(*e);
}

PromptBatch prompts() {
    auto pairs = readPromptPairs(kDir + "/prompts.jsonl", nullptr, std::nullopt);
    if (!pairs) qFatal("%s", pairs.error().what().c_str());
    PromptBatch p;
    p.batch = int64_t(pairs->clean.size());
    p.seq = int64_t(pairs->clean.front().size());
    for (size_t i = 0; i < pairs->clean.size(); ++i) {
        p.clean.insert(p.clean.end(), pairs->clean[i].begin(), pairs->clean[i].end());
        p.corrupt.insert(p.corrupt.end(), pairs->corrupt[i].begin(), pairs->corrupt[i].end());
    }
    p.answer = pairs->answer;
    p.wrong = pairs->wrong;
    return p;
}

const engine::Gpt2Weights& weights() {
    static engine::Gpt2Weights w = [] {
        auto r = engine::loadGpt2(kDir + "/model");
        if (!r) qFatal("%s", r.error().what().c_str());
        return std::move(*r);
    }();
    return w;
}

Options everything(Direction d) {
    Options o;
    o.methods = {Method::Ap, Method::Atp, Method::Relp, Method::RelpAh, Method::AttnLrp, Method::Ig};
    o.components = {Component::ResidPre, Component::AttnOut, Component::MlpOut, Component::Head, Component::HeadPos};
    o.direction = d;
    return o;
}

std::string fixtureMethod(Method m) {
    std::string s = methodName(m);
    for (char& c : s)
        if (c == '-') c = '_';
    return s;
}

bool close(const std::string& what, const std::vector<double>& got, const std::vector<double>& want, double tol) {
    if (got.size() != want.size()) {
        qWarning("%s: %zu values vs %zu", what.c_str(), got.size(), want.size());
        return false;
    }
    double scale = 1e-6, err = 0;
    for (size_t i = 0; i < want.size(); ++i) {
        scale = std::max(scale, std::abs(want[i]));
        err = std::max(err, std::abs(got[i] - want[i]));
    }
    if (err > tol * scale) qWarning("%s: max error %.3g at scale %.3g", what.c_str(), err, scale);
    return err <= tol * scale;
}

template <class S>
void compareAll(Direction d, double tol) {
    const engine::Gpt2Model<S> model = [] {
        if constexpr (std::is_same_v<S, double>)
            return engine::Gpt2Model<double>(engine::castWeights<double>(weights()));
        else
            return engine::Gpt2Model<float>(weights());
    }();
    const auto r = runPatching(model, prompts(), everything(d));
    const std::string dir = directionName(d);
    QVERIFY(close("ld_clean", r.ldClean, values("ld_clean"), tol));
    QVERIFY(close("ld_corrupt", r.ldCorrupt, values("ld_corrupt"), tol));
    QVERIFY(close(dir + "/metric_base", r.metricBase, values(dir + "/metric_base"), tol));
    QCOMPARE(r.maps.size(), size_t(30));
    for (const auto& m : r.maps) {
        const std::string name = dir + "/" + fixtureMethod(m.method) + "/" + componentName(m.component);
        QVERIFY(close(name, m.perExample, values(name), tol));
    }
    QCOMPARE(r.layerAp.size(), size_t(3));
    for (const auto& m : r.layerAp) {
        const std::string name = dir + "/ap_layer/" + componentName(m.component);
        QVERIFY(close(name, m.perExample, values(name), tol));
    }
    // AtP, RelP x3 and IG against AP for five components.
    QCOMPARE(r.agreement.size(), size_t(25));
}

}  // namespace

class TestRelevancePatching : public QObject {
    Q_OBJECT
private slots:
    void denoisingMatchesTorch() { compareAll<double>(Direction::Denoising, 1e-9); }
    void noisingMatchesTorch() { compareAll<double>(Direction::Noising, 1e-9); }
    void float32MatchesTorch() { compareAll<float>(Direction::Denoising, 2e-4); }

    // Nodes packed into batched passes give what one pass per node gives.
    void batchedApEqualsOneNodeAtATime() {
        const engine::Gpt2Model<double> model(engine::castWeights<double>(weights()));
        Options o;
        o.methods = {Method::Ap};
        o.components = {Component::ResidPre, Component::Head, Component::HeadPos};
        const auto batched = runPatching(model, prompts(), o);
        o.maxRowsPerPass = 1;  // one node per pass
        const auto single = runPatching(model, prompts(), o);
        QVERIFY(single.forwardPasses > batched.forwardPasses);
        for (size_t i = 0; i < batched.maps.size(); ++i)
            QVERIFY(close("ap", batched.maps[i].perExample, single.maps[i].perExample, 1e-12));
    }

    void refusesBadPrompts() {
        const engine::Gpt2Model<float> model(weights());
        auto p = prompts();
        p.answer[2] = 40;  // vocabulary is 40
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, runPatching(model, p, Options{}));
        p = prompts();
        p.corrupt = p.clean;  // clean = corrupt: the metric divides by zero
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, runPatching(model, p, Options{}));
        auto bad = parsePromptPairs("{\"clean\": [1, 2, 3], \"corrupt\": [1, 2], \"answer\": 1, \"wrong\": 2}\n", "x.jsonl",
                                    nullptr, std::nullopt);
        QVERIFY(!bad);
        QVERIFY2(bad.error().what().find("line 1") != std::string::npos, bad.error().what().c_str());
        bad = parsePromptPairs("{\"clean\": \"text\", \"corrupt\": \"text\", \"answer\": 1, \"wrong\": 2}\n", "x.jsonl", nullptr,
                               std::nullopt);
        QVERIFY(!bad);
        QVERIFY(bad.error().what().find("no tokenizer") != std::string::npos);
    }

    void agreementStatistics() {
        const std::vector<double> a{1, 2, 3, 4, 5}, b{2, 4, 6, 8, 11};
        // Pearson by hand: mean a = 3, mean b = 6.2; sums of products over deviations.
        const double sab = (-2) * (-4.2) + (-1) * (-2.2) + 0 + 1 * 1.8 + 2 * 4.8;
        const double saa = 10, sbb = 4.2 * 4.2 + 2.2 * 2.2 + 0.2 * 0.2 + 1.8 * 1.8 + 4.8 * 4.8;
        QVERIFY(std::abs(pearson(a, b) - sab / std::sqrt(saa * sbb)) < 1e-15);
        QCOMPARE(spearman(a, b), 1.0);  // monotone
        const std::vector<double> ties{1, 1, 2, 3, 3};  // ranks 1.5 1.5 3 4.5 4.5
        QVERIFY(std::abs(spearman(ties, a) - pearson(std::vector<double>{1.5, 1.5, 3, 4.5, 4.5}, a)) < 1e-15);
        QVERIFY(std::isnan(pearson(std::vector<double>{1, 1, 1}, std::vector<double>{1, 2, 3})));
        const std::vector<double> x{5, -4, 0.1, 3, 0}, y{-6, 0.2, 0.1, 3, 2};
        QCOMPARE(topKOverlap(x, y, 2), 0.5);  // top |x|: {0, 1}; top |y|: {0, 3}
        QCOMPARE(topKOverlap(x, y, 3), 2.0 / 3.0);  // {0, 1, 3} vs {0, 3, 4}
    }
};

QTEST_APPLESS_MAIN(TestRelevancePatching)
#include "test_relevance_patching.moc"
