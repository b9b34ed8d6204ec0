// Backward pass of the GPT-2 engine: exact gradient, or LRP coefficients where LrpRules
// replaces a local Jacobian (relp.md §4). Walks the tape of one forward pass in reverse.
#include <cmath>
#include <stdexcept>

#include "analysis/engine/gpt2_model.h"
#include "analysis/engine/gpt2_tape.h"
#include "analysis/engine/layer_ops.h"

namespace scalpel::engine {

namespace {

template <class S>
using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;

template <class S>
class Backprop {
public:
    Backprop(const Gpt2WeightsT<S>& w, const Masks<S>& masks, const std::map<std::string, Mat<S>>& weightMasks,
             const Tape<S>& tape, const BackwardOptions<S>& opt, ModelDims dims, BackwardResult<S>& out)
        : w_(w), masks_(masks), weightMasks_(weightMasks), tape_(tape), opt_(opt), d_(dims), out_(out),
          B_(tape.tokens.batch), T_(tape.tokens.seq) {}

    void run(const Act<S>& dLogits);

private:
    // Records the gradient at a site when asked for, then cuts it where a patch replaced the
    // value (those entries are constants of the patched run).
    void site(const Site& s, Eigen::Ref<Act<S>> g) {
        for (const auto& want : opt_.sites)
            if (want == s) {
                out_.sites[s] = g;
                break;
            }
        for (const auto& p : tape_.patches)
            if (p.site == s)
                forEachPatchedRun(p, B_, T_, d_.nHead, d_.headDim, g.cols(),
                                  [&](int64_t row, int64_t col, int64_t n) { g.row(row).segment(col, n).setZero(); });
    }

    // y = x W + b (Conv1D). g is dL/dy on entry; returns dL/dx. Weight gradients use the
    // coefficient after the epsilon rule (which is the plain gradient when epsilon is 0).
    void linear(const std::string& module, const Act<S>& x, const Mat<S>& W, const Act<S>& y, Act<S>& g, Act<S>& dx) {
        if (opt_.layerIO) out_.layers[module] = {x, g};
        ops::applyEpsilon(y, opt_.rules.linearEpsilon, g);
        dx.noalias() = g * W.transpose();
        if (opt_.parameters) {
            Mat<S> dW = x.transpose() * g;
            auto m = weightMasks_.find(module + ".weight");
            if (m != weightMasks_.end()) dW = dW.cwiseProduct(m->second);
            out_.parameters[module + ".weight"] = std::move(dW);
            out_.parameters[module + ".bias"] = g.colwise().sum().transpose();
        }
    }

    // dL/d(hat) from dL/dy for y = hat*gamma + beta, recording gamma and beta gradients.
    void layerNormAffine(const std::string& name, const Act<S>& hat, const LayerNormT<S>& ln, const Act<S>& dy,
                         Act<S>& dHat) {
        if (opt_.parameters) {
            out_.parameters[name + ".weight"] = (dy.array() * hat.array()).colwise().sum().transpose().matrix();
            out_.parameters[name + ".bias"] = dy.colwise().sum().transpose();
        }
        dHat = dy.array().rowwise() * ln.weight.transpose().array();
    }

    void unembedding(const Act<S>& dLogits, Act<S>& dy, Mat<S>& dHead);
    // y = LN(x) W + b, the start of both halves of a block: g = dL/dy on entry; adds dL/dx
    // (through the linear layer and the LayerNorm, with their rules) to dx.
    void normedLinear(const std::string& module, const std::string& lnName, const Site& lnSite, const Act<S>& hat,
                      const ColVec<S>& rstd, const LayerNormT<S>& ln, const Mat<S>& W, const Act<S>& y, Act<S>& g,
                      Act<S>& dx) {
        if (needsInputs()) ops::affine(hat, ln.weight, ln.bias, h_);  // the layer's input, for dW and a
        linear(module, h_, W, y, g, dh_);
        layerNormAffine(lnName, hat, ln, dh_, dHat_);
        site(lnSite, dHat_);
        ops::layerNormBackward(hat, rstd, dHat_, opt_.rules.layerNorm, dxLn_);
        dx += dxLn_;
    }
    void block(int l, Act<S>& dx);
    // Layer inputs matter only for weight gradients and per-token a.
    bool needsInputs() const { return opt_.parameters || opt_.layerIO; }
    void attention(int l, const BlockTape<S>& bt, Act<S>& dz, Act<S>& dqkv);

