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

struct LayerNormWeights {
    Eigen::VectorXf weight, bias;  // [D]
};

enum class Qkv { Q = 0, K = 1, V = 2 };

struct Gpt2Block {
    LayerNormWeights ln1, ln2;
    Eigen::MatrixXf attnW;      // attn.c_attn.weight [D, 3D], output columns [q | k | v]
    Eigen::VectorXf attnB;      // [3D]
    Eigen::MatrixXf attnProjW;  // attn.c_proj.weight [D, D]
    Eigen::VectorXf attnProjB;  // [D]
    Eigen::MatrixXf fcW;        // mlp.c_fc.weight [D, I]
    Eigen::VectorXf fcB;        // [I]
    Eigen::MatrixXf mlpProjW;   // mlp.c_proj.weight [I, D]
    Eigen::VectorXf mlpProjB;   // [D]
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

struct Gpt2Weights {
    HfConfig config;
    Eigen::MatrixXf wte;  // [V, D]
    Eigen::MatrixXf wpe;  // [P, D]
    std::vector<Gpt2Block> blocks;
    LayerNormWeights lnF;
    // Set only when the file has an lm_head.weight that differs from wte (then a warning too).
    std::optional<Eigen::MatrixXf> untiedLmHead;  // [V, D]
    std::string format;                           // of the weights file ("safetensors", ...)
    std::vector<std::string> warnings;

    // logits = h * lmHead().transpose()
    const Eigen::MatrixXf& lmHead() const { return untiedLmHead ? *untiedLmHead : wte; }
};

// folderOrFile: a checkpoint folder, or one weights file with config.json in its folder.
// Errors name the tensor with expected and found shapes, or the inconsistent config field.
Result<Gpt2Weights> loadGpt2(const std::string& folderOrFile);

}  // namespace scalpel::engine
