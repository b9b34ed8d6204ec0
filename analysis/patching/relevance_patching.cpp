#include "analysis/patching/relevance_patching.h"

#include <cmath>
#include <map>
#include <stdexcept>

#include "analysis/common/agreement.h"

namespace scalpel::patching {

using engine::Act;
using engine::Site;
using engine::SiteKind;

namespace {

struct Named {
    const char* name;
    int value;
};
constexpr Named kComponents[] = {{"resid_pre", int(Component::ResidPre)}, {"attn_out", int(Component::AttnOut)},
                                 {"mlp_out", int(Component::MlpOut)},     {"head", int(Component::Head)},
                                 {"head_pos", int(Component::HeadPos)}};
constexpr Named kMethods[] = {{"ap", int(Method::Ap)},           {"atp", int(Method::Atp)},
                              {"relp", int(Method::Relp)},       {"relp-ah", int(Method::RelpAh)},
                              {"attnlrp", int(Method::AttnLrp)}, {"ig", int(Method::Ig)}};

template <size_t N>
const char* nameOf(const Named (&table)[N], int v) {
    for (const auto& n : table)
        if (n.value == v) return n.name;
    return "?";
}
template <size_t N>
std::optional<int> valueOf(const Named (&table)[N], const std::string& s) {
    for (const auto& n : table)
        if (s == n.name) return n.value;
    return std::nullopt;
}

SiteKind siteKind(Component c) {
    switch (c) {
        case Component::ResidPre: return SiteKind::ResidPre;
        case Component::AttnOut: return SiteKind::AttnOut;
        case Component::MlpOut: return SiteKind::MlpOut;
        default: return SiteKind::Z;
    }
}

bool isHead(Component c) { return c == Component::Head || c == Component::HeadPos; }

engine::LrpRules rulesOf(Method m) {
    switch (m) {
        case Method::Relp: return engine::LrpRules::relp();
        case Method::RelpAh: return engine::LrpRules::relpAh();
        case Method::AttnLrp: return engine::LrpRules::relpAttnLrp();
        default: return engine::LrpRules::none();
    }
}

engine::TokenBatch tiledTokens(const std::vector<int32_t>& ids, int64_t B, int64_t T, int64_t copies) {
    engine::TokenBatch t{B * copies, T, {}};
    t.ids.reserve(size_t(B * T * copies));
    for (int64_t k = 0; k < copies; ++k) t.ids.insert(t.ids.end(), ids.begin(), ids.end());
    return t;
}

template <class S>
Act<S> tiledRows(const Act<S>& m, int64_t copies) {
    Act<S> out(m.rows() * copies, m.cols());
    for (int64_t k = 0; k < copies; ++k) out.middleRows(k * m.rows(), m.rows()) = m;
    return out;
}

// The normalised logit difference (relp.md §1), rows of [R, V] last-position logits belonging to
// example r % B.
struct Metric {
    const PromptBatch& p;
    double meanCorrupt = 0, denom = 1;

