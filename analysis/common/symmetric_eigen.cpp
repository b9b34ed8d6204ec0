#include "analysis/common/symmetric_eigen.h"

#include <stdexcept>
#include <string>
#include <vector>

#include <Eigen/Eigenvalues>

#ifdef SCALPEL_HAVE_LAPACK
extern "C" void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w,
                        double* work, const int* lwork, int* iwork, const int* liwork, int* info);
#endif

namespace scalpel {

bool symmetricEigenUsesLapack() {
#ifdef SCALPEL_HAVE_LAPACK
    return true;
#else
    return false;
#endif
}

SymmetricEigen symmetricEigenInPlace(Eigen::MatrixXd&& A, bool computeVectors) {
    if (A.rows() != A.cols()) throw std::invalid_argument("symmetricEigen: matrix is not square");
    SymmetricEigen out;
    if (A.rows() == 0) return out;
#ifdef SCALPEL_HAVE_LAPACK
    if (A.rows() <= 0x7fffffff / 2) {
        const int n = static_cast<int>(A.rows());
        const char jobz = computeVectors ? 'V' : 'N', uplo = 'L';
        out.values.resize(n);
        int info = 0, lwork = -1, liwork = -1, iworkQuery = 0;
        double workQuery = 0;
        dsyevd_(&jobz, &uplo, &n, A.data(), &n, out.values.data(), &workQuery, &lwork, &iworkQuery, &liwork, &info);
        lwork = static_cast<int>(workQuery);
        liwork = iworkQuery;
        std::vector<double> work(static_cast<size_t>(lwork));
        std::vector<int> iwork(static_cast<size_t>(std::max(liwork, 1)));
        dsyevd_(&jobz, &uplo, &n, A.data(), &n, out.values.data(), work.data(), &lwork, iwork.data(), &liwork, &info);
        if (info != 0) throw std::runtime_error("LAPACK dsyevd failed to converge (info " + std::to_string(info) + ")");
        if (computeVectors) out.vectors = std::move(A);
        return out;
    }
#endif
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(A, computeVectors ? Eigen::ComputeEigenvectors : Eigen::EigenvaluesOnly);
    if (es.info() != Eigen::Success) throw std::runtime_error("eigendecomposition failed to converge");
    out.values = es.eigenvalues();
    if (computeVectors) out.vectors = es.eigenvectors();
    return out;
}

SymmetricEigen symmetricEigen(const Eigen::MatrixXd& A, bool computeVectors) {
    return symmetricEigenInPlace(Eigen::MatrixXd(A), computeVectors);
}

}  // namespace scalpel
