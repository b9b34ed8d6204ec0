// Forward kernels of the graph IR (float32, row-major, NCHW). Each validates its input shapes and
// attributes and throws GraphError with the reason; graph_model.cpp adds the node's name.
#include <cmath>
#include <numeric>

#include <Eigen/Core>

#include "analysis/graph/graph_conv.h"
#include "analysis/graph/graph_model.h"

namespace scalpel::graph {

namespace {

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MapC = Eigen::Map<const RowMat>;
using Map = Eigen::Map<RowMat>;

[[noreturn]] void bad(const std::string& m) { throw GraphError(m); }

const Tensor& need(const std::vector<const Tensor*>& in, size_t i) {
    if (i >= in.size() || !in[i]) bad("input " + std::to_string(i) + " is missing");
    return *in[i];
}

int64_t normAxis(int64_t axis, int64_t rank, const char* what) {
    if (axis < -rank || axis >= rank)
        bad(std::string(what) + " " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
    return axis < 0 ? axis + rank : axis;
}

int64_t prod(const std::vector<int64_t>& s, size_t from, size_t to) {
    int64_t p = 1;
    for (size_t i = from; i < to; ++i) p *= s[i];
    return p;
}

// ------------------------------------------------------------------------------- elementwise

template <class F>
Tensor unary(const Tensor& x, F f) {
    Tensor y;
    y.shape = x.shape;
    y.data.resize(x.data.size());
    for (size_t i = 0; i < x.data.size(); ++i) y.data[i] = f(x.data[i]);
    return y;
}

std::vector<int64_t> broadcastShape(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
    const size_t r = std::max(a.size(), b.size());
    std::vector<int64_t> out(r);
    for (size_t i = 0; i < r; ++i) {
        const int64_t da = i + a.size() >= r ? a[i + a.size() - r] : 1;
        const int64_t db = i + b.size() >= r ? b[i + b.size() - r] : 1;
        if (da != db && da != 1 && db != 1) bad("shapes " + shapeString(a) + " and " + shapeString(b) + " do not broadcast");
        out[i] = da == 1 ? db : da;
    }
    return out;
}

// Strides of `s` read as a tensor of rank r (size-1 and missing leading dims get stride 0).
std::vector<int64_t> broadcastStrides(const std::vector<int64_t>& s, size_t r) {
    std::vector<int64_t> st(r, 0);
    int64_t acc = 1;
    for (size_t k = 0; k < s.size(); ++k) {
        const size_t i = s.size() - 1 - k;
        st[r - 1 - k] = s[i] == 1 ? 0 : acc;
        acc *= s[i];
    }
    return st;
}

template <class F>
Tensor binary(const Tensor& a, const Tensor& b, F f) {
    if (a.shape == b.shape) {
        Tensor y;
        y.shape = a.shape;
        y.data.resize(a.data.size());
        for (size_t i = 0; i < a.data.size(); ++i) y.data[i] = f(a.data[i], b.data[i]);
        return y;
    }
    Tensor y(broadcastShape(a.shape, b.shape));
    const size_t r = y.shape.size();
    const auto sa = broadcastStrides(a.shape, r), sb = broadcastStrides(b.shape, r);
    if (r == 0) {
        y.data[0] = f(a.data[0], b.data[0]);
        return y;
    }
    // Innermost dimension as a tight loop, the others by an index counter.
    const int64_t inner = y.shape[r - 1], ia = sa[r - 1], ib = sb[r - 1];
    const int64_t outer = y.numel() / std::max<int64_t>(inner, 1);
    std::vector<int64_t> idx(r, 0);
    for (int64_t o = 0; o < outer && inner > 0; ++o) {
        int64_t offA = 0, offB = 0;
        for (size_t d = 0; d + 1 < r; ++d) {
            offA += idx[d] * sa[d];
            offB += idx[d] * sb[d];
        }
        float* dst = y.data.data() + o * inner;
        for (int64_t i = 0; i < inner; ++i) dst[i] = f(a.data[static_cast<size_t>(offA + i * ia)], b.data[static_cast<size_t>(offB + i * ib)]);
        for (size_t d = r - 1; d-- > 0;) {
            if (++idx[d] < y.shape[d]) break;
            idx[d] = 0;
        }
    }
    return y;
}

// ---------------------------------------------------------------------------------- linear

Tensor gemm(const Node& n, const std::vector<const Tensor*>& in) {
    const Tensor& A = need(in, 0);
    const Tensor& B = need(in, 1);
    const Attrs& at = n.attrs;
    if (A.rank() != 2 || B.rank() != 2) bad("Gemm needs rank-2 A and B, given " + A.shapeString() + " and " + B.shapeString());
    const int64_t M = at.transA ? A.dim(1) : A.dim(0), K = at.transA ? A.dim(0) : A.dim(1);
    const int64_t KB = at.transB ? B.dim(1) : B.dim(0), N = at.transB ? B.dim(0) : B.dim(1);
    if (K != KB) bad("Gemm inner dimensions differ: A " + A.shapeString() + (at.transA ? "ᵀ" : "") + ", B " + B.shapeString() + (at.transB ? "ᵀ" : ""));
    Tensor Y({M, N});
    Map y(Y.data.data(), M, N);
    MapC a(A.data.data(), A.dim(0), A.dim(1)), b(B.data.data(), B.dim(0), B.dim(1));
    if (at.transA && at.transB) y.noalias() = a.transpose() * b.transpose();
    else if (at.transA) y.noalias() = a.transpose() * b;
    else if (at.transB) y.noalias() = a * b.transpose();
    else y.noalias() = a * b;
    if (at.alpha != 1.0f) y *= at.alpha;
    if (in.size() > 2 && in[2]) {
        const Tensor& C = *in[2];
        if (C.rank() > 2) bad("Gemm C has rank " + std::to_string(C.rank()));
        const auto s = broadcastShape(C.shape, Y.shape);
        if (s != Y.shape) bad("Gemm C " + C.shapeString() + " does not broadcast to " + Y.shapeString());
        Tensor bc = binary(Y, C, [&](float u, float c) { return u + at.beta * c; });
        return bc;
    }
    return Y;
}

Tensor matmul(const Tensor& A0, const Tensor& B0) {
    if (A0.rank() == 0 || B0.rank() == 0) bad("MatMul of a scalar");
    Tensor A = A0, B = B0;
    const bool vecA = A.rank() == 1, vecB = B.rank() == 1;
    if (vecA) A.shape.insert(A.shape.begin(), 1);
    if (vecB) B.shape.push_back(1);
    const int64_t M = A.shape[A.shape.size() - 2], K = A.shape.back();
    const int64_t KB = B.shape[B.shape.size() - 2], N = B.shape.back();
    if (K != KB) bad("MatMul inner dimensions differ: " + A0.shapeString() + " x " + B0.shapeString());
    const std::vector<int64_t> ba(A.shape.begin(), A.shape.end() - 2), bb(B.shape.begin(), B.shape.end() - 2);
    const auto batch = broadcastShape(ba, bb);
    std::vector<int64_t> outShape = batch;
    outShape.push_back(M);
    outShape.push_back(N);
    Tensor Y(outShape);
    const int64_t nb = prod(batch, 0, batch.size());
    const auto sa = broadcastStrides(ba, batch.size()), sb = broadcastStrides(bb, batch.size());
    std::vector<int64_t> idx(batch.size(), 0);
    for (int64_t i = 0; i < nb; ++i) {
        int64_t oa = 0, ob = 0;
        for (size_t d = 0; d < batch.size(); ++d) {
            oa += idx[d] * sa[d];
            ob += idx[d] * sb[d];
        }
        MapC a(A.data.data() + oa * M * K, M, K), b(B.data.data() + ob * K * N, K, N);
        Map y(Y.data.data() + i * M * N, M, N);
        y.noalias() = a * b;
        for (size_t d = batch.size(); d-- > 0;) {
            if (++idx[d] < batch[d]) break;
            idx[d] = 0;
        }
    }
    if (vecA) Y.shape.erase(Y.shape.end() - 2);
    if (vecB) Y.shape.pop_back();
    return Y;
}

// ----------------------------------------------------------------------- convolution, pools

// Spatial geometry of a window operator on a rank-3 or rank-4 input, as 2-D (1-D is H = 1).
struct Window {
    int64_t N = 0, C = 0, H = 0, W = 0;
    int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
    int64_t pt = 0, pl = 0, pb = 0, pr = 0;
    int64_t Ho = 0, Wo = 0;
    bool oneD = false;
};

// Output size and padding of one spatial dimension (ONNX conv/pool shape rules).
void resolveDim(int64_t in, int64_t k, int64_t s, int64_t d, AutoPad mode, bool ceil, int64_t& pBegin,
                int64_t& pEnd, int64_t& out) {
    const int64_t extent = (k - 1) * d + 1;
    if (mode == AutoPad::SameUpper || mode == AutoPad::SameLower) {
        out = (in + s - 1) / s;
        const int64_t total = std::max<int64_t>((out - 1) * s + extent - in, 0);
        pBegin = mode == AutoPad::SameUpper ? total / 2 : (total + 1) / 2;
        pEnd = total - pBegin;
        return;
    }
    if (mode == AutoPad::Valid) pBegin = pEnd = 0;
    const int64_t span = in + pBegin + pEnd - extent;
    if (span < 0) bad("window of extent " + std::to_string(extent) + " is larger than the padded input (" + std::to_string(in + pBegin + pEnd) + ")");
    out = (ceil ? (span + s - 1) / s : span / s) + 1;
    // ceil_mode: the last window must start inside the input or the begin padding.
    if (ceil && (out - 1) * s >= in + pBegin) --out;
}

Window window(const Tensor& X, const Attrs& at, const char* op, bool dilated) {
    Window w;
    if (X.rank() != 3 && X.rank() != 4) bad(std::string(op) + " needs an [N, C, H, W] or [N, C, L] input, given " + X.shapeString());
    w.oneD = X.rank() == 3;
    const size_t sd = w.oneD ? 1 : 2;
    w.N = X.dim(0);
    w.C = X.dim(1);
    w.H = w.oneD ? 1 : X.dim(2);
    w.W = X.dim(X.rank() - 1);
    auto pick = [&](const std::vector<int64_t>& v, size_t n, int64_t dflt, const char* name) -> std::vector<int64_t> {
        if (v.empty()) return std::vector<int64_t>(n, dflt);
        if (v.size() != n) bad(std::string(op) + " " + name + " has " + std::to_string(v.size()) + " entries for " + std::to_string(sd) + " spatial dims");
        return v;
    };
    const auto k = pick(at.kernel, sd, 0, "kernel_shape");
    const auto s = pick(at.strides, sd, 1, "strides");
    const auto d = pick(at.dilations, sd, 1, "dilations");
    const auto p = pick(at.pads, 2 * sd, 0, "pads");
    for (size_t i = 0; i < sd; ++i) {
        if (k[i] < 1 || k[i] > 1 << 20) bad(std::string(op) + " kernel size " + std::to_string(k[i]) + " is out of range");
        if (s[i] < 1 || s[i] > 1 << 20) bad(std::string(op) + " stride " + std::to_string(s[i]) + " is out of range");
        if (d[i] < 1 || d[i] > 1 << 20 || (!dilated && d[i] != 1)) bad(std::string(op) + " dilation " + std::to_string(d[i]) + " is not supported");
        if (p[i] < 0 || p[i + sd] < 0 || p[i] > 1 << 20 || p[i + sd] > 1 << 20) bad(std::string(op) + " pads are out of range");
    }
    if (w.oneD) {
        w.kw = k[0], w.sw = s[0], w.dw = d[0], w.pl = p[0], w.pr = p[1];
    } else {
        w.kh = k[0], w.kw = k[1], w.sh = s[0], w.sw = s[1], w.dh = d[0], w.dw = d[1];
        w.pt = p[0], w.pl = p[1], w.pb = p[2], w.pr = p[3];
    }
    if (!w.oneD) resolveDim(w.H, w.kh, w.sh, w.dh, at.autoPad, at.ceilMode, w.pt, w.pb, w.Ho);
    else w.Ho = 1;
    resolveDim(w.W, w.kw, w.sw, w.dw, at.autoPad, at.ceilMode, w.pl, w.pr, w.Wo);
    return w;
}

std::vector<int64_t> windowShape(const Window& w, int64_t channels) {
    if (w.oneD) return {w.N, channels, w.Wo};
    return {w.N, channels, w.Ho, w.Wo};
}

}  // namespace

// Validates a Conv node and returns its geometry (graph_conv.h).
ConvGeometry convGeometry(const Node& n, const std::vector<const Tensor*>& in) {
    const Tensor& X = need(in, 0);
    const Tensor& Wt = need(in, 1);
    const Attrs& at = n.attrs;
    if (Wt.rank() != X.rank()) bad("Conv weight " + Wt.shapeString() + " does not match input " + X.shapeString());
    Attrs a = at;
    // kernel_shape defaults to the weight's spatial dims and must agree with them.
    std::vector<int64_t> wk(Wt.shape.begin() + 2, Wt.shape.end());
    if (a.kernel.empty()) a.kernel = wk;
    if (a.kernel != wk) bad("Conv kernel_shape " + shapeString(a.kernel) + " differs from the weight " + Wt.shapeString());
    const Window w = window(X, a, "Conv", true);
    const int64_t G = at.group, M = Wt.dim(0);
    if (G < 1 || w.C % G != 0 || M % G != 0) bad("Conv group " + std::to_string(G) + " does not divide channels " + std::to_string(w.C) + " and filters " + std::to_string(M));
    const int64_t Cg = w.C / G;
    if (Wt.dim(1) != Cg) bad("Conv weight " + Wt.shapeString() + " expects " + std::to_string(Wt.dim(1) * G) + " input channels, input has " + std::to_string(w.C));
    const Tensor* Bp = in.size() > 2 ? in[2] : nullptr;
    if (Bp && (Bp->rank() != 1 || Bp->dim(0) != M)) bad("Conv bias " + Bp->shapeString() + " must be [" + std::to_string(M) + "]");
    ConvGeometry g;
    g.N = w.N, g.C = w.C, g.H = w.H, g.W = w.W, g.M = M, g.G = G;
    g.kh = w.kh, g.kw = w.kw, g.sh = w.sh, g.sw = w.sw, g.dh = w.dh, g.dw = w.dw, g.pt = w.pt, g.pl = w.pl;
    g.Ho = w.Ho, g.Wo = w.Wo;
    g.outShape = windowShape(w, M);
    checkedElements({g.Kc(), g.P()}, "Conv patch matrix");
    return g;
}

namespace {

// im2col + blocked GEMM (graph_conv.cpp).
Tensor conv(const Node& n, const std::vector<const Tensor*>& in) {
    return convForward(convGeometry(n, in), need(in, 0), need(in, 1), in.size() > 2 ? in[2] : nullptr);
}

Tensor pool(const Node& n, const Tensor& X, bool isMax) {
    const Attrs& at = n.attrs;
    if (at.kernel.empty()) bad(std::string(isMax ? "MaxPool" : "AveragePool") + " needs kernel_shape");
    const Window w = window(X, at, isMax ? "MaxPool" : "AveragePool", isMax);
    Tensor Y(windowShape(w, w.C));
    const int64_t NC = w.N * w.C;
    // count_include_pad counts the padding inside [-begin, in + end), never the overhang of ceil_mode.
    for (int64_t nc = 0; nc < NC; ++nc) {
        const float* x = X.data.data() + nc * w.H * w.W;
        float* y = Y.data.data() + nc * w.Ho * w.Wo;
        for (int64_t oy = 0; oy < w.Ho; ++oy)
            for (int64_t ox = 0; ox < w.Wo; ++ox) {
                const int64_t y0 = oy * w.sh - w.pt, x0 = ox * w.sw - w.pl;
                float acc = isMax ? -std::numeric_limits<float>::infinity() : 0.0f;
                int64_t count = 0, padded = 0;
                for (int64_t i = 0; i < w.kh; ++i) {
                    const int64_t yy = y0 + i * w.dh;
                    for (int64_t j = 0; j < w.kw; ++j) {
                        const int64_t xx = x0 + j * w.dw;
                        if (yy >= -w.pt && yy < w.H + w.pb && xx >= -w.pl && xx < w.W + w.pr) ++padded;
                        if (yy < 0 || yy >= w.H || xx < 0 || xx >= w.W) continue;
                        const float v = x[yy * w.W + xx];
                        if (isMax) acc = std::max(acc, v);
                        else acc += v;
                        ++count;
                    }
                }
                if (!isMax) {
                    const int64_t div = at.countIncludePad ? padded : count;
                    acc = div > 0 ? acc / static_cast<float>(div) : 0.0f;
                } else if (count == 0) {
                    acc = 0.0f;
                }
                y[oy * w.Wo + ox] = acc;
            }
    }
    return Y;
}

Tensor globalAveragePool(const Node& n, const Tensor& X) {
    if (X.rank() < 3) bad("GlobalAveragePool needs [N, C, spatial...], given " + X.shapeString());
    const int64_t N = X.dim(0), C = X.dim(1), S = prod(X.shape, 2, X.shape.size());
    std::vector<int64_t> shape{N, C};
    if (n.attrs.keepDims) shape.insert(shape.end(), X.shape.size() - 2, 1);
    Tensor Y(shape);
    for (int64_t i = 0; i < N * C; ++i) {
        double s = 0;
        for (int64_t k = 0; k < S; ++k) s += X.data[static_cast<size_t>(i * S + k)];
        Y.data[static_cast<size_t>(i)] = S > 0 ? static_cast<float>(s / static_cast<double>(S)) : 0.0f;
    }
    return Y;
}

Tensor batchNorm(const Node& n, const std::vector<const Tensor*>& in) {
    const Tensor& X = need(in, 0);
    if (X.rank() < 2) bad("BatchNormalization needs [N, C, ...], given " + X.shapeString());
    const int64_t C = X.dim(1), S = prod(X.shape, 2, X.shape.size());
    for (size_t k = 1; k < 5; ++k) {
        const Tensor& p = need(in, k);
        if (p.rank() != 1 || p.dim(0) != C) bad("BatchNormalization parameter " + std::to_string(k) + " is " + p.shapeString() + ", expected [" + std::to_string(C) + "]");
    }
    const auto &scale = in[1]->data, &bias = in[2]->data, &mean = in[3]->data, &var = in[4]->data;
    std::vector<float> mul(static_cast<size_t>(C)), add(static_cast<size_t>(C));
    for (size_t c = 0; c < static_cast<size_t>(C); ++c) {
        const double v = static_cast<double>(var[c]) + n.attrs.epsilon;
        if (!(v > 0)) bad("BatchNormalization variance + epsilon is not positive in channel " + std::to_string(c));
        const double m = scale[c] / std::sqrt(v);
        mul[c] = static_cast<float>(m);
        add[c] = static_cast<float>(bias[c] - mean[c] * m);
    }
    Tensor Y;
    Y.shape = X.shape;
    Y.data.resize(X.data.size());
    const int64_t N = X.dim(0);
    for (int64_t b = 0; b < N; ++b)
        for (int64_t c = 0; c < C; ++c) {
            const size_t off = static_cast<size_t>((b * C + c) * S);
            for (int64_t k = 0; k < S; ++k) Y.data[off + k] = X.data[off + k] * mul[c] + add[c];
        }
    return Y;
}

// ------------------------------------------------------------------------------ reshaping

Tensor transpose(const Tensor& X, std::vector<int64_t> perm) {
    const int64_t r = X.rank();
    if (perm.empty())
        for (int64_t i = r - 1; i >= 0; --i) perm.push_back(i);
    if (static_cast<int64_t>(perm.size()) != r) bad("Transpose perm " + shapeString(perm) + " does not match rank " + std::to_string(r));
    std::vector<bool> seen(static_cast<size_t>(r), false);
    for (int64_t p : perm) {
        if (p < 0 || p >= r || seen[static_cast<size_t>(p)]) bad("Transpose perm " + shapeString(perm) + " is not a permutation");
        seen[static_cast<size_t>(p)] = true;
    }
    std::vector<int64_t> shape(static_cast<size_t>(r)), inStride(static_cast<size_t>(r));
    int64_t acc = 1;
    for (int64_t i = r - 1; i >= 0; --i) {
        inStride[static_cast<size_t>(i)] = acc;
        acc *= X.dim(i);
    }
    std::vector<int64_t> st(static_cast<size_t>(r));
    for (int64_t i = 0; i < r; ++i) {
        shape[static_cast<size_t>(i)] = X.dim(perm[static_cast<size_t>(i)]);
        st[static_cast<size_t>(i)] = inStride[static_cast<size_t>(perm[static_cast<size_t>(i)])];
    }
    Tensor Y(shape);
    std::vector<int64_t> idx(static_cast<size_t>(r), 0);
    for (int64_t o = 0; o < Y.numel(); ++o) {
        int64_t off = 0;
        for (int64_t d = 0; d < r; ++d) off += idx[static_cast<size_t>(d)] * st[static_cast<size_t>(d)];
        Y.data[static_cast<size_t>(o)] = X.data[static_cast<size_t>(off)];
        for (int64_t d = r - 1; d >= 0; --d) {
            if (++idx[static_cast<size_t>(d)] < shape[static_cast<size_t>(d)]) break;
            idx[static_cast<size_t>(d)] = 0;
        }
    }
    return Y;
}

Tensor reshaped(const Tensor& X, std::vector<int64_t> shape) {
    Tensor Y;
    Y.shape = std::move(shape);
    if (checkedElements(Y.shape, "reshape") != X.numel()) bad("cannot reshape " + X.shapeString() + " to " + shapeString(Y.shape));
    Y.data = X.data;
    return Y;
}

Tensor reshape(const Node& n, const Tensor& X) {
    std::vector<int64_t> s = n.attrs.shape;
    int64_t infer = -1, known = 1;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == 0 && !n.attrs.allowZero) {
            if (i >= X.shape.size()) bad("Reshape copies dim " + std::to_string(i) + " of a rank-" + std::to_string(X.rank()) + " input");
            s[i] = X.shape[i];
        }
        if (s[i] == -1) {
            if (infer >= 0) bad("Reshape shape " + shapeString(n.attrs.shape) + " has two -1");
            infer = static_cast<int64_t>(i);
            continue;
        }
        if (s[i] < 0) bad("Reshape shape " + shapeString(n.attrs.shape) + " has a negative dim");
        if (s[i] != 0 && known > kMaxTensorElements / s[i]) bad("Reshape shape is too large");
        known *= s[i];
    }
    if (infer >= 0) {
        if (known == 0 || X.numel() % known != 0) bad("cannot reshape " + X.shapeString() + " to " + shapeString(n.attrs.shape));
        s[static_cast<size_t>(infer)] = X.numel() / known;
    }
    return reshaped(X, s);
}

Tensor flatten(const Node& n, const Tensor& X) {
    if (n.attrs.channelsLast && X.rank() == 4) {
        const Tensor t = transpose(X, {0, 2, 3, 1});
        return reshaped(t, {X.dim(0), X.numel() / std::max<int64_t>(X.dim(0), 1)});
    }
    const int64_t axis = n.attrs.axis < 0 ? n.attrs.axis + X.rank() : n.attrs.axis;
    if (axis < 0 || axis > X.rank()) bad("Flatten axis " + std::to_string(n.attrs.axis) + " is out of range for " + X.shapeString());
    return reshaped(X, {prod(X.shape, 0, static_cast<size_t>(axis)), prod(X.shape, static_cast<size_t>(axis), X.shape.size())});
}

Tensor squeeze(const Node& n, const Tensor& X) {
    std::vector<bool> drop(X.shape.size(), false);
    if (n.attrs.axes.empty()) {
        for (size_t i = 0; i < X.shape.size(); ++i) drop[i] = X.shape[i] == 1;
    } else {
        for (int64_t a : n.attrs.axes) {
            const int64_t k = normAxis(a, X.rank(), "Squeeze axis");
            if (X.dim(k) != 1) bad("Squeeze axis " + std::to_string(a) + " has size " + std::to_string(X.dim(k)) + " in " + X.shapeString());
            drop[static_cast<size_t>(k)] = true;
        }
    }
    std::vector<int64_t> s;
    for (size_t i = 0; i < X.shape.size(); ++i)
        if (!drop[i]) s.push_back(X.shape[i]);
    return reshaped(X, s);
}

Tensor unsqueeze(const Node& n, const Tensor& X) {
    const int64_t r = X.rank() + static_cast<int64_t>(n.attrs.axes.size());
    if (n.attrs.axes.empty() || r > 64) bad("Unsqueeze needs 1 to 64 axes");
    std::vector<bool> added(static_cast<size_t>(r), false);
    for (int64_t a : n.attrs.axes) {
        const int64_t k = normAxis(a, r, "Unsqueeze axis");
        if (added[static_cast<size_t>(k)]) bad("Unsqueeze axis " + std::to_string(a) + " is repeated");
        added[static_cast<size_t>(k)] = true;
    }
    std::vector<int64_t> s;
    size_t src = 0;
    for (int64_t i = 0; i < r; ++i) s.push_back(added[static_cast<size_t>(i)] ? 1 : X.shape[src++]);
    return reshaped(X, s);
}

Tensor concat(const Node& n, const std::vector<const Tensor*>& in) {
    const Tensor& first = need(in, 0);
    const int64_t axis = normAxis(n.attrs.axis, first.rank(), "Concat axis");
    std::vector<int64_t> shape = first.shape;
    shape[static_cast<size_t>(axis)] = 0;
    for (size_t k = 0; k < in.size(); ++k) {
        const Tensor& t = need(in, k);
        bool ok = t.rank() == first.rank();
        for (int64_t d = 0; ok && d < t.rank(); ++d) ok = d == axis || t.dim(d) == first.dim(d);
        if (!ok) bad("Concat input " + std::to_string(k) + " " + t.shapeString() + " does not fit " + first.shapeString() + " on axis " + std::to_string(axis));
        shape[static_cast<size_t>(axis)] += t.dim(axis);
    }
    Tensor Y(shape);
    const int64_t outer = prod(first.shape, 0, static_cast<size_t>(axis));
    const int64_t inner = prod(first.shape, static_cast<size_t>(axis) + 1, first.shape.size());
    int64_t offset = 0;
    for (const Tensor* t : in) {
        const int64_t chunk = t->dim(axis) * inner;
        for (int64_t o = 0; o < outer; ++o)
            std::copy_n(t->data.data() + o * chunk, chunk, Y.data.data() + o * shape[static_cast<size_t>(axis)] * inner + offset);
        offset += chunk;
    }
    return Y;
}

Tensor pad(const Node& n, const Tensor& X) {
    const auto& p = n.attrs.pads;
    const size_t r = X.shape.size();
    if (r == 0) bad("Pad of a scalar");
    if (p.size() != 2 * r) bad("Pad pads " + shapeString(p) + " do not match rank " + std::to_string(r));
    std::vector<int64_t> shape(r);
    for (size_t d = 0; d < r; ++d) {
        if (p[d] < 0 || p[d + r] < 0 || p[d] > (1 << 20) || p[d + r] > (1 << 20)) bad("Pad pads " + shapeString(p) + " are out of range (negative pads are not supported)");
        shape[d] = X.shape[d] + p[d] + p[d + r];
    }
    Tensor Y(shape, n.attrs.padValue);
    if (X.numel() == 0) return Y;
    // Copy rows of the innermost dim to their padded offsets.
    const int64_t inner = r ? X.shape[r - 1] : 1;
    const int64_t rows = X.numel() / std::max<int64_t>(inner, 1);
    std::vector<int64_t> idx(r, 0);
    for (int64_t row = 0; row < rows && inner > 0; ++row) {
        int64_t off = 0;
        for (size_t d = 0; d < r; ++d) off = off * shape[d] + (d + 1 < r ? idx[d] + p[d] : p[d]);
        std::copy_n(X.data.data() + row * inner, inner, Y.data.data() + off);
        for (size_t d = r - 1; d-- > 0;) {
            if (++idx[d] < X.shape[d]) break;
            idx[d] = 0;
        }
    }
    return Y;
}

Tensor softmax(const Node& n, const Tensor& X, bool logOut) {
    if (X.rank() == 0) bad("Softmax of a scalar");
    const int64_t axis = normAxis(n.attrs.axis, X.rank(), "Softmax axis");
    int64_t outer, len, inner;
    if (n.attrs.legacySoftmax) {
        outer = prod(X.shape, 0, static_cast<size_t>(axis));
        len = prod(X.shape, static_cast<size_t>(axis), X.shape.size());
        inner = 1;
    } else {
        outer = prod(X.shape, 0, static_cast<size_t>(axis));
        len = X.dim(axis);
        inner = prod(X.shape, static_cast<size_t>(axis) + 1, X.shape.size());
    }
    Tensor Y;
    Y.shape = X.shape;
    Y.data.resize(X.data.size());
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i) {
            const float* x = X.data.data() + o * len * inner + i;
            float* y = Y.data.data() + o * len * inner + i;
            float mx = -std::numeric_limits<float>::infinity();
            for (int64_t k = 0; k < len; ++k) mx = std::max(mx, x[k * inner]);
            double s = 0;
            for (int64_t k = 0; k < len; ++k) s += std::exp(static_cast<double>(x[k * inner] - mx));
            const double ls = std::log(s);
            for (int64_t k = 0; k < len; ++k) {
                const double z = static_cast<double>(x[k * inner] - mx) - ls;
                y[k * inner] = static_cast<float>(logOut ? z : std::exp(z));
            }
        }
    return Y;
}

