// Schur-complement CLIP decomposition against (a) the NumPy reference of the spec's formulas
// (tests/fixtures/gen_clip.py, clip_reference.py), (b) a closed form derived by hand, and
// (c) the properties the spec requires (traces add up, SCE = 1 for deterministic images,
// SCE grows with noise, feature side = Gram side, score = V^S).
#include <QtTest>

#include <cmath>
#include <fstream>
#include <numbers>
#include <random>

#include <Eigen/QR>
#include <nlohmann/json.hpp>

#include "analysis/clip/feature_maps.h"
#include "analysis/clip/nullification.h"
#include "analysis/clip/schur_decomposition.h"

using namespace scalpel::clip;
using nlohmann::json;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {
json loadCases() {
    std::ifstream in(std::string(SCALPEL_SOURCE_DIR) + "/tests/fixtures/clip/cases.json");
    return json::parse(in);
}

MatrixXd matrixFrom(const json& rows) {
    MatrixXd M(rows.size(), rows[0].size());
    for (size_t i = 0; i < rows.size(); ++i)
        for (size_t j = 0; j < rows[i].size(); ++j) M(i, j) = rows[i][j].get<double>();
    return M;
}

// Both sides run float64 LAPACK-free vs LAPACK eigensolvers on the same matrices; the spectra
// agree to ~1e-15 relative, and the scores inherit that. 1e-9 (the requirement) leaves
// room for the condition number of the entropy without hiding a formula error (those show
// up at 1e-3 or worse).
bool rel(double a, double b, double tol = 1e-9) { return std::abs(a - b) <= tol * std::max(1.0, std::abs(b)); }

#define CHECK_REL(a, b, tol) QVERIFY2(rel((a), (b), (tol)), qPrintable(QString("%1 = %2, expected %3").arg(#a).arg((a), 0, 'g', 17).arg((b), 0, 'g', 17)))

void compareWithReference(const Decomposition& r, const json& e) {
    CHECK_REL(r.sce, e["sce"].get<double>(), 1e-9);
    CHECK_REL(r.textScore, e["text_score"].get<double>(), 1e-9);
    CHECK_REL(r.traceSchur, e["trace_schur"].get<double>(), 1e-9);
    CHECK_REL(r.traceText, e["trace_text"].get<double>(), 1e-9);
    CHECK_REL(r.traceImage, e["trace_image"].get<double>(), 1e-9);
    CHECK_REL(r.normalisedVendiSchur, e["normalised_vendi_schur"].get<double>(), 1e-9);
    QCOMPARE(static_cast<int>(r.rankKept), e["rank_kept"].get<int>());
    CHECK_REL(r.cutoffRelative, e["cutoff"].get<double>(), 1e-15);
    for (auto [fam, mine] : {std::pair{"image_vendi", r.imageVendi}, std::pair{"text_vendi", r.textVendi}}) {
        CHECK_REL(mine.vendi1, e[fam]["vendi1"].get<double>(), 1e-9);
        CHECK_REL(mine.vendi1_5, e[fam]["vendi1_5"].get<double>(), 1e-9);
        CHECK_REL(mine.vendi2, e[fam]["vendi2"].get<double>(), 1e-9);
        CHECK_REL(mine.vendi2_5, e[fam]["vendi2_5"].get<double>(), 1e-9);
        CHECK_REL(mine.vendiInf, e[fam]["vendi_inf"].get<double>(), 1e-9);
    }
    // Leading eigenvalues (absolute tolerance relative to the trace: tiny ones are noise).
    for (size_t i = 0; i < std::min<size_t>(10, e["spectrum_schur"].size()); ++i) {
        QVERIFY(std::abs(r.spectrumSchur(i) - e["spectrum_schur"][i].get<double>()) < 1e-12);
        QVERIFY(std::abs(r.spectrumText(i) - e["spectrum_text"][i].get<double>()) < 1e-12);
    }
}

Options optionsFor(const json& c, const MatrixXd& omega) {
    Options o;
    o.kernel = *parseKernel(c["kernel"].get<std::string>());
    if (c.contains("sigma")) o.sigma = c["sigma"].get<double>();
    if (c.contains("rff_dim")) o.rffDim = c["rff_dim"].get<int>();
    if (c.contains("route")) o.route = *parseRoute(c["route"].get<std::string>());
    if (c.contains("cutoff")) o.cutoff = c["cutoff"].get<double>();
    if (o.kernel == Kernel::Gaussian && o.route != Route::Exact) o.omega = omega;
    return o;
}

// Repeated prompts; image = f(prompt) + noise * N(0, 1).
void synthetic(double noise, MatrixXd& T, MatrixXd& X, int prompts = 10, int per = 6, int d = 5) {
    std::mt19937_64 rng(11);
    std::normal_distribution<double> N(0, 1);
    MatrixXd P = MatrixXd::NullaryExpr(prompts, d, [&] { return 2 * N(rng); });
    MatrixXd M = MatrixXd::NullaryExpr(d, d, [&] { return 0.5 * N(rng); });
    T.resize(prompts * per, d);
    for (int i = 0; i < prompts * per; ++i) T.row(i) = P.row(i / per);
    X = T * M + noise * MatrixXd::NullaryExpr(T.rows(), d, [&] { return N(rng); });
}
}  // namespace

