// Times the GPT-2 engine on a GPT-2-small-shaped model with random weights, for
// tests/bench/bench_gpt2.py (which times PyTorch on the same rows in the same run).
//
//   scalpel_bench_gpt2 --batch B --seq T --mode forward|backward|lrp [--repeat R]
//
// forward:  logits at every position, no tape.
// backward: forward with tape + gradient of a logit difference to every parameter.
// lrp:      forward with tape + RelP backward (LN-rule, identity GELU) to the embedding output.
// Prints one JSON line: {"batch":..,"seq":..,"mode":..,"median_seconds":..,"runs":[..]}.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "analysis/common/allocator_tuning.h"
#include "analysis/engine/gpt2_model.h"
#include "analysis/engine/metrics.h"
#include "bench_common.h"

using namespace scalpel::engine;

int main(int argc, char** argv) {
    scalpel::keepFreedMemory();
    const int64_t batch = std::atoll(arg(argc, argv, "--batch", "1"));
    const int64_t seq = std::atoll(arg(argc, argv, "--seq", "128"));
    const std::string mode = arg(argc, argv, "--mode", "forward");
    const int repeat = std::max(1, std::atoi(arg(argc, argv, "--repeat", "3")));
    if (mode != "forward" && mode != "backward" && mode != "lrp") {
        std::fprintf(stderr, "unknown --mode %s (forward, backward, lrp)\n", mode.c_str());
        return 2;
    }
    const Gpt2Model<float> model(randomGpt2Small());
    TokenBatch tokens{batch, seq, std::vector<int32_t>(static_cast<size_t>(batch * seq))};
    std::mt19937 rng(2);
    for (auto& t : tokens.ids) t = static_cast<int32_t>(rng() % 50257);
    const std::vector<int32_t> answer(static_cast<size_t>(batch), 11), wrong(static_cast<size_t>(batch), 42);

    auto once = [&] {
        ForwardOptions<float> opt;
        opt.keepTape = mode != "forward";
        const auto run = model.forward(tokens, opt);
        if (mode == "forward") return;
        const auto metric = logitDifference<float>(run.logits, batch, seq, answer, wrong);
        BackwardOptions<float> bopt;
        if (mode == "backward") {
            bopt.parameters = true;
        } else {
            bopt.rules = LrpRules::relp();
            bopt.sites = {{SiteKind::ResidPre, 0}};
        }
        model.backward(run, metric.dLogits, bopt);
    };
    const auto runs = timeRuns(repeat, once);
    printTimings("\"batch\":" + std::to_string(batch) + ",\"seq\":" + std::to_string(seq) + ",\"mode\":\"" + mode + "\"", runs);
    return 0;
}
