#pragma once
// The CLIP decomposition as one job: load the embeddings, decompose, sweep sigma, nullify and
// project with PCA. Runs on a worker thread (JobRunner) or headless; no Qt.
#include <string>

#include "analysis/clip/clip_options.h"
#include "analysis/clip/nullification.h"
#include "analysis/common/progress.h"
#include "widgets/views/clip_analysis.h"

namespace scalpel {

struct ClipJobRequest {
    std::string path, textKey = "text", imageKey = "image";
    clip::Options options;
    bool nullify = true;
    clip::NullifyForm nullifyForm = clip::NullifyForm::Paper;
    int sweepPoints = 9;  // sigma * 2^((k - 4) / 2): sigma/4 ... 4 sigma, the chosen sigma in the middle
};

// Throws std::runtime_error (message names the file) on bad input, Cancelled when cancelled.
ClipAnalysis runClipAnalysis(const ClipJobRequest& request, const ProgressToken& progress = {});

}  // namespace scalpel
