#pragma once
// The figures of a CLIP decomposition, built once from a ClipAnalysis and shared by the
// on-screen view (ImGui) and the report (SVG): what you see is what you export.
#include <string>

#include "widgets/plots/bar_figure.h"
#include "widgets/plots/line_figure.h"
#include "widgets/plots/scatter_figure.h"
#include "widgets/views/clip_analysis.h"

namespace scalpel {

struct ClipFigures {
    plots::LineFigure spectra;        // C_II, Lambda_{I,T}, Lambda_{I|T} on log-y, clamp + cut-off lines
    plots::BarFigure decomposition;   // Tr Lambda_{I,T} vs Tr Lambda_{I|T} (and Tr C_II)
    plots::LineFigure sweep;          // SCE (and text score) vs sigma, log-x; empty series when no sweep
    plots::BarFigure groups;          // per-prompt within-group trace, top kMaxGroupBars by size
    plots::ScatterFigure pcaBefore, pcaAfter;  // PCA of image embeddings; empty sets without nullification
    plots::ScatterFigure cosines;     // cos(t, x) before vs after nullification
};

inline constexpr size_t kMaxGroupBars = 30;

ClipFigures buildClipFigures(const ClipAnalysis& analysis);

// One-line meanings shown next to the scores (view and report).
inline constexpr const char* kSceMeaning =
    "SCE: diversity of the images not explained by their prompts (1 = images are a function of the prompt)";
inline constexpr const char* kTextScoreMeaning = "text score: diversity explained by the prompts";

// "gaussian-rff on the gram side, n 60, d 8, m 5000, rank kept 12" and the like.
std::string clipRouteLine(const clip::Decomposition& d);

}  // namespace scalpel
