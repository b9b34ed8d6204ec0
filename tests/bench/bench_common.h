#pragma once
// Shared by the benchmark binaries. A GPT-2-small-shaped model (12 layers, 768 wide, 12 heads, vocabulary 50257) with random
// weights, for the benchmarks: timing needs the shapes, not trained values.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "analysis/engine/gpt2_weights.h"

namespace scalpel::engine {

inline Gpt2Weights randomGpt2Small() {
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

// The value after `name` on the command line, or `fallback`.
inline const char* arg(int argc, char** argv, const char* name, const char* fallback) {
    for (int i = 1; i + 1 < argc; ++i)
        if (std::string(argv[i]) == name) return argv[i + 1];
    return fallback;
}

// One warm-up call, then `repeat` timed calls (seconds each).
inline std::vector<double> timeRuns(int repeat, const std::function<void()>& once) {
    once();
    std::vector<double> runs;
    for (int r = 0; r < repeat; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        once();
        runs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return runs;
}

// Prints {<fields>,"median_seconds":m,"runs":[...]} on one line; `fields` is JSON members.
inline void printTimings(const std::string& fields, const std::vector<double>& runs) {
    std::vector<double> sorted = runs;
    std::sort(sorted.begin(), sorted.end());
    std::printf("{%s,\"median_seconds\":%.6f,\"runs\":[", fields.c_str(), sorted[sorted.size() / 2]);
    for (size_t i = 0; i < runs.size(); ++i) std::printf("%s%.6f", i ? "," : "", runs[i]);
    std::printf("]}\n");
}

}  // namespace scalpel::engine