class TestClipDecomposition : public QObject {
    Q_OBJECT
    json fixture_;
    MatrixXd T_, X_, omega_;

private slots:
    void initTestCase() {
        fixture_ = loadCases();
        T_ = matrixFrom(fixture_["text"]);
        X_ = matrixFrom(fixture_["image"]);
        omega_ = matrixFrom(fixture_["omega_seed7"]);
    }

    void frequencyGeneratorMatchesPython() {
        MatrixXd omega = gaussianFrequencies(T_.cols(), 40, 3.5, 7);
        // Same draws, same formulas; libm and NumPy's cos/sin/log may differ by an ulp.
        QVERIFY((omega - omega_).cwiseAbs().maxCoeff() < 1e-13);
        QCOMPARE(splitmix64At(0, 0), 0xE220A8397B1DCDAFULL);  // SplitMix64(seed 0) first output, published value
    }

    void matchesNumpyReference_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("route");
        for (auto& [name, c] : fixture_["cases"].items()) {
            QTest::newRow((name + " auto").c_str()) << QString::fromStdString(name) << "";
            if (!c.contains("route")) QTest::newRow((name + " feature").c_str()) << QString::fromStdString(name) << "rff";
        }
    }

    void matchesNumpyReference() {
        QFETCH(QString, name);
        QFETCH(QString, route);
        const json& c = fixture_["cases"][name.toStdString()];
        Options o = optionsFor(c, omega_);
        if (!route.isEmpty()) o.route = *parseRoute(route.toStdString());
        Decomposition r = decompose(T_, X_, o);
        compareWithReference(r, c["expected"]);
    }

    void featureSideEqualsGramSide() {
        Options o;
        o.omega = omega_;
        o.route = Route::Rff;
        Decomposition feature = decompose(T_, X_, o);
        o.route = Route::Auto;  // n = 60 < m = 80: Gram side
        Decomposition gram = decompose(T_, X_, o);
        QCOMPARE(QString::fromStdString(feature.side), QString("feature"));
        QCOMPARE(QString::fromStdString(gram.side), QString("gram"));
        CHECK_REL(gram.sce, feature.sce, 1e-9);
        CHECK_REL(gram.textScore, feature.textScore, 1e-9);
        QVERIFY((gram.spectrumSchur - feature.spectrumSchur).cwiseAbs().maxCoeff() < 1e-12);
    }

    // Hand-derived: cosine kernel, d = 2, prompts e1 and e2 (n/2 each); images of prompt e1 are
    // (cos a, +-sin a), of e2 (+-sin a, cos a). Then C_TT = I/2, C_TI = (cos a / 2) I,
    // Lambda_text = (cos^2 a / 2) I, C_II = I/2, Lambda_schur = (sin^2 a / 2) I, so
    // SCE = 2^(sin^2 a) and text score = 2^(cos^2 a).
    void closedFormCosineCase() {
        const double a = std::numbers::pi / 6;
        MatrixXd T(8, 2), X(8, 2);
        for (int i = 0; i < 8; ++i) {
            bool first = i < 4;
            double sign = (i % 2) ? 1 : -1;
            T.row(i) = first ? Eigen::RowVector2d(3, 0) : Eigen::RowVector2d(0, 0.5);  // norms do not matter
            X.row(i) = first ? Eigen::RowVector2d(std::cos(a), sign * std::sin(a)) : Eigen::RowVector2d(sign * std::sin(a), std::cos(a));
            X.row(i) *= 1 + i;  // nor do image norms
        }
        Options o;
        o.kernel = Kernel::Cosine;
        o.ridge = 0;  // the closed form has no ridge; with 1e-12 the traces move by ~2e-12 relative
        Decomposition r = decompose(T, X, o);
        const double s2 = std::sin(a) * std::sin(a), c2 = std::cos(a) * std::cos(a);
        CHECK_REL(r.traceSchur, s2, 1e-14);
        CHECK_REL(r.traceText, c2, 1e-14);
        CHECK_REL(r.sce, std::pow(2.0, s2), 1e-14);
        CHECK_REL(r.textScore, std::pow(2.0, c2), 1e-14);
        QCOMPARE(r.groups.size(), size_t(2));
        QCOMPARE(r.groupOfRow, (std::vector<int>{0, 0, 0, 0, 1, 1, 1, 1}));
        CHECK_REL(r.groups[0].withinTrace, s2, 1e-14);  // within-prompt variance of the unit images
    }

    void tracesAddUp() {
        Options o;
        o.omega = omega_;
        for (Route route : {Route::Auto, Route::Rff}) {
            o.route = route;
            Decomposition r = decompose(T_, X_, o);
            CHECK_REL(r.traceSchur + r.traceText, r.traceImage, 1e-12);
            CHECK_REL(r.traceImage, 1.0, 1e-12);  // |phi(x)| = 1 exactly for RFF
        }
    }

    void deterministicImagesGiveSceOne() {
        MatrixXd T, X;
        synthetic(0.0, T, X);
        Options o;
        o.rffDim = 100;
        Decomposition r = decompose(T, X, o);
        // Each clamped zero eigenvalue adds ~1e-10 * ln(S / 1e-10) to H (spec §5): m = 200 of them.
        QVERIFY2(std::abs(r.sce - 1.0) < 1e-6, qPrintable(QString::number(r.sce, 'g', 17)));
        QVERIFY(r.traceSchur < 1e-9);
    }

    void sceRisesWithNoise() {
        double previous = 0;
        for (double noise : {0.05, 0.2, 0.5, 1.0}) {
            MatrixXd T, X;
            synthetic(noise, T, X);
            Options o;
            o.rffDim = 100;
            double sce = decompose(T, X, o).sce;
            QVERIFY2(sce > previous, qPrintable(QString("noise %1: SCE %2 <= %3").arg(noise).arg(sce).arg(previous)));
            previous = sce;
        }
    }

    void sceRisesWithNoiseRank() {
        // Same noise energy spread over more directions: the non-text part gets a flatter,
        // wider spectrum, so SCE grows with the noise rank.
        double previous = 0;
        for (int rank : {1, 2, 4}) {
            MatrixXd T, X;
            synthetic(0.0, T, X, 10, 6, 6);
            std::mt19937_64 rng(5);
            std::normal_distribution<double> N(0, 1);
            MatrixXd Z = MatrixXd::NullaryExpr(T.rows(), rank, [&] { return N(rng); });
            X.leftCols(rank) += Z * (0.6 / std::sqrt(static_cast<double>(rank)));
            Options o;
            o.kernel = Kernel::Cosine;
            double sce = decompose(T, X, o).sce;
            QVERIFY2(sce > previous, qPrintable(QString("rank %1: SCE %2 <= %3").arg(rank).arg(sce).arg(previous)));
            previous = sce;
        }
    }

    void scoreEqualsVendiToTheTrace() {
        Options o;
        o.omega = omega_;
        Decomposition r = decompose(T_, X_, o);
        const Eigen::ArrayXd l = r.spectrumSchur.array().max(1e-10);
        CHECK_REL(r.sce, std::pow(r.normalisedVendiSchur, l.sum()), 1e-14);
    }

    void schurTraceIsLeastSquaresResidual() {
        // Lambda_{I|T} = (1/n) sum r_i r_i^T with r the least-squares residual of phi(x) on phi(t).
        Options o;
        o.kernel = Kernel::Cosine;
        Decomposition r = decompose(T_, X_, o);
        MatrixXd Th = normaliseRows(T_, "t"), Xh = normaliseRows(X_, "x");
        MatrixXd G = Th.completeOrthogonalDecomposition().solve(Xh);
        double residual = (Xh - Th * G).squaredNorm() / static_cast<double>(T_.rows());
        CHECK_REL(r.traceSchur, residual, 1e-10);
    }

    void nullificationMatchesNumpy() {
        const json& nu = fixture_["nullification"];
        for (auto [form, key] : {std::pair{NullifyForm::Paper, "paper"}, std::pair{NullifyForm::Authors, "authors"}}) {
            Nullification r = nullify(T_, X_, form);
            MatrixXd want = matrixFrom(nu[key]["corrected"]);
            QVERIFY2((r.corrected - want).cwiseAbs().maxCoeff() < 1e-9 * std::max(1.0, want.cwiseAbs().maxCoeff()), key);
            CHECK_REL(r.meanCosineAfter, nu[key]["mean_cos_after"].get<double>(), 1e-9);
            CHECK_REL(r.meanCosineBefore, nu["mean_cos_before"].get<double>(), 1e-12);
        }
        // The paper form is a least-squares residual: zero cross-covariance with the unit prompts.
        Nullification p = nullify(T_, X_, NullifyForm::Paper);
        MatrixXd Th = normaliseRows(T_, "t");
        QVERIFY((Th.transpose() * p.corrected).cwiseAbs().maxCoeff() < 1e-10);
    }

    void impossibleSizesAreRefusedBeforeAllocating() {
        // 200000 pairs through the exact kernel: five 200000^2 float64 matrices (1.6 TB). Must fail
        // at once with a clear message, not after allocating or swapping.
        MatrixXd T = MatrixXd::Random(200000, 1), X = MatrixXd::Random(200000, 1);
        Options o;
        o.route = Route::Exact;
        try {
            decompose(T, X, o);
            QFAIL("accepted");
        } catch (const std::invalid_argument& e) {
            QVERIFY2(std::string(e.what()).find("GB") != std::string::npos, e.what());
        }
    }

    void badInputIsRefused() {
        MatrixXd T = MatrixXd::Random(5, 3), X = MatrixXd::Random(6, 3);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, decompose(T, X, Options{}));
        X = MatrixXd::Random(5, 4);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, decompose(T, X, Options{}));
        X = MatrixXd::Random(5, 3);
        X(2, 1) = std::nan("");
        try {
            decompose(T, X, Options{});
            QFAIL("NaN accepted");
        } catch (const std::invalid_argument& e) {
            QVERIFY(std::string(e.what()).find("image row 2") != std::string::npos);
        }
        Options o;
        o.sigma = 0;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, decompose(T, MatrixXd::Random(5, 3), o));
    }
};

QTEST_APPLESS_MAIN(TestClipDecomposition)
#include "test_clip_decomposition.moc"