    const Gpt2WeightsT<S>& w_;
    const Masks<S>& masks_;
    const std::map<std::string, Mat<S>>& weightMasks_;
    const Tape<S>& tape_;
    const BackwardOptions<S>& opt_;
    ModelDims d_;
    BackwardResult<S>& out_;
    int64_t B_, T_;
    // scratch
    Act<S> h_, dh_, dHat_, dxLn_, g_;
};

template <class S>
void Backprop<S>::run(const Act<S>& dLogits) {
    const int64_t N = B_ * T_, D = d_.dModel;
    // ---- unembedding (LRP-0 = gradient): dL/d(ln_f output), and the head's gradient
    Act<S> dy = Act<S>::Zero(N, D);
    Mat<S> dHead;
    unembedding(dLogits, dy, dHead);
    layerNormAffine("ln_f", tape_.hatF, w_.lnF, dy, dHat_);
    site({SiteKind::LnFinalNormalized, -1}, dHat_);
    Act<S> dx;
    ops::layerNormBackward(tape_.hatF, tape_.rstdF, dHat_, opt_.rules.layerNorm, dx);

    for (int l = static_cast<int>(w_.blocks.size()) - 1; l >= tape_.resumeLayer; --l) block(l, dx);

    // A resumed run has no embedding: wte then only carries the (tied) unembedding's share.
    if (!opt_.parameters) {
        if (tape_.resumeLayer == 0) {
            Act<S> dEmbed = dx, dPos = dx;
            site({SiteKind::Embed, -1}, dEmbed);
            site({SiteKind::PosEmbed, -1}, dPos);
        }
        return;
    }
    Mat<S> dWte = w_.untiedLmHead ? Mat<S>::Zero(w_.wte.rows(), D) : std::move(dHead);  // tied: head's share first
    Mat<S> dWpe = Mat<S>::Zero(w_.wpe.rows(), D);
    if (w_.untiedLmHead) out_.parameters["lm_head.weight"] = std::move(dHead);
    if (tape_.resumeLayer == 0) {
        Act<S> dEmbed = dx, dPos = dx;
        site({SiteKind::Embed, -1}, dEmbed);
        site({SiteKind::PosEmbed, -1}, dPos);
        for (int64_t i = 0; i < N; ++i) {
            dWte.row(tape_.tokens.ids[static_cast<size_t>(i)]) += dEmbed.row(i);
            dWpe.row(i % T_) += dPos.row(i);
        }
    }
    out_.parameters["wte.weight"] = std::move(dWte);
    out_.parameters["wpe.weight"] = std::move(dWpe);
}

// logits = lnOut * head^T over the forward's logit rows. Metrics such as the logit difference
// touch a few entries of a few rows: only the nonzero rows and (when few) columns of dLogits
// enter the products, which is exact and saves two [rows, V] x [V, D] GEMMs.
template <class S>
void Backprop<S>::unembedding(const Act<S>& dLogits, Act<S>& dy, Mat<S>& dHead) {
    const auto& head = w_.lmHead();
    const int64_t V = head.rows(), D = d_.dModel;
    auto tokenRow = [&](int64_t r) { return tape_.logits == LogitRows::All ? r : r * T_ + T_ - 1; };
    std::vector<int64_t> rows, cols;
    std::vector<char> colUsed(static_cast<size_t>(V), 0);
    for (int64_t r = 0; r < dLogits.rows(); ++r) {
        bool any = false;
        for (int64_t v = 0; v < V; ++v)
            if (dLogits(r, v) != S(0)) {
                any = true;
                colUsed[static_cast<size_t>(v)] = 1;
            }
        if (any) rows.push_back(r);
    }
    for (int64_t v = 0; v < V; ++v)
        if (colUsed[static_cast<size_t>(v)]) cols.push_back(v);
    const bool sparseCols = static_cast<int64_t>(cols.size()) * 4 < V;
    const int64_t R = static_cast<int64_t>(rows.size());
    Act<S> g(R, sparseCols ? static_cast<int64_t>(cols.size()) : V), lnOut(R, D);
    for (int64_t i = 0; i < R; ++i) {
        if (sparseCols)
            for (size_t c = 0; c < cols.size(); ++c) g(i, static_cast<int64_t>(c)) = dLogits(rows[static_cast<size_t>(i)], cols[c]);
        else
            g.row(i) = dLogits.row(rows[static_cast<size_t>(i)]);
        const int64_t t = tokenRow(rows[static_cast<size_t>(i)]);
        lnOut.row(i) = (tape_.hatF.row(t).array() * w_.lnF.weight.transpose().array() + w_.lnF.bias.transpose().array()).matrix();
    }
    Act<S> dRows;
    if (sparseCols) {
        Mat<S> headCols(static_cast<int64_t>(cols.size()), D);
        for (size_t c = 0; c < cols.size(); ++c) headCols.row(static_cast<int64_t>(c)) = head.row(cols[c]);
        dRows.noalias() = g * headCols;
        if (opt_.parameters) {
            dHead = Mat<S>::Zero(V, D);
            const Mat<S> part = g.transpose() * lnOut;
            for (size_t c = 0; c < cols.size(); ++c) dHead.row(cols[c]) = part.row(static_cast<int64_t>(c));
        }
    } else {
        dRows.noalias() = g * head;
        if (opt_.parameters) dHead.noalias() = g.transpose() * lnOut;
    }
    for (int64_t i = 0; i < R; ++i) dy.row(tokenRow(rows[static_cast<size_t>(i)])) = dRows.row(i);
}

template <class S>
void Backprop<S>::block(int l, Act<S>& dx) {
    const auto& blk = w_.blocks[static_cast<size_t>(l)];
    const auto& bt = tape_.blocks[static_cast<size_t>(l)];
    const std::string p = "h." + std::to_string(l) + ".";
    // dx holds dL/d(resid_post[l]).
    site({SiteKind::ResidPost, l}, dx);

    // ---- MLP: x_post = x_mid + c_proj(act(c_fc(ln_2(x_mid))))
    g_ = dx;
    site({SiteKind::MlpOut, l}, g_);
    linear(p + "mlp.c_proj", bt.mlpPost, blk.mlpProjW, bt.mlpOut, g_, dh_);
    site({SiteKind::MlpPost, l}, dh_);
    if (masks_.neurons.size()) dh_.array().rowwise() *= masks_.neurons.row(l).array();
    ops::geluBackward(bt.mlpPre, dh_, opt_.rules.geluIdentity, g_);
    site({SiteKind::MlpPre, l}, g_);
    normedLinear(p + "mlp.c_fc", p + "ln_2", {SiteKind::Ln2Normalized, l}, bt.hat2, bt.rstd2, blk.ln2, blk.fcW, bt.mlpPre, g_, dx);
    site({SiteKind::ResidMid, l}, dx);

    // ---- attention: x_mid = x_pre + c_proj(attn(c_attn(ln_1(x_pre))))
    g_ = dx;
    site({SiteKind::AttnOut, l}, g_);
    Act<S> dz, dqkv;
    linear(p + "attn.c_proj", bt.z, blk.attnProjW, bt.attnOut, g_, dz);
    site({SiteKind::Z, l}, dz);
    attention(l, bt, dz, dqkv);
    const int64_t D = d_.dModel;
    site({SiteKind::Q, l}, dqkv.middleCols(0, D));
    site({SiteKind::K, l}, dqkv.middleCols(D, D));
    site({SiteKind::V, l}, dqkv.middleCols(2 * D, D));
    normedLinear(p + "attn.c_attn", p + "ln_1", {SiteKind::Ln1Normalized, l}, bt.hat1, bt.rstd1, blk.ln1, blk.attnW, bt.qkv, dqkv, dx);
    site({SiteKind::ResidPre, l}, dx);
}

// dz [N, D] -> dqkv [N, 3D] through z_h = P_h V_h, P_h = m_h softmax(Q_h K_h^T / sqrt(dh)).
template <class S>
void Backprop<S>::attention(int l, const BlockTape<S>& bt, Act<S>& dz, Act<S>& dqkv) {
    const int64_t B = B_, T = T_, H = d_.nHead, dh = d_.headDim, D = d_.dModel;
    const auto rule = opt_.rules.attention;
    const bool patternPatched = bt.patternPatched.size() > 0;
    const bool wantPattern = [&] {
        for (const auto& s : opt_.sites)
            if (s == Site{SiteKind::Pattern, l}) return true;
        for (const auto& p : tape_.patches)
            if (p.site == Site{SiteKind::Pattern, l}) return true;
        return false;
    }();
    const S scale = static_cast<S>(1.0 / std::sqrt(static_cast<double>(dh)));
    dqkv.setZero(B * T, 3 * D);
    Act<S> used(T, T), dP(T, T), dPattern;
    ColVec<S> rowDot(T);
    if (wantPattern) dPattern.setZero(B * H * T, T);

    // Pass 1: dV and dP (the gradient at the pattern as used).
    for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < H; ++h) {
            const int64_t r0 = (b * H + h) * T;
            const S m = masks_.heads.size() ? masks_.heads(l, h) : S(1);
            if (patternPatched)
                used = bt.patternPatched.middleRows(r0, T);
            else
                used = m * bt.patternRaw.middleRows(r0, T);
            const auto dzh = dz.block(b * T, h * dh, T, dh);
            dqkv.block(b * T, 2 * D + h * dh, T, dh).noalias() = used.transpose() * dzh;
            // Under the AH-rule the pattern still receives its gradient; it stops there.
            if (wantPattern) dPattern.middleRows(r0, T).noalias() = dzh * bt.qkv.block(b * T, 2 * D + h * dh, T, dh).transpose();
        }
    if (rule == AttentionRule::AhRule) {
        if (wantPattern) site({SiteKind::Pattern, l}, dPattern);
        return;
    }
    if (wantPattern) site({SiteKind::Pattern, l}, dPattern);

