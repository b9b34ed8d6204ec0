#pragma once
// Per-example layer inputs `a` and output gradients `g` of the Dense and Conv layers of a graph
// model: the factors EK-FAC needs (../shared/specs/influence.md §2-3). Each layer computes
// s = W ā at P positions per example:
//   Gemm (A·Bᵀ or A·B, constant weight): P = 1, a = the input row;
//   Conv (group 1, constant weight): P = output pixels, a = the im2col patch of that pixel,
//     features ordered (input channel, kernel row, kernel column) like the weight's [out, in, kh, kw];
//   MatMul by a constant [K, N] weight: P = the product of the input's middle dims, no bias.
// ā = [a, 1] when the layer has a bias (for Gemm: [alpha·a, beta]), so the per-example gradient
// in Linear orientation [d_out, d'] = [∂W | ∂b] is Γ_n = Σ_t g_{n,t} ā_{n,t}ᵀ, the gradient of
// example n's share of the metric (exampleGradient). g is ∂metric/∂s, so for a sum over examples
// of per-example losses (eval-mode models: examples do not interact) one backward gives every
// example's g.
//
// Under masks (graph_masks.h) ā is the layer's actual (masked) input and g the gradient at the
// layer's output before its unit mask, i.e. of the effective weight; a weight mask is not applied
// to Γ (multiply by it for the stored weight's gradient).
#include <string>
#include <vector>

#include "analysis/graph/graph_model.h"

namespace scalpel::graph {

struct LayerIO {
    std::string layer;   // node name
    std::string op;      // "Gemm", "Conv", "MatMul"
    std::string weight;  // constant names (bias empty when none)
    std::string bias;
    bool hasBias = false;
    Tensor a;  // [B, P, d'] with d' = d_in (+1 with a bias)
    Tensor g;  // [B, P, d_out]
};

struct LayerIOOptions {
    std::vector<std::string> layers;  // node names; empty = every supported layer
};

struct LayerIOResult {
    std::vector<LayerIO> layers;       // forward order
    std::vector<std::string> skipped;  // "name (op): reason" of Gemm/Conv/MatMul nodes not covered
};

// Runs backward(run, dOutputs) for the layers' output gradients and reads their inputs from the
// run's tape (the forward must have kept it). Throws GraphError (unknown or unsupported layer
// named in options.layers, no tape).
LayerIOResult layerIO(const GraphModel& model, const ForwardResult& run, const std::vector<Tensor>& dOutputs,
                      const LayerIOOptions& options = {});

// Γ_b = Σ_t g_{b,t} ā_{b,t}ᵀ: [d_out, d'], accumulated in double.
Tensor exampleGradient(const LayerIO& io, int64_t b);

}  // namespace scalpel::graph
