// computeStats against closed forms: arithmetic sequences have known mean and unbiased
// variance; non-finite values are counted and excluded.
#include <QtTest>

#include <cmath>
#include <limits>
#include <vector>

#include "analysis/common/tensor_stats.h"

class TestTensorStats : public QObject {
    Q_OBJECT
private slots:
    void arithmeticSequenceClosedForm() {
        // x_i = a + i*h, i = 0..n-1: mean = a + h(n-1)/2, unbiased var = h^2 n(n+1)/12.
        const int n = 1001;
        const double a = 1e6, h = 0.25;  // large offset: a one-pass formula would lose digits here
        std::vector<double> v(n);
        for (int i = 0; i < n; ++i) v[i] = a + i * h;
        auto s = scalpel::computeStats(std::span<const double>(v));
        QCOMPARE(s.count, uint64_t(n));
        QCOMPARE(s.min, a);
        QCOMPARE(s.max, a + (n - 1) * h);
        QVERIFY(std::abs(s.mean - (a + h * (n - 1) / 2)) < 1e-9);
        double stdWant = h * std::sqrt(n * (n + 1) / 12.0);
        QVERIFY2(std::abs(s.std - stdWant) < 1e-10 * stdWant, qPrintable(QString::number(s.std, 'g', 17)));
    }

    void nonFiniteExcludedAndCounted() {
        const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
        std::vector<float> v = {1, nan, 3, inf, -inf, 5};
        auto s = scalpel::computeStats(std::span<const float>(v));
        QCOMPARE(s.nanCount, uint64_t(1));
        QCOMPARE(s.infCount, uint64_t(2));
        QCOMPARE(s.finite, uint64_t(3));
        QCOMPARE(s.mean, 3.0);
        QCOMPARE(s.std, 2.0);  // values 1,3,5: unbiased variance 4
        QCOMPARE(s.min, 1.0);
        QCOMPARE(s.max, 5.0);
    }

    void degenerateCasesAreNaN() {
        std::vector<double> one = {7};
        auto s1 = scalpel::computeStats(std::span<const double>(one));
        QCOMPARE(s1.mean, 7.0);
        QVERIFY(std::isnan(s1.std));  // torch.std of one element is NaN
        std::vector<double> none;
        auto s0 = scalpel::computeStats(std::span<const double>(none));
        QVERIFY(std::isnan(s0.mean) && std::isnan(s0.min));
    }
};

QTEST_APPLESS_MAIN(TestTensorStats)
#include "test_tensor_stats.moc"