// ------------------------------------------------------------------------------- backward

// Sums a gradient of the broadcast shape down to `shape` (the input's).
Tensor reduceTo(const Tensor& g, const std::vector<int64_t>& shape) {
    if (g.shape == shape) return g;
    Tensor out(shape);
    const size_t r = g.shape.size();
    const auto st = broadcastStrides(shape, r);
    std::vector<int64_t> idx(r, 0);
    for (int64_t i = 0; i < g.numel(); ++i) {
        int64_t off = 0;
        for (size_t d = 0; d < r; ++d) off += idx[d] * st[d];
        out.data[static_cast<size_t>(off)] += g.data[static_cast<size_t>(i)];
        for (size_t d = r; d-- > 0;) {
            if (++idx[d] < g.shape[d]) break;
            idx[d] = 0;
        }
    }
    return out;
}

// Broadcasts `t` to `shape` (which it broadcasts to).
Tensor expandTo(const Tensor& t, const std::vector<int64_t>& shape) {
    if (t.shape == shape) return t;
    Tensor z(shape);
    return binary(z, t, [](float, float b) { return b; });
}

template <class F>
Tensor zipWith(const Tensor& a, const Tensor& b, F f) {
    Tensor y;
    y.shape = a.shape;
    y.data.resize(a.data.size());
    for (size_t i = 0; i < a.data.size(); ++i) y.data[i] = f(a.data[i], b.data[i]);
    return y;
}

