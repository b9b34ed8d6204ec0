#include "analysis/clip/feature_maps.h"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace scalpel::clip {

uint64_t splitmix64At(uint64_t seed, uint64_t k) {
    uint64_t z = seed + (k + 1) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double uniformAt(uint64_t seed, uint64_t k) {
    return static_cast<double>(splitmix64At(seed, k) >> 11) * 0x1.0p-53;
}

Eigen::MatrixXd gaussianFrequencies(Eigen::Index d, Eigen::Index D, double sigma, uint64_t seed) {
    // Row-major draw order e = i*D + j; each Box-Muller pair (2p, 2p+1) is computed once.
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> omega(d, D);
    double* out = omega.data();
    const int64_t total = static_cast<int64_t>(d) * static_cast<int64_t>(D);
    const int64_t pairs = (total + 1) / 2;
#pragma omp parallel for schedule(static)
    for (int64_t p = 0; p < pairs; ++p) {
        double u1 = 1.0 - uniformAt(seed, 2 * static_cast<uint64_t>(p));  // in (0, 1]: log is finite
        double u2 = uniformAt(seed, 2 * static_cast<uint64_t>(p) + 1);
        double r = std::sqrt(-2.0 * std::log(u1)) / sigma;
        double angle = 2.0 * std::numbers::pi * u2;
        out[2 * p] = r * std::cos(angle);
        if (2 * p + 1 < total) out[2 * p + 1] = r * std::sin(angle);
    }
    return omega;
}

Eigen::MatrixXd rffFeatures(const Eigen::MatrixXd& X, const Eigen::MatrixXd& omega) {
    const Eigen::Index n = X.rows(), D = omega.cols();
    Eigen::MatrixXd proj = X * omega;  // n x D, one GEMM
    Eigen::MatrixXd phi(n, 2 * D);
    const double scale = 1.0 / std::sqrt(static_cast<double>(D));
    // Plain loops over contiguous columns: GCC fuses cos and sin of the same argument into
    // one sincos call, about 3x faster than Eigen's scalar array cos()/sin() on doubles.
#pragma omp parallel for schedule(static)
    for (Eigen::Index j = 0; j < D; ++j) {
        const double* p = proj.col(j).data();
        double* c = phi.col(j).data();
        double* s = phi.col(D + j).data();
        for (Eigen::Index i = 0; i < n; ++i) {
            c[i] = std::cos(p[i]) * scale;
            s[i] = std::sin(p[i]) * scale;
        }
    }
    return phi;
}

Eigen::MatrixXd normaliseRows(const Eigen::MatrixXd& X, const char* what) {
    Eigen::MatrixXd out = X;
    for (Eigen::Index i = 0; i < X.rows(); ++i) {
        double norm = X.row(i).norm();
        if (!(norm > 0)) throw std::invalid_argument(std::string(what) + " row " + std::to_string(i) + " is all zeros; it has no direction");
        out.row(i) /= norm;
    }
    return out;
}

Eigen::MatrixXd normaliseColumns(const Eigen::MatrixXd& X, const char* what) {
    Eigen::MatrixXd out = X;
    for (Eigen::Index j = 0; j < X.cols(); ++j) {
        double norm = X.col(j).norm();
        if (!(norm > 0)) throw std::invalid_argument(std::string(what) + " feature column " + std::to_string(j) + " is all zeros (cosine-code kernel)");
        out.col(j) /= norm;
    }
    return out;
}

Eigen::MatrixXd gaussianGram(const Eigen::MatrixXd& X, double sigma) {
    Eigen::MatrixXd K = Eigen::MatrixXd::Zero(X.rows(), X.rows());
    K.selfadjointView<Eigen::Lower>().rankUpdate(X);  // lower triangle of X X^T
    Eigen::VectorXd sq = K.diagonal();
    const double inv = -1.0 / (2.0 * sigma * sigma);
    for (Eigen::Index j = 0; j < K.cols(); ++j) {
        for (Eigen::Index i = j; i < K.rows(); ++i) {
            // max(.,0): rounding can make a tiny squared distance negative.
            double dist2 = std::max(sq(i) + sq(j) - 2.0 * K(i, j), 0.0);
            K(i, j) = std::exp(dist2 * inv);
        }
        K(j, j) = 1.0;
    }
    K.triangularView<Eigen::StrictlyUpper>() = K.transpose();
    return K;
}

}  // namespace scalpel::clip