    // Pass 2: softmax and QK^T backward.
    for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < H; ++h) {
            const int64_t r0 = (b * H + h) * T;
            const S m = masks_.heads.size() ? masks_.heads(l, h) : S(1);
            if (wantPattern)
                dP = dPattern.middleRows(r0, T);
            else
                dP.noalias() = dz.block(b * T, h * dh, T, dh) * bt.qkv.block(b * T, 2 * D + h * dh, T, dh).transpose();
            dP *= m;  // through the head mask
            const auto A = bt.patternRaw.middleRows(r0, T);
            // softmax: dS = A * (dA - rowsum(dA * A)); masked entries have A = 0.
            rowDot = (dP.array() * A.array()).rowwise().sum();
            dP = (A.array() * (dP.array().colwise() - rowDot.array())).matrix() * scale;
            dqkv.block(b * T, h * dh, T, dh).noalias() = dP * bt.qkv.block(b * T, D + h * dh, T, dh);
            dqkv.block(b * T, D + h * dh, T, dh).noalias() = dP.transpose() * bt.qkv.block(b * T, h * dh, T, dh);
        }
    if (rule == AttentionRule::AttnLrp) {
        dqkv.leftCols(2 * D) *= S(0.25);
        dqkv.middleCols(2 * D, D) *= S(0.5);
    }
}

}  // namespace