std::vector<std::optional<Tensor>> gemmBackward(const Node& n, const std::vector<const Tensor*>& in, const Tensor& dY) {
    const Tensor& A = *in[0];
    const Tensor& B = *in[1];
    const Attrs& at = n.attrs;
    MapC a(A.data.data(), A.dim(0), A.dim(1)), b(B.data.data(), B.dim(0), B.dim(1)), g(dY.data.data(), dY.dim(0), dY.dim(1));
    Tensor dA(A.shape), dB(B.shape);
    Map da(dA.data.data(), A.dim(0), A.dim(1)), db(dB.data.data(), B.dim(0), B.dim(1));
    // Y = alpha op(A) op(B): d op(A) = alpha g op(B)^T, d op(B) = alpha op(A)^T g.
    const RowMat opB = at.transB ? RowMat(b.transpose()) : RowMat(b);
    const RowMat opA = at.transA ? RowMat(a.transpose()) : RowMat(a);
    const RowMat dOpA = at.alpha * (g * opB.transpose());
    const RowMat dOpB = at.alpha * (opA.transpose() * g);
    da = at.transA ? RowMat(dOpA.transpose()) : dOpA;
    db = at.transB ? RowMat(dOpB.transpose()) : dOpB;
    std::vector<std::optional<Tensor>> out{std::move(dA), std::move(dB)};
    if (in.size() > 2 && in[2]) {
        Tensor dC = reduceTo(dY, in[2]->shape);
        for (auto& v : dC.data) v *= at.beta;
        out.push_back(std::move(dC));
    }
    return out;
}

