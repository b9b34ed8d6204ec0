// pca2d against a closed form: rows built as A R^T + mu, where A has centred, mutually
// orthogonal columns with known norms and R is orthogonal, have principal axes = columns of
// R (ordered by the column norms), variances |a_k|^2 / n and scores = +-A's columns.
#include <QtTest>

#include <random>

#include <Eigen/QR>

#include "analysis/clip/pca.h"

using scalpel::clip::pca2d;
using Eigen::MatrixXd;

namespace {
MatrixXd randomMatrix(int rows, int cols, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> g;
    MatrixXd m(rows, cols);
    for (int i = 0; i < rows; ++i)
        for (int j = 0; j < cols; ++j) m(i, j) = g(rng);
    return m;
}
}  // namespace

class TestClipPca : public QObject {
    Q_OBJECT
private slots:
    void closedForm() {
        const int n = 40, d = 6;
        MatrixXd B = randomMatrix(n, d, 1);
        B = B.rowwise() - B.colwise().mean();
        MatrixXd Q = Eigen::HouseholderQR<MatrixXd>(B).householderQ() * MatrixXd::Identity(n, d);
        const Eigen::VectorXd norms = (Eigen::VectorXd(d) << 2, 9, 1, 5, 0.5, 3).finished();  // top: cols 1 then 3
        MatrixXd A = Q * norms.asDiagonal();
        MatrixXd R = Eigen::HouseholderQR<MatrixXd>(randomMatrix(d, d, 2)).householderQ();
        Eigen::RowVectorXd mu = randomMatrix(1, d, 3).row(0) * 10;
        MatrixXd X = (A * R.transpose()).rowwise() + mu;

        auto p = pca2d(X);
        // Eigenvalues 81/n and 25/n are well separated; float64 eigensolvers reach ~1e-13.
        const double tol = 1e-10;
        QVERIFY(std::abs(p.variance(0) - 81.0 / n) < tol);
        QVERIFY(std::abs(p.variance(1) - 25.0 / n) < tol);
        QVERIFY(std::abs(p.totalVariance - norms.squaredNorm() / n) < tol);
        const int expected[2] = {1, 3};
        for (int k = 0; k < 2; ++k) {
            const double sign = p.components.col(k).dot(R.col(expected[k])) > 0 ? 1 : -1;
            QVERIFY((p.components.col(k) - sign * R.col(expected[k])).norm() < tol);
            QVERIFY((p.scores.col(k) - sign * A.col(expected[k])).norm() < 1e-9);
            // Sign convention: the largest-magnitude loading is positive.
            Eigen::Index at = 0;
            p.components.col(k).cwiseAbs().maxCoeff(&at);
            QVERIFY(p.components(at, k) > 0);
        }
    }

    void oneDimension() {
        MatrixXd X(3, 1);
        X << 1, 2, 6;
        auto p = pca2d(X);
        QCOMPARE(p.components(0, 0), 1.0);
        QCOMPARE(p.scores(0, 0), -2.0);  // mean 3
        QCOMPARE(p.scores(2, 1), 0.0);
        QVERIFY(std::abs(p.variance(0) - 14.0 / 3) < 1e-12);  // (4 + 1 + 9) / 3
    }

    void rejectsTooFewRows() { QVERIFY_THROWS_EXCEPTION(std::invalid_argument, pca2d(MatrixXd::Ones(1, 3))); }
};

QTEST_APPLESS_MAIN(TestClipPca)
#include "test_clip_pca.moc"
