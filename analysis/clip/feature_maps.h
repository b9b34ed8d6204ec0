#pragma once
// Feature maps and Gram matrices of the CLIP kernels (specs/clip_schur.md §2).
#include <cstdint>

#include <Eigen/Core>

namespace scalpel::clip {

// Standard normal d x D matrix from a counter-based stream, divided by sigma.
// Element (i, j) uses draw e = i*D + j. Draw pairs (2p, 2p+1) come from Box-Muller on
// u1 = 1 - U(2p), u2 = U(2p+1), where U(k) = (splitmix64(seed, k) >> 11) * 2^-53 and
// splitmix64(seed, k) is SplitMix64's finaliser applied to seed + (k+1) * 0x9E3779B97F4A7C15
// (i.e. the (k+1)-th output of SplitMix64 seeded with `seed`). Reproducible anywhere.
Eigen::MatrixXd gaussianFrequencies(Eigen::Index d, Eigen::Index D, double sigma, uint64_t seed);
uint64_t splitmix64At(uint64_t seed, uint64_t k);

// phi(x) = [cos(x Omega), sin(x Omega)] / sqrt(D), row per sample (n x 2D). |phi(x)| = 1.
Eigen::MatrixXd rffFeatures(const Eigen::MatrixXd& X, const Eigen::MatrixXd& omega);

// Rows scaled to unit length (throws std::invalid_argument naming the row on a zero row).
Eigen::MatrixXd normaliseRows(const Eigen::MatrixXd& X, const char* what);
// Columns scaled to unit length over the samples (authors' cosine; zero column is an error).
Eigen::MatrixXd normaliseColumns(const Eigen::MatrixXd& X, const char* what);

// K_ij = exp(-|x_i - x_j|^2 / (2 sigma^2)), built from one GEMM (X X^T) and the row norms.
Eigen::MatrixXd gaussianGram(const Eigen::MatrixXd& X, double sigma);

}  // namespace scalpel::clip
