#pragma once
// Row-wise kernels shared by the forward and backward passes: LayerNorm, gelu_new and the
// causal softmax. Rows are tokens; statistics are accumulated in double for float inputs.
#include <cmath>

#include "analysis/engine/gpt2_tape.h"

namespace scalpel::engine::ops {

// hat = (x - mean) / sqrt(var + eps) per row (biased variance), rstd = 1 / sqrt(var + eps).
template <class S>
void layerNorm(const Act<S>& x, double eps, Act<S>& hat, ColVec<S>& rstd) {
    const int64_t n = x.rows(), d = x.cols();
    hat.resize(n, d);
    rstd.resize(n);
    for (int64_t r = 0; r < n; ++r) {
        const auto row = x.row(r);
        const double mean = row.template cast<double>().sum() / static_cast<double>(d);
        const double var = (row.template cast<double>().array() - mean).square().sum() / static_cast<double>(d);
        const double inv = 1.0 / std::sqrt(var + eps);
        rstd(r) = static_cast<S>(inv);
        hat.row(r) = ((row.template cast<double>().array() - mean) * inv).template cast<S>();
    }
}

// y = hat * gamma + beta, row-wise.
template <class S>
void affine(const Act<S>& hat, const ColVec<S>& gamma, const ColVec<S>& beta, Act<S>& y) {
    y = (hat.array().rowwise() * gamma.transpose().array()).rowwise() + beta.transpose().array();
}

// Given g = dL/d(hat) per row, returns dL/dx. The exact Jacobian subtracts the mean of g and
// the projection on hat; the LN-rule (sigma constant) keeps only the centring.
template <class S>
void layerNormBackward(const Act<S>& hat, const ColVec<S>& rstd, const Act<S>& g, bool lnRule, Act<S>& dx) {
    const int64_t n = hat.rows(), d = hat.cols();
    dx.resize(n, d);
    for (int64_t r = 0; r < n; ++r) {
        const double meanG = g.row(r).template cast<double>().sum() / static_cast<double>(d);
        double meanGHat = 0;
        if (!lnRule) meanGHat = g.row(r).template cast<double>().dot(hat.row(r).template cast<double>()) / static_cast<double>(d);
        dx.row(r) = (rstd(r) * (g.row(r).array() - static_cast<S>(meanG) - hat.row(r).array() * static_cast<S>(meanGHat)));
    }
}

// gelu_new(u) = 0.5 u (1 + tanh(sqrt(2/pi) (u + 0.044715 u^3))).
constexpr double kGeluC = 0.7978845608028654;  // sqrt(2 / pi)
constexpr double kGeluK = 0.044715;

template <class S>
void gelu(const Act<S>& u, Act<S>& y) {
    const S c = static_cast<S>(kGeluC), k = static_cast<S>(kGeluK);
    y = (S(0.5) * u.array()) * (S(1) + (c * (u.array() + k * u.array().cube())).tanh());
}

// dL/du from dL/dy: exact derivative, or the Identity rule y/(u + 1e-6 sign(u)) (sign(0) = +1).
template <class S>
void geluBackward(const Act<S>& u, const Act<S>& dy, bool identityRule, Act<S>& du) {
    const S c = static_cast<S>(kGeluC), k = static_cast<S>(kGeluK);
    const auto a = u.array();
    // tanh once into du (the output buffer), then the rule's factor in place.
    du = (c * (a + k * a.cube())).tanh();
    auto t = du.array();
    if (identityRule) {
        const S eps = static_cast<S>(kIdentityRuleEpsilon);
        t = dy.array() * (S(0.5) * a * (S(1) + t)) / (a + ((a >= S(0)).template cast<S>() * (2 * eps) - eps));
    } else {
        t = dy.array() * (S(0.5) * (S(1) + t) + S(0.5) * a * (S(1) - t.square()) * c * (S(1) + S(3) * k * a.square()));
    }
}

// In place: scores [T, T] of one head -> causal softmax (entries above the diagonal are 0).
template <class Derived>
void causalSoftmax(Eigen::MatrixBase<Derived>& s) {
    using S = typename Derived::Scalar;
    const int64_t t = s.rows();
    for (int64_t i = 0; i < t; ++i) {
        auto row = s.row(i).head(i + 1);
        const S mx = row.maxCoeff();
        row = (row.array() - mx).exp();
        row /= row.sum();
        if (i + 1 < t) s.row(i).tail(t - i - 1).setZero();
    }
}

// Epsilon rule factor y / stab(y), stab(y) = y + eps (sign(y) + [y = 0]) (zennit); g *= factor.
template <class S>
void applyEpsilon(const Act<S>& y, double eps, Act<S>& g) {
    if (eps == 0) return;
    const S e = static_cast<S>(eps);
    g.array() *= y.array() / (y.array() + ((y.array() >= S(0)).template cast<S>() * (2 * e) - e));
}

}  // namespace scalpel::engine::ops