std::vector<std::optional<Tensor>> matmulBackward(const Tensor& A0, const Tensor& B0, const Tensor& dY0) {
    Tensor A = A0, B = B0, dY = dY0;
    const bool vecA = A.rank() == 1, vecB = B.rank() == 1;
    if (vecA) A.shape.insert(A.shape.begin(), 1);
    if (vecB) B.shape.push_back(1);
    const int64_t M = A.shape[A.shape.size() - 2], K = A.shape.back(), N = B.shape.back();
    const std::vector<int64_t> ba(A.shape.begin(), A.shape.end() - 2), bb(B.shape.begin(), B.shape.end() - 2);
    const auto batch = broadcastShape(ba, bb);
    Tensor dA(A.shape), dB(B.shape);
    const int64_t nb = prod(batch, 0, batch.size());
    const auto sa = broadcastStrides(ba, batch.size()), sb = broadcastStrides(bb, batch.size());
    std::vector<int64_t> idx(batch.size(), 0);
    for (int64_t i = 0; i < nb; ++i) {
        int64_t oa = 0, ob = 0;
        for (size_t d = 0; d < batch.size(); ++d) {
            oa += idx[d] * sa[d];
            ob += idx[d] * sb[d];
        }
        MapC a(A.data.data() + oa * M * K, M, K), b(B.data.data() + ob * K * N, K, N), g(dY.data.data() + i * M * N, M, N);
        Map(dA.data.data() + oa * M * K, M, K).noalias() += g * b.transpose();
        Map(dB.data.data() + ob * K * N, K, N).noalias() += a.transpose() * g;
        for (size_t d = batch.size(); d-- > 0;) {
            if (++idx[d] < batch[d]) break;
            idx[d] = 0;
        }
    }
    dA.shape = A0.shape;
    dB.shape = B0.shape;
    return {std::move(dA), std::move(dB)};
}

