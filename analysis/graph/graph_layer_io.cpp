#include "analysis/graph/graph_layer_io.h"

#include <algorithm>
#include <set>

#include <Eigen/Core>

#include "analysis/graph/graph_conv.h"
#include "analysis/graph/graph_masks.h"

namespace scalpel::graph {

namespace {

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowMatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

bool isConstant(const GraphModel& m, int v) {
    return v >= 0 && m.values()[static_cast<size_t>(v)].kind == Value::Kind::Constant;
}

// Empty when the node is supported, else the reason.
std::string unsupported(const GraphModel& m, const Node& n) {
    if (n.inputs.size() < 2 || !isConstant(m, n.inputs[1])) return "the weight is not a constant";
    const Tensor& w = m.values()[static_cast<size_t>(n.inputs[1])].constant;
    if (n.op == Op::Conv) return n.attrs.group == 1 ? "" : "grouped convolution (EK-FAC v1 takes group 1 only)";
    if (w.rank() != 2) return "the weight is not a matrix";
    if (n.op == Op::Gemm) {
        if (n.attrs.transA) return "Gemm with transA";
        if (n.inputs.size() > 2 && n.inputs[2] >= 0) {
            const int c = n.inputs[2];
            const auto& shape = isConstant(m, c) ? m.values()[static_cast<size_t>(c)].constant.shape : m.values()[static_cast<size_t>(c)].shape;
            const int64_t N = n.attrs.transB ? w.dim(0) : w.dim(1);
            const bool perUnit = (shape.size() == 1 && shape[0] == N) || (shape.size() == 2 && shape[0] == 1 && shape[1] == N);
            if (!isConstant(m, c) || !perUnit) return "the Gemm's C is not a constant bias per output unit";
        }
        return "";
    }
    if (n.op == Op::MatMul) return "";
    return "not a Gemm, Conv or MatMul";
}

}  // namespace

LayerIOResult layerIO(const GraphModel& m, const ForwardResult& run, const std::vector<Tensor>& dOutputs,
                      const LayerIOOptions& options) {
    if (!run.tape || run.tape->size() != m.values().size()) throw GraphError("layer a/g need a forward run of this model with keepTape");
    LayerIOResult result;
    std::vector<const Node*> chosen;
    const std::set<std::string> wanted(options.layers.begin(), options.layers.end());
    std::set<std::string> found;
    for (const Node& n : m.nodes()) {
        if (n.op != Op::Gemm && n.op != Op::Conv && n.op != Op::MatMul) {
            if (wanted.count(n.name)) throw GraphError("layer a/g: node '" + n.name + "' (" + n.opType + ") is not a Gemm, Conv or MatMul");
            continue;
        }
        if (!wanted.empty() && !wanted.count(n.name)) continue;
        found.insert(n.name);
        const std::string why = unsupported(m, n);
        if (why.empty()) {
            chosen.push_back(&n);
            continue;
        }
        if (wanted.count(n.name)) throw GraphError("layer a/g: node '" + n.name + "' (" + n.opType + "): " + why);
        result.skipped.push_back(n.name + " (" + n.opType + "): " + why);
    }
    for (const auto& w : wanted)
        if (!found.count(w)) throw GraphError("layer a/g: no node named '" + w + "'");
    if (chosen.empty()) return result;

    BackwardOptions bo;
    for (const Node* n : chosen) bo.sites.push_back(n->name);
    const auto grads = m.backward(run, dOutputs, bo);
    const auto& tape = *run.tape;
    const MaskPlan* plan = run.masks.get();
    auto value = [&](int v) -> const Tensor& {
        if (isConstant(m, v)) {
            if (plan) {
                auto it = plan->masked.find(v);
                if (it != plan->masked.end()) return it->second;
            }
            return m.values()[static_cast<size_t>(v)].constant;
        }
        return tape[static_cast<size_t>(v)];
    };

    for (const Node* n : chosen) {
        LayerIO io;
        io.layer = n->name;
        io.op = opName(n->op);
        io.weight = m.values()[static_cast<size_t>(n->inputs[1])].name;
        io.hasBias = n->inputs.size() > 2 && n->inputs[2] >= 0;
        if (io.hasBias) io.bias = m.values()[static_cast<size_t>(n->inputs[2])].name;
        Tensor dY = grads.sites.at(n->name);
        if (plan) {
            auto it = plan->channels.find(n->output);
            if (it != plan->channels.end()) applyChannelMask(dY, it->second);
        }
        const Tensor& X = value(n->inputs[0]);
        const Tensor& W = value(n->inputs[1]);
        const int64_t extra = io.hasBias ? 1 : 0;
        if (n->op == Op::Gemm) {
            const int64_t B = X.dim(0), K = X.dim(1), N = dY.dim(1);
            io.a = Tensor({B, 1, K + extra});
            io.g = Tensor({B, 1, N}, dY.data);
            for (int64_t b = 0; b < B; ++b) {
                float* a = io.a.data.data() + b * (K + extra);
                for (int64_t k = 0; k < K; ++k) a[k] = n->attrs.alpha * X.data[static_cast<size_t>(b * K + k)];
                if (extra) a[K] = n->attrs.beta;
            }
        } else if (n->op == Op::MatMul) {
            if (X.rank() < 2) throw GraphError("layer a/g: MatMul '" + n->name + "' has a rank-1 input");
            const int64_t B = X.dim(0), K = X.shape.back(), N = W.dim(1), P = X.numel() / std::max<int64_t>(B * K, 1);
            io.a = Tensor({B, P, K}, X.data);
            io.g = Tensor({B, P, N}, dY.data);
        } else {
            std::vector<const Tensor*> in{&X, &W};
            if (io.hasBias) in.push_back(&value(n->inputs[2]));
            const ConvGeometry geo = convGeometry(*n, in);
            const int64_t B = geo.N, P = geo.P(), Kc = geo.Kc(), M = geo.M, D = Kc + extra;
            io.a = Tensor({B, P, D});
            io.g = Tensor({B, P, M});
            parallelFor(B, B * P * (D + M), [&](int64_t b) {
                RowMat cols(Kc, P);
                im2col(geo, X.data.data() + b * geo.C * geo.H * geo.W, cols.data(), P);
                Eigen::Map<RowMat> a(io.a.data.data() + b * P * D, P, D);
                a.leftCols(Kc) = cols.transpose();
                if (extra) a.col(Kc).setOnes();
                Eigen::Map<RowMat>(io.g.data.data() + b * P * M, P, M) =
                    Eigen::Map<const RowMat>(dY.data.data() + b * M * P, M, P).transpose();
            });
        }
        result.layers.push_back(std::move(io));
    }
    return result;
}

Tensor exampleGradient(const LayerIO& io, int64_t b) {
    if (io.a.rank() != 3 || io.g.rank() != 3 || b < 0 || b >= io.a.dim(0))
        throw GraphError("exampleGradient: example " + std::to_string(b) + " is out of range");
    const int64_t P = io.a.dim(1), D = io.a.dim(2), M = io.g.dim(2);
    const RowMatD a = Eigen::Map<const RowMat>(io.a.data.data() + b * P * D, P, D).cast<double>();
    const RowMatD g = Eigen::Map<const RowMat>(io.g.data.data() + b * P * M, P, M).cast<double>();
    const RowMatD gamma = g.transpose() * a;
    Tensor out({M, D});
    Eigen::Map<RowMat>(out.data.data(), M, D) = gamma.cast<float>();
    return out;
}

}  // namespace scalpel::graph
