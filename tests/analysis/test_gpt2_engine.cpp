// The GPT-2 engine against tests/fixtures/gen_gpt2_engine.py, an independent float64 PyTorch
// model of a tiny GPT-2 (2 layers, D = 24, 4 heads): every hook site, patched and masked runs,
// gradients at every site under each LRP rule set, parameter gradients, per-token a/g and
// per-example gradients. Plus properties no fixture is needed for: resuming from a cached
// residual equals the full run, LN-rule conservation, identity-rule conservation.
//
// Tolerances. The fixture's weights are float32 values, so the float64 engine sees the same
// numbers as torch and differs only by summation order: 1e-10 relative to the tensor's largest
// entry (observed ~1e-14; a wrong formula shows at 1e-2). The float32 engine carries rounding
// of ~6e-8 per operation through two blocks and a softmax; 2e-5 of the largest entry covers
// the observed ~2e-6 with margin while still catching any single-term mistake (>= 1e-3).
#include <QtTest>

#include <algorithm>
#include <cmath>

#include "analysis/engine/gpt2_model.h"
#include "analysis/engine/metrics.h"
#include "data/tensor_file.h"

using namespace scalpel;
using namespace scalpel::engine;

namespace {

const std::string kDir = std::string(SCALPEL_SOURCE_DIR) + "/tests/fixtures/gpt2_engine";

const TensorFile& reference() {
    static TensorFile file = [] {
        auto f = openTensorFile(kDir + "/reference.safetensors");
        if (!f) qFatal("%s", f.error().message.c_str());
        return std::move(*f);
    }();
    return file;
}

std::vector<double> values(const std::string& name) {
    const auto* e = reference().find(name);
    if (!e) qFatal("fixture tensor %s missing", name.c_str());
    auto v = reference().toDouble(*e);
    if (!v) qFatal("%s", v.error().message.c_str());
    return *v;
}

// A fixture tensor in the engine's [rows, cols] layout (its row-major data reshaped).
Act<double> tensor(const std::string& name, int64_t cols) {
    auto v = values(name);
    const int64_t rows = static_cast<int64_t>(v.size()) / cols;
    return Eigen::Map<const Act<double>>(v.data(), rows, cols);
}

std::vector<int32_t> ints(const std::string& name) {
    std::vector<int32_t> out;
    for (double v : values(name)) out.push_back(static_cast<int32_t>(v));
    return out;
}

TokenBatch tokens(const std::string& name) {
    TokenBatch t;
    t.batch = 3;
    t.seq = 7;
    t.ids = ints(name);
    return t;
}

const Gpt2Weights& weights() {
    static Gpt2Weights w = [] {
        auto r = loadGpt2(kDir + "/model");
        if (!r) qFatal("%s", r.error().message.c_str());
        return std::move(*r);
    }();
    return w;
}

template <class S>
Gpt2Model<S> model() {
    if constexpr (std::is_same_v<S, float>)
        return Gpt2Model<float>(weights());
    else
        return Gpt2Model<double>(castWeights<double>(weights()));
}

template <class S>
double tolerance() {
    return std::is_same_v<S, float> ? 2e-5 : 1e-10;
}

int64_t colsOf(const Site& s, const ModelDims& d) {
    if (s.kind == SiteKind::Pattern) return 7;
    if (s.kind == SiteKind::MlpPre || s.kind == SiteKind::MlpPost) return d.dMlp;
    return d.dModel;
}

// max |a - b| <= tol * max(1e-3, max |b|): relative to the reference's scale; the floor keeps
// all-zero references (cut gradients) meaningful.
template <class S>
bool close(const std::string& what, const Eigen::Ref<const Act<S>>& got, const Act<double>& want, double tol) {
    if (got.rows() != want.rows() || got.cols() != want.cols()) {
        qWarning("%s: shape [%ld, %ld] vs [%ld, %ld]", what.c_str(), long(got.rows()), long(got.cols()),
                 long(want.rows()), long(want.cols()));
        return false;
    }
    const double scale = std::max(1e-3, want.cwiseAbs().maxCoeff());
    const double err = (got.template cast<double>() - want).cwiseAbs().maxCoeff();
    if (err > tol * scale) {
        qWarning("%s: max error %.3g, scale %.3g (tolerance %.3g)", what.c_str(), err, scale, tol * scale);
        return false;
    }
    return true;
}

std::vector<Site> everySite(int L) { return allSites(L); }

struct RuleSet {
    const char* name;
    LrpRules rules;
};

std::vector<RuleSet> ruleSets() {
    LrpRules ln, gelu, eps;
    ln.layerNorm = true;
    gelu.geluIdentity = true;
    eps.linearEpsilon = 0.1;
    return {{"none", LrpRules::none()}, {"ln", ln},          {"gelu", gelu},
            {"relp", LrpRules::relp()}, {"ah", LrpRules::relpAh()}, {"attnlrp", LrpRules::relpAttnLrp()},
            {"eps", eps}};
}

template <class S>
BackwardResult<S> ldGradient(const Gpt2Model<S>& m, const ForwardResult<S>& run, const LrpRules& rules,
                             std::vector<Site> sites, bool parameters = false) {
    const auto metric = logitDifference<S>(run.logits, run.batch, run.seq, ints("metric/io"), ints("metric/s"));
    BackwardOptions<S> opt;
    opt.rules = rules;
    opt.sites = std::move(sites);
    opt.parameters = parameters;
    return m.backward(run, metric.dLogits, opt);
}

}  // namespace

