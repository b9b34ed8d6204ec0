// scalpel run --model FILE.onnx|FILE.h5: a graph model (ONNX or Keras) on float inputs, the outputs
// and chosen hook sites to a graph dump (analysis/graph/graph_dump.h).
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "analysis/graph/graph_dump.h"
#include "analysis/graph/graph_import.h"
#include "analysis/graph/graph_inputs.h"
#include "app/cli/cli.h"
#include "app/cli/cli_args.h"
#include "data/tensor_file.h"

namespace scalpel::cli {

namespace {
const char* kRunGraphUsage =
    "usage: scalpel run --model FILE.onnx|FILE.h5 --inputs FILE[:NAME]... [--sites PATTERN...] --out DUMP.h5 [--json]\n"
    "  --model FILE      ONNX model, or Keras 2 .h5 full model (model_config + model_weights)\n"
    "  --inputs FILE     float tensor per graph input: NPY, NPZ or HDF5; FILE:NAME picks the NPZ member or\n"
    "                    HDF5 dataset (needed when the file holds several). Shape [batch, ...] as the model\n"
    "                    declares it (Keras images NHWC, ONNX NCHW); one example without the batch dim is\n"
    "                    accepted too\n"
    "  --sites P...      node names or glob patterns ('*' any run, '?' one character); 'all' for every\n"
    "                    node. Default: outputs only. `--sites list` prints every site with its shape.\n"
    "  --json            print a JSON summary on stdout\n";

int bad(const std::string& message) {
    std::fprintf(stderr, "scalpel run: %s\n", message.c_str());
    return kBadInput;
}

std::string shapeText(std::vector<int64_t> shape, bool batchIsN) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + (i == 0 && batchIsN ? std::string("N") : std::to_string(shape[i]));
    return s + "]";
}

}  // namespace

bool isGraphModelPath(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return false;
    if (path.ends_with(".onnx")) return true;
    std::ifstream in(path, std::ios::binary);
    char sig[8] = {};
    in.read(sig, 8);
    return in.gcount() == 8 && std::memcmp(sig, "\x89HDF\r\n\x1a\n", 8) == 0;
}

int runGraphModel(const std::vector<std::string>& args) {
    ArgParser p("run", kRunGraphUsage);
    std::string modelPath, out;
    std::vector<std::string> inputSpecs, patterns;
    bool json = false;
    p.value("--model", modelPath).value("--out", out).values("--inputs", inputSpecs).values("--sites", patterns).flag("--json", json);
    if (int rc = p.parse(args); rc >= 0) return rc;
    const bool listSites = patterns.size() == 1 && patterns[0] == "list";
    if (!listSites) {
        if (out.empty()) return p.usageError("--out is required");
        if (inputSpecs.empty()) return p.usageError("--inputs is required");
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto model = graph::loadGraphModel(modelPath);
    if (!model) return bad(model.error().what());
    if (listSites) {
        std::vector<graph::SiteInfo> sites;
        try {
            sites = model->describeSites();
        } catch (const graph::GraphError& e) {
            return bad(modelPath + ": " + e.what());
        }
        for (const auto& s : sites) std::printf("%s\t%s\t%s\n", s.name.c_str(), s.op.c_str(), shapeText(s.shape, true).c_str());
        return kOk;
    }

    std::vector<std::string> sites;
    if (patterns.size() == 1 && patterns[0] == "all") patterns = {"*"};
    for (const auto& pat : patterns) {
        const auto found = model->matchSites(pat);
        if (found.empty()) return p.usageError("no site matches '" + pat + "' (`--sites list` prints the names)");
        for (const auto& s : found)
            if (std::find(sites.begin(), sites.end(), s) == sites.end()) sites.push_back(s);
    }

    if (inputSpecs.size() != model->inputs().size())
        return bad(modelPath + ": the model takes " + std::to_string(model->inputs().size()) + " input(s), --inputs gives " +
                   std::to_string(inputSpecs.size()));
    std::vector<graph::Tensor> inputs;
    for (size_t k = 0; k < inputSpecs.size(); ++k) {
        auto t = graph::readGraphInput(inputSpecs[k]);
        if (!t) return bad(t.error().what());
        // One example without its batch dim.
        const auto& declared = model->values()[static_cast<size_t>(model->inputs()[k])].shape;
        if (t->rank() + 1 == static_cast<int64_t>(declared.size())) t->shape.insert(t->shape.begin(), 1);
        inputs.push_back(std::move(*t));
    }

    Provenance prov;
    std::error_code ec;
    prov.scalpelVersion = SCALPEL_VERSION_STRING;
    prov.modelPath = std::filesystem::absolute(modelPath, ec).string();
    prov.commandLine = joinArgs("run", args);
    auto summary = graph::runGraphToDump(*model, inputs, sites, out, prov);
    if (!summary) return bad(summary.error().what());
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const int64_t batch = inputs.front().rank() ? inputs.front().dim(0) : 1;
    if (json) {
        nlohmann::json j = {{"model", modelPath}, {"format", model->format}, {"out", out}, {"batch", batch}, {"seconds", seconds}};
        j["outputs"] = summary->outputShapes.front();
        j["sites"] = nlohmann::json::array();
        for (size_t i = 0; i < summary->sites.size(); ++i)
            j["sites"].push_back({{"name", summary->sites[i]}, {"shape", summary->siteShapes[i]}});
        j["argmax"] = summary->argmax;
        std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    } else {
        std::printf("wrote %s: %lld example(s), outputs %s, %zu site(s) in %.2f s\n", out.c_str(), static_cast<long long>(batch),
                    shapeText(summary->outputShapes.front(), false).c_str(), summary->sites.size(), seconds);
        for (size_t b = 0; b < summary->argmax.size(); ++b)
            std::printf("  row %zu: argmax %lld\n", b, static_cast<long long>(summary->argmax[b]));
    }
    return kOk;
}

}  // namespace scalpel::cli
