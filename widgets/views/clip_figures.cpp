#include "widgets/views/clip_figures.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace scalpel {
namespace {

using namespace plots;

// Eigenvalues far below the clamp are numerical zeros; they are left out (NaN) so that they
// do not stretch the log axis over meaningless decades.
LineSeries spectrumSeries(const std::string& name, const Eigen::VectorXd& v, double floor) {
    LineSeries s;
    s.name = name;
    for (Eigen::Index i = 0; i < v.size(); ++i) {
        s.x.push_back(double(i + 1));
        s.y.push_back(v(i) >= floor ? v(i) : NAN);
    }
    return s;
}

std::string percent(double share) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f%%", 100 * share);
    return buf;
}

ScatterFigure pcaFigure(const ClipAnalysis& a, const Eigen::MatrixXd& scores, const Eigen::Vector2d& share,
                        const std::string& title) {
    ScatterFigure f;
    f.text = {title, "PC1 (" + percent(share(0)) + " of variance)", "PC2 (" + percent(share(1)) + ")"};
    if (scores.cols() < 2) return f;
    PointSet set;
    set.name = "images";
    const size_t groups = a.decomposition.groups.size();
    for (Eigen::Index i = 0; i < scores.rows(); ++i) {
        set.x.push_back(scores(i, 0));
        set.y.push_back(scores(i, 1));
        if (size_t(i) < a.decomposition.groupOfRow.size() && groups > 1)
            set.shade.push_back(double(a.decomposition.groupOfRow[size_t(i)]) / double(groups - 1));
    }
    f.sets.push_back(std::move(set));
    return f;
}

}  // namespace

std::string clipRouteLine(const clip::Decomposition& d) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s on the %s side, n %lld, d %lld, m %lld, rank kept %lld", d.kernel.c_str(),
                  d.side.c_str(), (long long)d.n, (long long)d.d, (long long)d.m, (long long)d.rankKept);
    return buf;
}

ClipFigures buildClipFigures(const ClipAnalysis& a) {
    const clip::Decomposition& d = a.decomposition;
    ClipFigures F;

    F.spectra.text = {"Eigenvalue spectra", "index (descending)", "eigenvalue"};
    F.spectra.logY = true;
    const double floor = a.options.clamp * 0.1;
    F.spectra.series = {spectrumSeries("C_II (images)", d.spectrumImage, floor),
                        spectrumSeries("Λ_I,T (text-explained)", d.spectrumText, floor),
                        spectrumSeries("Λ_I|T (Schur)", d.spectrumSchur, floor),
                        spectrumSeries("C_TT (text)", d.spectrumTextCov, floor)};
    F.spectra.refLines.push_back({a.options.clamp, "clamp " + formatNumber(a.options.clamp), false});
    if (d.spectrumTextCov.size() > 0 && d.spectrumTextCov.maxCoeff() > 0)
        F.spectra.refLines.push_back(
            {d.cutoffRelative * d.spectrumTextCov.maxCoeff(), "C_TT cut-off", false});

    F.decomposition.text = {"Decomposition of the image covariance", "trace", ""};
    F.decomposition.bars = {
        {"Tr C_II (all)", d.traceImage, 0, "total image diversity"},
        {"Tr Λ_I,T (text)", d.traceText, 1, "explained by the prompts; text score " + formatNumber(d.textScore)},
        {"Tr Λ_I|T (Schur)", d.traceSchur, 2, "not explained by the prompts; SCE " + formatNumber(d.sce)},
    };

    F.sweep.text = {"SCE as σ varies", "σ (log scale)", "SCE"};
    F.sweep.logX = true;
    LineSeries sce;
    sce.name = "SCE";
    sce.markers = true;
    for (const auto& p : a.sweep) {
        sce.x.push_back(p.sigma);
        sce.y.push_back(p.sce);
    }
    F.sweep.series.push_back(std::move(sce));
    if (!a.sweep.empty()) F.sweep.refLines.push_back({a.options.sigma, "σ = " + formatNumber(a.options.sigma), true});
    else F.sweep.text.title = "SCE as σ varies (not applicable: the kernel has no σ)";

    // Largest groups first (ties: more diverse first), then the top kMaxGroupBars.
    std::vector<size_t> order(d.groups.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](size_t i, size_t j) {
        if (d.groups[i].size != d.groups[j].size) return d.groups[i].size > d.groups[j].size;
        return d.groups[i].withinTrace > d.groups[j].withinTrace;
    });
    if (order.size() > kMaxGroupBars) order.resize(kMaxGroupBars);
    F.groups.text = {"Per-prompt image diversity (" + std::to_string(order.size()) + " of " +
                         std::to_string(d.groups.size()) + " groups, largest first)",
                     "within-group trace", ""};
    for (size_t i : order) {
        const auto& g = d.groups[i];
        F.groups.bars.push_back({g.label + " (n=" + std::to_string(g.size) + ")", g.withinTrace, 0,
                                 std::to_string(g.size) + " images"});
    }

    const std::string form = a.nullifyForm.empty() ? "" : " (" + a.nullifyForm + " form)";
    F.pcaBefore = pcaFigure(a, a.pcaBefore, a.pcaBeforeShare, "Image embeddings, PCA: before nullification");
    F.pcaAfter = pcaFigure(a, a.pcaAfter, a.pcaAfterShare, "After prompt nullification" + form);
    if (!a.decomposition.groupOfRow.empty()) {
        F.pcaBefore.legend.push_back({"colour = prompt group", Colormap::get(ColormapKind::Viridis).at(0.5)});
    }

    F.cosines.text = {"cos(text, image) per pair", "before nullification", "after"};
    if (a.nullification) {
        PointSet set;
        set.name = "pairs";
        for (Eigen::Index i = 0; i < a.nullification->cosineBefore.size(); ++i) {
            set.x.push_back(a.nullification->cosineBefore(i));
            set.y.push_back(a.nullification->cosineAfter(i));
        }
        F.cosines.sets.push_back(std::move(set));
    }
    return F;
}

}  // namespace scalpel
