#pragma once
// A graph model's forward pass into a Scalpel HDF5 file (scalpel_schema "graph-dump", version 1;
// docs/formats.md): /outputs (the first graph output), /extra_outputs/<name> (any others) and
// /sites/<name> for the requested sites, each float32 in its own shape (NCHW inside the graph).
// Site names may contain '/', so dataset names write '%' as %25 and '/' as %2F.
#include <string>
#include <vector>

#include "analysis/graph/graph_model.h"
#include "data/activation_dump.h"

namespace scalpel::graph {

inline constexpr const char* kGraphDumpSchema = "graph-dump";
inline constexpr int kGraphDumpVersion = 1;

// '%' -> %25, '/' -> %2F (reversible; HDF5 would read '/' as a group separator).
std::string datasetName(const std::string& siteName);

struct GraphDumpSummary {
    std::vector<std::string> sites;                  // names written, in forward order
    std::vector<std::vector<int64_t>> siteShapes;
    std::vector<std::vector<int64_t>> outputShapes;  // every graph output
    std::vector<int64_t> argmax;                     // per batch row of a rank-2 first output, else empty
};

// Runs `model` on `inputs` and writes the dump; never leaves a half-written file behind.
Result<GraphDumpSummary> runGraphToDump(const GraphModel& model, const std::vector<Tensor>& inputs,
                                        const std::vector<std::string>& sites, const std::string& outPath,
                                        const Provenance& provenance, const ProgressToken& progress = {});

}  // namespace scalpel::graph
