// Times relevance patching on a GPT-2-small-shaped model with random weights, for
// tests/bench/bench_patching.py (which times a PyTorch implementation of the same procedure).
//
//   scalpel_bench_patching --method ap|atp|relp [--batch 8] [--seq 16] [--repeat R]
//
// Denoising, components resid_pre, attn_out, mlp_out and head; corrupted prompts differ from the
// clean ones at three positions. Prints one JSON line {"method":..,"median_seconds":..,"runs":[..]}.
#include <cstdlib>

#include "analysis/common/allocator_tuning.h"
#include "analysis/patching/relevance_patching.h"
#include "bench_common.h"

using namespace scalpel;
using namespace scalpel::engine;

int main(int argc, char** argv) {
    keepFreedMemory();
    const int64_t batch = std::atoll(arg(argc, argv, "--batch", "8"));
    const int64_t seq = std::atoll(arg(argc, argv, "--seq", "16"));
    const std::string method = arg(argc, argv, "--method", "atp");
    const int repeat = std::max(1, std::atoi(arg(argc, argv, "--repeat", "3")));
    const auto m = patching::parseMethod(method);
    if (!m || (*m != patching::Method::Ap && *m != patching::Method::Atp && *m != patching::Method::Relp)) {
        std::fprintf(stderr, "unknown --method %s (ap, atp, relp)\n", method.c_str());
        return 2;
    }
    const Gpt2Model<float> model(randomGpt2Small());
    patching::PromptBatch p{batch, seq, {}, {}, {}, {}};
    std::mt19937 rng(3);
    for (int64_t i = 0; i < batch * seq; ++i) p.clean.push_back(int32_t(rng() % 50257));
    p.corrupt = p.clean;
    for (int64_t b = 0; b < batch; ++b) {
        for (int64_t t : {seq / 4, seq / 2, 3 * seq / 4}) p.corrupt[size_t(b * seq + t)] = int32_t(rng() % 50257);
        p.answer.push_back(int32_t(rng() % 50257));
        p.wrong.push_back(int32_t(rng() % 50257));
    }
    patching::Options o;
    o.methods = {*m};
    o.components = {patching::Component::ResidPre, patching::Component::AttnOut, patching::Component::MlpOut,
                    patching::Component::Head};
    const auto runs = timeRuns(repeat, [&] { patching::runPatching(model, p, o); });
    printTimings("\"method\":\"" + method + "\",\"batch\":" + std::to_string(batch) + ",\"seq\":" + std::to_string(seq), runs);
    return 0;
}
