#include "analysis/graph/graph_masks.h"

#include <algorithm>
#include <numeric>
#include <set>

namespace scalpel::graph {

namespace {

struct Dsu {
    std::vector<int64_t> parent;
    int64_t add(int64_t n) {
        const int64_t b = static_cast<int64_t>(parent.size());
        for (int64_t i = 0; i < n; ++i) parent.push_back(b + i);
        return b;
    }
    int64_t find(int64_t x) {
        while (parent[static_cast<size_t>(x)] != x) {
            parent[static_cast<size_t>(x)] = parent[static_cast<size_t>(parent[static_cast<size_t>(x)])];
            x = parent[static_cast<size_t>(x)];
        }
        return x;
    }
    void unite(int64_t a, int64_t b) {
        a = find(a), b = find(b);
        if (a != b) parent[static_cast<size_t>(std::max(a, b))] = std::min(a, b);
    }
};

bool channelWiseUnary(Op op) {
    switch (op) {
        case Op::Relu: case Op::LeakyRelu: case Op::Clip: case Op::Tanh: case Op::Sigmoid: case Op::Erf:
        case Op::Gelu: case Op::Identity: case Op::BatchNorm: case Op::MaxPool: case Op::AveragePool:
        case Op::GlobalAveragePool: case Op::Pad:
            return true;
        default:
            return false;
    }
}

bool isConstant(const GraphModel& m, int v) {
    return v >= 0 && m.values()[static_cast<size_t>(v)].kind == Value::Kind::Constant;
}

// Prunable layer: Conv, Gemm or MatMul whose weight (input 1) is a constant; Gemm/MatMul need a
// rank-2 weight.
bool prunable(const GraphModel& m, const Node& n) {
    if (n.inputs.size() < 2 || !isConstant(m, n.inputs[1])) return false;
    if (n.op == Op::Conv) return true;
    if (n.op == Op::Gemm || n.op == Op::MatMul) return m.values()[static_cast<size_t>(n.inputs[1])].constant.rank() == 2;
    return false;
}

// Per value: the channel axis (-1: none) and the first DSU element of its channels.
struct ChannelMap {
    std::vector<int64_t> axis, base, count;
    Dsu dsu;
    std::vector<std::vector<int64_t>> shapes;
};

ChannelMap mapChannels(const GraphModel& m) {
    std::vector<Tensor> zeros;
    for (auto& s : m.inputShapes(1)) zeros.emplace_back(s);
    ForwardOptions fo;
    fo.keepTape = true;
    const auto run = m.forward(zeros, fo);
    const auto& vals = m.values();
    const size_t nv = vals.size();
    ChannelMap cm;
    cm.axis.assign(nv, -1);
    cm.base.assign(nv, -1);
    cm.count.assign(nv, 0);
    cm.shapes.resize(nv);
    for (size_t v = 0; v < nv; ++v)
        cm.shapes[v] = vals[v].kind == Value::Kind::Constant ? vals[v].constant.shape : (*run.tape)[v].shape;
    auto setAxis = [&](int v, int64_t a) {
        const auto& s = cm.shapes[static_cast<size_t>(v)];
        if (a < 0 || a >= static_cast<int64_t>(s.size())) return false;
        cm.axis[static_cast<size_t>(v)] = a;
        cm.count[static_cast<size_t>(v)] = s[static_cast<size_t>(a)];
        cm.base[static_cast<size_t>(v)] = cm.dsu.add(s[static_cast<size_t>(a)]);
        return true;
    };
    auto tie = [&](int o, int in, int64_t offset) {
        for (int64_t c = 0; c < cm.count[static_cast<size_t>(in)]; ++c)
            cm.dsu.unite(cm.base[static_cast<size_t>(o)] + offset + c, cm.base[static_cast<size_t>(in)] + c);
    };
    for (int v : m.inputs())
        if (cm.shapes[static_cast<size_t>(v)].size() >= 2) setAxis(v, 1);
    for (const Node& n : m.nodes()) {
        const int o = n.output;
        const auto& os = cm.shapes[static_cast<size_t>(o)];
        const int64_t r = static_cast<int64_t>(os.size());
        auto computedWithAxis = [&](int v) { return v >= 0 && !isConstant(m, v) && cm.axis[static_cast<size_t>(v)] >= 0; };
        if (n.op == Op::Conv || n.op == Op::Gemm) {
            setAxis(o, 1);
        } else if (n.op == Op::MatMul) {
            setAxis(o, r - 1);
        } else if (channelWiseUnary(n.op)) {
            const int i = n.inputs[0];
            if (!computedWithAxis(i)) continue;
            const int64_t a = cm.axis[static_cast<size_t>(i)];
            if (static_cast<int64_t>(cm.shapes[static_cast<size_t>(i)].size()) != r && n.op != Op::GlobalAveragePool) continue;
            if (a >= r || os[static_cast<size_t>(a)] != cm.count[static_cast<size_t>(i)]) continue;
            if (setAxis(o, a)) tie(o, i, 0);
        } else if (n.op == Op::Add || n.op == Op::Sub || n.op == Op::Mul || n.op == Op::Div || n.op == Op::Sum) {
            for (int v : n.inputs) {
                if (!computedWithAxis(v)) continue;
                const int64_t al = cm.axis[static_cast<size_t>(v)] + r - static_cast<int64_t>(cm.shapes[static_cast<size_t>(v)].size());
                if (al < 0 || al >= r || os[static_cast<size_t>(al)] != cm.count[static_cast<size_t>(v)]) continue;
                if (cm.axis[static_cast<size_t>(o)] < 0 && !setAxis(o, al)) continue;
                if (cm.axis[static_cast<size_t>(o)] == al) tie(o, v, 0);
            }
        } else if (n.op == Op::Concat) {
            const int64_t ax = n.attrs.axis < 0 ? n.attrs.axis + r : n.attrs.axis;
            int64_t a = -1;
            for (int v : n.inputs)
                if (computedWithAxis(v)) {
                    a = cm.axis[static_cast<size_t>(v)];
                    break;
                }
            if (a < 0 || !setAxis(o, a)) continue;
            int64_t offset = 0;
            for (int v : n.inputs) {
                const auto& s = cm.shapes[static_cast<size_t>(v)];
                if (computedWithAxis(v) && cm.axis[static_cast<size_t>(v)] == a && static_cast<int64_t>(s.size()) == r)
                    tie(o, v, ax == a ? offset : 0);
                if (ax >= 0 && ax < static_cast<int64_t>(s.size())) offset += s[static_cast<size_t>(ax)];
            }
        }
    }
    return cm;
}

}  // namespace

ChannelGroups channelGroups(const GraphModel& m) {
    ChannelMap cm = mapChannels(m);
    const auto& vals = m.values();
    // Sites in forward order with their value ids.
    std::vector<std::pair<std::string, int>> sites;
    for (int v : m.inputs()) sites.emplace_back(vals[static_cast<size_t>(v)].name, v);
    for (const Node& n : m.nodes()) sites.emplace_back(n.name, n.output);

    ChannelGroups out;
    std::map<int64_t, int> groupOf;  // DSU root -> group index
    for (const Node& n : m.nodes()) {
        if (!prunable(m, n) || cm.axis[static_cast<size_t>(n.output)] < 0) continue;
        const int64_t C = cm.count[static_cast<size_t>(n.output)];
        out.layers.emplace_back(n.name, C);
        auto& ug = out.unitGroup[n.name];
        ug.resize(static_cast<size_t>(C));
        for (int64_t c = 0; c < C; ++c) {
            const int64_t root = cm.dsu.find(cm.base[static_cast<size_t>(n.output)] + c);
            auto [it, fresh] = groupOf.emplace(root, static_cast<int>(out.groups.size()));
            if (fresh) out.groups.emplace_back();
            out.groups[static_cast<size_t>(it->second)].units.push_back({n.name, c});
            ug[static_cast<size_t>(c)] = it->second;
        }
    }
    for (const auto& [name, v] : sites) {
        if (cm.axis[static_cast<size_t>(v)] < 0) continue;
        for (int64_t c = 0; c < cm.count[static_cast<size_t>(v)]; ++c) {
            auto it = groupOf.find(cm.dsu.find(cm.base[static_cast<size_t>(v)] + c));
            if (it != groupOf.end()) out.groups[static_cast<size_t>(it->second)].tensors.push_back({name, c});
        }
    }
    // Coupled layers: layers sharing a group.
    std::map<std::string, size_t> layerIndex;
    for (size_t i = 0; i < out.layers.size(); ++i) layerIndex[out.layers[i].first] = i;
    Dsu ld;
    ld.add(static_cast<int64_t>(out.layers.size()));
    for (const auto& g : out.groups)
        for (const auto& u : g.units) ld.unite(static_cast<int64_t>(layerIndex[g.units.front().site]), static_cast<int64_t>(layerIndex[u.site]));
    std::map<int64_t, size_t> setOf;
    for (size_t i = 0; i < out.layers.size(); ++i) {
        auto [it, fresh] = setOf.emplace(ld.find(static_cast<int64_t>(i)), out.coupledLayers.size());
        if (fresh) out.coupledLayers.emplace_back();
        out.coupledLayers[it->second].push_back(out.layers[i].first);
    }
    return out;
}

void applyChannelMask(Tensor& t, const MaskPlan::Channels& c) {
    const int64_t r = t.rank();
    if (c.axis >= r || t.dim(c.axis) != static_cast<int64_t>(c.keep.size()))
        throw GraphError("channel mask of " + std::to_string(c.keep.size()) + " channels on axis " + std::to_string(c.axis) +
                         " does not fit a tensor of shape " + t.shapeString());
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < c.axis; ++d) outer *= t.dim(d);
    for (int64_t d = c.axis + 1; d < r; ++d) inner *= t.dim(d);
    const int64_t C = t.dim(c.axis);
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t k = 0; k < C; ++k) {
            const float m = c.keep[static_cast<size_t>(k)];
            if (m == 1.0f) continue;
            float* p = t.data.data() + (o * C + k) * inner;
            for (int64_t i = 0; i < inner; ++i) p[i] *= m;
        }
}