class TestGpt2Engine : public QObject {
    Q_OBJECT

    template <class S>
    void forwardSites() {
        const auto m = model<S>();
        ForwardOptions<S> opt;
        opt.cache = everySite(m.nLayer());
        for (const char* run : {"fwd", "fwdc"}) {
            const auto out = m.forward(tokens(std::string(run) == "fwd" ? "tokens" : "tokens_corrupt"), opt);
            QVERIFY(close<S>(std::string(run) + "/logits", out.logits, tensor(std::string(run) + "/logits", 61), tolerance<S>()));
            for (const auto& s : opt.cache) {
                const std::string name = std::string(run) + "/" + s.name();
                QVERIFY2(out.cache.count(s), name.c_str());
                QVERIFY(close<S>(name, out.cache.at(s), tensor(name, colsOf(s, m.dims())), tolerance<S>()));
            }
        }
    }

    template <class S>
    void patchedRuns() {
        const auto m = model<S>();
        ForwardOptions<S> all;
        all.cache = everySite(m.nLayer());
        const auto corrupt = m.forward(tokens("tokens_corrupt"), all);
        auto src = [&](SiteKind k, int l) { return &corrupt.cache.at(Site{k, l}); };
        std::vector<std::pair<std::string, Patch<S>>> cases;
        cases.push_back({"patch1", {{SiteKind::AttnOut, 0}, {2, 5}, {}, {}, src(SiteKind::AttnOut, 0)}});
        cases.push_back({"patch2", {{SiteKind::Z, 1}, {}, {1, 3}, {}, src(SiteKind::Z, 1)}});
        cases.push_back({"patch3", {{SiteKind::ResidPre, 1}, {}, {}, {}, src(SiteKind::ResidPre, 1)}});
        cases.push_back({"patch4", {{SiteKind::MlpPost, 0}, {3}, {}, {}, nullptr, S(0)}});
        cases.push_back({"patch5", {{SiteKind::Q, 0}, {4, 6}, {2}, {}, src(SiteKind::Q, 0)}});
        for (const auto& [name, patch] : cases) {
            ForwardOptions<S> opt;
            opt.patches = {patch};
            const auto out = m.forward(tokens("tokens"), opt);
            QVERIFY(close<S>(name, out.logits, tensor(name + "/logits", 61), tolerance<S>()));
        }
    }

