#pragma once
// Schur-complement decomposition of paired text/image embeddings (specs/clip_schur.md):
// C_II = Lambda_{I,T} (text-explained) + Lambda_{I|T} (Schur complement), scored by SCE.
#include <string>
#include <vector>

#include <Eigen/Core>

#include "analysis/clip/clip_options.h"
#include "analysis/clip/spectral_scores.h"
#include "analysis/common/progress.h"

namespace scalpel::clip {

struct PromptGroup {
    std::string label;     // prompt id, or "#<first row>" when groups come from identical text rows
    int size = 0;
    double withinTrace = 0;  // (1/n_g) sum |phi(x_i) - mean_g|^2: the prompt's image diversity
};

struct Decomposition {
    std::string kernel;      // "gaussian-rff", "gaussian-exact", "cosine", "cosine-code"
    std::string side;        // "feature" (m x m covariances) or "gram" (n x n kernel matrices)
    Eigen::Index n = 0, d = 0, m = 0;
    Eigen::Index rankKept = 0;     // eigen-directions of C_TT (+ridge) kept by the cut-off
    double cutoffRelative = 0;     // keep lambda > cutoffRelative * lambda_max
    double gapRatio = 0;           // lambda_k / lambda_{k+1} around the cut-off (inf if none dropped)

    // Descending, length m (Gram side: padded with structural zeros or cut to m).
    Eigen::VectorXd spectrumText;     // Lambda_{I,T}
    Eigen::VectorXd spectrumSchur;    // Lambda_{I|T}
    Eigen::VectorXd spectrumImage;    // C_II
    Eigen::VectorXd spectrumTextCov;  // C_TT

    double sce = 0, textScore = 0;
    double traceSchur = 0, traceText = 0, traceImage = 0;
    double normalisedVendiSchur = 0, vonNeumannSchur = 0;
    VendiFamily imageVendi, textVendi;
    double clipScore = 0;        // mean 2.5 * max(cos(t, x), 0)   (Hessel et al. 2021)
    double meanCosine = 0;       // mean cos(t, x)
    std::vector<PromptGroup> groups;
    std::vector<int> groupOfRow;  // row -> index into groups (size n)
    Eigen::MatrixXd omega;       // the RFF frequencies used (d x D), empty otherwise
    std::vector<std::string> warnings;
};

// T and X are n x d, row i of one paired with row i of the other. promptIds (optional, size n)
// define the per-prompt groups; without them rows with identical text embeddings group.
// Throws std::invalid_argument with a clear message on bad input; Cancelled on cancel.
Decomposition decompose(const Eigen::MatrixXd& T, const Eigen::MatrixXd& X, const Options& options,
                        const std::vector<std::string>& promptIds = {}, const ProgressToken& progress = {});

// Checks n, d, finiteness and options; throws std::invalid_argument naming the problem.
void validateInputs(const Eigen::MatrixXd& T, const Eigen::MatrixXd& X, const Options& options);

}  // namespace scalpel::clip
