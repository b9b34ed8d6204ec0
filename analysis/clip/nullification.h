#pragma once
// Prompt nullification (specs/clip_schur.md §6): remove from image embeddings what their
// prompts linearly explain.
#include <Eigen/Core>

namespace scalpel::clip {

enum class NullifyForm {
    Paper,    // least squares on unit rows: x^ - t^ Gamma*^T, Gamma* = C_IT pinv_cut(C_TT)
    Authors,  // CLIP-DISSECTION get_corrected_embedding: x - t A*, A* from column-cosine matrices
};

struct Nullification {
    Eigen::MatrixXd corrected;        // n x d corrected image embeddings
    Eigen::MatrixXd map;              // Gamma* (d x d, paper) or A* (d x d, authors)
    Eigen::VectorXd cosineBefore;     // cos(t_i, x_i)
    Eigen::VectorXd cosineAfter;      // cos(t_i, corrected_i)
    double meanCosineBefore = 0, meanCosineAfter = 0;
    Eigen::Index rankKept = 0;
};

// Estimates the map on (T, X) and applies it to the same pairs. cutoff < 0: the default
// d * 2^-23 (torch float32 pinv). Throws std::invalid_argument on bad input.
Nullification nullify(const Eigen::MatrixXd& T, const Eigen::MatrixXd& X, NullifyForm form, double cutoff = -1,
                      double ridge = 1e-12);

}  // namespace scalpel::clip
