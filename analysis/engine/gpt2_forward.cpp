// GPT-2 forward pass with hook sites, patches and masks (relp.md §0).
#include <cmath>
#include <stdexcept>

#include "analysis/engine/gpt2_model.h"
#include "analysis/engine/gpt2_tape.h"
#include "analysis/engine/layer_ops.h"

namespace scalpel::engine {

namespace {

[[noreturn]] void bad(const std::string& what) { throw std::invalid_argument(what); }

int64_t siteCols(const Site& s, const ModelDims& d, int64_t seq) {
    switch (s.kind) {
        case SiteKind::Pattern: return seq;
        case SiteKind::MlpPre:
        case SiteKind::MlpPost: return d.dMlp;
        default: return d.dModel;  // q, k, v, z: H * dh = D
    }
}

int64_t siteRows(const Site& s, const ModelDims& d, int64_t batch, int64_t seq) {
    return s.kind == SiteKind::Pattern ? batch * d.nHead * seq : batch * seq;
}

void checkIndices(const std::vector<int64_t>& v, int64_t n, const std::string& what, const std::string& site) {
    for (int64_t i : v)
        if (i < 0 || i >= n)
            bad("patch of " + site + ": " + what + " " + std::to_string(i) + " is outside [0, " + std::to_string(n) + ")");
}

// Applies patches to site values and copies requested sites into the cache.
template <class S>
class SiteVisitor {
public:
    SiteVisitor(const ForwardOptions<S>& opt, const ModelDims& dims, int64_t batch, int64_t seq,
                std::map<Site, Act<S>>& cache)
        : opt_(opt), dims_(dims), batch_(batch), seq_(seq), cache_(cache) {}