template <class S>
BackwardResult<S> Gpt2Model<S>::backward(const ForwardResult<S>& run, const Act<S>& dLogits,
                                         const BackwardOptions<S>& options) const {
    if (!run.tape) throw std::invalid_argument("backward needs a forward pass run with keepTape");
    const Tape<S>& tape = *run.tape;
    if (tape.logits == LogitRows::None) throw std::invalid_argument("backward needs a forward pass that computed logits");
    if (dLogits.rows() != run.logits.rows() || dLogits.cols() != run.logits.cols())
        throw std::invalid_argument("dLogits must have the logits' shape [" + std::to_string(run.logits.rows()) + ", " +
                                    std::to_string(run.logits.cols()) + "]");
    for (const auto& s : options.sites)
        if (s.perLayer() ? (s.layer < tape.resumeLayer || s.layer >= nLayer())
                         : (tape.resumeLayer > 0 && s.kind != SiteKind::LnFinalNormalized))
            throw std::invalid_argument("site " + s.name() + " is not part of this run");
    BackwardResult<S> out;
    Backprop<S>(w_, masks_, weightMasks_, tape, options, dims(), out).run(dLogits);
    return out;
}

template BackwardResult<float> Gpt2Model<float>::backward(const ForwardResult<float>&, const Act<float>&,
                                                          const BackwardOptions<float>&) const;
template BackwardResult<double> Gpt2Model<double>::backward(const ForwardResult<double>&, const Act<double>&,
                                                            const BackwardOptions<double>&) const;

}  // namespace scalpel::engine
