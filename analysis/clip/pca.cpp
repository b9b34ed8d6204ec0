#include "analysis/clip/pca.h"

#include <stdexcept>

#include <Eigen/Eigenvalues>

namespace scalpel::clip {

Pca2d pca2d(const Eigen::MatrixXd& X) {
    if (X.rows() < 2 || X.cols() < 1) throw std::invalid_argument("PCA needs at least 2 rows and 1 column");
    const Eigen::MatrixXd centred = X.rowwise() - X.colwise().mean();
    // d x d covariance: embeddings have d of a few hundred to a few thousand, cheaper than n x n.
    const Eigen::MatrixXd cov = (centred.transpose() * centred) / double(X.rows());
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(cov);
    Pca2d out;
    out.components = Eigen::MatrixXd::Zero(X.cols(), 2);
    out.variance.setZero();
    out.totalVariance = cov.trace();
    const Eigen::Index d = X.cols();
    for (Eigen::Index k = 0; k < std::min<Eigen::Index>(2, d); ++k) {
        Eigen::VectorXd v = eig.eigenvectors().col(d - 1 - k);  // ascending order: take from the end
        Eigen::Index at = 0;
        v.cwiseAbs().maxCoeff(&at);
        if (v(at) < 0) v = -v;
        out.components.col(k) = v;
        out.variance(k) = std::max(0.0, eig.eigenvalues()(d - 1 - k));
    }
    out.scores = centred * out.components;
    return out;
}

}  // namespace scalpel::clip
