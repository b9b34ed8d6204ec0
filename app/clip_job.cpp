#include "app/clip_job.h"

#include <cmath>
#include <stdexcept>

#include "analysis/clip/clip_inputs.h"
#include "analysis/clip/pca.h"

namespace scalpel {
namespace {

// Progress of a sub-step mapped onto [a, b] of the whole job; cancellation passes through
// because the outer report() checks the cancel flag.
ProgressToken slice(const ProgressToken& outer, double a, double b) {
    return ProgressToken([&outer, a, b](double f, const std::string& stage) { outer.report(a + f * (b - a), stage); });
}

}  // namespace

ClipAnalysis runClipAnalysis(const ClipJobRequest& req, const ProgressToken& progress) {
    progress.report(0, "loading embeddings");
    auto pairs = clip::loadEmbeddingPairs(req.path, req.textKey, req.imageKey);
    if (!pairs) throw std::runtime_error(pairs.error().what());
    ClipAnalysis a;
    a.source = req.path;
    a.textKey = pairs->textKey;
    a.imageKey = pairs->imageKey;
    a.options = req.options;
    try {
        a.decomposition = clip::decompose(pairs->text, pairs->image, req.options, pairs->promptIds, slice(progress, 0.05, 0.4));
        const bool hasSigma = req.options.kernel == clip::Kernel::Gaussian && !req.options.omega;
        if (hasSigma && req.sweepPoints > 1) {
            const int n = req.sweepPoints;
            for (int k = 0; k < n; ++k) {
                const double exponent = (double(k) - double(n - 1) / 2) / 2;  // half-octave steps around sigma
                clip::Options o = req.options;
                o.sigma = req.options.sigma * std::pow(2.0, exponent);
                progress.report(0.4 + 0.45 * k / n, "sigma sweep " + std::to_string(k + 1) + "/" + std::to_string(n));
                if (2 * k == n - 1) {  // the chosen sigma: already computed
                    a.sweep.push_back({req.options.sigma, a.decomposition.sce, a.decomposition.textScore});
                    continue;
                }
                const auto d = clip::decompose(pairs->text, pairs->image, o, pairs->promptIds, {});
                a.sweep.push_back({o.sigma, d.sce, d.textScore});
            }
        }
        progress.report(0.87, "PCA of the image embeddings");
        const auto before = clip::pca2d(pairs->image);
        a.pcaBefore = before.scores;
        if (before.totalVariance > 0) a.pcaBeforeShare = before.variance / before.totalVariance;
        if (req.nullify) {
            progress.report(0.9, "prompt nullification");
            a.nullification = clip::nullify(pairs->text, pairs->image, req.nullifyForm);
            a.nullifyForm = req.nullifyForm == clip::NullifyForm::Paper ? "paper" : "authors";
            const auto after = clip::pca2d(a.nullification->corrected);
            a.pcaAfter = after.scores;
            if (after.totalVariance > 0) a.pcaAfterShare = after.variance / after.totalVariance;
        }
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(req.path + ": " + e.what());
    }
    progress.report(1, "done");
    return a;
}

}  // namespace scalpel
