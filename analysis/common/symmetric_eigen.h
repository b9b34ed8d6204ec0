#pragma once
// Symmetric eigendecomposition through LAPACK's divide-and-conquer dsyevd (OpenBLAS on
// Debian) when the build found LAPACK, else Eigen's SelfAdjointEigenSolver. LAPACK's blocked
// tridiagonalisation is several times faster than Eigen's on matrices of thousands of rows,
// which dominate the CLIP decomposition. Eigenvalues ascending, like Eigen.
#include <Eigen/Core>

namespace scalpel {

struct SymmetricEigen {
    Eigen::VectorXd values;   // ascending
    Eigen::MatrixXd vectors;  // columns, empty when only values were asked for
};

// Uses the lower triangle of A.
SymmetricEigen symmetricEigen(const Eigen::MatrixXd& A, bool computeVectors);
// Same, overwriting A (saves a copy of a large matrix).
SymmetricEigen symmetricEigenInPlace(Eigen::MatrixXd&& A, bool computeVectors);
bool symmetricEigenUsesLapack();

}  // namespace scalpel
