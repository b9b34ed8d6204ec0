#include "analysis/graph/graph_model.h"
#include "analysis/common/glob.h"
#include "analysis/graph/graph_patches.h"

#include <algorithm>
#include <array>
#include <set>

#include "analysis/graph/graph_masks.h"

namespace scalpel::graph {

namespace {

constexpr std::array<const char*, 29> kOpNames{
    "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Sum",
    "Relu", "LeakyRelu", "Clip", "Tanh", "Sigmoid", "Erf", "Gelu",
    "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "BatchNormalization",
    "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze",
    "Softmax", "LogSoftmax", "Concat", "Identity", "Pad"};

// Inclusive bounds on the number of inputs (absent optional inputs count) of each operator.
std::pair<size_t, size_t> arity(Op op) {
    switch (op) {
        case Op::Gemm: return {2, 3};
        case Op::Conv: return {2, 3};
        case Op::BatchNorm: return {5, 5};
        case Op::MatMul: case Op::Add: case Op::Sub: case Op::Mul: case Op::Div: return {2, 2};
        case Op::Sum: case Op::Concat: return {1, 1024};
        default: return {1, 1};
    }
}

}  // namespace

const char* opName(Op op) {
    const auto i = static_cast<size_t>(op);
    return i < kOpNames.size() ? kOpNames[i] : "?";
}

std::string shapeString(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

int64_t checkedElements(const std::vector<int64_t>& shape, const std::string& what) {
    int64_t n = 1;
    for (int64_t d : shape) {
        if (d < 0) throw GraphError(what + ": negative dimension in shape " + shapeString(shape));
        if (d != 0 && n > kMaxTensorElements / d)
            throw GraphError(what + ": shape " + shapeString(shape) + " has more than 2^31 elements");
        n *= d;
    }
    if (n > kMaxTensorElements) throw GraphError(what + ": shape " + shapeString(shape) + " has more than 2^31 elements");
    return n;
}

Tensor::Tensor(std::vector<int64_t> s, float fill) : shape(std::move(s)) {
    data.assign(static_cast<size_t>(checkedElements(shape, "tensor")), fill);
}

Tensor::Tensor(std::vector<int64_t> s, std::vector<float> values) : shape(std::move(s)), data(std::move(values)) {
    if (checkedElements(shape, "tensor") != static_cast<int64_t>(data.size()))
        throw GraphError("tensor of shape " + graph::shapeString(shape) + " given " + std::to_string(data.size()) + " values");
}

std::string Tensor::shapeString() const { return graph::shapeString(shape); }

int GraphModel::addValue(Value v) {
    if (v.name.empty()) throw GraphError("a value has an empty name");
    if (byName_.count(v.name)) throw GraphError("value '" + v.name + "' is defined twice");
    const int id = static_cast<int>(values_.size());
    byName_[v.name] = id;
    values_.push_back(std::move(v));
    finalized_ = false;
    return id;
}

int GraphModel::addInput(const std::string& name, std::vector<int64_t> shape) {
    for (int64_t d : shape)
        if (d < -1) throw GraphError("input '" + name + "' has a negative dimension");
    Value v{name, Value::Kind::Input, std::move(shape), {}};
    const int id = addValue(std::move(v));
    inputs_.push_back(id);
    return id;
}

int GraphModel::addConstant(const std::string& name, Tensor value) {
    Value v{name, Value::Kind::Constant, value.shape, std::move(value)};
    return addValue(std::move(v));
}

int GraphModel::addNode(Node node, const std::string& outputName) {
    Value v{outputName, Value::Kind::Computed, {}, {}};
    node.output = addValue(std::move(v));
    nodes_.push_back(std::move(node));
    return static_cast<int>(nodes_.size()) - 1;
}

void GraphModel::markOutput(int value) {
    if (value < 0 || value >= static_cast<int>(values_.size())) throw GraphError("graph output refers to no value");
    outputs_.push_back(value);
    finalized_ = false;
}

int GraphModel::findValue(const std::string& name) const {
    auto it = byName_.find(name);
    return it == byName_.end() ? -1 : it->second;
}

void GraphModel::finalize() {
    const int nv = static_cast<int>(values_.size());
    std::vector<int> producer(static_cast<size_t>(nv), -1);
    for (size_t i = 0; i < nodes_.size(); ++i) {
        const Node& n = nodes_[i];
        const auto [lo, hi] = arity(n.op);
        if (n.inputs.size() < lo || n.inputs.size() > hi)
            throw GraphError("node '" + n.name + "' (" + n.opType + "): " + std::to_string(n.inputs.size()) +
                             " inputs, " + opName(n.op) + " takes " + std::to_string(lo) +
                             (lo == hi ? "" : " to " + std::to_string(hi)));
        for (size_t k = 0; k < n.inputs.size(); ++k) {
            const int v = n.inputs[k];
            const bool optional = (n.op == Op::Gemm || n.op == Op::Conv) && k == 2;
            if (v == -1 && optional) continue;
            if (v < 0 || v >= nv) throw GraphError("node '" + n.name + "' (" + n.opType + "): input " + std::to_string(k) + " is missing");
        }
        producer[static_cast<size_t>(n.output)] = static_cast<int>(i);
    }
    // Kahn's algorithm, keeping the file's order among ready nodes.
    std::vector<int> pending(nodes_.size(), 0);
    std::vector<std::vector<int>> consumers(static_cast<size_t>(nv));
    for (size_t i = 0; i < nodes_.size(); ++i)
        for (int v : nodes_[i].inputs) {
            if (v < 0 || values_[static_cast<size_t>(v)].kind != Value::Kind::Computed) continue;
            if (producer[static_cast<size_t>(v)] < 0) throw GraphError("value '" + values_[static_cast<size_t>(v)].name + "' has no producer");
            ++pending[i];
            consumers[static_cast<size_t>(v)].push_back(static_cast<int>(i));
        }
    std::set<int> ready;
    for (size_t i = 0; i < nodes_.size(); ++i)
        if (pending[i] == 0) ready.insert(static_cast<int>(i));
    std::vector<int> order;
    while (!ready.empty()) {
        const int i = *ready.begin();
        ready.erase(ready.begin());
        order.push_back(i);
        for (int c : consumers[static_cast<size_t>(nodes_[static_cast<size_t>(i)].output)])
            if (--pending[static_cast<size_t>(c)] == 0) ready.insert(c);
    }
    if (order.size() != nodes_.size()) {
        for (size_t i = 0; i < nodes_.size(); ++i)
            if (pending[i] > 0) throw GraphError("the graph has a cycle through node '" + nodes_[i].name + "'");
    }
    std::vector<Node> sorted;
    sorted.reserve(nodes_.size());
    for (int i : order) sorted.push_back(std::move(nodes_[static_cast<size_t>(i)]));
    nodes_ = std::move(sorted);

    // Unique site names: inputs and nodes share one namespace.
    std::set<std::string> names;
    for (int v : inputs_) names.insert(values_[static_cast<size_t>(v)].name);
    for (auto& n : nodes_) {
        if (n.name.empty()) n.name = values_[static_cast<size_t>(n.output)].name;
        if (names.count(n.name)) {
            std::string base = n.name;
            int k = 1;
            while (names.count(base + "#" + std::to_string(k))) ++k;
            n.name = base + "#" + std::to_string(k);
        }
        names.insert(n.name);
    }
    if (outputs_.empty()) throw GraphError("the graph has no outputs");
    for (int v : outputs_)
        if (values_[static_cast<size_t>(v)].kind == Value::Kind::Computed && producer[static_cast<size_t>(v)] < 0)
            throw GraphError("graph output '" + values_[static_cast<size_t>(v)].name + "' has no producer");
    if (inputs_.empty()) throw GraphError("the graph has no inputs");

    lastUse_.assign(static_cast<size_t>(nv), -1);
    for (size_t i = 0; i < nodes_.size(); ++i)
        for (int v : nodes_[i].inputs)
            if (v >= 0) lastUse_[static_cast<size_t>(v)] = static_cast<int>(i);
    finalized_ = true;
}

std::vector<std::string> GraphModel::siteNames() const {
    std::vector<std::string> out;
    for (int v : inputs_) out.push_back(values_[static_cast<size_t>(v)].name);
    for (const auto& n : nodes_) out.push_back(n.name);
    return out;
}

std::vector<std::string> GraphModel::matchSites(std::string_view pattern) const {
    std::vector<std::string> out;
    for (auto& s : siteNames())
        if (globMatch(pattern, s)) out.push_back(std::move(s));
    return out;
}

std::vector<std::vector<int64_t>> GraphModel::inputShapes(int64_t batch) const {
    std::vector<std::vector<int64_t>> out;
    for (int v : inputs_) {
        auto s = values_[static_cast<size_t>(v)].shape;
        for (auto& d : s)
            if (d < 0) d = batch;
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<SiteInfo> GraphModel::describeSites() const {
    std::vector<Tensor> zeros;
    for (auto& s : inputShapes(1)) zeros.emplace_back(s);
    ForwardOptions opt;
    opt.sites = siteNames();
    const auto run = forward(zeros, opt);
    std::vector<SiteInfo> out;
    for (int v : inputs_) {
        const auto& name = values_[static_cast<size_t>(v)].name;
        out.push_back({name, "Input", run.sites.at(name).shape});
    }
    for (const auto& n : nodes_) out.push_back({n.name, n.opType, run.sites.at(n.name).shape});
    return out;
}

ForwardResult GraphModel::forward(const std::vector<Tensor>& inputs, const ForwardOptions& options) const {
    if (!finalized_) throw GraphError("internal: the graph was not finalized");
    if (inputs.size() != inputs_.size())
        throw GraphError("the model takes " + std::to_string(inputs_.size()) + " input(s), given " + std::to_string(inputs.size()));
    std::set<std::string> wanted(options.sites.begin(), options.sites.end());
    {
        const auto all = siteNames();
        const std::set<std::string> known(all.begin(), all.end());
        for (const auto& s : wanted)
            if (!known.count(s)) throw GraphError("no site named '" + s + "'");
    }
    const MaskPlan* plan = options.masks.get();
    if (plan && plan->valueCount != values_.size()) throw GraphError("the masks were resolved for another model");
    auto maskValue = [plan](int v, Tensor& t) {
        if (!plan) return;
        auto it = plan->channels.find(v);
        if (it != plan->channels.end()) applyChannelMask(t, it->second);
    };
    ForwardResult result;
    result.masks = options.masks;
    result.patches = resolvePatches(options.patches);
    const PatchPlan* patchPlan = result.patches.get();
    auto patchValue = [patchPlan](int v, Tensor& t) {
        if (!patchPlan) return;
        auto it = patchPlan->byValue.find(v);
        if (it != patchPlan->byValue.end()) applyPatches(t, it->second, false);
    };
    std::vector<Tensor> computed(values_.size());
    std::vector<bool> have(values_.size(), false);
    for (size_t k = 0; k < inputs_.size(); ++k) {
        const auto& v = values_[static_cast<size_t>(inputs_[k])];
        const auto& x = inputs[k];
        bool fits = x.shape.size() == v.shape.size();
        for (size_t d = 0; fits && d < v.shape.size(); ++d) fits = v.shape[d] < 0 || v.shape[d] == x.shape[d];
        if (!fits) throw GraphError("input '" + v.name + "' must have shape " + shapeString(v.shape) + " (-1: any), given " + x.shapeString());
        if (x.shape.empty() == false && x.shape[0] == 0) throw GraphError("input '" + v.name + "' has an empty batch");
        computed[static_cast<size_t>(inputs_[k])] = x;
        maskValue(inputs_[k], computed[static_cast<size_t>(inputs_[k])]);
        patchValue(inputs_[k], computed[static_cast<size_t>(inputs_[k])]);
        have[static_cast<size_t>(inputs_[k])] = true;
        if (wanted.count(v.name)) result.sites[v.name] = computed[static_cast<size_t>(inputs_[k])];
    }
    std::vector<const Tensor*> in;
    for (size_t i = 0; i < nodes_.size(); ++i) {
        if (options.progress) options.progress->check();
        const Node& n = nodes_[i];
        in.clear();
        for (int v : n.inputs) {
            if (v < 0) {
                in.push_back(nullptr);
                continue;
            }
            const auto& val = values_[static_cast<size_t>(v)];
            if (val.kind == Value::Kind::Constant && plan) {
                auto mw = plan->masked.find(v);
                if (mw != plan->masked.end()) {
                    in.push_back(&mw->second);
                    continue;
                }
            }
            in.push_back(val.kind == Value::Kind::Constant ? &val.constant : &computed[static_cast<size_t>(v)]);
        }
        try {
            computed[static_cast<size_t>(n.output)] = runNode(n, in);
            maskValue(n.output, computed[static_cast<size_t>(n.output)]);
            patchValue(n.output, computed[static_cast<size_t>(n.output)]);
        } catch (const GraphError& e) {
            throw GraphError("node '" + n.name + "' (" + n.opType + "): " + e.what());
        } catch (const std::bad_alloc&) {
            throw GraphError("node '" + n.name + "' (" + n.opType + "): out of memory");
        }
        have[static_cast<size_t>(n.output)] = true;
        if (wanted.count(n.name)) result.sites[n.name] = computed[static_cast<size_t>(n.output)];
        // Free what no later node reads (graph outputs and taped runs keep everything).
        if (options.keepTape) continue;
        for (int v : n.inputs)
            if (v >= 0 && lastUse_[static_cast<size_t>(v)] == static_cast<int>(i) &&
                values_[static_cast<size_t>(v)].kind != Value::Kind::Constant &&
                std::find(outputs_.begin(), outputs_.end(), v) == outputs_.end())
                computed[static_cast<size_t>(v)] = Tensor{};
    }
    for (int v : outputs_) {
        const auto& val = values_[static_cast<size_t>(v)];
        result.outputs.push_back(val.kind == Value::Kind::Constant ? val.constant : computed[static_cast<size_t>(v)]);
    }
    if (options.keepTape) result.tape = std::make_shared<const std::vector<Tensor>>(std::move(computed));
    return result;
}

BackwardResult GraphModel::backward(const ForwardResult& run, const std::vector<Tensor>& dOutputs,
                                    const BackwardOptions& options) const {
    if (!run.tape || run.tape->size() != values_.size()) throw GraphError("backward needs a forward run of this model with keepTape");
    if (dOutputs.size() != outputs_.size())
        throw GraphError("backward takes one gradient per graph output (" + std::to_string(outputs_.size()) + "), given " + std::to_string(dOutputs.size()));
    {
        const auto all = siteNames();
        const std::set<std::string> known(all.begin(), all.end());
        for (const auto& s : options.sites)
            if (!known.count(s)) throw GraphError("no site named '" + s + "'");
    }
    const auto& tape = *run.tape;
    const MaskPlan* plan = run.masks.get();
    auto value = [&](int v) -> const Tensor& {
        const auto& val = values_[static_cast<size_t>(v)];
        if (val.kind == Value::Kind::Constant && plan) {
            auto mw = plan->masked.find(v);
            if (mw != plan->masked.end()) return mw->second;
        }
        return val.kind == Value::Kind::Constant ? val.constant : tape[static_cast<size_t>(v)];
    };
    std::vector<std::optional<Tensor>> grad(values_.size());
    auto accumulate = [&](int v, Tensor g) {
        auto& slot = grad[static_cast<size_t>(v)];
        if (!slot) {
            slot = std::move(g);
            return;
        }
        for (size_t i = 0; i < g.data.size(); ++i) slot->data[i] += g.data[i];
    };
    for (size_t k = 0; k < outputs_.size(); ++k) {
        const Tensor& y = value(outputs_[k]);
        if (dOutputs[k].shape != y.shape)
            throw GraphError("gradient of output " + std::to_string(k) + " has shape " + dOutputs[k].shapeString() + ", the output " + y.shapeString());
        accumulate(outputs_[k], dOutputs[k]);
    }
    std::vector<const Tensor*> in;
    for (size_t i = nodes_.size(); i-- > 0;) {
        const Node& n = nodes_[i];
        const auto& g = grad[static_cast<size_t>(n.output)];
        if (!g) continue;
        in.clear();
        for (int v : n.inputs) in.push_back(v < 0 ? nullptr : &value(v));
        std::vector<std::optional<Tensor>> dIn;
        // A masked output passes gradient only through its kept channels.
        const Tensor* gOut = &*g;
        Tensor gMasked;
        if (plan) {
            auto it = plan->channels.find(n.output);
            if (it != plan->channels.end()) {
                gMasked = *g;
                applyChannelMask(gMasked, it->second);
                gOut = &gMasked;
            }
        }
        // Patched entries were not computed from this node's inputs: nothing flows back through them.
        if (run.patches) {
            auto it = run.patches->byValue.find(n.output);
            if (it != run.patches->byValue.end()) {
                if (gOut != &gMasked) gMasked = *g;
                applyPatches(gMasked, it->second, true);
                gOut = &gMasked;
            }
        }
        try {
            dIn = backwardNode(n, in, value(n.output), *gOut);
        } catch (const GraphError& e) {
            throw GraphError("node '" + n.name + "' (" + n.opType + ") backward: " + e.what());
        }
        for (size_t k = 0; k < n.inputs.size() && k < dIn.size(); ++k)
            if (n.inputs[k] >= 0 && dIn[k]) accumulate(n.inputs[k], std::move(*dIn[k]));
    }
    BackwardResult out;
    auto zerosLike = [](const Tensor& t) { return Tensor(t.shape); };
    for (const auto& s : options.sites) {
        int v = -1;
        for (int id : inputs_)
            if (values_[static_cast<size_t>(id)].name == s) v = id;
        for (const auto& n : nodes_)
            if (n.name == s) v = n.output;
        const auto& g = grad[static_cast<size_t>(v)];
        out.sites[s] = g ? *g : zerosLike(value(v));
    }
    if (options.parameters)
        for (size_t v = 0; v < values_.size(); ++v)
            if (values_[v].kind == Value::Kind::Constant) {
                Tensor& p = out.parameters[values_[v].name] = grad[v] ? *grad[v] : zerosLike(values_[v].constant);
                // torch's weight * mask: the stored weight's gradient is the effective one's times the mask.
                if (!plan) continue;
                auto wm = plan->weightMask.find(static_cast<int>(v));
                if (wm != plan->weightMask.end())
                    for (size_t i = 0; i < p.data.size(); ++i) p.data[i] *= wm->second.data[i];
            }
    return out;
}

}  // namespace scalpel::graph
