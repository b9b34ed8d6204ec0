#pragma once
// Entropy scores of eigenvalue spectra (specs/clip_schur.md §5).
#include <Eigen/Core>

namespace scalpel::clip {

// score = exp(-sum lc ln(lc / S)), lc = max(l, clamp), S = sum lc. Equals V^S where V is
// the Vendi score of the unit-trace matrix. Used for SCE and the text score.
double schurEntropyScore(const Eigen::VectorXd& eigenvalues, double clamp);
// exp(H(p)) with p = lc / S: the Vendi score of the trace-normalised matrix.
double normalisedVendi(const Eigen::VectorXd& eigenvalues, double clamp);
// exp(-sum lc ln lc): unnormalised von Neumann reading (spec §5 table, reading c).
double vonNeumannScore(const Eigen::VectorXd& eigenvalues, double clamp);

// Companion scores of a trace-1 covariance (authors' calculate_stats), eigenvalues clamped,
// not renormalised.
struct VendiFamily {
    double vendi1 = 0, vendi1_5 = 0, vendi2 = 0, vendi2_5 = 0, vendiInf = 0;  // vendi2 = RKE
};
VendiFamily vendiFamily(const Eigen::VectorXd& eigenvalues, double clamp);

}  // namespace scalpel::clip
