// Times a graph model (the ResNet-18 ONNX export of tests/bench/bench_resnet18.py) on random
// images, for that script (which times PyTorch on the same rows in the same run).
//
//   scalpel_bench_resnet18 --model FILE.onnx --batch B [--size S] --mode forward|backward|lrp [--repeat R] [--class K]
//
// forward:  logits of a [B, 3, S, S] batch, no tape.
// backward: forward with tape + gradient of sum over the batch of logit K to the input and to
//           every parameter (constant).
// Prints one JSON line: {"batch":..,"size":..,"mode":..,"median_seconds":..,"runs":[..]}.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "analysis/common/allocator_tuning.h"
#include "analysis/graph/graph_import.h"
#include "analysis/graph/graph_lrp.h"
#include "bench_common.h"

using namespace scalpel;
using namespace scalpel::graph;
using scalpel::engine::arg;

int main(int argc, char** argv) {
    keepFreedMemory();
    const std::string path = arg(argc, argv, "--model", "");
    const int64_t batch = std::atoll(arg(argc, argv, "--batch", "8"));
    const int64_t size = std::atoll(arg(argc, argv, "--size", "224"));
    const std::string mode = arg(argc, argv, "--mode", "forward");
    const int repeat = std::max(1, std::atoi(arg(argc, argv, "--repeat", "3")));
    const int64_t cls = std::atoll(arg(argc, argv, "--class", "7"));
    if (mode != "forward" && mode != "backward" && mode != "lrp") {
        std::fprintf(stderr, "unknown --mode %s (forward, backward, lrp)\n", mode.c_str());
        return 2;
    }
    auto loaded = loadGraphModel(path);
    if (!loaded) {
        std::fprintf(stderr, "%s\n", loaded.error().what().c_str());
        return 1;
    }
    const GraphModel& model = *loaded;
    Tensor x({batch, 3, size, size});
    std::mt19937 rng(3);
    std::normal_distribution<float> normal(0.f, 1.f);
    for (auto& v : x.data) v = normal(rng);
    const std::string input = model.values()[static_cast<size_t>(model.inputs().front())].name;

    auto once = [&] {
        if (mode == "lrp") {  // forward + LRP backward (EpsilonPlus) of class `cls` for every example
            LrpOptions o;
            o.rule = "EpsilonPlus";
            (void)explainLrp(model, {x}, std::vector<int64_t>(size_t(batch), cls), o);
            return;
        }
        ForwardOptions opt;
        opt.keepTape = mode == "backward";
        const auto run = model.forward({x}, opt);
        if (mode == "forward") return;
        Tensor dy(run.outputs[0].shape);
        const int64_t classes = dy.dim(1);
        for (int64_t b = 0; b < batch; ++b) dy.data[static_cast<size_t>(b * classes + cls)] = 1.0f;
        BackwardOptions bopt;
        bopt.sites = {input};
        bopt.parameters = true;
        (void)model.backward(run, {dy}, bopt);
    };
    try {
        const auto runs = engine::timeRuns(repeat, once);
        engine::printTimings("\"batch\":" + std::to_string(batch) + ",\"size\":" + std::to_string(size) + ",\"mode\":\"" + mode + "\"", runs);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    return 0;
}
