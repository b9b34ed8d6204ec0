#include "analysis/graph/graph_conv.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <Eigen/Core>

namespace scalpel::graph {

namespace {

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MapC = Eigen::Map<const RowMat>;
using Map = Eigen::Map<RowMat>;

// Patch buffers hold at most this many floats (8 MiB) unless one example needs more: batches go
// in chunks of examples, so that the patches the GEMM reads were just written and are still in
// cache (measured 10-15 % faster on a ResNet-18 forward than one 128 MiB chunk).
constexpr int64_t kPatchBudget = int64_t(1) << 21;

}  // namespace

int parallelThreads() {
    static const int n = [] {
        int t = static_cast<int>(std::thread::hardware_concurrency());
        if (const char* e = std::getenv("OMP_NUM_THREADS")) t = std::atoi(e);
        return std::clamp(t, 1, 256);
    }();
    return n;
}

namespace {

int64_t ceilDiv(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// Output columns [ox0, ox1) whose tap j reads inside the row.
void validRange(const ConvGeometry& g, int64_t j, int64_t& ox0, int64_t& ox1) {
    ox0 = std::max<int64_t>(0, ceilDiv(g.pl - j * g.dw, g.sw));
    ox1 = std::min<int64_t>(g.Wo, ceilDiv(g.W + g.pl - j * g.dw, g.sw));
    if (ox1 < ox0) ox1 = ox0;
}

// Rows (i, j) of one input plane: dst + (i * kw + j) * ld.
void im2colPlane(const ConvGeometry& g, const float* xc, float* dst, int64_t ld) {
    for (int64_t i = 0; i < g.kh; ++i)
        for (int64_t j = 0; j < g.kw; ++j) {
            float* row = dst + (i * g.kw + j) * ld;
            int64_t ox0, ox1;
            validRange(g, j, ox0, ox1);
            const int64_t xoff = ox0 * g.sw - g.pl + j * g.dw;
            for (int64_t oy = 0; oy < g.Ho; ++oy) {
                const int64_t y = oy * g.sh - g.pt + i * g.dh;
                float* d = row + oy * g.Wo;
                if (y < 0 || y >= g.H) {
                    std::fill(d, d + g.Wo, 0.0f);
                    continue;
                }
                std::fill(d, d + ox0, 0.0f);
                std::fill(d + ox1, d + g.Wo, 0.0f);
                const float* s = xc + y * g.W + xoff;
                if (g.sw == 1) {
                    if (ox1 > ox0) std::memcpy(d + ox0, s, sizeof(float) * static_cast<size_t>(ox1 - ox0));
                } else {
                    for (int64_t ox = ox0; ox < ox1; ++ox) d[ox] = s[(ox - ox0) * g.sw];
                }
            }
        }
}

void col2imPlane(const ConvGeometry& g, const float* src, int64_t ld, float* dx) {
    for (int64_t i = 0; i < g.kh; ++i)
        for (int64_t j = 0; j < g.kw; ++j) {
            const float* row = src + (i * g.kw + j) * ld;
            int64_t ox0, ox1;
            validRange(g, j, ox0, ox1);
            const int64_t xoff = ox0 * g.sw - g.pl + j * g.dw;
            for (int64_t oy = 0; oy < g.Ho; ++oy) {
                const int64_t y = oy * g.sh - g.pt + i * g.dh;
                if (y < 0 || y >= g.H) continue;
                const float* __restrict s = row + oy * g.Wo + ox0;
                float* __restrict d = dx + y * g.W + xoff;
                if (g.sw == 1) {
                    for (int64_t k = 0; k < ox1 - ox0; ++k) d[k] += s[k];
                } else {
                    for (int64_t k = 0; k < ox1 - ox0; ++k) d[k * g.sw] += s[k];
                }
            }
        }
}

// Scratch matrices reused by later calls on the same thread: a fresh 50 MB patch buffer per layer
// comes from mmap and is faulted in page by page on every call (measured: a third of a ResNet-18
// forward). Buffers above 512 MiB are released after the call (trimScratch).
std::vector<float>& scratchBuffer(int slot) {
    thread_local std::vector<float> buffers[3];
    return buffers[slot];
}

float* scratch(int slot, int64_t n) {
    auto& b = scratchBuffer(slot);
    if (static_cast<int64_t>(b.size()) < n) {
        b = std::vector<float>();
        b.resize(static_cast<size_t>(n));
    }
    return b.data();
}

void trimScratch() {
    for (int slot = 0; slot < 3; ++slot)
        if (scratchBuffer(slot).size() > (size_t(1) << 27)) scratchBuffer(slot) = std::vector<float>();
}

int64_t chunkOf(const ConvGeometry& g) {
    const int64_t per = std::max<int64_t>(1, std::max(g.Kc(), g.Mg()) * g.P());
    return std::max<int64_t>(1, std::min<int64_t>(g.N, kPatchBudget / per));
}

// Patches of examples [b0, b0 + nb), group grp: cols [Kc, nb * P], column b * P + p.
void im2colChunk(const ConvGeometry& g, const float* X, int64_t b0, int64_t nb, int64_t grp, float* cols) {
    const int64_t Cg = g.Cg(), HW = g.H * g.W, P = g.P(), ld = nb * P, kk = g.kh * g.kw;
    parallelFor(nb * Cg, nb * Cg * kk * P, [&](int64_t i) {
        const int64_t b = i / Cg, c = i % Cg;
        im2colPlane(g, X + ((b0 + b) * g.C + grp * Cg + c) * HW, cols + c * kk * ld + b * P, ld);
    });
}

}  // namespace

void im2col(const ConvGeometry& g, const float* x, float* cols, int64_t ld) {
    const int64_t kk = g.kh * g.kw;
    for (int64_t c = 0; c < g.Cg(); ++c) im2colPlane(g, x + c * g.H * g.W, cols + c * kk * ld, ld);
}

void col2im(const ConvGeometry& g, const float* cols, int64_t ld, float* dx) {
    const int64_t kk = g.kh * g.kw;
    for (int64_t c = 0; c < g.Cg(); ++c) col2imPlane(g, cols + c * kk * ld, ld, dx + c * g.H * g.W);
}

Tensor convForward(const ConvGeometry& g, const Tensor& X, const Tensor& Wt, const Tensor* B) {
    Tensor Y(g.outShape);
    const int64_t Mg = g.Mg(), Kc = g.Kc(), P = g.P(), nbMax = chunkOf(g);
    float* cols = scratch(0, Kc * nbMax * P);
    float* out = scratch(1, Mg * nbMax * P);
    for (int64_t b0 = 0; b0 < g.N; b0 += nbMax) {
        const int64_t nb = std::min(nbMax, g.N - b0), ld = nb * P;
        for (int64_t grp = 0; grp < g.G; ++grp) {
            im2colChunk(g, X.data.data(), b0, nb, grp, cols);
            MapC wg(Wt.data.data() + grp * Mg * Kc, Mg, Kc);
            Map o(out, Mg, ld);
            o.noalias() = wg * MapC(cols, Kc, ld);
            float* y = Y.data.data();
            const float* bias = B ? B->data.data() + grp * Mg : nullptr;
            parallelFor(nb * Mg, nb * Mg * P, [&](int64_t i) {
                const int64_t b = i / Mg, m = i % Mg;
                const float* s = out + m * ld + b * P;
                float* d = y + ((b0 + b) * g.M + grp * Mg + m) * P;
                const float add = bias ? bias[m] : 0.0f;
                for (int64_t p = 0; p < P; ++p) d[p] = s[p] + add;
            });
        }
    }
    trimScratch();
    return Y;
}

namespace {

// dY of examples [b0, b0 + nb), group grp, gathered as [Mg, nb * P] (the layout of the patches).
void gatherOutputGradient(const ConvGeometry& g, const Tensor& dY, int64_t b0, int64_t nb, int64_t grp, float* gy) {
    const int64_t Mg = g.Mg(), P = g.P(), ld = nb * P;
    const float* dy = dY.data.data();
    parallelFor(nb * Mg, nb * Mg * P, [&](int64_t i) {
        const int64_t b = i / Mg, m = i % Mg;
        std::memcpy(gy + m * ld + b * P, dy + ((b0 + b) * g.M + grp * Mg + m) * P, sizeof(float) * static_cast<size_t>(P));
    });
}

// dX of those examples and group: patch gradients Wᵀ·gy, scattered back by col2im.
void scatterInputGradient(const ConvGeometry& g, const Tensor& Wt, const float* gy, int64_t b0, int64_t nb, int64_t grp,
                          float* dCols, Tensor& dX) {
    const int64_t Cg = g.Cg(), Mg = g.Mg(), Kc = g.Kc(), P = g.P(), HW = g.H * g.W, kk = g.kh * g.kw, ld = nb * P;
    Map(dCols, Kc, ld).noalias() = MapC(Wt.data.data() + grp * Mg * Kc, Mg, Kc).transpose() * MapC(gy, Mg, ld);
    float* dx = dX.data.data();
    parallelFor(nb * Cg, nb * Cg * kk * P, [&](int64_t i) {
        const int64_t b = i / Cg, c = i % Cg;
        col2imPlane(g, dCols + c * kk * ld + b * P, ld, dx + ((b0 + b) * g.C + grp * Cg + c) * HW);
    });
}

}  // namespace

Tensor convInputGradient(const ConvGeometry& g, const std::vector<int64_t>& inputShape, const Tensor& Wt, const Tensor& dY) {
    Tensor dX(inputShape);
    const int64_t nbMax = chunkOf(g);
    float* dCols = scratch(1, g.Kc() * nbMax * g.P());
    float* gy = scratch(2, g.Mg() * nbMax * g.P());
    for (int64_t b0 = 0; b0 < g.N; b0 += nbMax) {
        const int64_t nb = std::min(nbMax, g.N - b0);
        for (int64_t grp = 0; grp < g.G; ++grp) {
            gatherOutputGradient(g, dY, b0, nb, grp, gy);
            scatterInputGradient(g, Wt, gy, b0, nb, grp, dCols, dX);
        }
    }
    trimScratch();
    return dX;
}

std::vector<std::optional<Tensor>> convBackward(const ConvGeometry& g, const Tensor& X, const Tensor& Wt, const Tensor* B,
                                                const Tensor& dY) {
    Tensor dX(X.shape), dW(Wt.shape);
    const int64_t Mg = g.Mg(), Kc = g.Kc(), P = g.P(), nbMax = chunkOf(g);
    float* cols = scratch(0, Kc * nbMax * P);
    float* dCols = scratch(1, Kc * nbMax * P);
    float* gy = scratch(2, Mg * nbMax * P);
    for (int64_t b0 = 0; b0 < g.N; b0 += nbMax) {
        const int64_t nb = std::min(nbMax, g.N - b0), ld = nb * P;
        for (int64_t grp = 0; grp < g.G; ++grp) {
            im2colChunk(g, X.data.data(), b0, nb, grp, cols);
            gatherOutputGradient(g, dY, b0, nb, grp, gy);
            Map(dW.data.data() + grp * Mg * Kc, Mg, Kc).noalias() += MapC(gy, Mg, ld) * MapC(cols, Kc, ld).transpose();
            scatterInputGradient(g, Wt, gy, b0, nb, grp, dCols, dX);
        }
    }
    trimScratch();
    std::vector<std::optional<Tensor>> out{std::move(dX), std::move(dW)};
    if (B) {
        Tensor dB({g.M});
        const float* dy = dY.data.data();
        parallelFor(g.M, g.N * g.M * P, [&](int64_t m) {
            double s = 0;
            for (int64_t b = 0; b < g.N; ++b)
                for (int64_t p = 0; p < P; ++p) s += dy[(b * g.M + m) * P + p];
            dB.data[static_cast<size_t>(m)] = static_cast<float>(s);
        });
        out.push_back(std::move(dB));
    }
    return out;
}

}  // namespace scalpel::graph
