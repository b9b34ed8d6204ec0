#pragma once
// The figures of a relevance-patching result for one component map: a diverging heatmap per
// method (AP first; layers, or layer.head, by tokens or heads) and a scatter of every other
// method against AP with its Pearson r. Shared by the view (screen) and the report (SVG).
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/patching/relevance_patching.h"
#include "widgets/plots/heatmap.h"
#include "widgets/plots/scatter_figure.h"

namespace scalpel {

struct PatchingFigures {
    std::vector<patching::Method> methods;
    std::vector<plots::Heatmap> heatmaps;        // same order as methods
    std::vector<plots::ScatterFigure> scatters;  // methods[1..] against AP (when AP is there)
};

const char* methodDisplayName(patching::Method m);  // AP, AtP, RelP, RelP+AH, RelP+AttnLRP, IG

// example -1: batch means; sharedScale: one symmetric colour range for every method.
PatchingFigures buildPatchingFigures(const patching::PatchingResult& r, const nlohmann::json& summary, patching::Component c,
                                     int example, bool sharedScale);

}  // namespace scalpel