    // Returns true when a patch touched the value.
    bool visit(const Site& site, Eigen::Ref<Act<S>> value) {
        bool patched = false;
        for (const auto& p : opt_.patches) {
            if (p.site != site) continue;
            patched = true;
            PatchSlice slice{p.site, p.positions, p.heads, p.batch};
            forEachPatchedRun(slice, batch_, seq_, dims_.nHead, dims_.headDim, value.cols(),
                              [&](int64_t row, int64_t col, int64_t n) {
                                  if (p.source)
                                      value.row(row).segment(col, n) = p.source->row(row).segment(col, n);
                                  else
                                      value.row(row).segment(col, n).setConstant(p.constant);
                              });
        }
        for (const auto& c : opt_.cache)
            if (c == site) {
                cache_[site] = value;
                break;
            }
        return patched;
    }

private:
    const ForwardOptions<S>& opt_;
    ModelDims dims_;
    int64_t batch_, seq_;
    std::map<Site, Act<S>>& cache_;
};

}  // namespace

template <class S>
Gpt2Model<S>::Gpt2Model(Gpt2WeightsT<S> weights) : w_(std::move(weights)) {
    if (w_.blocks.empty()) bad("model has no blocks");
}

template <class S>
ModelDims Gpt2Model<S>::dims() const {
    const auto& b = w_.blocks.front();
    return {b.dModel(), b.nHead, b.headDim, b.fcW.cols()};
}

template <class S>
void Gpt2Model<S>::setMasks(Masks<S> masks) {
    const auto d = dims();
    if (masks.heads.size() && (masks.heads.rows() != nLayer() || masks.heads.cols() != d.nHead))
        bad("head mask must be [" + std::to_string(nLayer()) + ", " + std::to_string(d.nHead) + "]");
    if (masks.neurons.size() && (masks.neurons.rows() != nLayer() || masks.neurons.cols() != d.dMlp))
        bad("neuron mask must be [" + std::to_string(nLayer()) + ", " + std::to_string(d.dMlp) + "]");
    masks_ = std::move(masks);
}

namespace {

template <class S>
typename Gpt2BlockT<S>::Matrix* blockWeight(Gpt2WeightsT<S>& w, const std::string& name) {
    for (size_t l = 0; l < w.blocks.size(); ++l) {
        const std::string p = "h." + std::to_string(l) + ".";
        auto& b = w.blocks[l];
        if (name == p + "attn.c_attn.weight") return &b.attnW;
        if (name == p + "attn.c_proj.weight") return &b.attnProjW;
        if (name == p + "mlp.c_fc.weight") return &b.fcW;
        if (name == p + "mlp.c_proj.weight") return &b.mlpProjW;
    }
    return nullptr;
}

}  // namespace

template <class S>
void Gpt2Model<S>::setWeightMask(const std::string& name, const Matrix& mask) {
    Matrix* weight = blockWeight(w_, name);
    if (!weight) bad("weight mask: \"" + name + "\" is not a Conv1D weight of this model");
    if (mask.rows() != weight->rows() || mask.cols() != weight->cols())
        bad("weight mask for " + name + " must be [" + std::to_string(weight->rows()) + ", " +
            std::to_string(weight->cols()) + "]");
    auto it = unmasked_.find(name);
    if (it == unmasked_.end()) it = unmasked_.emplace(name, *weight).first;
    *weight = it->second.cwiseProduct(mask);
    weightMasks_[name] = mask;
}

template <class S>
ForwardResult<S> Gpt2Model<S>::forward(const TokenBatch& tok, const ForwardOptions<S>& opt) const {
    const ModelDims d = dims();
    const int64_t B = tok.batch, T = tok.seq, N = B * T, D = d.dModel, H = d.nHead, dh = d.headDim;
    const int L = nLayer();
    // ---- validate everything before computing anything
    if (B <= 0 || T <= 0 || static_cast<int64_t>(tok.ids.size()) != N) bad("token batch is empty or inconsistent");
    if (T > w_.wpe.rows())
        bad("sequence of " + std::to_string(T) + " tokens exceeds n_positions " + std::to_string(w_.wpe.rows()));
    for (int64_t i = 0; i < N; ++i)
        if (tok.ids[static_cast<size_t>(i)] < 0 || tok.ids[static_cast<size_t>(i)] >= w_.wte.rows())
            bad("token id " + std::to_string(tok.ids[static_cast<size_t>(i)]) + " at batch " + std::to_string(i / T) +
                ", position " + std::to_string(i % T) + " is outside the vocabulary [0, " + std::to_string(w_.wte.rows()) + ")");
    if (opt.resumeLayer < 0 || opt.resumeLayer >= L) bad("resume layer out of range");
    if (opt.resumeLayer > 0 && (!opt.resumeResid || opt.resumeResid->rows() != N || opt.resumeResid->cols() != D))
        bad("resuming at a layer needs its hook_resid_pre of shape [B*T, D]");
    auto reachable = [&](const Site& s) {
        if (s.perLayer() && (s.layer < 0 || s.layer >= L)) return false;
        if (opt.resumeLayer > 0 && (s.kind == SiteKind::Embed || s.kind == SiteKind::PosEmbed)) return false;
        return !s.perLayer() || s.layer >= opt.resumeLayer;
    };
    for (const auto& s : opt.cache)
        if (!reachable(s)) bad("site " + s.name() + " is not computed by this run");
    for (const auto& p : opt.patches) {
        const std::string name = p.site.name();
        if (!reachable(p.site)) bad("patch of " + name + ": site is not computed by this run");
        checkIndices(p.positions, T, "position", name);
        checkIndices(p.batch, B, "batch row", name);
        if (!p.heads.empty() && !p.site.hasHeads()) bad("patch of " + name + ": this site has no heads");
        checkIndices(p.heads, H, "head", name);
        if (p.source && (p.source->rows() != siteRows(p.site, d, B, T) || p.source->cols() != siteCols(p.site, d, T)))
            bad("patch of " + name + ": source is [" + std::to_string(p.source->rows()) + ", " +
                std::to_string(p.source->cols()) + "], the site is [" + std::to_string(siteRows(p.site, d, B, T)) + ", " +
                std::to_string(siteCols(p.site, d, T)) + "]");
    }

    ForwardResult<S> out;
    out.batch = B;
    out.seq = T;
    SiteVisitor<S> visitor(opt, d, B, T, out.cache);
    std::shared_ptr<Tape<S>> tape;
    if (opt.keepTape) {
        tape = std::make_shared<Tape<S>>();
        tape->tokens = tok;
        for (const auto& p : opt.patches) tape->patches.push_back({p.site, p.positions, p.heads, p.batch});
        tape->logits = opt.logits;
        tape->resumeLayer = opt.resumeLayer;
        tape->blocks.resize(static_cast<size_t>(L));
    }
    const double eps = w_.config.layerNormEpsilon > 0 ? w_.config.layerNormEpsilon : 1e-5;

    // ---- embeddings
    Act<S> x(N, D);
    if (opt.resumeLayer == 0) {
        Act<S> pos(N, D);
        for (int64_t i = 0; i < N; ++i) {
            x.row(i) = w_.wte.row(tok.ids[static_cast<size_t>(i)]);
            pos.row(i) = w_.wpe.row(i % T);
        }
        visitor.visit({SiteKind::Embed, -1}, x);
        visitor.visit({SiteKind::PosEmbed, -1}, pos);
        x += pos;
    } else {
        x = *opt.resumeResid;
    }

    // Scratch reused across blocks (no allocation inside the per-head loops).
    Act<S> hat, h, qkv(N, 3 * D), z(N, D), attnOut(N, D), u(N, d.dMlp), post, mlpOut(N, D);
    Act<S> pattern(B * H * T, T);
    ColVec<S> rstd;
    const S scale = static_cast<S>(1.0 / std::sqrt(static_cast<double>(dh)));

    // out = LN(x) W + b, the start of both halves of a block. The LN output site is visited (and
    // may be patched) before gamma and beta; the tape takes the buffers over (moved, not copied).
    auto normedLinear = [&](const LayerNormT<S>& ln, const Site& lnSite, const Matrix& W, const ColVec<S>& b, Act<S>* keepHat,
                            ColVec<S>* keepRstd, Act<S>& out) {
        ops::layerNorm(x, eps, hat, rstd);
        visitor.visit(lnSite, hat);
        ops::affine(hat, ln.weight, ln.bias, h);
        if (keepHat) {
            *keepHat = std::move(hat);
            *keepRstd = std::move(rstd);
        }
        out.noalias() = h * W;
        out.rowwise() += b.transpose();
    };

    for (int l = opt.resumeLayer; l < L; ++l) {
        if (opt.progress) opt.progress->check();
        const auto& blk = w_.blocks[static_cast<size_t>(l)];
        BlockTape<S>* bt = tape ? &tape->blocks[static_cast<size_t>(l)] : nullptr;
        visitor.visit({SiteKind::ResidPre, l}, x);
        if (bt) bt->residPre = x;

        // ---- attention
        normedLinear(blk.ln1, {SiteKind::Ln1Normalized, l}, blk.attnW, blk.attnB, bt ? &bt->hat1 : nullptr,
                     bt ? &bt->rstd1 : nullptr, qkv);
        visitor.visit({SiteKind::Q, l}, qkv.middleCols(0, D));
        visitor.visit({SiteKind::K, l}, qkv.middleCols(D, D));
        visitor.visit({SiteKind::V, l}, qkv.middleCols(2 * D, D));

        for (int64_t b = 0; b < B; ++b)
            for (int64_t hd = 0; hd < H; ++hd) {
                auto sc = pattern.middleRows((b * H + hd) * T, T);
                sc.noalias() = scale * qkv.block(b * T, hd * dh, T, dh) * qkv.block(b * T, D + hd * dh, T, dh).transpose();
                ops::causalSoftmax(sc);
            }
        if (bt) bt->patternRaw = pattern;  // copied: the masked pattern is needed below
        if (masks_.heads.size())
            for (int64_t b = 0; b < B; ++b)
                for (int64_t hd = 0; hd < H; ++hd) pattern.middleRows((b * H + hd) * T, T) *= masks_.heads(l, hd);
        if (visitor.visit({SiteKind::Pattern, l}, pattern) && bt) bt->patternPatched = pattern;
        z.resize(N, D);
        for (int64_t b = 0; b < B; ++b)
            for (int64_t hd = 0; hd < H; ++hd)
                z.block(b * T, hd * dh, T, dh).noalias() =
                    pattern.middleRows((b * H + hd) * T, T) * qkv.block(b * T, 2 * D + hd * dh, T, dh);
        visitor.visit({SiteKind::Z, l}, z);
        attnOut.noalias() = z * blk.attnProjW;
        attnOut.rowwise() += blk.attnProjB.transpose();
        visitor.visit({SiteKind::AttnOut, l}, attnOut);
        x += attnOut;
        if (bt) {
            bt->qkv = std::move(qkv);
            bt->z = std::move(z);
            bt->attnOut = std::move(attnOut);
        }
        visitor.visit({SiteKind::ResidMid, l}, x);

        // ---- MLP
        normedLinear(blk.ln2, {SiteKind::Ln2Normalized, l}, blk.fcW, blk.fcB, bt ? &bt->hat2 : nullptr,
                     bt ? &bt->rstd2 : nullptr, u);
        visitor.visit({SiteKind::MlpPre, l}, u);
        ops::gelu(u, post);
        if (masks_.neurons.size()) post.array().rowwise() *= masks_.neurons.row(l).array();
        visitor.visit({SiteKind::MlpPost, l}, post);
        mlpOut.noalias() = post * blk.mlpProjW;
        mlpOut.rowwise() += blk.mlpProjB.transpose();
        visitor.visit({SiteKind::MlpOut, l}, mlpOut);
        x += mlpOut;
        if (bt) {
            bt->mlpPre = std::move(u);
            bt->mlpPost = std::move(post);
            bt->mlpOut = std::move(mlpOut);
        }
        visitor.visit({SiteKind::ResidPost, l}, x);
    }

    // ---- final LayerNorm and unembedding
    ops::layerNorm(x, eps, hat, rstd);
    visitor.visit({SiteKind::LnFinalNormalized, -1}, hat);
    if (opt.logits != LogitRows::None) {
        if (opt.logits == LogitRows::Last) {
            Act<S> lastHat(B, D);
            for (int64_t b = 0; b < B; ++b) lastHat.row(b) = hat.row(b * T + T - 1);
            ops::affine(lastHat, w_.lnF.weight, w_.lnF.bias, h);
        } else {
            ops::affine(hat, w_.lnF.weight, w_.lnF.bias, h);
        }
        out.logits.noalias() = h * w_.lmHead().transpose();
    }
    if (tape) {
        tape->hatF = std::move(hat);
        tape->rstdF = std::move(rstd);
        out.tape = std::move(tape);
    }
    return out;
}

template class Gpt2Model<float>;
template class Gpt2Model<double>;

}  // namespace scalpel::engine