Tensor poolBackward(const Node& n, const Tensor& X, const Tensor& dY, bool isMax) {
    const Attrs& at = n.attrs;
    const Window w = window(X, at, isMax ? "MaxPool" : "AveragePool", isMax);
    Tensor dX(X.shape);
    for (int64_t nc = 0; nc < w.N * w.C; ++nc) {
        const float* x = X.data.data() + nc * w.H * w.W;
        float* dx = dX.data.data() + nc * w.H * w.W;
        const float* g = dY.data.data() + nc * w.Ho * w.Wo;
        for (int64_t oy = 0; oy < w.Ho; ++oy)
            for (int64_t ox = 0; ox < w.Wo; ++ox) {
                const int64_t y0 = oy * w.sh - w.pt, x0 = ox * w.sw - w.pl;
                int64_t best = -1, count = 0, padded = 0;
                float mx = -std::numeric_limits<float>::infinity();
                for (int64_t i = 0; i < w.kh; ++i)
                    for (int64_t j = 0; j < w.kw; ++j) {
                        const int64_t yy = y0 + i * w.dh, xx = x0 + j * w.dw;
                        if (yy >= -w.pt && yy < w.H + w.pb && xx >= -w.pl && xx < w.W + w.pr) ++padded;
                        if (yy < 0 || yy >= w.H || xx < 0 || xx >= w.W) continue;
                        ++count;
                        if (x[yy * w.W + xx] > mx || best < 0) mx = x[yy * w.W + xx], best = yy * w.W + xx;
                    }
                const float gv = g[oy * w.Wo + ox];
                if (isMax) {
                    if (best >= 0) dx[best] += gv;
                    continue;
                }
                const int64_t div = at.countIncludePad ? padded : count;
                if (div == 0) continue;
                const float share = gv / static_cast<float>(div);
                for (int64_t i = 0; i < w.kh; ++i)
                    for (int64_t j = 0; j < w.kw; ++j) {
                        const int64_t yy = y0 + i * w.dh, xx = x0 + j * w.dw;
                        if (yy >= 0 && yy < w.H && xx >= 0 && xx < w.W) dx[yy * w.W + xx] += share;
                    }
            }
    }
    return dX;
}

