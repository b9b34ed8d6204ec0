#include "analysis/graph/graph_lrp.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

namespace scalpel::graph {

namespace {

using Kind = LrpRuleKind;

[[noreturn]] void bad(const std::string& m) { throw GraphError(m); }

// ------------------------------------------------------------------------------ names

struct RuleSet {
    const char* name;
    bool composite;
};

constexpr RuleSet kRuleSets[] = {
    {"EpsilonPlus", true},  {"EpsilonPlusFlat", true}, {"EpsilonAlpha2Beta1", true}, {"EpsilonAlpha2Beta1Flat", true},
    {"EpsilonGammaBox", true}, {"epsilon", false},     {"zplus", false},             {"alpha2beta1", false},
    {"alpha1beta0", false}, {"alphabeta", false},      {"gamma", false},             {"flat", false},
    {"wsquare", false},
};

std::string squash(const std::string& s) {
    std::string out;
    for (char c : s)
        if (c != '_' && c != '-' && c != ' ') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// ------------------------------------------------------------------------------ tensors

template <class F>
Tensor map1(const Tensor& a, F f) {
    Tensor y;
    y.shape = a.shape;
    y.data.resize(a.data.size());
    for (size_t i = 0; i < a.data.size(); ++i) y.data[i] = f(a.data[i]);
    return y;
}

template <class F>
Tensor map2(const Tensor& a, const Tensor& b, F f) {
    if (a.data.size() != b.data.size()) bad("internal: LRP tensors of shapes " + a.shapeString() + " and " + b.shapeString());
    Tensor y;
    y.shape = a.shape;
    y.data.resize(a.data.size());
    for (size_t i = 0; i < a.data.size(); ++i) y.data[i] = f(a.data[i], b.data[i]);
    return y;
}

Tensor pos(const Tensor& t) { return map1(t, [](float v) { return v > 0 ? v : 0.0f; }); }
Tensor neg(const Tensor& t) { return map1(t, [](float v) { return v < 0 ? v : 0.0f; }); }
Tensor ones(const Tensor& t) { return map1(t, [](float) { return 1.0f; }); }
Tensor plus(const Tensor& a, const Tensor& b) { return map2(a, b, [](float u, float v) { return u + v; }); }
Tensor times(const Tensor& a, const Tensor& b) { return map2(a, b, [](float u, float v) { return u * v; }); }
void addTo(Tensor& acc, const Tensor& t) {
    if (acc.data.size() != t.data.size()) bad("internal: LRP accumulation of " + t.shapeString() + " into " + acc.shapeString());
    for (size_t i = 0; i < t.data.size(); ++i) acc.data[i] += t.data[i];
}
void subFrom(Tensor& acc, const Tensor& t, float k = 1.0f) {
    for (size_t i = 0; i < t.data.size(); ++i) acc.data[i] -= k * t.data[i];
}
void scale(Tensor& t, float k) {
    for (auto& v : t.data) v *= k;
}
Tensor scalar(float v) {
    Tensor t;
    t.data[0] = v;
    return t;
}
bool allNonNegative(const Tensor& t) {
    return std::all_of(t.data.begin(), t.data.end(), [](float v) { return !(v < 0); });
}

// zennit's stabiliser: z + ε (sgn z + [z = 0]).
inline double stab(double z, double eps) { return z >= 0 ? z + eps : z - eps; }

// s = R / stab(z); a zero denominator (LRP-0 on z = 0) gives 0.
Tensor divStab(const Tensor& R, const Tensor& z, double eps) {
    return map2(R, z, [eps](float r, float zz) {
        const double d = stab(zz, eps);
        return d == 0 ? 0.0f : static_cast<float>(r / d);
    });
}

// ------------------------------------------------------------------------------ layers

struct Linear {
    Node node;                // synthetic node: Gemm (alpha = beta = 1), Conv or MatMul
    Tensor W;                 // the node's weight layout
    std::optional<Tensor> b;  // bias (Gemm: broadcastable to the output; Conv: [M])
    bool conv = false;
};

Tensor fwd(const Linear& L, const Tensor& x, const Tensor& W, const Tensor* b) {
    std::vector<const Tensor*> in{&x, &W};
    if (L.node.op != Op::MatMul) in.push_back(b);
    return runNode(L.node, in);
}

// Jᵀ s of the layer with weight W (linear in x, so x only gives the shape).
Tensor bwd(const Linear& L, const Tensor& x, const Tensor& W, const Tensor& s) {
    if (L.node.op == Op::Conv) return convInputGradient(L.node, x, W, s);
    std::vector<const Tensor*> in{&x, &W};
    auto g = backwardNode(L.node, in, s, s);
    if (g.empty() || !g[0]) bad("internal: no input gradient");
    return std::move(*g[0]);
}

const Tensor* opt(const std::optional<Tensor>& t) { return t ? &*t : nullptr; }

// Broadcasts a z^B bound to the shape of x ([N, C, ...]).
Tensor expandBound(const Tensor& b, const Tensor& x, const char* what) {
    Tensor out(x.shape);
    const int64_t N = x.rank() ? x.dim(0) : 1, per = N ? x.numel() / N : 0;
    if (b.numel() == 1) {
        std::fill(out.data.begin(), out.data.end(), b.data[0]);
    } else if (b.rank() == 1 && x.rank() >= 2 && b.dim(0) == x.dim(1)) {
        const int64_t C = x.dim(1), S = per / C;
        for (int64_t i = 0; i < x.numel(); ++i) out.data[static_cast<size_t>(i)] = b.data[static_cast<size_t>((i / S) % C)];
    } else if (b.numel() == per) {
        for (int64_t i = 0; i < x.numel(); ++i) out.data[static_cast<size_t>(i)] = b.data[static_cast<size_t>(i % per)];
    } else if (b.shape == x.shape) {
        out = b;
    } else {
        bad(std::string("z^B bound '") + what + "' of shape " + b.shapeString() + " fits neither a scalar, [C] nor the first layer's input " +
            x.shapeString());
    }
    return out;
}

Tensor relevanceOf(const Linear& L, const LrpRule& rule, const Tensor& x, const Tensor& R, const Tensor* low, const Tensor* high,
                   double stabEps) {
    const Tensor& W = L.W;
    const Tensor* b = opt(L.b);
    switch (rule.kind) {
        case Kind::Epsilon: {
            const Tensor z = fwd(L, x, W, b);
            return times(x, bwd(L, x, W, divStab(R, z, rule.epsilon)));
        }
        case Kind::ZPlus:
        case Kind::AlphaBeta: {
            const Tensor xp = pos(x), xn = neg(x), Wp = pos(W), Wn = neg(W);
            std::optional<Tensor> bp, bn;
            if (b) bp = pos(*b), bn = neg(*b);
            const bool onlyPos = allNonNegative(x);  // x⁻ = 0: its terms vanish
            // Positive part: x⁺w⁺ (+ b⁺) + x⁻w⁻.
            Tensor zp = fwd(L, xp, Wp, opt(bp));
            if (!onlyPos) addTo(zp, fwd(L, xn, Wn, nullptr));
            const Tensor sp = divStab(R, zp, stabEps);
            Tensor out = times(xp, bwd(L, x, Wp, sp));
            if (!onlyPos) addTo(out, times(xn, bwd(L, x, Wn, sp)));
            if (rule.kind == Kind::ZPlus || rule.beta == 0) {
                if (rule.kind == Kind::AlphaBeta) scale(out, static_cast<float>(rule.alpha));
                return out;
            }
            scale(out, static_cast<float>(rule.alpha));
            // Negative part: x⁺w⁻ (+ b⁻) + x⁻w⁺.
            Tensor zn = fwd(L, xp, Wn, opt(bn));
            if (!onlyPos) addTo(zn, fwd(L, xn, Wp, nullptr));
            const Tensor sn = divStab(R, zn, stabEps);
            Tensor negPart = times(xp, bwd(L, x, Wn, sn));
            if (!onlyPos) addTo(negPart, times(xn, bwd(L, x, Wp, sn)));
            subFrom(out, negPart, static_cast<float>(rule.beta));
            return out;
        }
        case Kind::Gamma: {
            const float g = static_cast<float>(rule.gamma);
            auto gammaMod = [g](const Tensor& t, bool positive) {
                return map1(t, [g, positive](float v) { return v + g * (positive ? std::max(v, 0.0f) : std::min(v, 0.0f)); });
            };
            const Tensor xp = pos(x), xn = neg(x), Wgp = gammaMod(W, true), Wgn = gammaMod(W, false);
            std::optional<Tensor> bgp, bgn;
            if (b) bgp = gammaMod(*b, true), bgn = gammaMod(*b, false);
            const bool onlyPos = allNonNegative(x);
            const Tensor out0 = fwd(L, x, W, b);
            // Where the output is positive: x⁺w^γ⁺ (+ b^γ⁺) + x⁻w^γ⁻; negative: x⁺w^γ⁻ (+ b^γ⁻) + x⁻w^γ⁺.
            Tensor zp = fwd(L, xp, Wgp, opt(bgp)), zn = fwd(L, xp, Wgn, opt(bgn));
            if (!onlyPos) {
                addTo(zp, fwd(L, xn, Wgn, nullptr));
                addTo(zn, fwd(L, xn, Wgp, nullptr));
            }
            Tensor sp = divStab(R, zp, stabEps), sn = divStab(R, zn, stabEps);
            for (size_t i = 0; i < out0.data.size(); ++i) {
                if (!(out0.data[i] > 0)) sp.data[i] = 0;
                if (!(out0.data[i] < 0)) sn.data[i] = 0;
            }
            Tensor out = times(xp, plus(bwd(L, x, Wgp, sp), bwd(L, x, Wgn, sn)));
            if (!onlyPos) addTo(out, times(xn, plus(bwd(L, x, Wgn, sp), bwd(L, x, Wgp, sn))));
            return out;
        }
        case Kind::Flat:
        case Kind::WSquare: {
            // Inputs one, weights one (flat) or w² (spec: Σ_i w_ij², no bias), bias zero: R_in = Jᵀ s.
            const Tensor W2 = rule.kind == Kind::Flat ? ones(W) : times(W, W);
            const Tensor x1 = ones(x);
            const Tensor z = fwd(L, x1, W2, nullptr);
            return bwd(L, x, W2, divStab(R, z, stabEps));
        }
        case Kind::ZBox: {
            // (x w − l w⁺ − h w⁻) / Σ(...): the biases b − b⁺ − b⁻ cancel.
            const Tensor l = expandBound(*low, x, "low"), h = expandBound(*high, x, "high");
            const Tensor Wp = pos(W), Wn = neg(W);
            Tensor z = fwd(L, x, W, nullptr);
            subFrom(z, fwd(L, l, Wp, nullptr));
            subFrom(z, fwd(L, h, Wn, nullptr));
            const Tensor s = divStab(R, z, stabEps);
            Tensor out = times(x, bwd(L, x, W, s));
            subFrom(out, times(l, bwd(L, x, Wp, s)));
            subFrom(out, times(h, bwd(L, x, Wn, s)));
            return out;
        }
        default: bad("internal: not a rule of a linear layer");
    }
}

// ------------------------------------------------------------------------------ plan

struct NodePlan {
    LrpRule rule;
    std::optional<Linear> linear;  // linear layers (weights possibly merged with a BatchNorm)
    std::string error;             // no LRP rule: the message, thrown when relevance reaches the node
};

bool isLinearOp(const Node& n, const GraphModel& m) {
    const auto& vals = m.values();
    auto isConst = [&](int v) { return v >= 0 && vals[static_cast<size_t>(v)].kind == Value::Kind::Constant; };
    if (n.op == Op::Gemm || n.op == Op::Conv) return true;
    return n.op == Op::MatMul && n.inputs.size() == 2 && !isConst(n.inputs[0]) && isConst(n.inputs[1]) &&
           vals[static_cast<size_t>(n.inputs[1])].constant.rank() == 2;
}

std::string where(const Node& n) { return "node '" + n.name + "' (" + n.opType + ")"; }

Linear makeLinear(const Node& n, const GraphModel& m) {
    const auto& vals = m.values();
    auto constant = [&](size_t k, const char* what) -> const Tensor* {
        if (k >= n.inputs.size() || n.inputs[k] < 0) return nullptr;
        const auto& v = vals[static_cast<size_t>(n.inputs[k])];
        if (v.kind != Value::Kind::Constant) bad("LRP: " + where(n) + " has a computed " + what + " (only constant weights have a rule)");
        return &v.constant;
    };
    if (vals[static_cast<size_t>(n.inputs[0])].kind == Value::Kind::Constant) bad("LRP: " + where(n) + " has a constant data input");
    Linear L;
    L.node.name = n.name;
    L.node.opType = n.opType;
    L.node.op = n.op;
    L.node.attrs = n.attrs;
    L.conv = n.op == Op::Conv;
    L.W = *constant(1, "weight");
    if (n.op == Op::MatMul) return L;
    if (const Tensor* b = constant(2, "bias")) L.b = *b;
    if (n.op == Op::Gemm) {
        if (n.attrs.alpha != 1.0f) scale(L.W, n.attrs.alpha);
        if (L.b && n.attrs.beta != 1.0f) scale(*L.b, n.attrs.beta);
        L.node.attrs.alpha = L.node.attrs.beta = 1.0f;
    }
    return L;
}

// Merges BatchNorm `bn` (parameters constant) into L; false when the layout does not allow it.
bool mergeBatchNorm(Linear& L, const Node& bn, const GraphModel& m) {
    const auto& vals = m.values();
    std::vector<const Tensor*> p;
    for (size_t k = 1; k < 5; ++k) {
        const auto& v = vals[static_cast<size_t>(bn.inputs[k])];
        if (v.kind != Value::Kind::Constant) return false;
        p.push_back(&v.constant);
    }
    const int64_t C = p[0]->numel();
    for (const Tensor* t : p)
        if (t->numel() != C) return false;
    std::vector<double> mul(static_cast<size_t>(C)), add(static_cast<size_t>(C));
    for (size_t c = 0; c < static_cast<size_t>(C); ++c) {
        const double var = static_cast<double>(p[3]->data[c]) + bn.attrs.epsilon;
        if (!(var > 0)) return false;
        mul[c] = p[0]->data[c] / std::sqrt(var);
        add[c] = p[1]->data[c] - p[2]->data[c] * mul[c];
    }
    Tensor W = L.W;
    std::vector<double> bias(static_cast<size_t>(C), 0.0);
    if (L.node.op == Op::Conv) {
        if (W.dim(0) != C) return false;
        if (L.b && L.b->numel() != C) return false;
        const int64_t per = W.numel() / C;
        for (int64_t i = 0; i < W.numel(); ++i) W.data[static_cast<size_t>(i)] = static_cast<float>(W.data[static_cast<size_t>(i)] * mul[static_cast<size_t>(i / per)]);
        if (L.b)
            for (size_t c = 0; c < static_cast<size_t>(C); ++c) bias[c] = L.b->data[c];
    } else if (L.node.op == Op::Gemm) {
        if (L.node.attrs.transA || W.rank() != 2) return false;
        const bool tb = L.node.attrs.transB;
        const int64_t out = tb ? W.dim(0) : W.dim(1), K = tb ? W.dim(1) : W.dim(0);
        if (out != C) return false;
        for (int64_t r = 0; r < W.dim(0); ++r)
            for (int64_t c = 0; c < W.dim(1); ++c) {
                const int64_t j = tb ? r : c;
                auto& v = W.data[static_cast<size_t>(r * W.dim(1) + c)];
                v = static_cast<float>(v * mul[static_cast<size_t>(j)]);
            }
        (void)K;
        if (L.b) {
            if (L.b->numel() == 1)
                std::fill(bias.begin(), bias.end(), static_cast<double>(L.b->data[0]));
            else if (L.b->numel() == C && (L.b->rank() == 1 || (L.b->rank() == 2 && L.b->dim(0) == 1)))
                for (size_t c = 0; c < static_cast<size_t>(C); ++c) bias[c] = L.b->data[c];
            else
                return false;
        }
    } else {
        return false;
    }
    Tensor b({C});
    for (size_t c = 0; c < static_cast<size_t>(C); ++c) b.data[c] = static_cast<float>(bias[c] * mul[c] + add[c]);
    L.W = std::move(W);
    L.b = std::move(b);
    return true;
}

struct Plan {
    std::vector<NodePlan> nodes;
    std::vector<std::string> merged;
    std::string canonical;
    int firstConv = -1;  // node index of the z^B layer, -1 none
};

Plan makePlan(const GraphModel& model, const LrpOptions& o) {
    Plan plan;
    plan.canonical = canonicalLrpRule(o.rule);
    const std::string& name = plan.canonical;
    auto rule = [](Kind k) {
        LrpRule r;
        r.kind = k;
        return r;
    };
    LrpRule eps = rule(Kind::Epsilon);
    eps.epsilon = o.epsilon;
    LrpRule dense, conv;
    std::optional<LrpRule> firstAny, firstConv;
    LrpRule ab = rule(Kind::AlphaBeta);
    if (name == "EpsilonPlus" || name == "EpsilonPlusFlat") dense = eps, conv = rule(Kind::ZPlus);
    if (name == "EpsilonAlpha2Beta1" || name == "EpsilonAlpha2Beta1Flat") dense = eps, conv = ab;
    if (name == "EpsilonPlusFlat" || name == "EpsilonAlpha2Beta1Flat") firstAny = rule(Kind::Flat);
    if (name == "EpsilonGammaBox") {
        dense = eps;
        conv = rule(Kind::Gamma);
        conv.gamma = o.gamma;
        firstConv = rule(Kind::ZBox);
    }
    if (name == "epsilon") dense = conv = eps;
    if (name == "zplus") dense = conv = rule(Kind::ZPlus);
    if (name == "alpha2beta1") dense = conv = ab;
    if (name == "alpha1beta0" || name == "alphabeta") {
        ab.alpha = name == "alphabeta" ? o.alpha : 1.0;
        ab.beta = name == "alphabeta" ? o.beta : 0.0;
        if (ab.alpha < 0 || ab.beta < 0 || std::abs(ab.alpha - ab.beta - 1.0) > 1e-12)
            bad("LRP rule 'alphabeta' needs alpha, beta >= 0 with alpha - beta = 1 (given " + std::to_string(ab.alpha) + ", " +
                std::to_string(ab.beta) + ")");
        dense = conv = ab;
    }
    if (name == "gamma") {
        dense = conv = rule(Kind::Gamma);
        dense.gamma = conv.gamma = o.gamma;
    }
    if (name == "flat") dense = conv = rule(Kind::Flat);
    if (name == "wsquare") dense = conv = rule(Kind::WSquare);

    const auto& nodes = model.nodes();
    const auto& vals = model.values();
    std::vector<int> producer(vals.size(), -1), readers(vals.size(), 0);
    for (size_t i = 0; i < nodes.size(); ++i) {
        producer[static_cast<size_t>(nodes[i].output)] = static_cast<int>(i);
        for (int v : nodes[i].inputs)
            if (v >= 0) ++readers[static_cast<size_t>(v)];
    }
    for (int v : model.outputs()) ++readers[static_cast<size_t>(v)];

    plan.nodes.resize(nodes.size());
    bool seenLinear = false, seenConv = false;
    for (size_t i = 0; i < nodes.size(); ++i) {
        const Node& n = nodes[i];
        NodePlan& np = plan.nodes[i];
        int computed = 0;
        for (int v : n.inputs)
            if (v >= 0 && vals[static_cast<size_t>(v)].kind != Value::Kind::Constant) ++computed;
        switch (n.op) {
            case Op::Gemm:
            case Op::Conv:
            case Op::MatMul:
                if (!isLinearOp(n, model)) {
                    np.error = "LRP has no rule for " + where(n) + ": a MatMul of two computed tensors (only constant weights)";
                    break;
                }
                np.linear = makeLinear(n, model);
                np.rule = n.op == Op::Conv ? conv : dense;
                if (!seenLinear && firstAny) np.rule = *firstAny;
                if (n.op == Op::Conv && !seenConv && firstConv) {
                    np.rule = *firstConv;
                    plan.firstConv = static_cast<int>(i);
                }
                seenLinear = true;
                if (n.op == Op::Conv) seenConv = true;
                break;
            case Op::Relu: case Op::LeakyRelu: case Op::Clip: case Op::Tanh: case Op::Sigmoid: case Op::Erf:
            case Op::Gelu: case Op::Identity: case Op::BatchNorm:
                np.rule = rule(Kind::Pass);
                break;
            case Op::Add: case Op::Sub: case Op::Sum: case Op::AveragePool: case Op::GlobalAveragePool:
                np.rule = rule(Kind::Norm);
                break;
            case Op::Mul:
                np.rule = rule(computed == 2 ? Kind::Half : Kind::Norm);
                break;
            case Op::Div:
                np.rule = rule(Kind::Norm);
                if (n.inputs.size() == 2 && vals[static_cast<size_t>(n.inputs[1])].kind != Value::Kind::Constant)
                    np.error = "LRP has no rule for " + where(n) + ": a division by a computed tensor";
                break;
            case Op::MaxPool: case Op::Flatten: case Op::Reshape: case Op::Transpose: case Op::Squeeze:
            case Op::Unsqueeze: case Op::Concat: case Op::Pad:
                np.rule = rule(Kind::Gradient);
                break;
            case Op::Softmax:
            case Op::LogSoftmax:
                np.error = "LRP has no rule for " + where(n) + " inside the graph (only a final softmax is skipped)";
                break;
        }
    }
    if (o.foldBatchNorm)
        for (size_t i = 0; i < nodes.size(); ++i) {
            const Node& bn = nodes[i];
            if (bn.op != Op::BatchNorm) continue;
            const int v = bn.inputs[0];
            const int p = producer[static_cast<size_t>(v)];
            if (p < 0 || readers[static_cast<size_t>(v)] != 1) continue;
            auto& pp = plan.nodes[static_cast<size_t>(p)];
            if (!pp.linear || pp.linear->node.op == Op::MatMul) continue;
            Linear merged = *pp.linear;
            if (!mergeBatchNorm(merged, bn, model)) continue;
            pp.linear = std::move(merged);
            plan.merged.push_back(bn.name);
        }
    return plan;
}

}  // namespace

std::string LrpRule::describe() const {
    char buf[96];
    switch (kind) {
        case Kind::Epsilon: std::snprintf(buf, sizeof buf, "epsilon(%g)", epsilon); return buf;
        case Kind::ZPlus: return "zplus";
        case Kind::AlphaBeta: std::snprintf(buf, sizeof buf, "alphabeta(%g,%g)", alpha, beta); return buf;
        case Kind::Gamma: std::snprintf(buf, sizeof buf, "gamma(%g)", gamma); return buf;
        case Kind::Flat: return "flat";
        case Kind::WSquare: return "wsquare";
        case Kind::ZBox: return "zbox";
        case Kind::Pass: return "pass";
        case Kind::Norm: return "norm";
        case Kind::Half: return "half";
        case Kind::Gradient: return "gradient";
    }
    return "?";
}

std::vector<std::string> lrpRuleNames() {
    std::vector<std::string> out;
    for (const auto& r : kRuleSets) out.emplace_back(r.name);
    return out;
}

std::string canonicalLrpRule(const std::string& name) {
    const std::string s = squash(name);
    for (const auto& r : kRuleSets)
        if (squash(r.name) == s) return r.name;
    std::string known;
    for (const auto& r : kRuleSets) known += (known.empty() ? "" : ", ") + std::string(r.name);
    bad("unknown LRP rule or composite '" + name + "' (known: " + known + ")");
}

LrpResult explainLrp(const GraphModel& model, const std::vector<Tensor>& inputs, const std::vector<int64_t>& targets,
                     const LrpOptions& options) {
    const Plan plan = makePlan(model, options);
    const auto& nodes = model.nodes();
    const auto& vals = model.values();
    LrpResult result;
    result.rule = plan.canonical;
    result.mergedBatchNorms = plan.merged;

    // The explained value: the first graph output, before a final Softmax/LogSoftmax.
    std::vector<int> producer(vals.size(), -1);
    for (size_t i = 0; i < nodes.size(); ++i) producer[static_cast<size_t>(nodes[i].output)] = static_cast<int>(i);
    int logitsValue = model.outputs().front();
    while (producer[static_cast<size_t>(logitsValue)] >= 0) {
        const Node& n = nodes[static_cast<size_t>(producer[static_cast<size_t>(logitsValue)])];
        if (n.op != Op::Softmax && n.op != Op::LogSoftmax) break;
        logitsValue = n.inputs[0];
        result.skippedSoftmax = true;
    }
    if (producer[static_cast<size_t>(logitsValue)] < 0) bad("LRP: the explained output '" + vals[static_cast<size_t>(logitsValue)].name + "' is not computed by a node");
    result.logitsSite = nodes[static_cast<size_t>(producer[static_cast<size_t>(logitsValue)])].name;

    ForwardOptions fo;
    fo.keepTape = true;
    fo.progress = options.progress;
    const ForwardResult run = model.forward(inputs, fo);
    const auto& tape = *run.tape;
    auto value = [&](int v) -> const Tensor& {
        const auto& val = vals[static_cast<size_t>(v)];
        return val.kind == Value::Kind::Constant ? val.constant : tape[static_cast<size_t>(v)];
    };
    const Tensor& y = value(logitsValue);
    if (y.rank() != 2) bad("LRP explains logits of shape [batch, classes]; '" + result.logitsSite + "' is " + y.shapeString());
    const int64_t B = y.dim(0), K = y.dim(1);
    if (targets.size() != static_cast<size_t>(B) && targets.size() != 1)
        bad("LRP: " + std::to_string(targets.size()) + " targets for a batch of " + std::to_string(B));
    result.logits = y;
    Tensor R0(y.shape);
    for (int64_t b = 0; b < B; ++b) {
        int64_t t = targets.size() == 1 ? targets[0] : targets[static_cast<size_t>(b)];
        const float* row = y.data.data() + b * K;
        if (t == -1) t = std::max_element(row, row + K) - row;
        if (t < 0 || t >= K) bad("LRP: target class " + std::to_string(t) + " is out of range for " + std::to_string(K) + " classes");
        result.targets.push_back(t);
        R0.data[static_cast<size_t>(b * K + t)] = row[t];
    }

    // Bounds of the z^B layer.
    std::optional<Tensor> low, high;
    if (plan.firstConv >= 0) {
        const Tensor& x = value(nodes[static_cast<size_t>(plan.firstConv)].inputs[0]);
        low = options.low ? *options.low : scalar(x.numel() ? *std::min_element(x.data.begin(), x.data.end()) : 0.0f);
        high = options.high ? *options.high : scalar(x.numel() ? *std::max_element(x.data.begin(), x.data.end()) : 0.0f);
    }

    std::vector<std::optional<Tensor>> R(vals.size());
    auto give = [&](int v, Tensor t) {
        if (v < 0 || vals[static_cast<size_t>(v)].kind == Value::Kind::Constant) return;
        auto& slot = R[static_cast<size_t>(v)];
        if (!slot) slot = std::move(t);
        else addTo(*slot, t);
    };
    give(logitsValue, std::move(R0));
    std::vector<const Tensor*> in;
    for (size_t i = nodes.size(); i-- > 0;) {
        const Node& n = nodes[i];
        const NodePlan& np = plan.nodes[i];
        if (!R[static_cast<size_t>(n.output)]) continue;
        if (options.progress) options.progress->check();
        if (!np.error.empty()) bad(np.error);
        const Tensor& Rout = *R[static_cast<size_t>(n.output)];
        const Tensor& out = value(n.output);
        in.clear();
        for (int v : n.inputs) in.push_back(v < 0 ? nullptr : &value(v));
        result.nodeRules[n.name] = np.rule.describe();
        try {
            switch (np.rule.kind) {
                case Kind::Pass: give(n.inputs[0], Rout); break;
                case Kind::Gradient: {
                    auto g = backwardNode(n, in, out, Rout);
                    for (size_t k = 0; k < n.inputs.size() && k < g.size(); ++k)
                        if (g[k]) give(n.inputs[k], std::move(*g[k]));
                    break;
                }
                case Kind::Norm:
                case Kind::Half: {
                    auto g = backwardNode(n, in, out, divStab(Rout, out, options.stabilizer));
                    for (size_t k = 0; k < n.inputs.size() && k < g.size(); ++k) {
                        const int v = n.inputs[k];
                        if (!g[k] || v < 0 || vals[static_cast<size_t>(v)].kind == Value::Kind::Constant) continue;
                        Tensor r = times(*in[k], *g[k]);
                        if (np.rule.kind == Kind::Half) scale(r, 0.5f);
                        give(v, std::move(r));
                    }
                    break;
                }
                default:
                    give(n.inputs[0], relevanceOf(*np.linear, np.rule, *in[0], Rout, opt(low), opt(high), options.stabilizer));
            }
        } catch (const GraphError& e) {
            const std::string msg = e.what();
            if (msg.starts_with("LRP") || msg.starts_with("z^B")) throw;
            throw GraphError("LRP at " + where(n) + ": " + msg);
        }
    }
    for (int v : model.inputs()) result.inputs.push_back(R[static_cast<size_t>(v)] ? *R[static_cast<size_t>(v)] : Tensor(value(v).shape));
    for (const auto& s : options.sites) {
        int v = -1;
        for (int id : model.inputs())
            if (vals[static_cast<size_t>(id)].name == s) v = id;
        for (const auto& n : nodes)
            if (n.name == s) v = n.output;
        if (v < 0) bad("no site named '" + s + "'");
        result.sites[s] = R[static_cast<size_t>(v)] ? *R[static_cast<size_t>(v)] : Tensor(value(v).shape);
    }
    return result;
}

}  // namespace scalpel::graph