std::shared_ptr<const MaskPlan> resolveMasks(const GraphModel& m, const GraphMasks& masks, const ChannelGroups* groups) {
    auto plan = std::make_shared<MaskPlan>();
    plan->valueCount = m.values().size();
    const auto& vals = m.values();

    if (!masks.units.empty()) {
        ChannelGroups own;
        if (!groups) {
            own = channelGroups(m);
            groups = &own;
        }
        std::vector<bool> pruned(groups->groups.size(), false);
        for (const auto& [node, keep] : masks.units) {
            auto ug = groups->unitGroup.find(node);
            if (ug == groups->unitGroup.end()) {
                for (const Node& n : m.nodes())
                    if (n.name == node)
                        throw GraphError("unit mask: node '" + node + "' (" + n.opType +
                                         ") has no prunable units (Conv, Gemm or MatMul with a constant weight)");
                throw GraphError("unit mask: no node named '" + node + "'");
            }
            if (keep.size() != ug->second.size())
                throw GraphError("unit mask for '" + node + "' has " + std::to_string(keep.size()) + " entries, the layer " +
                                 std::to_string(ug->second.size()) + " output channels");
            for (size_t c = 0; c < keep.size(); ++c) {
                if (keep[c] != 0.0f && keep[c] != 1.0f)
                    throw GraphError("unit mask for '" + node + "': entry " + std::to_string(c) + " is " + std::to_string(keep[c]) +
                                     "; unit masks are 0 (prune) or 1 (keep)");
                if (keep[c] == 0.0f) pruned[static_cast<size_t>(ug->second[c])] = true;
            }
        }
        // The tensors a pruned group masks: its layers' outputs, and the outputs of the BatchNorms
        // (γ and β zeroed) and bias Adds/Subs (a constant operand) in it. Every other tensor of the
        // group is then 0 by itself (ReLU, pools, residual sums of zeros), as in a model whose
        // out-slices, biases and BN entries are zeroed.
        std::map<std::string, const Node*> maskedSite;
        for (const Node& n : m.nodes()) {
            bool biasOp = false;
            if (n.op == Op::Add || n.op == Op::Sub)
                for (int v : n.inputs) biasOp = biasOp || isConstant(m, v);
            if (groups->unitGroup.count(n.name) || n.op == Op::BatchNorm || biasOp) maskedSite[n.name] = &n;
        }
        ChannelMap cm;  // axes are needed only when something is pruned
        bool any = std::find(pruned.begin(), pruned.end(), true) != pruned.end();
        if (any) cm = mapChannels(m);
        for (size_t gi = 0; gi < pruned.size() && any; ++gi) {
            if (!pruned[gi]) continue;
            for (const auto& t : groups->groups[gi].tensors) {
                auto site = maskedSite.find(t.site);
                if (site == maskedSite.end()) continue;
                const int v = site->second->output;
                auto& ch = plan->channels[v];
                if (ch.keep.empty()) {
                    ch.axis = cm.axis[static_cast<size_t>(v)];
                    ch.keep.assign(static_cast<size_t>(cm.count[static_cast<size_t>(v)]), 1.0f);
                }
                ch.keep[static_cast<size_t>(t.channel)] = 0.0f;
            }
            for (const auto& u : groups->groups[gi].units) {
                auto& e = plan->expandedUnits[u.site];
                if (e.empty()) e.assign(groups->unitGroup.at(u.site).size(), 1.0f);
                e[static_cast<size_t>(u.channel)] = 0.0f;
            }
        }
    }

    for (const auto& [name, mask] : masks.weights) {
        const int v = m.findValue(name);
        if (v < 0) throw GraphError("weight mask: no constant named '" + name + "'");
        if (!isConstant(m, v)) throw GraphError("weight mask: '" + name + "' is not a constant");
        bool weight = false;
        for (const Node& n : m.nodes())
            if (n.op == Op::Gemm || n.op == Op::Conv || n.op == Op::MatMul)
                weight = weight || std::find(n.inputs.begin(), n.inputs.end(), v) != n.inputs.end();
        if (!weight) throw GraphError("weight mask: constant '" + name + "' is not read by a Gemm, Conv or MatMul");
        const Tensor& w = vals[static_cast<size_t>(v)].constant;
        if (mask.shape != w.shape)
            throw GraphError("weight mask for '" + name + "' has shape " + mask.shapeString() + ", the weight " + w.shapeString());
        Tensor mw = w;
        for (size_t i = 0; i < mw.data.size(); ++i) mw.data[i] *= mask.data[i];
        plan->weightMask[v] = mask;
        plan->masked[v] = std::move(mw);
    }
    return plan;
}

}  // namespace scalpel::graph