std::vector<std::optional<Tensor>> batchNormBackward(const Node& n, const std::vector<const Tensor*>& in, const Tensor& dY) {
    const Tensor& X = *in[0];
    const int64_t N = X.dim(0), C = X.dim(1), S = prod(X.shape, 2, X.shape.size());
    const auto &scale = in[1]->data, &mean = in[3]->data, &var = in[4]->data;
    Tensor dX(X.shape), dScale({C}), dBias({C}), dMean({C}), dVar({C});
    for (int64_t c = 0; c < C; ++c) {
        const size_t cc = static_cast<size_t>(c);
        const double rstd = 1.0 / std::sqrt(static_cast<double>(var[cc]) + n.attrs.epsilon);
        double sg = 0, sgx = 0;
        for (int64_t b = 0; b < N; ++b) {
            const size_t off = static_cast<size_t>((b * C + c) * S);
            for (int64_t k = 0; k < S; ++k) {
                const double g = dY.data[off + k];
                dX.data[off + k] = static_cast<float>(g * scale[cc] * rstd);
                sg += g;
                sgx += g * (X.data[off + k] - mean[cc]);
            }
        }
        dScale.data[cc] = static_cast<float>(sgx * rstd);
        dBias.data[cc] = static_cast<float>(sg);
        dMean.data[cc] = static_cast<float>(-sg * scale[cc] * rstd);
        dVar.data[cc] = static_cast<float>(-0.5 * sgx * scale[cc] * rstd * rstd * rstd);
    }
    return {std::move(dX), std::move(dScale), std::move(dBias), std::move(dMean), std::move(dVar)};
}

