#pragma once
// Convolution kernels of the graph IR (internal to analysis/graph): im2col patches and blocked
// GEMMs. Forward: per chunk of examples (at most 8 MiB of patches), the patches of the chunk side
// by side ([C/G·kh·kw, examples·positions]) times the filters in one GEMM (Eigen -> BLAS sgemm,
// multithreaded), then scattered to NCHW. Backward: the same patches give the weight gradient
// (one GEMM per chunk), Wᵀ·dY gives the patch gradients, which col2im scatters back to the input
// pixels; im2col, col2im and the scatters run in parallel over (example, channel) on short-lived
// std::threads. Not OpenMP: libgomp's idle workers spin after each parallel region and take the
// cores from the BLAS threads of the next GEMM (measured: 55 % of a ResNet-18 backward spinning).
#include <algorithm>
#include <cstdint>
#include <optional>
#include <thread>
#include <vector>

#include "analysis/graph/graph_model.h"

namespace scalpel::graph {

// Threads for parallelFor: OMP_NUM_THREADS when set (the benchmarks set it), else the cores.
int parallelThreads();

// f(i) for i in [0, n), split in contiguous ranges over parallelThreads() threads when `work`
// (elements touched) is large enough to pay for starting them. f must not throw.
template <class F>
void parallelFor(int64_t n, int64_t work, F&& f) {
    const int64_t T = std::min<int64_t>(parallelThreads(), n);
    if (T <= 1 || work < (int64_t(1) << 16)) {
        for (int64_t i = 0; i < n; ++i) f(i);
        return;
    }
    auto range = [&](int64_t t) {
        for (int64_t i = n * t / T; i < n * (t + 1) / T; ++i) f(i);
    };
    std::vector<std::thread> pool;
    pool.reserve(static_cast<size_t>(T - 1));
    for (int64_t t = 1; t < T; ++t) pool.emplace_back(range, t);
    range(0);
    for (auto& th : pool) th.join();
}

struct ConvGeometry {
    int64_t N = 0, C = 0, H = 1, W = 0;  // input (H = 1 for 1-D convolutions)
    int64_t M = 0, G = 1;                // filters, groups
    int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pl = 0;
    int64_t Ho = 1, Wo = 0;
    std::vector<int64_t> outShape;
    int64_t Cg() const { return C / G; }
    int64_t Mg() const { return M / G; }
    int64_t Kc() const { return Cg() * kh * kw; }  // patch length
    int64_t P() const { return Ho * Wo; }          // output positions
};

// Validates a Conv node's inputs (X, W, optional bias) and returns its geometry; throws
// GraphError with the reason. graph_ops.cpp.
ConvGeometry convGeometry(const Node& n, const std::vector<const Tensor*>& in);

// Patches of one example's group of Cg input planes (x: [Cg, H, W]) into rows (c, i, j), columns
// output positions: cols[r * ld + p], p < P. Out-of-image taps are 0.
void im2col(const ConvGeometry& g, const float* x, float* cols, int64_t ld);
// Adds patch gradients (same layout) back to the input planes dx: [Cg, H, W].
void col2im(const ConvGeometry& g, const float* cols, int64_t ld, float* dx);

Tensor convForward(const ConvGeometry& g, const Tensor& X, const Tensor& W, const Tensor* B);
// Jᵀ dY for the input only (no weight gradient): LRP's transposed passes.
Tensor convInputGradient(const ConvGeometry& g, const std::vector<int64_t>& inputShape, const Tensor& W, const Tensor& dY);
// Gradients of X, W and (when B is given) the bias.
std::vector<std::optional<Tensor>> convBackward(const ConvGeometry& g, const Tensor& X, const Tensor& W, const Tensor* B,
                                                const Tensor& dY);

}  // namespace scalpel::graph
