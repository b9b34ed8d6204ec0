#pragma once
// GPT-2 family weights (formats.md §4) as plain float32 Eigen matrices, read from a Hugging
// Face folder (config.json + model.safetensors / sharded index / pytorch_model.bin) or from a
// weights file with config.json beside it. Loading only; the forward pass lives elsewhere.
//
// Layout: Conv1D weights are kept as stored, [in, out], so a row-vector activation x [T, in]
// maps as y = x * W + b.transpose(). Embeddings are [rows = token/position, D].
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "data/hf_config.h"
#include "data/result.h"

namespace scalpel::engine {

// Templated on the scalar so that the engine can also run in float64 for validation; the
// loader always produces float32 (castWeights converts).
template <class S>
struct LayerNormT {
    Eigen::Matrix<S, Eigen::Dynamic, 1> weight, bias;  // [D]
};

enum class Qkv { Q = 0, K = 1, V = 2 };

template <class S>
struct Gpt2BlockT {
    using Matrix = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
    using Vector = Eigen::Matrix<S, Eigen::Dynamic, 1>;
    LayerNormT<S> ln1, ln2;
    Matrix attnW;      // attn.c_attn.weight [D, 3D], output columns [q | k | v]
    Vector attnB;      // [3D]
    Matrix attnProjW;  // attn.c_proj.weight [D, D]
    Vector attnProjB;  // [D]
    Matrix fcW;        // mlp.c_fc.weight [D, I]
    Vector fcB;        // [I]
    Matrix mlpProjW;   // mlp.c_proj.weight [I, D]
    Vector mlpProjB;   // [D]
    int64_t nHead = 0;
    int64_t headDim = 0;

    int64_t dModel() const { return attnW.rows(); }
    // The q, k or v third of c_attn: columns [part * D, (part + 1) * D).
    auto qkvWeight(Qkv part) const { return attnW.middleCols(static_cast<int64_t>(part) * dModel(), dModel()); }
    auto qkvBias(Qkv part) const { return attnB.segment(static_cast<int64_t>(part) * dModel(), dModel()); }
    // Head h within that third: columns h * headDim ... h * headDim + headDim - 1.
    auto headWeight(Qkv part, int64_t h) const {
        return attnW.middleCols(static_cast<int64_t>(part) * dModel() + h * headDim, headDim);
    }
    auto headBias(Qkv part, int64_t h) const {
        return attnB.segment(static_cast<int64_t>(part) * dModel() + h * headDim, headDim);
    }
    // Rows of c_proj that read head h's output: [headDim, D].
    auto headOutput(int64_t h) const { return attnProjW.middleRows(h * headDim, headDim); }
};

template <class S>
struct Gpt2WeightsT {
    using Matrix = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
    HfConfig config;
    Matrix wte;  // [V, D]
    Matrix wpe;  // [P, D]
    std::vector<Gpt2BlockT<S>> blocks;
    LayerNormT<S> lnF;
    // Set only when the file has an lm_head.weight that differs from wte (then a warning too).
    std::optional<Matrix> untiedLmHead;  // [V, D]
    std::string format;                           // of the weights file ("safetensors", ...)
    std::vector<std::string> warnings;

    // logits = h * lmHead().transpose()
    const Matrix& lmHead() const { return untiedLmHead ? *untiedLmHead : wte; }
};

using LayerNormWeights = LayerNormT<float>;
using Gpt2Block = Gpt2BlockT<float>;
using Gpt2Weights = Gpt2WeightsT<float>;

// The same weights in another scalar type (float32 -> float64 is exact).
template <class T, class S>
Gpt2WeightsT<T> castWeights(const Gpt2WeightsT<S>& w) {
    auto ln = [](const LayerNormT<S>& n) { return LayerNormT<T>{n.weight.template cast<T>(), n.bias.template cast<T>()}; };
    Gpt2WeightsT<T> out;
    out.config = w.config;
    out.wte = w.wte.template cast<T>();
    out.wpe = w.wpe.template cast<T>();
    for (const auto& b : w.blocks) {
        Gpt2BlockT<T> c;
        c.ln1 = ln(b.ln1);
        c.ln2 = ln(b.ln2);
        c.attnW = b.attnW.template cast<T>();
        c.attnB = b.attnB.template cast<T>();
        c.attnProjW = b.attnProjW.template cast<T>();
        c.attnProjB = b.attnProjB.template cast<T>();
        c.fcW = b.fcW.template cast<T>();
        c.fcB = b.fcB.template cast<T>();
        c.mlpProjW = b.mlpProjW.template cast<T>();
        c.mlpProjB = b.mlpProjB.template cast<T>();
        c.nHead = b.nHead;
        c.headDim = b.headDim;
        out.blocks.push_back(std::move(c));
    }
    out.lnF = ln(w.lnF);
    if (w.untiedLmHead) out.untiedLmHead = w.untiedLmHead->template cast<T>();
    out.format = w.format;
    out.warnings = w.warnings;
    return out;
}

// folderOrFile: a checkpoint folder, or one weights file with config.json in its folder.
// Errors name the tensor with expected and found shapes, or the inconsistent config field.
Result<Gpt2Weights> loadGpt2(const std::string& folderOrFile);

}  // namespace scalpel::engine