Tensor softmaxBackward(const Node& n, const Tensor& Y, const Tensor& dY, bool logOut) {
    const int64_t axis = normAxis(n.attrs.axis, Y.rank(), "Softmax axis");
    int64_t outer = prod(Y.shape, 0, static_cast<size_t>(axis)), len, inner;
    if (n.attrs.legacySoftmax) {
        len = prod(Y.shape, static_cast<size_t>(axis), Y.shape.size());
        inner = 1;
    } else {
        len = Y.dim(axis);
        inner = prod(Y.shape, static_cast<size_t>(axis) + 1, Y.shape.size());
    }
    Tensor dX(Y.shape);
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i) {
            const size_t base = static_cast<size_t>(o * len * inner + i);
            double s = 0;
            for (int64_t k = 0; k < len; ++k) {
                const size_t at = base + static_cast<size_t>(k * inner);
                s += logOut ? dY.data[at] : double(dY.data[at]) * Y.data[at];
            }
            for (int64_t k = 0; k < len; ++k) {
                const size_t at = base + static_cast<size_t>(k * inner);
                dX.data[at] = logOut ? static_cast<float>(dY.data[at] - std::exp(double(Y.data[at])) * s)
                                     : static_cast<float>(Y.data[at] * (dY.data[at] - s));
            }
        }
    return dX;
}

Tensor asShape(Tensor g, const std::vector<int64_t>& shape) {
    g.shape = shape;
    return g;
}

}  // namespace

Tensor runNode(const Node& n, const std::vector<const Tensor*>& in) {
    const Attrs& at = n.attrs;
    switch (n.op) {
        case Op::Gemm: return gemm(n, in);
        case Op::MatMul: return matmul(need(in, 0), need(in, 1));
        case Op::Add: return binary(need(in, 0), need(in, 1), [](float a, float b) { return a + b; });
        case Op::Sub: return binary(need(in, 0), need(in, 1), [](float a, float b) { return a - b; });
        case Op::Mul: return binary(need(in, 0), need(in, 1), [](float a, float b) { return a * b; });
        case Op::Div: return binary(need(in, 0), need(in, 1), [](float a, float b) { return a / b; });
        case Op::Sum: {
            Tensor y = need(in, 0);
            for (size_t k = 1; k < in.size(); ++k) y = binary(y, need(in, k), [](float a, float b) { return a + b; });
            return y;
        }
        case Op::Relu: return unary(need(in, 0), [](float v) { return v > 0 ? v : 0.0f; });
        case Op::LeakyRelu: return unary(need(in, 0), [a = at.alpha](float v) { return v >= 0 ? v : a * v; });
        case Op::Clip: return unary(need(in, 0), [lo = at.minValue, hi = at.maxValue](float v) { return std::min(std::max(v, lo), hi); });
        case Op::Tanh: return unary(need(in, 0), [](float v) { return std::tanh(v); });
        case Op::Sigmoid: return unary(need(in, 0), [](float v) { return 1.0f / (1.0f + std::exp(-v)); });
        case Op::Erf: return unary(need(in, 0), [](float v) { return std::erf(v); });
        case Op::Gelu:
            if (at.geluTanh)
                return unary(need(in, 0), [](float v) {
                    return 0.5f * v * (1.0f + std::tanh(0.7978845608f * (v + 0.044715f * v * v * v)));
                });
            return unary(need(in, 0), [](float v) { return 0.5f * v * (1.0f + std::erf(v * 0.70710678118f)); });
        case Op::Conv: return conv(n, in);
        case Op::MaxPool: return pool(n, need(in, 0), true);
        case Op::AveragePool: return pool(n, need(in, 0), false);
        case Op::GlobalAveragePool: return globalAveragePool(n, need(in, 0));
        case Op::BatchNorm: return batchNorm(n, in);
        case Op::Flatten: return flatten(n, need(in, 0));
        case Op::Reshape: return reshape(n, need(in, 0));
        case Op::Transpose: return transpose(need(in, 0), at.perm);
        case Op::Squeeze: return squeeze(n, need(in, 0));
        case Op::Unsqueeze: return unsqueeze(n, need(in, 0));
        case Op::Softmax: return softmax(n, need(in, 0), false);
        case Op::LogSoftmax: return softmax(n, need(in, 0), true);
        case Op::Concat: return concat(n, in);
        case Op::Identity: return need(in, 0);
        case Op::Pad: return pad(n, need(in, 0));
    }
    bad("unknown operator");
}


