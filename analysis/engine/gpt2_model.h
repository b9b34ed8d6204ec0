#pragma once
// The GPT-2 engine (relp.md §0): forward with hook sites, caching, activation patching and
// masks; backward of any scalar metric to every hook site and parameter, with per-token
// layer inputs a and output gradients g; and the LRP backward from the same layer code.
//
// Scalar S is float (the default compute type) or double (validation). Activations are
// row-major [rows, features] matrices laid out as hook_site.h describes; weights keep the
// Hugging Face Conv1D layout [in, out].
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "analysis/common/progress.h"
#include "analysis/engine/gpt2_weights.h"
#include "analysis/engine/hook_site.h"
#include "analysis/engine/lrp_rules.h"

namespace scalpel::engine {

template <class S>
using Act = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Token ids, row-major [batch, seq].
struct TokenBatch {
    int64_t batch = 0, seq = 0;
    std::vector<int32_t> ids;
    int32_t at(int64_t b, int64_t t) const { return ids[static_cast<size_t>(b * seq + t)]; }
};

// Replaces (part of) a site's value during the forward pass; everything downstream sees the
// new value and the backward sends no gradient upstream through the replaced entries.
template <class S>
struct Patch {
    Site site;
    std::vector<int64_t> positions;  // empty = every position (the query position for hook_pattern)
    std::vector<int64_t> heads;      // empty = every head; only for q, k, v, z, pattern
    std::vector<int64_t> batch;      // empty = every batch row
    const Act<S>* source = nullptr;  // same layout and size as the site; nullptr = `constant`
    S constant = 0;
};

// Multiplicative masks for pruning. Empty matrices mean "no mask".
template <class S>
struct Masks {
    Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic> heads;    // [L, H], multiplies the pattern
    Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic> neurons;  // [L, I], multiplies mlp.hook_post
};

enum class LogitRows {
    All,   // logits [B*T, V]
    Last,  // logits [B, V] at the last position of each row
    None,  // no unembedding
};

template <class S>
struct ForwardOptions {
    std::vector<Site> cache;          // sites whose values to return
    std::vector<Patch<S>> patches;
    LogitRows logits = LogitRows::All;
    bool keepTape = false;            // keep what backward() needs
    // Resume from a cached blocks.{resumeLayer}.hook_resid_pre (e.g. of the base run), so that a
    // patch at layer l recomputes only layers >= l. Sites below resumeLayer are unavailable.
    int resumeLayer = 0;
    const Act<S>* resumeResid = nullptr;
    const ProgressToken* progress = nullptr;  // checked between blocks (cancel)
};

template <class S>
struct Tape;  // gpt2_tape.h: what the backward pass reads

template <class S>
struct ForwardResult {
    int64_t batch = 0, seq = 0;
    Act<S> logits;
    std::map<Site, Act<S>> cache;
    std::shared_ptr<const Tape<S>> tape;  // set when keepTape
};

template <class S>
struct BackwardOptions {
    LrpRules rules;
    std::vector<Site> sites;   // sites whose gradient (LRP coefficient) to return
    bool parameters = false;   // gradients of every parameter (Hugging Face names and layouts)
    bool layerIO = false;      // per-token a and g of every Conv1D layer
};

// Input activations and output gradients of one Conv1D layer, rows b*T + t:
// the layer's weight gradient is a^T g, example b's is a_b^T g_b.
template <class S>
struct LayerIO {
    Act<S> a;  // [B*T, in]
    Act<S> g;  // [B*T, out]
};

template <class S>
struct BackwardResult {
    std::map<Site, Act<S>> sites;
    // Hugging Face names ("h.0.attn.c_attn.weight", "wte.weight", ...); vectors as [n, 1].
    std::map<std::string, Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>> parameters;
    // Module names ("h.0.attn.c_attn", "h.0.attn.c_proj", "h.0.mlp.c_fc", "h.0.mlp.c_proj").
    std::map<std::string, LayerIO<S>> layers;
};

template <class S>
class Gpt2Model {
public:
    using Matrix = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;

    explicit Gpt2Model(Gpt2WeightsT<S> weights);

    const Gpt2WeightsT<S>& weights() const { return w_; }
    int nLayer() const { return static_cast<int>(w_.blocks.size()); }
    ModelDims dims() const;

    // Head and neuron masks apply to every later run.
    void setMasks(Masks<S> masks);
    // Multiplies one weight (Hugging Face name, e.g. "h.0.mlp.c_fc.weight") elementwise by
    // `mask`; parameter gradients are then those of the unmasked weight. Throws on an unknown
    // name or a shape mismatch.
    void setWeightMask(const std::string& name, const Matrix& mask);

    // Throws std::invalid_argument naming the problem (token id, length, patch) on bad input.
    ForwardResult<S> forward(const TokenBatch& tokens, const ForwardOptions<S>& options = {}) const;

    // Backward of a scalar metric given dMetric/dLogits (same shape as the forward's logits).
    // The forward must have kept its tape.
    BackwardResult<S> backward(const ForwardResult<S>& run, const Act<S>& dLogits,
                               const BackwardOptions<S>& options) const;

private:
    Gpt2WeightsT<S> w_;
    Masks<S> masks_;
    std::map<std::string, Matrix> weightMasks_;
    std::map<std::string, Matrix> unmasked_;  // originals of masked weights
};

extern template class Gpt2Model<float>;
extern template class Gpt2Model<double>;

// Gradient of one example's share of a layer's weight from its a and g: a_b^T g_b [in, out].
template <class S>
Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic> exampleWeightGradient(const LayerIO<S>& io, int64_t b, int64_t seq) {
    return io.a.middleRows(b * seq, seq).transpose() * io.g.middleRows(b * seq, seq);
}

}  // namespace scalpel::engine