    template <class S>
    void gradientsPerRuleSet() {
        const auto m = model<S>();
        ForwardOptions<S> opt;
        opt.keepTape = true;
        opt.cache = everySite(m.nLayer());
        const auto run = m.forward(tokens("tokens"), opt);
        for (const auto& rs : ruleSets()) {
            const auto g = ldGradient(m, run, rs.rules, everySite(m.nLayer()));
            for (const auto& s : everySite(m.nLayer())) {
                const std::string name = std::string("grad/") + rs.name + "/" + s.name();
                QVERIFY(close<S>(name, g.sites.at(s), tensor(name, colsOf(s, m.dims())), tolerance<S>()));
                if (reference().find(std::string("rel/") + rs.name + "/" + s.name())) {
                    const Act<S> rel = run.cache.at(s).cwiseProduct(g.sites.at(s));
                    const std::string relName = std::string("rel/") + rs.name + "/" + s.name();
                    QVERIFY(close<S>(relName, rel, tensor(relName, colsOf(s, m.dims())), tolerance<S>()));
                }
            }
        }
    }

private slots:
    void sitesNamedAsTransformerLens() {
        QCOMPARE(Site({SiteKind::Z, 3}).name(), std::string("blocks.3.attn.hook_z"));
        QCOMPARE(allSites(2).size(), size_t(31));
        QVERIFY(parseSite("blocks.1.hook_resid_pre", 2) == (Site{SiteKind::ResidPre, 1}));
        QVERIFY(!parseSite("blocks.2.hook_resid_pre", 2));
        QCOMPARE(matchSites("blocks.*.hook_resid_pre", 3).size(), size_t(3));
        QCOMPARE(matchSites("*hook_z", 2).size(), size_t(2));
        QCOMPARE(matchSites("hook_*embed", 2).size(), size_t(2));
        QVERIFY(matchSites("nothing*", 2).empty());
    }

    void forwardMatchesTorchDouble() { forwardSites<double>(); }
    void forwardMatchesTorchFloat() { forwardSites<float>(); }
    void patchedRunsDouble() { patchedRuns<double>(); }
    void patchedRunsFloat() { patchedRuns<float>(); }