std::vector<std::optional<Tensor>> backwardNode(const Node& n, const std::vector<const Tensor*>& in, const Tensor& out,
                                                const Tensor& dY) {
    const Attrs& at = n.attrs;
    auto elementwise = [&](auto f) -> std::vector<std::optional<Tensor>> { return {zipWith(*in[0], dY, f)}; };
    switch (n.op) {
        case Op::Gemm: return gemmBackward(n, in, dY);
        case Op::MatMul: return matmulBackward(*in[0], *in[1], dY);
        case Op::Add: return {reduceTo(dY, in[0]->shape), reduceTo(dY, in[1]->shape)};
        case Op::Sub: {
            Tensor neg = dY;
            for (auto& v : neg.data) v = -v;
            return {reduceTo(dY, in[0]->shape), reduceTo(neg, in[1]->shape)};
        }
        case Op::Mul:
            return {reduceTo(zipWith(dY, expandTo(*in[1], dY.shape), [](float g, float b) { return g * b; }), in[0]->shape),
                    reduceTo(zipWith(dY, expandTo(*in[0], dY.shape), [](float g, float a) { return g * a; }), in[1]->shape)};
        case Op::Div: {
            const Tensor b = expandTo(*in[1], dY.shape);
            Tensor dB = zipWith(dY, out, [](float g, float y) { return -g * y; });  // -g a / b^2 = -g y / b
            dB = zipWith(dB, b, [](float v, float bv) { return v / bv; });
            return {reduceTo(zipWith(dY, b, [](float g, float bv) { return g / bv; }), in[0]->shape), reduceTo(dB, in[1]->shape)};
        }
        case Op::Sum: {
            std::vector<std::optional<Tensor>> r;
            for (const Tensor* t : in) r.push_back(reduceTo(dY, t->shape));
            return r;
        }
        case Op::Relu: return elementwise([&](float x, float g) { return x > 0 ? g : 0.0f; });
        case Op::LeakyRelu: return elementwise([a = at.alpha](float x, float g) { return x >= 0 ? g : a * g; });
        case Op::Clip:
            return elementwise([lo = at.minValue, hi = at.maxValue](float x, float g) { return x >= lo && x <= hi ? g : 0.0f; });
        case Op::Tanh: return {zipWith(out, dY, [](float y, float g) { return g * (1 - y * y); })};
        case Op::Sigmoid: return {zipWith(out, dY, [](float y, float g) { return g * y * (1 - y); })};
        case Op::Erf: return elementwise([](float x, float g) { return g * 1.1283791671f * std::exp(-x * x); });
        case Op::Gelu:
            if (at.geluTanh)
                return elementwise([](float x, float g) {
                    const float c = 0.7978845608f, k = 0.044715f, t = std::tanh(c * (x + k * x * x * x));
                    return g * (0.5f * (1 + t) + 0.5f * x * (1 - t * t) * c * (1 + 3 * k * x * x));
                });
            return elementwise([](float x, float g) {
                return g * (0.5f * (1 + std::erf(x * 0.70710678118f)) + x * 0.3989422804f * std::exp(-0.5f * x * x));
            });
        case Op::Conv: return convBackward(convGeometry(n, in), *in[0], *in[1], in.size() > 2 ? in[2] : nullptr, dY);
        case Op::MaxPool: return {poolBackward(n, *in[0], dY, true)};
        case Op::AveragePool: return {poolBackward(n, *in[0], dY, false)};
        case Op::GlobalAveragePool: {
            const Tensor& X = *in[0];
            const int64_t S = prod(X.shape, 2, X.shape.size());
            Tensor dX(X.shape);
            for (int64_t i = 0; i < X.numel(); ++i) dX.data[static_cast<size_t>(i)] = dY.data[static_cast<size_t>(i / S)] / static_cast<float>(S);
            return {std::move(dX)};
        }
        case Op::BatchNorm: return batchNormBackward(n, in, dY);
        case Op::Flatten:
            if (at.channelsLast && in[0]->rank() == 4) {
                const Tensor& X = *in[0];
                return {transpose(asShape(dY, {X.dim(0), X.dim(2), X.dim(3), X.dim(1)}), {0, 3, 1, 2})};
            }
            return {asShape(dY, in[0]->shape)};
        case Op::Reshape:
        case Op::Squeeze:
        case Op::Unsqueeze:
        case Op::Identity: return {asShape(dY, in[0]->shape)};
        case Op::Transpose: {
            std::vector<int64_t> perm = at.perm;
            if (perm.empty())
                for (int64_t i = in[0]->rank() - 1; i >= 0; --i) perm.push_back(i);
            std::vector<int64_t> inv(perm.size());
            for (size_t i = 0; i < perm.size(); ++i) inv[static_cast<size_t>(perm[i])] = static_cast<int64_t>(i);
            return {transpose(dY, inv)};
        }
        case Op::Softmax: return {softmaxBackward(n, out, dY, false)};
        case Op::LogSoftmax: return {softmaxBackward(n, out, dY, true)};
        case Op::Concat: {
            const int64_t axis = normAxis(at.axis, dY.rank(), "Concat axis");
            const int64_t outer = prod(dY.shape, 0, static_cast<size_t>(axis));
            const int64_t inner = prod(dY.shape, static_cast<size_t>(axis) + 1, dY.shape.size());
            std::vector<std::optional<Tensor>> r;
            int64_t offset = 0;
            for (const Tensor* t : in) {
                Tensor d(t->shape);
                const int64_t chunk = t->dim(axis) * inner;
                for (int64_t o = 0; o < outer; ++o)
                    std::copy_n(dY.data.data() + o * dY.dim(axis) * inner + offset, chunk, d.data.data() + o * chunk);
                offset += chunk;
                r.push_back(std::move(d));
            }
            return r;
        }
        case Op::Pad: {
            // Crop: the gradient of the input is the interior of dY.
            const Tensor& X = *in[0];
            const size_t r = X.shape.size();
            Tensor dX(X.shape);
            const int64_t inner = X.shape[r - 1];
            const int64_t rows = X.numel() / std::max<int64_t>(inner, 1);
            std::vector<int64_t> idx(r, 0);
            for (int64_t row = 0; row < rows && inner > 0; ++row) {
                int64_t off = 0;
                for (size_t d = 0; d < r; ++d) off = off * dY.shape[d] + (d + 1 < r ? idx[d] + at.pads[d] : at.pads[d]);
                std::copy_n(dY.data.data() + off, inner, dX.data.data() + row * inner);
                for (size_t d = r - 1; d-- > 0;) {
                    if (++idx[d] < X.shape[d]) break;
                    idx[d] = 0;
                }
            }
            return {std::move(dX)};
        }
    }
    bad("unknown operator");
}

}  // namespace scalpel::graph

namespace scalpel::graph {

// Jᵀ dY of a Conv for its input only (no weight gradient): LRP's transposed passes (graph_conv.cpp).
Tensor convInputGradient(const Node& n, const Tensor& X, const Tensor& Wt, const Tensor& dY) {
    const ConvGeometry g = convGeometry(n, {&X, &Wt});
    if (dY.numel() != g.N * g.M * g.P()) bad("Conv gradient " + dY.shapeString() + " does not match the output");
    return convInputGradient(g, X.shape, Wt, dY);
}

}  // namespace scalpel::graph
