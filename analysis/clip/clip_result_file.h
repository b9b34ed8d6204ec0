#pragma once
// Writes a CLIP decomposition (and optional nullification) to a Scalpel result file
// (HDF5, schema "result", method "clip-schur"; layout in docs/formats.md).
#include <optional>
#include <string>

#include "analysis/clip/clip_options.h"
#include "analysis/clip/nullification.h"
#include "analysis/clip/schur_decomposition.h"
#include "data/result.h"

namespace scalpel::clip {

struct ClipRunInfo {
    std::string embeddingsPath, textKey, imageKey, omegaSource;  // omegaSource: "seed N" or FILE:KEY
    std::string commandLine;
};

std::optional<Error> writeClipResult(const std::string& path, const Decomposition& d, const Options& o,
                                     const std::optional<Nullification>& nullification, const ClipRunInfo& info);

// Everything a report or a JSON summary needs, as JSON text (no spectra).
std::string clipSummaryJson(const Decomposition& d, const Options& o, const std::optional<Nullification>& nullification);

}  // namespace scalpel::clip