    template <class S>
    std::vector<double> ld(const Act<S>& logits) const {
        std::vector<double> out(size_t(logits.rows()));
        for (int64_t r = 0; r < logits.rows(); ++r) {
            const size_t b = size_t(r % p.batch);
            out[size_t(r)] = double(logits(r, p.answer[b])) - double(logits(r, p.wrong[b]));
        }
        return out;
    }
    template <class S>
    std::vector<double> values(const Act<S>& logits) const {
        auto v = ld(logits);
        for (double& x : v) x = (x - meanCorrupt) / denom;
        return v;
    }
    // d(sum over rows of m)/d(logits).
    template <class S>
    Act<S> gradient(const Act<S>& logits) const {
        Act<S> g = Act<S>::Zero(logits.rows(), logits.cols());
        for (int64_t r = 0; r < logits.rows(); ++r) {
            const size_t b = size_t(r % p.batch);
            g(r, p.answer[b]) += S(1.0 / denom);
            g(r, p.wrong[b]) -= S(1.0 / denom);
        }
        return g;
    }
};

struct Dims {
    int64_t B, T, L, H, dh;
};

std::vector<int64_t> mapShape(Component c, const Dims& d) {
    switch (c) {
        case Component::Head: return {d.B, d.L, d.H};
        case Component::HeadPos: return {d.B, d.L, d.H, d.T};
        default: return {d.B, d.L, d.T};
    }
}

ScoreMap emptyMap(Method m, Component c, const Dims& d) {
    ScoreMap s{m, c, mapShape(c, d), {}, {}};
    int64_t n = 1;
    for (int64_t x : s.shape) n *= x;
    s.perExample.assign(size_t(n), 0.0);
    return s;
}

void finishMean(ScoreMap& s) {
    const int64_t B = s.shape[0], per = int64_t(s.perExample.size()) / B;
    s.mean.assign(size_t(per), 0.0);
    for (int64_t b = 0; b < B; ++b)
        for (int64_t i = 0; i < per; ++i) s.mean[size_t(i)] += s.perExample[size_t(b * per + i)] / double(B);
}

// Node sums of (delta .* coeff) at layer l of one site into the component's map.
template <class S>
void addEstimates(ScoreMap& map, const Dims& d, int l, const Act<S>& delta, const Act<S>& coeff) {
    for (int64_t b = 0; b < d.B; ++b)
        for (int64_t t = 0; t < d.T; ++t) {
            const int64_t r = b * d.T + t;
            switch (map.component) {
                case Component::Head:
                case Component::HeadPos:
                    for (int64_t h = 0; h < d.H; ++h) {
                        double v = 0;
                        for (int64_t i = h * d.dh; i < (h + 1) * d.dh; ++i) v += double(delta(r, i)) * double(coeff(r, i));
                        if (map.component == Component::Head)
                            map.perExample[size_t((b * d.L + l) * d.H + h)] += v;
                        else
                            map.perExample[size_t(((b * d.L + l) * d.H + h) * d.T + t)] = v;
                    }
                    break;
                default: {
                    double v = 0;
                    for (int64_t i = 0; i < delta.cols(); ++i) v += double(delta(r, i)) * double(coeff(r, i));
                    map.perExample[size_t((b * d.L + l) * d.T + t)] = v;
                }
            }
        }
}

// One AP node: which slice of which site.
struct Node {
    int64_t position = -1, head = -1;  // -1 = all
};

std::vector<Node> nodesOf(Component c, const Dims& d) {
    std::vector<Node> out;
    if (c == Component::Head)
        for (int64_t h = 0; h < d.H; ++h) out.push_back({-1, h});
    else if (c == Component::HeadPos)
        for (int64_t h = 0; h < d.H; ++h)
            for (int64_t t = 0; t < d.T; ++t) out.push_back({t, h});
    else
        for (int64_t t = 0; t < d.T; ++t) out.push_back({t, -1});
    return out;
}

size_t nodeIndex(Component c, const Dims& d, int64_t b, int l, const Node& n) {
    switch (c) {
        case Component::Head: return size_t((b * d.L + l) * d.H + n.head);
        case Component::HeadPos: return size_t(((b * d.L + l) * d.H + n.head) * d.T + n.position);
        default: return size_t((b * d.L + l) * d.T + n.position);
    }
}

}  // namespace

const char* componentName(Component c) { return nameOf(kComponents, int(c)); }
const char* methodName(Method m) { return nameOf(kMethods, int(m)); }
const char* directionName(Direction d) { return d == Direction::Denoising ? "denoising" : "noising"; }
std::optional<Component> parseComponent(const std::string& s) {
    auto v = valueOf(kComponents, s);
    return v ? std::optional<Component>(Component(*v)) : std::nullopt;
}
std::optional<Method> parseMethod(const std::string& s) {
    auto v = valueOf(kMethods, s);
    return v ? std::optional<Method>(Method(*v)) : std::nullopt;
}
std::optional<Direction> parseDirection(const std::string& s) {
    if (s == "denoising") return Direction::Denoising;
    if (s == "noising") return Direction::Noising;
    return std::nullopt;
}

const ScoreMap* PatchingResult::find(Method m, Component c) const {
    for (const auto& s : maps)
        if (s.method == m && s.component == c) return &s;
    return nullptr;
}

template <class S>
PatchingResult runPatching(const engine::Gpt2Model<S>& model, const PromptBatch& p, const Options& opt, const ProgressToken& progress) {
    const auto md = model.dims();
    const Dims d{p.batch, p.seq, model.nLayer(), md.nHead, md.headDim};
    const int64_t N = d.B * d.T;
    if (d.B <= 0 || d.T <= 0 || int64_t(p.clean.size()) != N || int64_t(p.corrupt.size()) != N ||
        int64_t(p.answer.size()) != d.B || int64_t(p.wrong.size()) != d.B)
        throw std::invalid_argument("prompt batch is empty or its sizes disagree");
    const int64_t V = model.weights().wte.rows();
    for (int64_t b = 0; b < d.B; ++b)
        if (p.answer[size_t(b)] < 0 || p.answer[size_t(b)] >= V || p.wrong[size_t(b)] < 0 || p.wrong[size_t(b)] >= V)
            throw std::invalid_argument("answer or wrong token of prompt " + std::to_string(b + 1) + " is outside the vocabulary");
    if (opt.igSteps < 1) throw std::invalid_argument("integrated gradients need at least one step");

    // Sites every method reads: the component sites at every layer, plus resid_pre for resuming.
    std::vector<Site> sites;
    auto want = [&](SiteKind k) {
        for (int l = 0; l < d.L; ++l) {
            const Site s{k, l};
            if (std::find(sites.begin(), sites.end(), s) == sites.end()) sites.push_back(s);
        }
    };
    want(SiteKind::ResidPre);
    for (Component c : opt.components) want(siteKind(c));

    PatchingResult res;
    const bool denoising = opt.direction == Direction::Denoising;
    engine::TokenBatch clean{d.B, d.T, p.clean}, corrupt{d.B, d.T, p.corrupt};
    engine::ForwardOptions<S> baseOpt, srcOpt;
    baseOpt.cache = srcOpt.cache = sites;
    baseOpt.logits = srcOpt.logits = engine::LogitRows::Last;
    baseOpt.keepTape = true;
    baseOpt.progress = srcOpt.progress = &progress;
    const auto base = model.forward(denoising ? corrupt : clean, baseOpt);
    const auto src = model.forward(denoising ? clean : corrupt, srcOpt);
    res.forwardPasses += 2;

    Metric metric{p};
    const auto ldBase = metric.ld(base.logits), ldSrc = metric.ld(src.logits);
    res.ldClean = denoising ? ldSrc : ldBase;
    res.ldCorrupt = denoising ? ldBase : ldSrc;
    for (int64_t b = 0; b < d.B; ++b) {
        res.meanClean += res.ldClean[size_t(b)] / double(d.B);
        res.meanCorrupt += res.ldCorrupt[size_t(b)] / double(d.B);
    }
    metric.meanCorrupt = res.meanCorrupt;
    metric.denom = res.meanClean - res.meanCorrupt;
    if (!(std::abs(metric.denom) > 1e-9 * (std::abs(res.meanClean) + std::abs(res.meanCorrupt) + 1e-30)))
        throw std::invalid_argument("the clean and corrupted prompts have the same mean logit difference (" +
                                    std::to_string(res.meanClean) + "): the normalised metric is undefined");
    res.metricBase = metric.values(base.logits);

    // Work units for progress: gradient methods, AP layers, IG layers.
    int64_t total = 0, done = 0;
    for (Method m : opt.methods) total += (m == Method::Ap || m == Method::Ig) ? int64_t(opt.components.size()) * d.L : 1;
    auto step = [&](const char* what) { progress.report(double(++done) / double(std::max<int64_t>(total, 1)), what); };

    auto delta = [&](const Site& s) -> Act<S> { return src.cache.at(s) - base.cache.at(s); };

    for (Method m : opt.methods) {
        if (m == Method::Ap || m == Method::Ig) continue;
        engine::BackwardOptions<S> bopt;
        bopt.rules = rulesOf(m);
        bopt.sites = sites;
        const auto g = model.backward(base, metric.gradient(base.logits), bopt);
        ++res.backwardPasses;
        for (Component c : opt.components) {
            ScoreMap map = emptyMap(m, c, d);
            for (int l = 0; l < d.L; ++l) {
                const Site s{siteKind(c), l};
                addEstimates(map, d, l, delta(s), g.sites.at(s));
            }
            finishMean(map);
            res.maps.push_back(std::move(map));
        }
        step(methodName(m));
    }

    auto resumeAt = [&](engine::ForwardOptions<S>& o, int l, int64_t copies, Act<S>& storage) {
        if (l == 0) return;
        storage = tiledRows(base.cache.at(Site{SiteKind::ResidPre, l}), copies);
        o.resumeLayer = l;
        o.resumeResid = &storage;
    };

    if (std::find(opt.methods.begin(), opt.methods.end(), Method::Ap) != opt.methods.end())
        for (Component c : opt.components) {
            ScoreMap map = emptyMap(Method::Ap, c, d);
            const auto nodes = nodesOf(c, d);
            const int64_t perPass = std::max<int64_t>(1, opt.maxRowsPerPass / N);
            for (int l = 0; l < d.L; ++l) {
                const Site s{siteKind(c), l};
                for (size_t first = 0; first < nodes.size(); first += size_t(perPass)) {
                    const int64_t K = std::min<int64_t>(perPass, int64_t(nodes.size() - first));
                    const Act<S> source = tiledRows(src.cache.at(s), K);
                    Act<S> resid;
                    engine::ForwardOptions<S> o;
                    o.logits = engine::LogitRows::Last;
                    o.progress = &progress;
                    resumeAt(o, l, K, resid);
                    for (int64_t k = 0; k < K; ++k) {
                        const Node& n = nodes[first + size_t(k)];
                        engine::Patch<S> patch{s, {}, {}, {}, &source};
                        if (n.position >= 0) patch.positions = {n.position};
                        if (n.head >= 0) patch.heads = {n.head};
                        for (int64_t b = 0; b < d.B; ++b) patch.batch.push_back(k * d.B + b);
                        o.patches.push_back(std::move(patch));
                    }
                    const auto run = model.forward(tiledTokens(denoising ? p.corrupt : p.clean, d.B, d.T, K), o);
                    ++res.forwardPasses;
                    const auto m = metric.values(run.logits);
                    for (int64_t k = 0; k < K; ++k)
                        for (int64_t b = 0; b < d.B; ++b)
                            map.perExample[nodeIndex(c, d, b, l, nodes[first + size_t(k)])] =
                                m[size_t(k * d.B + b)] - res.metricBase[size_t(b)];
                }
                step("activation patching");
            }
            finishMean(map);
            res.maps.push_back(std::move(map));
        }

    if (std::find(opt.methods.begin(), opt.methods.end(), Method::Ig) != opt.methods.end()) {
        std::map<std::pair<int, int>, Act<S>> coeff;  // (site kind, layer) -> averaged gradient, shared by head maps
        for (Component c : opt.components) {
            ScoreMap map = emptyMap(Method::Ig, c, d);
            ScoreMap layer{Method::Ap, c, {d.B, d.L}, std::vector<double>(size_t(d.B * d.L), 0.0), {}};
            for (int l = 0; l < d.L; ++l) {
                const Site s{siteKind(c), l};
                const Act<S> dlt = delta(s);
                auto key = std::make_pair(int(s.kind), l);
                if (!coeff.count(key)) {
                    Act<S> sum = Act<S>::Zero(N, dlt.cols());
                    const int64_t perPass = std::max<int64_t>(1, opt.maxRowsPerPass / N);
                    for (int first = 0; first < opt.igSteps; first += int(perPass)) {
                        const int64_t K = std::min<int64_t>(perPass, opt.igSteps - first);
                        Act<S> interp(K * N, dlt.cols());
                        for (int64_t k = 0; k < K; ++k)
                            interp.middleRows(k * N, N) =
                                base.cache.at(s) + S(double(first + k) / double(opt.igSteps)) * dlt;
                        engine::ForwardOptions<S> o;
                        o.logits = engine::LogitRows::Last;
                        o.keepTape = true;
                        o.progress = &progress;
                        Act<S> resid;
                        resumeAt(o, l, K, resid);
                        o.patches.push_back({s, {}, {}, {}, &interp});
                        const auto run = model.forward(tiledTokens(denoising ? p.corrupt : p.clean, d.B, d.T, K), o);
                        engine::BackwardOptions<S> bopt;
                        bopt.sites = {s};
                        const auto g = model.backward(run, metric.gradient(run.logits), bopt);
                        ++res.forwardPasses;
                        ++res.backwardPasses;
                        for (int64_t k = 0; k < K; ++k) sum += g.sites.at(s).middleRows(k * N, N);
                    }
                    coeff[key] = sum / S(opt.igSteps);
                }
                addEstimates(map, d, l, dlt, coeff.at(key));
                if (!isHead(c)) {  // completeness check: AP of the whole layer tensor
                    engine::ForwardOptions<S> o;
                    o.logits = engine::LogitRows::Last;
                    Act<S> resid;
                    resumeAt(o, l, 1, resid);
                    o.patches.push_back({s, {}, {}, {}, &src.cache.at(s)});
                    const auto run = model.forward(denoising ? corrupt : clean, o);
                    ++res.forwardPasses;
                    const auto m = metric.values(run.logits);
                    for (int64_t b = 0; b < d.B; ++b) layer.perExample[size_t(b * d.L + l)] = m[size_t(b)] - res.metricBase[size_t(b)];
                }
                step("integrated gradients");
            }
            finishMean(map);
            res.maps.push_back(std::move(map));
            if (!isHead(c)) {
                finishMean(layer);
                res.layerAp.push_back(std::move(layer));
            }
        }
    }

    // Agreement of every estimate with AP, per component.
    for (const auto& est : res.maps) {
        if (est.method == Method::Ap) continue;
        const ScoreMap* ap = res.find(Method::Ap, est.component);
        if (!ap) continue;
        Agreement a{est.method, est.component};
        a.k = std::min(opt.topK, est.mean.size());
        a.pearson = pearson(est.mean, ap->mean);
        a.spearman = spearman(est.mean, ap->mean);
        a.topK = topKOverlap(est.mean, ap->mean, a.k);
        const size_t per = est.mean.size();
        double sum = 0;
        int counted = 0;
        for (int64_t b = 0; b < d.B; ++b) {
            const double r = pearson(std::span(est.perExample).subspan(size_t(b) * per, per),
                                     std::span(ap->perExample).subspan(size_t(b) * per, per));
            if (std::isfinite(r)) {
                sum += r;
                ++counted;
            }
        }
        a.pearsonPerExample = counted ? sum / counted : std::nan("");
        res.agreement.push_back(a);
    }
    return res;
}

template PatchingResult runPatching(const engine::Gpt2Model<float>&, const PromptBatch&, const Options&, const ProgressToken&);
template PatchingResult runPatching(const engine::Gpt2Model<double>&, const PromptBatch&, const Options&, const ProgressToken&);

}  // namespace scalpel::patching
