#include "analysis/clip/schur_decomposition.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <stdexcept>

#include <Eigen/Eigenvalues>

#include "analysis/clip/feature_maps.h"
#include "analysis/common/symmetric_eigen.h"

namespace scalpel::clip {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

// torch.linalg.pinv's default for float32 is rtol = max(rows, cols) * eps(float32) = m * 2^-23;
// the reference code's numbers depend on exactly this cut-off (spec §3).
double defaultCutoff(Index m) { return static_cast<double>(m) * 0x1.0p-23; }

// Descending copy of an ascending eigenvalue vector, padded with zeros or cut to length m.
VectorXd descendingToLength(const VectorXd& ascending, Index m) {
    VectorXd out = VectorXd::Zero(m);
    Index take = std::min<Index>(m, ascending.size());
    for (Index i = 0; i < take; ++i) out(i) = ascending(ascending.size() - 1 - i);
    return out;
}

VectorXd eigenvaluesOf(MatrixXd&& A) { return symmetricEigenInPlace(std::move(A), false).values; }
VectorXd eigenvaluesOf(const MatrixXd& A) { return symmetricEigen(A, false).values; }

MatrixXd gramOf(const MatrixXd& Phi) {
    MatrixXd K = MatrixXd::Zero(Phi.rows(), Phi.rows());
    K.selfadjointView<Eigen::Lower>().rankUpdate(Phi);
    return K.selfadjointView<Eigen::Lower>();
}

MatrixXd covarianceOf(const MatrixXd& Phi, double divisor) {
    MatrixXd C = MatrixXd::Zero(Phi.cols(), Phi.cols());
    C.selfadjointView<Eigen::Lower>().rankUpdate(Phi.transpose(), 1.0 / divisor);
    return C.selfadjointView<Eigen::Lower>();
}

// Which eigen-directions of C_TT + ridge*I survive the cut-off; `c` ascending.
struct Cut {
    Index firstKept = 0;  // c(firstKept..end) are kept
    double gapRatio = std::numeric_limits<double>::infinity();
};
Cut applyCutoff(const VectorXd& c, double rtol) {
    double cmax = c.cwiseAbs().maxCoeff();
    Cut cut;
    cut.firstKept = c.size();
    while (cut.firstKept > 0 && c(cut.firstKept - 1) > rtol * cmax) --cut.firstKept;
    if (cut.firstKept > 0 && cut.firstKept < c.size())
        cut.gapRatio = c(cut.firstKept) / std::max(c(cut.firstKept - 1), std::numeric_limits<double>::min());
    return cut;
}

// Identical text rows (one prompt, several images: the intended use) share one feature row.
// Covariances then become weighted sums over distinct prompts, n/u times cheaper.
struct DistinctRows {
    std::vector<Index> representative;  // first row of each distinct text embedding
    std::vector<Index> groupOf;         // row -> index into representative
    VectorXd count;                     // rows per distinct embedding
};

DistinctRows distinctRows(const MatrixXd& T) {
    DistinctRows d;
    std::map<std::vector<double>, Index> seen;
    std::vector<double> row(static_cast<size_t>(T.cols()));
    d.groupOf.resize(static_cast<size_t>(T.rows()));
    std::vector<double> counts;
    for (Index i = 0; i < T.rows(); ++i) {
        for (Index j = 0; j < T.cols(); ++j) row[static_cast<size_t>(j)] = T(i, j);
        auto [it, fresh] = seen.emplace(row, static_cast<Index>(d.representative.size()));
        if (fresh) {
            d.representative.push_back(i);
            counts.push_back(0);
        }
        d.groupOf[static_cast<size_t>(i)] = it->second;
        counts[static_cast<size_t>(it->second)] += 1;
    }
    d.count = Eigen::Map<VectorXd>(counts.data(), static_cast<Index>(counts.size()));
    return d;
}

MatrixXd selectRows(const MatrixXd& M, const std::vector<Index>& rows) {
    MatrixXd out(static_cast<Index>(rows.size()), M.cols());
    for (size_t i = 0; i < rows.size(); ++i) out.row(static_cast<Index>(i)) = M.row(rows[i]);
    return out;
}

struct Features {
    DistinctRows text;
    MatrixXd phiU;        // u x m: features of the distinct text rows
    MatrixXd phiI;        // n x m (empty for the exact Gaussian kernel)
    double divisor = 0;   // n, or d for the authors' column-cosine
};

Features featureMaps(const MatrixXd& T, const MatrixXd& X, const Options& o, Decomposition& r) {
    Features f;
    f.text = distinctRows(T);
    f.divisor = static_cast<double>(T.rows());
    switch (o.kernel) {
        case Kernel::Gaussian: {
            r.omega = o.omega ? *o.omega : gaussianFrequencies(T.cols(), o.rffDim, o.sigma, o.seed);
            f.phiU = rffFeatures(selectRows(T, f.text.representative), r.omega);
            f.phiI = rffFeatures(X, r.omega);
            break;
        }
        case Kernel::Cosine:
            f.phiU = normaliseRows(selectRows(T, f.text.representative), "text");
            f.phiI = normaliseRows(X, "image");
            break;
        case Kernel::CosineCode:
            // Column norms run over all n rows, repeated ones included.
            f.phiU = selectRows(normaliseColumns(T, "text"), f.text.representative);
            f.phiI = normaliseColumns(X, "image");
            f.divisor = static_cast<double>(T.cols());  // the authors divide by d, not n (spec §2)
            break;
    }
    return f;
}

// Phi_T^T Phi_I without forming Phi_T: Phi_U^T times the per-prompt sums of Phi_I rows.
MatrixXd crossCovariance(const Features& f) {
    MatrixXd sums = MatrixXd::Zero(f.phiU.rows(), f.phiI.cols());
    for (Index i = 0; i < f.phiI.rows(); ++i) sums.row(f.text.groupOf[static_cast<size_t>(i)]) += f.phiI.row(i);
    return f.phiU.transpose() * sums / f.divisor;
}

// K_T = Phi_T Phi_T^T expanded from the distinct rows' Gram matrix.
MatrixXd textGram(const Features& f) {
    MatrixXd Ku = f.phiU * f.phiU.transpose();
    const Index n = static_cast<Index>(f.text.groupOf.size());
    MatrixXd K(n, n);
    for (Index j = 0; j < n; ++j)
        for (Index i = 0; i < n; ++i) K(i, j) = Ku(f.text.groupOf[static_cast<size_t>(i)], f.text.groupOf[static_cast<size_t>(j)]);
    return K;
}

// Feature side: m x m covariances, factored pseudo-inverse (spec §3).
void featureSide(const Features& f, const Options& o, Decomposition& r, const ProgressToken& progress) {
    const Index m = f.phiU.cols();
    MatrixXd Ctt = covarianceOf(f.text.count.cwiseSqrt().asDiagonal() * f.phiU, f.divisor);
    MatrixXd Cii = covarianceOf(f.phiI, f.divisor);
    MatrixXd Cti = crossCovariance(f);
    progress.report(0.35, "eigendecomposition of C_TT");
    Ctt.diagonal().array() += o.ridge;
    SymmetricEigen es = symmetricEigenInPlace(std::move(Ctt), true);
    const VectorXd& c = es.values;
    Cut cut = applyCutoff(c, r.cutoffRelative);
    const Index k = m - cut.firstKept;
    r.rankKept = k;
    r.gapRatio = cut.gapRatio;
    r.spectrumTextCov = descendingToLength((c.array() - o.ridge).matrix(), m);

    MatrixXd B = es.vectors.rightCols(k).transpose() * Cti;  // k x m
    VectorXd invSqrt = c.tail(k).array().rsqrt();
    MatrixXd Bs = invSqrt.asDiagonal() * B;
    progress.report(0.55, "text-explained part");
    MatrixXd small = MatrixXd::Zero(k, k);  // non-zero spectrum of B^T diag(1/l) B as a k x k problem
    small.selfadjointView<Eigen::Lower>().rankUpdate(Bs);
    r.spectrumText = descendingToLength(eigenvaluesOf(std::move(small)), m);

    MatrixXd schur = Cii;
    schur.selfadjointView<Eigen::Lower>().rankUpdate(Bs.transpose(), -1.0);
    progress.report(0.7, "Schur complement spectrum");
    r.spectrumSchur = descendingToLength(eigenvaluesOf(std::move(schur)), m);
    progress.report(0.85, "image covariance spectrum");
    r.spectrumImage = descendingToLength(eigenvaluesOf(Cii), m);
}

// Gram side: n x n kernel matrices, same non-zero spectra (spec §4), with the ridge carried
// through exactly: kept directions weigh w = s/(s + ridge), s = mu/divisor, so the two sides
// agree to rounding rather than to ridge/lambda_k.
void gramSide(const MatrixXd& Kt, const MatrixXd& Ki, double divisor, Index m, const Options& o, Decomposition& r,
              const ProgressToken& progress) {
    const Index n = Kt.rows();
    progress.report(0.35, "eigendecomposition of K_T");
    SymmetricEigen es = symmetricEigen(Kt, true);
    VectorXd s = es.values / divisor;
    VectorXd c = s.array() + o.ridge;
    Cut cut = applyCutoff(c, r.cutoffRelative);
    const Index k = n - cut.firstKept;
    r.rankKept = k;
    r.gapRatio = cut.gapRatio;
    r.spectrumTextCov = descendingToLength(s, m);

    MatrixXd Uk = es.vectors.rightCols(k);
    VectorXd w = s.tail(k).array() / c.tail(k).array();
    progress.report(0.55, "text-explained part");
    MatrixXd KU = Ki * Uk;                         // n x k: the only O(n^2 k) product
    MatrixXd UKU = Uk.transpose() * KU;            // k x k
    VectorXd sqrtW = w.cwiseSqrt();
    MatrixXd small = sqrtW.asDiagonal() * UKU * sqrtW.asDiagonal() / divisor;
    r.spectrumText = descendingToLength(eigenvaluesOf(std::move(small)), m);

    // R = (I - U_k W U_k^T)^{1/2} = I - U_k S U_k^T with S = diag(1 - sqrt(1 - w)), so
    // R K R = K - U_k S (K U_k)^T - (K U_k) S U_k^T + U_k S (U_k^T K U_k) S U_k^T:
    // rank-2k corrections, O(n^2 k) instead of two O(n^3) products.
    VectorXd shrink = 1.0 - (1.0 - w.array()).max(0.0).sqrt();
    progress.report(0.7, "Schur complement spectrum");
    MatrixXd US = Uk * shrink.asDiagonal();
    MatrixXd schur = Ki;
    schur.noalias() -= US * KU.transpose();
    schur.noalias() -= KU * US.transpose();
    schur.noalias() += US * (UKU * US.transpose());
    schur /= divisor;
    r.spectrumSchur = descendingToLength(eigenvaluesOf(std::move(schur)), m);
    progress.report(0.85, "image covariance spectrum");
    r.spectrumImage = descendingToLength(eigenvaluesOf(Ki / divisor), m);
}

// Groups rows by prompt id, or by identical text embedding rows.
std::vector<std::vector<Index>> promptGroups(const DistinctRows& text, const std::vector<std::string>& ids,
                                             std::vector<std::string>& labels) {
    std::vector<std::vector<Index>> groups;
    if (!ids.empty()) {
        std::map<std::string, std::vector<Index>> byId;
        for (size_t i = 0; i < ids.size(); ++i) byId[ids[i]].push_back(static_cast<Index>(i));
        for (auto& [id, rows] : byId) {
            labels.push_back(id);
            groups.push_back(std::move(rows));
        }
        return groups;
    }
    groups.resize(text.representative.size());
    for (size_t i = 0; i < text.groupOf.size(); ++i) groups[static_cast<size_t>(text.groupOf[i])].push_back(static_cast<Index>(i));
    for (Index first : text.representative)
        labels.push_back(std::string(1, '#').append(std::to_string(first)));  // not "#" + ...: GCC 12 -Wrestrict false positive
    return groups;
}

void computeGroups(const MatrixXd& X, const Features& f, const Options& o, const std::vector<std::string>& ids,
                   Decomposition& r) {
    std::vector<std::string> labels;
    auto groups = promptGroups(f.text, ids, labels);
    r.groupOfRow.assign(static_cast<size_t>(X.rows()), -1);
    for (size_t g = 0; g < groups.size(); ++g) {
        const auto& rows = groups[g];
        for (Index i : rows) r.groupOfRow[static_cast<size_t>(i)] = static_cast<int>(g);
        MatrixXd K;
        if (f.phiI.size() == 0) {  // exact Gaussian kernel
            K = gaussianGram(selectRows(X, rows), o.sigma);
        } else {
            MatrixXd Pg = selectRows(f.phiI, rows);
            K = Pg * Pg.transpose();
        }
        double ng = static_cast<double>(rows.size());
        r.groups.push_back({labels[g], static_cast<int>(rows.size()), K.trace() / ng - K.sum() / (ng * ng)});
    }
    if (r.groups.size() == static_cast<size_t>(X.rows()))
        r.warnings.push_back("every prompt is unique: with a universal kernel the text part explains everything, "
                             "and SCE is then set by the feature count and the cut-off (spec §4)");
}

// Refuse up front what cannot fit, instead of swapping for an hour or dying in the middle:
// the Gram side holds about five n x n matrices, the feature side two n x m feature matrices and
// about five m x m ones (float64).
void checkMemory(bool gram, Index n, Index m) {
    const double bytes = 8.0 * (gram ? 5.0 * double(n) * double(n) : 2.0 * double(n) * double(m) + 5.0 * double(m) * double(m));
    const double physical = double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGE_SIZE));
    if (physical > 0 && bytes > 0.8 * physical) {
        char msg[320];
        std::snprintf(msg, sizeof msg, "the %s side needs about %.1f GB for n = %lld, m = %lld but the machine has %.1f GB; %s",
                      gram ? "Gram" : "feature", bytes / 1e9, static_cast<long long>(n), static_cast<long long>(m),
                      physical / 1e9, n == m ? "use random Fourier features (--route auto)" : "lower --rff-dim or use fewer pairs");
        throw std::invalid_argument(msg);
    }
}

}  // namespace

