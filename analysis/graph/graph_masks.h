#pragma once
// Pruning masks for graph models (../shared/specs/pruning.md §1) and the channel groups that
// couple them.
//
// Units are the output channels of the layers that own weights: Conv filters, Gemm output
// neurons and the output columns of a MatMul by a constant weight. A unit mask keeps (1) or prunes
// (0) units. Channels tied through operators that keep the channel axis (activations, BatchNorm,
// pools, residual Add/Sub/Mul/Sum, Concat) form one group, and pruning one member of a group prunes
// the whole group: a residual stage's convolutions lose the same channel together (Torch-Pruning's
// dependency groups). Pruning makes the channel exactly 0 in every tensor that depends on it: the
// mask multiplies the outputs of the group's layers (zeroed out-slice and bias), of its
// BatchNormalizations (the spec's "zero that channel's γ and β": BN of a zero input is not zero)
// and of bias Adds/Subs with a constant operand; the ReLUs, pools and residual sums downstream are
// then 0 by themselves. Forward values and gradients are those of a model with those parameters
// zeroed, except that pruned parameters get zero gradient. With linear or conv consumers this
// equals removing the channel. A graph input tied into a group is not masked (it is no parameter).
//
// Weight masks multiply a weight constant (any constant a Gemm, Conv or MatMul reads)
// elementwise. Gradients follow torch's `weight * mask` convention: the parameter gradient of a
// masked weight is the gradient of the effective weight times the mask (pruned entries get 0),
// like the GPT-2 engine's setWeightMask.
//
// Use: resolveMasks() once per model and mask set (it runs one batch-of-one forward for the
// shapes), then ForwardOptions::masks = the plan; forward() applies it, and backward() of that
// run respects it (it reads the plan from the run). Hook sites return the masked values; the
// gradient at a site is the gradient with respect to that (masked) value.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "analysis/graph/graph_model.h"

namespace scalpel::graph {

struct GraphMasks {
    // Node name (Conv, Gemm, or MatMul with a constant weight) -> one entry per output channel,
    // 0 (prune) or 1 (keep).
    std::map<std::string, std::vector<float>> units;
    // Constant name (a weight read by Gemm, Conv or MatMul) -> elementwise multiplier, the
    // constant's shape (IR layout).
    std::map<std::string, Tensor> weights;
};

// One (site, channel) pair: a unit when the site is a prunable layer.
struct ChannelRef {
    std::string site;
    int64_t channel = 0;
    bool operator==(const ChannelRef&) const = default;
};

// Channels that must be pruned together.
struct ChannelGroup {
    std::vector<ChannelRef> units;    // prunable units in the group (forward order, then channel)
    std::vector<ChannelRef> tensors;  // every site channel tied to them, units included
};

struct ChannelGroups {
    std::vector<ChannelGroup> groups;  // ordered by their first unit (layer order, channel)
    // Prunable layers (node name -> output channels), forward order.
    std::vector<std::pair<std::string, int64_t>> layers;
    // Sets of layers whose channels are coupled (at least one shared group), each in forward
    // order; a layer coupled to nothing is a set of one. Forward order of the first member.
    std::vector<std::vector<std::string>> coupledLayers;
    // Group index of each unit: unitGroup.at(layer)[channel].
    std::map<std::string, std::vector<int>> unitGroup;
};

// The channel groups of a model (one batch-of-one forward for the shapes). Throws GraphError.
ChannelGroups channelGroups(const GraphModel& model);

// What forward()/backward() apply, by value id. Built by resolveMasks().
struct MaskPlan {
    size_t valueCount = 0;  // of the model it was resolved for
    struct Channels {
        int64_t axis = 1;
        std::vector<float> keep;  // 0/1 per channel
    };
    std::map<int, Channels> channels;  // value id -> channel mask applied to that value
    std::map<int, Tensor> weightMask;  // constant value id -> mask
    std::map<int, Tensor> masked;      // constant value id -> constant ⊙ mask
    // Unit masks after group expansion (node name -> 0/1 per channel), for display and tests.
    std::map<std::string, std::vector<float>> expandedUnits;
};

// Validates the masks against the model (unknown or non-prunable names, lengths, shapes, values
// other than 0/1 in unit masks throw GraphError naming the problem) and expands unit masks to
// their groups. `groups` may be passed when already computed for this model.
std::shared_ptr<const MaskPlan> resolveMasks(const GraphModel& model, const GraphMasks& masks,
                                             const ChannelGroups* groups = nullptr);

// Multiplies `t` in place by the channel mask along its axis (used by forward and backward).
void applyChannelMask(Tensor& t, const MaskPlan::Channels& c);

}  // namespace scalpel::graph
