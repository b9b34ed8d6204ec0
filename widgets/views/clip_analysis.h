#pragma once
// Everything the CLIP view and the CLIP report show: one decomposition with its inputs,
// options, sigma sweep, optional nullification and PCA projections. Plain data, computed by
// the app's job (app/clip_job.h) or by any caller.
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "analysis/clip/clip_options.h"
#include "analysis/clip/nullification.h"
#include "analysis/clip/schur_decomposition.h"

namespace scalpel {

struct ClipSweepPoint {
    double sigma = 0, sce = 0, textScore = 0;
};

struct ClipAnalysis {
    std::string source, textKey, imageKey;  // embeddings file and tensor names
    clip::Options options;
    clip::Decomposition decomposition;
    std::optional<clip::Nullification> nullification;
    std::string nullifyForm;                // "paper" or "authors" when nullification is set
    std::vector<ClipSweepPoint> sweep;      // SCE as sigma varies (Gaussian kernel only)
    Eigen::MatrixXd pcaBefore, pcaAfter;    // n x 2 PCA scores of the image embeddings; may be empty
    Eigen::Vector2d pcaBeforeShare = Eigen::Vector2d::Zero(), pcaAfterShare = Eigen::Vector2d::Zero();  // variance fractions
};

}  // namespace scalpel