void validateInputs(const MatrixXd& T, const MatrixXd& X, const Options& o) {
    if (T.rows() != X.rows())
        throw std::invalid_argument("text has " + std::to_string(T.rows()) + " rows but image has " +
                                    std::to_string(X.rows()) + "; rows must be paired one to one");
    if (T.cols() != X.cols())
        throw std::invalid_argument("text dimension " + std::to_string(T.cols()) + " differs from image dimension " +
                                    std::to_string(X.cols()) + "; one kernel maps both");
    if (T.rows() < 2) throw std::invalid_argument("need at least 2 pairs, got " + std::to_string(T.rows()));
    if (T.cols() < 1) throw std::invalid_argument("embeddings have no columns");
    for (const auto* M : {&T, &X})
        for (Index i = 0; i < M->rows(); ++i)
            if (!M->row(i).allFinite())
                throw std::invalid_argument(std::string(M == &T ? "text" : "image") + " row " + std::to_string(i) +
                                            " contains NaN or Inf");
    if (!(o.sigma > 0)) throw std::invalid_argument("sigma must be > 0");
    if (o.rffDim <= 0) throw std::invalid_argument("RFF dimension must be > 0");
    if (o.omega && (o.omega->rows() != T.cols()))
        throw std::invalid_argument("frequency matrix has " + std::to_string(o.omega->rows()) + " rows, expected d = " +
                                    std::to_string(T.cols()));
    if (o.omega && !o.omega->allFinite()) throw std::invalid_argument("frequency matrix contains NaN or Inf");
    if (o.cutoff && !(*o.cutoff >= 0 && *o.cutoff < 1)) throw std::invalid_argument("cut-off must be in [0, 1)");
}

