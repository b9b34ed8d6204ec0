#include "analysis/clip/nullification.h"

#include <stdexcept>

#include <Eigen/Eigenvalues>

#include "analysis/clip/feature_maps.h"
#include "analysis/clip/schur_decomposition.h"

namespace scalpel::clip {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

// pinv_cut(A + ridge I) applied from the right to B^T, i.e. B^T pinv(A): factored, keeping
// eigenvalues above rtol * max|lambda| (spec §3).
MatrixXd timesCutPinv(const MatrixXd& A, const MatrixXd& Bt, double rtol, double ridge, Index& kept) {
    MatrixXd Ar = A;
    Ar.diagonal().array() += ridge;
    Eigen::SelfAdjointEigenSolver<MatrixXd> es(Ar);
    const VectorXd& l = es.eigenvalues();
    double lmax = l.cwiseAbs().maxCoeff();
    Index first = l.size();
    while (first > 0 && l(first - 1) > rtol * lmax) --first;
    kept = l.size() - first;
    MatrixXd V = es.eigenvectors().rightCols(kept);
    return (Bt * V) * l.tail(kept).cwiseInverse().asDiagonal() * V.transpose();
}

VectorXd rowCosines(const MatrixXd& A, const MatrixXd& B) {
    VectorXd c(A.rows());
    for (Index i = 0; i < A.rows(); ++i) {
        double denom = A.row(i).norm() * B.row(i).norm();
        c(i) = denom > 0 ? A.row(i).dot(B.row(i)) / denom : 0.0;
    }
    return c;
}

}  // namespace

Nullification nullify(const MatrixXd& T, const MatrixXd& X, NullifyForm form, double cutoff, double ridge) {
    validateInputs(T, X, Options{});
    const Index n = T.rows(), d = T.cols();
    const double rtol = cutoff >= 0 ? cutoff : static_cast<double>(d) * 0x1.0p-23;
    Nullification r;
    if (form == NullifyForm::Paper) {
        MatrixXd Th = normaliseRows(T, "text"), Xh = normaliseRows(X, "image");
        MatrixXd Ctt = Th.transpose() * Th / static_cast<double>(n);
        MatrixXd Cit = Xh.transpose() * Th / static_cast<double>(n);
        r.map = timesCutPinv(Ctt, Cit, rtol, ridge, r.rankKept);  // Gamma* = C_IT pinv(C_TT)
        r.corrected = Xh - Th * r.map.transpose();
    } else {
        // Authors' column-cosine matrices: C'[a, b] = cos(column a, column b) / d.
        MatrixXd Tc = normaliseColumns(T, "text"), Xc = normaliseColumns(X, "image");
        MatrixXd Ctt = Tc.transpose() * Tc / static_cast<double>(d);
        MatrixXd Cti = Tc.transpose() * Xc / static_cast<double>(d);
        // A* = pinv(C'_TT) C'_TI; C'_TT symmetric so A*^T = C'_TI^T pinv(C'_TT).
        r.map = timesCutPinv(Ctt, Cti.transpose(), rtol, ridge, r.rankKept).transpose();
        r.corrected = X - T * r.map;
    }
    r.cosineBefore = rowCosines(T, X);
    r.cosineAfter = rowCosines(T, r.corrected);
    r.meanCosineBefore = r.cosineBefore.mean();
    r.meanCosineAfter = r.cosineAfter.mean();
    return r;
}

}  // namespace scalpel::clip
