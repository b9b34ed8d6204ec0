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

using namespace scalpel::engine;

namespace {

Gpt2Weights randomGpt2Small() {
    const int64_t L = 12, D = 768, H = 12, I = 3072, V = 50257, P = 1024;
    std::mt19937 rng(1);
    std::normal_distribution<float> normal(0.f, 0.02f);
    auto matrix = [&](int64_t r, int64_t c) {
        Eigen::MatrixXf m(r, c);
        for (int64_t i = 0; i < m.size(); ++i) m.data()[i] = normal(rng);
        return m;
    };
    Gpt2Weights w;
    w.config.modelType = "gpt2";
    w.config.vocabSize = V;
    w.config.nPositions = P;
    w.config.nEmbd = D;
    w.config.nLayer = L;
    w.config.nHead = H;
    w.config.headDim = D / H;
    w.config.nInner = I;
    w.config.layerNormEpsilon = 1e-5;
    w.wte = matrix(V, D);
    w.wpe = matrix(P, D);
    for (int64_t l = 0; l < L; ++l) {
        Gpt2Block b;
        b.nHead = H;
        b.headDim = D / H;
        b.ln1 = {Eigen::VectorXf::Ones(D), Eigen::VectorXf::Zero(D)};
        b.ln2 = b.ln1;
        b.attnW = matrix(D, 3 * D);
        b.attnB = Eigen::VectorXf::Zero(3 * D);
        b.attnProjW = matrix(D, D);
        b.attnProjB = Eigen::VectorXf::Zero(D);
        b.fcW = matrix(D, I);
        b.fcB = Eigen::VectorXf::Zero(I);
        b.mlpProjW = matrix(I, D);
        b.mlpProjB = Eigen::VectorXf::Zero(D);
        w.blocks.push_back(std::move(b));
    }
    w.lnF = {Eigen::VectorXf::Ones(D), Eigen::VectorXf::Zero(D)};
    return w;
}

const char* arg(int argc, char** argv, const char* name, const char* fallback) {
    for (int i = 1; i + 1 < argc; ++i)
        if (std::string(argv[i]) == name) return argv[i + 1];
    return fallback;
}

}  // namespace

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
    once();  // warm-up
    std::vector<double> runs;
    for (int r = 0; r < repeat; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        once();
        runs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::vector<double> sorted = runs;
    std::sort(sorted.begin(), sorted.end());
    std::printf("{\"batch\":%lld,\"seq\":%lld,\"mode\":\"%s\",\"median_seconds\":%.6f,\"runs\":[", static_cast<long long>(batch),
                static_cast<long long>(seq), mode.c_str(), sorted[sorted.size() / 2]);
    for (size_t i = 0; i < runs.size(); ++i) std::printf("%s%.6f", i ? "," : "", runs[i]);
    std::printf("]}\n");
    return 0;
}