Decomposition decompose(const MatrixXd& Tin, const MatrixXd& Xin, const Options& o,
                        const std::vector<std::string>& promptIds, const ProgressToken& progress) {
    validateInputs(Tin, Xin, o);
    if (!promptIds.empty() && promptIds.size() != static_cast<size_t>(Tin.rows()))
        throw std::invalid_argument("got " + std::to_string(promptIds.size()) + " prompt ids for " +
                                    std::to_string(Tin.rows()) + " pairs");
    MatrixXd T = o.l2Normalise ? normaliseRows(Tin, "text") : Tin;
    MatrixXd X = o.l2Normalise ? normaliseRows(Xin, "image") : Xin;
    Decomposition r;
    r.n = T.rows();
    r.d = T.cols();
    progress.report(0.0, "feature maps");

    const bool exactGaussian = o.kernel == Kernel::Gaussian && o.route == Route::Exact;
    // Feature count, known before anything large is allocated.
    r.m = exactGaussian ? r.n
          : o.kernel == Kernel::Gaussian ? 2 * (o.omega ? o.omega->cols() : Index(o.rffDim))
                                         : r.d;
    const bool gram = exactGaussian || o.route == Route::Exact || (o.route == Route::Auto && r.n < r.m);
    r.side = gram ? "gram" : "feature";
    checkMemory(gram, r.n, r.m);
    Features f;
    if (exactGaussian) {
        r.kernel = "gaussian-exact";
        f.text = distinctRows(T);
        f.divisor = static_cast<double>(r.n);
    } else {
        f = featureMaps(T, X, o, r);
        r.kernel = o.kernel == Kernel::Gaussian ? "gaussian-rff" : kernelName(o.kernel);
    }
    r.cutoffRelative = o.cutoff.value_or(defaultCutoff(r.m));
    progress.report(0.1, gram ? "kernel matrices" : "covariances");
    if (gram) {
        MatrixXd Kt = exactGaussian ? gaussianGram(T, o.sigma) : textGram(f);
        MatrixXd Ki = exactGaussian ? gaussianGram(X, o.sigma) : gramOf(f.phiI);
        gramSide(Kt, Ki, f.divisor, r.m, o, r, progress);
    } else {
        featureSide(f, o, r, progress);
    }

    r.sce = schurEntropyScore(r.spectrumSchur, o.clamp);
    r.textScore = schurEntropyScore(r.spectrumText, o.clamp);
    r.traceSchur = r.spectrumSchur.sum();
    r.traceText = r.spectrumText.sum();
    r.traceImage = r.spectrumImage.sum();
    r.normalisedVendiSchur = normalisedVendi(r.spectrumSchur, o.clamp);
    r.vonNeumannSchur = vonNeumannScore(r.spectrumSchur, o.clamp);
    r.imageVendi = vendiFamily(r.spectrumImage, o.clamp);
    r.textVendi = vendiFamily(r.spectrumTextCov, o.clamp);
    if (r.gapRatio < 10)
        r.warnings.push_back("the spectrum of C_TT has no clear gap at the cut-off (ratio " + std::to_string(r.gapRatio) +
                             " < 10): SCE depends on the cut-off");

    double cosSum = 0, clipSum = 0;
    for (Index i = 0; i < r.n; ++i) {
        double denom = Tin.row(i).norm() * Xin.row(i).norm();
        double cosine = denom > 0 ? Tin.row(i).dot(Xin.row(i)) / denom : 0.0;
        cosSum += cosine;
        clipSum += 2.5 * std::max(cosine, 0.0);
    }
    r.meanCosine = cosSum / static_cast<double>(r.n);
    r.clipScore = clipSum / static_cast<double>(r.n);
    progress.report(0.95, "per-prompt diversity");
    computeGroups(X, f, o, promptIds, r);
    progress.report(1.0, "done");
    return r;
}

}  // namespace scalpel::clip
