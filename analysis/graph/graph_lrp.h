#pragma once
// Layer-wise relevance propagation (LRP) for graph models (ONNX and Keras classifiers), the
// zennit-style rules and composites of specs/relp.md §9 (docs/graph_models.md "LRP").
//
// Relevance starts at the explained logits (the graph's first output, or the input of a final
// Softmax/LogSoftmax node, which is skipped) as one-hot(target) × logit, and flows backward node by
// node: linear layers (Gemm, Conv, MatMul with a constant weight) by the rule the composite gives
// them, each as zennit's BasicHook pattern (terms z_t = layer_ρt(ι_t(x)), s = R / stab(Σ z_t),
// R_in = Σ ι_t(x) ⊙ J_ρtᵀ s); activations and unmerged BatchNorm pass relevance through; Add/Sub/Sum
// and average pools share it in proportion to their inputs (Norm); MaxPool and the shape operators
// move it with the data (the gradient). BatchNorm directly after a Conv/Gemm whose output nothing
// else reads is merged into that layer first (w' = wγ/σ, b' = (b − μ)γ/σ + β).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analysis/graph/graph_model.h"

namespace scalpel::graph {

enum class LrpRuleKind : uint8_t { Epsilon, ZPlus, AlphaBeta, Gamma, Flat, WSquare, ZBox, Pass, Norm, Half, Gradient };

struct LrpRule {
    LrpRuleKind kind = LrpRuleKind::Pass;
    double epsilon = 1e-6;          // Epsilon (0 = LRP-0)
    double alpha = 2.0, beta = 1.0; // AlphaBeta, alpha - beta = 1
    double gamma = 0.25;            // Gamma
    std::string describe() const;   // "epsilon(1e-06)", "zplus", "alphabeta(2,1)", ...
};

struct LrpOptions {
    // A composite (EpsilonPlus, EpsilonPlusFlat, EpsilonAlpha2Beta1, EpsilonAlpha2Beta1Flat,
    // EpsilonGammaBox; zennit's snake_case names too) or one rule for every linear layer (epsilon,
    // zplus, alpha2beta1, alpha1beta0, alphabeta, gamma, flat, wsquare). Case-insensitive.
    std::string rule = "EpsilonPlus";
    double epsilon = 1e-6;          // dense layers of the composites, the "epsilon" rule
    double gamma = 0.25;            // conv layers of EpsilonGammaBox, the "gamma" rule
    double alpha = 2.0, beta = 1.0; // the "alphabeta" rule (alpha - beta must be 1)
    // z^B bounds of the first conv's input (EpsilonGammaBox): a scalar, one value per channel ([C])
    // or a whole example in that input's layout (NCHW). Unset: the smallest / largest value of the
    // batch at that input.
    std::optional<Tensor> low, high;
    // Stabiliser of every rule but ε (z⁺, αβ, γ, flat, w², z^B and Norm): zennit's default 1e-6.
    double stabilizer = 1e-6;
    bool foldBatchNorm = true;
    std::vector<std::string> sites;  // also return the relevance at these sites
    const ProgressToken* progress = nullptr;
};

struct LrpResult {
    std::vector<Tensor> inputs;             // relevance at each graph input, the input's shape
    std::map<std::string, Tensor> sites;    // relevance at each requested site
    Tensor logits;                          // [B, K] the explained (pre-softmax) output
    std::string logitsSite;                 // the site of the explained output
    bool skippedSoftmax = false;            // a final Softmax/LogSoftmax was skipped
    std::vector<int64_t> targets;           // [B] the explained class per example
    std::string rule;                       // canonical composite / rule name
    std::map<std::string, std::string> nodeRules;  // node name -> applied rule (describe())
    std::vector<std::string> mergedBatchNorms;     // BatchNorm nodes merged into their conv/dense
};

// Every accepted composite and single-rule name (canonical spelling).
std::vector<std::string> lrpRuleNames();
// Canonical name of a composite or rule; throws GraphError naming an unknown one.
std::string canonicalLrpRule(const std::string& name);

// Relevance of `targets` (one per example; -1 = the example's largest logit) at the inputs.
// Throws GraphError (unknown rule, a node without an LRP rule, bad targets, shapes) or Cancelled.
LrpResult explainLrp(const GraphModel& model, const std::vector<Tensor>& inputs, const std::vector<int64_t>& targets,
                     const LrpOptions& options);

}  // namespace scalpel::graph
