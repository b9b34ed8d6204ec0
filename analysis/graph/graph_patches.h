#pragma once
// Activation patches of graph models resolved for one forward (graph_model.h: GraphPatch).
#include <map>
#include <vector>

#include "analysis/graph/graph_model.h"

namespace scalpel::graph {

struct PatchPlan {
    std::map<int, std::vector<GraphPatch>> byValue;  // value id -> its patches, in the order given
};

// Overwrites the patched entries of `t` with the patch values (forward) or with zero (backward:
// no gradient flows upstream through them). Throws GraphError when shapes or indices do not fit.
void applyPatches(Tensor& t, const std::vector<GraphPatch>& patches, bool zero);

}  // namespace scalpel::graph