    void maskedRun() {
        auto m = model<double>();
        Masks<double> masks;
        masks.heads = tensor("mask/heads", 4);
        masks.neurons = tensor("mask/neurons", 96);
        m.setMasks(masks);
        m.setWeightMask("h.0.mlp.c_fc.weight", tensor("mask/weight/h.0.mlp.c_fc.weight", 96));
        QVERIFY(close<double>("masked", m.forward(tokens("tokens")).logits, tensor("masked/logits", 61), 1e-10));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, m.setWeightMask("h.9.mlp.c_fc.weight", Eigen::MatrixXd::Ones(24, 96)));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, m.setWeightMask("h.0.mlp.c_fc.weight", Eigen::MatrixXd::Ones(96, 24)));
    }

    void gradientsDouble() { gradientsPerRuleSet<double>(); }
    void gradientsFloat() { gradientsPerRuleSet<float>(); }

    void embeddingRelevance() {
        const auto m = model<double>();
        ForwardOptions<double> opt;
        opt.keepTape = true;
        opt.cache = {{SiteKind::Embed, -1}, {SiteKind::PosEmbed, -1}};
        const auto run = m.forward(tokens("tokens"), opt);
        for (const auto& rs : ruleSets()) {
            if (!reference().find(std::string("rel/") + rs.name + "/embed_tok")) continue;
            const auto g = ldGradient(m, run, rs.rules, {{SiteKind::Embed, -1}, {SiteKind::PosEmbed, -1}});
            const Act<double> tok = run.cache.at({SiteKind::Embed, -1}).cwiseProduct(g.sites.at({SiteKind::Embed, -1})).rowwise().sum();
            const Act<double> pos =
                run.cache.at({SiteKind::PosEmbed, -1}).cwiseProduct(g.sites.at({SiteKind::PosEmbed, -1})).rowwise().sum();
            QVERIFY(close<double>("embed_tok", tok, tensor(std::string("rel/") + rs.name + "/embed_tok", 1), 1e-10));
            QVERIFY(close<double>("embed_pos", pos, tensor(std::string("rel/") + rs.name + "/embed_pos", 1), 1e-10));
        }
    }

    void parameterGradientsLogitDifference() {
        const auto m = model<double>();
        ForwardOptions<double> opt;
        opt.keepTape = true;
        const auto run = m.forward(tokens("tokens"), opt);
        const auto g = ldGradient(m, run, LrpRules::none(), {}, true);
        QCOMPARE(g.parameters.size(), size_t(2 + 12 * 2 + 2));
        for (const auto& [name, grad] : g.parameters) {
            const Act<double> want = tensor("pgrad/ld/" + name, grad.cols());
            QVERIFY(close<double>("pgrad/ld/" + name, grad, want, 1e-10));
        }
    }

    void crossEntropyAndLayerIO() {
        const auto m = model<double>();
        ForwardOptions<double> opt;
        opt.keepTape = true;
        const auto run = m.forward(tokens("tokens"), opt);
        const auto ce = crossEntropy<double>(run.logits, 3, 7, ints("labels"), Reduction::Mean);
        QVERIFY(std::abs(ce.total - values("ce/value")[0]) < 1e-12 * std::abs(ce.total));
        BackwardOptions<double> bopt;
        bopt.parameters = true;
        bopt.layerIO = true;
        const auto g = m.backward(run, ce.dLogits, bopt);
        for (const auto& [name, grad] : g.parameters)
            QVERIFY(close<double>("pgrad/ce/" + name, grad, tensor("pgrad/ce/" + name, grad.cols()), 1e-10));
        QCOMPARE(g.layers.size(), size_t(8));
        for (const auto& [name, io] : g.layers) {
            QVERIFY(close<double>("ag a " + name, io.a, tensor("ag/ce/" + name + "/a", io.a.cols()), 1e-10));
            QVERIFY(close<double>("ag g " + name, io.g, tensor("ag/ce/" + name + "/g", io.g.cols()), 1e-10));
        }
        // Per-example gradients of each example's summed loss = B*T * a_b^T g_b (mean reduction).
        const auto perex = values("perex/h.1.mlp.c_fc.weight");
        for (int64_t b = 0; b < 3; ++b) {
            const Act<double> got = 21.0 * exampleWeightGradient(g.layers.at("h.1.mlp.c_fc"), b, 7);
            const Act<double> want = Eigen::Map<const Act<double>>(perex.data() + b * 24 * 96, 24, 96);
            QVERIFY(close<double>("perex", got, want, 1e-10));
        }
    }

    void gradientThroughPatch() {
        const auto m = model<double>();
        ForwardOptions<double> copt;
        copt.cache = {{SiteKind::AttnOut, 0}};
        const auto corrupt = m.forward(tokens("tokens_corrupt"), copt);
        ForwardOptions<double> opt;
        opt.keepTape = true;
        opt.patches = {{{SiteKind::AttnOut, 0}, {2, 5}, {}, {}, &corrupt.cache.at({SiteKind::AttnOut, 0})}};
        const auto run = m.forward(tokens("tokens"), opt);
        const std::vector<Site> sites{{SiteKind::ResidPre, 0}, {SiteKind::AttnOut, 0}, {SiteKind::Z, 0},
                                      {SiteKind::ResidPre, 1}, {SiteKind::Embed, -1}};
        const auto g = ldGradient(m, run, LrpRules::none(), sites);
        for (const auto& s : sites)
            QVERIFY(close<double>("patchgrad1/" + s.name(), g.sites.at(s), tensor("patchgrad1/" + s.name(), 24), 1e-10));
    }

    // Resuming at layer 1 from the run's own resid_pre reproduces the full run and its gradients.
    void resumeEqualsFullRun() {
        const auto m = model<double>();
        ForwardOptions<double> full;
        full.keepTape = true;
        full.cache = {{SiteKind::ResidPre, 1}};
        const auto a = m.forward(tokens("tokens"), full);
        ForwardOptions<double> resumed;
        resumed.keepTape = true;
        resumed.resumeLayer = 1;
        resumed.resumeResid = &a.cache.at({SiteKind::ResidPre, 1});
        const auto b = m.forward(tokens("tokens"), resumed);
        QCOMPARE((a.logits - b.logits).cwiseAbs().maxCoeff(), 0.0);
        const Site s{SiteKind::ResidPre, 1};
        const auto ga = ldGradient(m, a, LrpRules::relp(), {s}), gb = ldGradient(m, b, LrpRules::relp(), {s});
        QCOMPARE((ga.sites.at(s) - gb.sites.at(s)).cwiseAbs().maxCoeff(), 0.0);
        ForwardOptions<double> early = resumed;
        early.cache = {{SiteKind::ResidPre, 0}};
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, m.forward(tokens("tokens"), early));
    }

    // LN-rule: sum_d x * rho_x = sum_d hat * rho_hat per token (relevance passes LN intact);
    // the exact gradient loses almost all of it. Identity rule: sum over a token's MLP units of
    // u * rho_u equals that of gelu(u) * rho_post up to the 1e-6 stabiliser.
    void conservation() {
        const auto m = model<double>();
        const Site x{SiteKind::ResidPost, 1}, hat{SiteKind::LnFinalNormalized, -1};
        const Site pre{SiteKind::MlpPre, 1}, post{SiteKind::MlpPost, 1};
        ForwardOptions<double> opt;
        opt.keepTape = true;
        opt.cache = {x, hat, pre, post};
        const auto run = m.forward(tokens("tokens"), opt);
        auto relSum = [&](const BackwardResult<double>& g, const Site& s) -> Eigen::VectorXd {
            return run.cache.at(s).cwiseProduct(g.sites.at(s)).rowwise().sum();
        };
        const auto relp = ldGradient(m, run, LrpRules::relp(), {x, hat, pre, post});
        const Eigen::VectorXd in = relSum(relp, x), out = relSum(relp, hat);
        QVERIFY((in - out).cwiseAbs().maxCoeff() < 1e-12 * out.cwiseAbs().maxCoeff());
        QVERIFY(out.cwiseAbs().maxCoeff() > 0.1);
        const auto exact = ldGradient(m, run, LrpRules::none(), {x, hat});
        QVERIFY(relSum(exact, x).cwiseAbs().maxCoeff() < 1e-3 * relSum(exact, hat).cwiseAbs().maxCoeff());
        const Eigen::VectorXd u = relSum(relp, pre), y = relSum(relp, post);
        QVERIFY((u - y).cwiseAbs().maxCoeff() < 1e-5 * y.cwiseAbs().maxCoeff());
    }

    // All rule switches off (the half rule has no GPT-2 op) is the gradient, bit for bit.
    void rulesOffIsGradient() {
        const auto m = model<float>();
        ForwardOptions<float> opt;
        opt.keepTape = true;
        const auto run = m.forward(tokens("tokens"), opt);
        LrpRules off;
        off.half = true;
        QVERIFY(off.isGradient());
        const Site s{SiteKind::ResidPre, 0};
        const auto a = ldGradient(m, run, off, {s}), b = ldGradient(m, run, LrpRules::none(), {s});
        QVERIFY(a.sites.at(s) == b.sites.at(s));
    }

    void badInputIsRefused() {
        const auto m = model<float>();
        auto t = tokens("tokens");
        t.ids[4] = 61;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, m.forward(t));
        TokenBatch longer{1, 17, std::vector<int32_t>(17, 1)};
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, m.forward(longer));
        ForwardOptions<float> opt;
        opt.patches = {{{SiteKind::AttnOut, 0}, {7}, {}, {}, nullptr, 0.f}};
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, m.forward(tokens("tokens"), opt));
        opt.patches = {{{SiteKind::AttnOut, 0}, {}, {1}, {}, nullptr, 0.f}};
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, m.forward(tokens("tokens"), opt));
        const Act<float> wrong = Act<float>::Zero(3, 24);
        opt.patches = {{{SiteKind::AttnOut, 0}, {}, {}, {}, &wrong}};
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, m.forward(tokens("tokens"), opt));
        const auto run = m.forward(tokens("tokens"));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, m.backward(run, run.logits, {}));
    }

    void sampledLabelsFollowTheModel() {
        // Brute force: with logits (0, log 3) the second label has probability 3/4.
        Act<double> logits(4000, 2);
        logits.col(0).setZero();
        logits.col(1).setConstant(std::log(3.0));
        const auto labels = sampleLabels<double>(logits, 7);
        QCOMPARE(sampleLabels<double>(logits, 7), labels);
        const double ones = std::count(labels.begin(), labels.end(), 1) / 4000.0;
        QVERIFY(std::abs(ones - 0.75) < 0.03);  // 4.4 standard deviations of a binomial mean
    }
};

QTEST_APPLESS_MAIN(TestGpt2Engine)
#include "test_gpt2_engine.moc"
