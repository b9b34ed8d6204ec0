#pragma once
// Two-component PCA of the rows of a matrix, for the scatter of image embeddings before and
// after prompt nullification.
#include <Eigen/Core>

namespace scalpel::clip {

struct Pca2d {
    Eigen::MatrixXd scores;          // n x 2: centred rows projected on the top two components
    Eigen::MatrixXd components;      // d x 2, orthonormal columns (descending variance)
    Eigen::Vector2d variance;        // variance (1/n) along each component
    double totalVariance = 0;        // trace of the (1/n) covariance
};

// Components are the top eigenvectors of the (1/n) covariance of the centred rows, each signed
// so that its largest-magnitude entry is positive (a deterministic choice). With d == 1 the
// second column is zero. Throws std::invalid_argument when X has fewer than 2 rows.
Pca2d pca2d(const Eigen::MatrixXd& X);

}  // namespace scalpel::clip
