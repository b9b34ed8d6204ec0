#pragma once
// Relevance-patching results as JSON (the CLI's --json output and the result file's `summary`)
// and as a Scalpel result file (HDF5, schema "result", method "relevance-patching"; layout in
// docs/formats.md). Reading the file back gives the same maps without recomputation.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/patching/relevance_patching.h"
#include "data/result.h"

namespace scalpel::patching {

struct PatchingRunInfo {
    std::string modelPath, promptsSource, commandLine;
    std::vector<std::vector<std::string>> cleanTokens;  // token texts per prompt (may be empty)
};

nlohmann::json patchingSummary(const PatchingResult& r, const Options& o, const PatchingRunInfo& info);
std::optional<Error> writePatchingResult(const std::string& path, const PatchingResult& r, const Options& o, const PromptBatch& p,
                                         const PatchingRunInfo& info);

// A result file read back (the GUI opens these).
struct PatchingFile {
    nlohmann::json summary;
    PatchingResult result;
};
scalpel::Result<PatchingFile> readPatchingResult(const std::string& path);

}  // namespace scalpel::patching
