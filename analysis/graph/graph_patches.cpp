#include "analysis/graph/graph_patches.h"

namespace scalpel::graph {

namespace {

// Calls f(offset, count) for every contiguous run of patched entries.
template <typename F>
void forPatched(const Tensor& t, const GraphPatch& p, F f) {
    const int64_t B = t.rank() >= 1 ? t.dim(0) : 1, C = t.rank() >= 2 ? t.dim(1) : 1;
    int64_t inner = 1;
    for (int64_t d = 2; d < t.rank(); ++d) inner *= t.dim(d);
    auto check = [&](const std::vector<int64_t>& idx, int64_t n, const char* what) {
        for (int64_t i : idx)
            if (i < 0 || i >= n)
                throw GraphError("patch of '" + p.site + "': " + what + " " + std::to_string(i) + " is out of range (0.." +
                                 std::to_string(n - 1) + ")");
    };
    check(p.rows, B, "row");
    if (t.rank() < 2 && !p.channels.empty()) throw GraphError("patch of '" + p.site + "': the site has no channel dimension");
    check(p.channels, C, "channel");
    std::vector<int64_t> rows = p.rows, channels = p.channels;
    if (rows.empty())
        for (int64_t b = 0; b < B; ++b) rows.push_back(b);
    if (channels.empty()) {
        for (int64_t b : rows) f(b * C * inner, C * inner);
        return;
    }
    for (int64_t b : rows)
        for (int64_t c : channels) f((b * C + c) * inner, inner);
}

}  // namespace

void applyPatches(Tensor& t, const std::vector<GraphPatch>& patches, bool zero) {
    for (const auto& p : patches) {
        if (p.value.shape != t.shape)
            throw GraphError("patch of '" + p.site + "': value of shape " + p.value.shapeString() + ", the site is " + t.shapeString());
        forPatched(t, p, [&](int64_t at, int64_t n) {
            float* d = t.data.data() + at;
            if (zero)
                std::fill(d, d + n, 0.0f);
            else
                std::copy(p.value.data.begin() + at, p.value.data.begin() + at + n, d);
        });
    }
}

std::shared_ptr<const PatchPlan> GraphModel::resolvePatches(const std::vector<GraphPatch>& patches) const {
    if (patches.empty()) return nullptr;
    auto plan = std::make_shared<PatchPlan>();
    for (const auto& p : patches) {
        int v = -1;
        for (int id : inputs_)
            if (values_[static_cast<size_t>(id)].name == p.site) v = id;
        for (const auto& n : nodes_)
            if (n.name == p.site) v = n.output;
        if (v < 0) throw GraphError("patch of '" + p.site + "': no such site");
        plan->byValue[v].push_back(p);
    }
    return plan;
}

}  // namespace scalpel::graph
