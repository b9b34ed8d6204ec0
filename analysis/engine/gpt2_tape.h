#pragma once
// What a forward pass keeps for the backward pass (internal to the engine). Everything is the
// value actually used downstream, i.e. after patches and masks.
#include <vector>

#include "analysis/engine/gpt2_model.h"

namespace scalpel::engine {

template <class S>
using ColVec = Eigen::Matrix<S, Eigen::Dynamic, 1>;

// Where a patch wrote: the backward sends nothing upstream through these entries.
struct PatchSlice {
    Site site;
    std::vector<int64_t> positions, heads, batch;
};

template <class S>
struct BlockTape {
    Act<S> residPre;          // [N, D]
    Act<S> hat1;              // ln_1 normalised, [N, D]
    ColVec<S> rstd1;          // 1 / sigma per row
    Act<S> qkv;               // c_attn output [N, 3D]
    Act<S> patternRaw;        // softmax before the head mask [B*H*T, T]
    Act<S> patternPatched;    // the pattern used, only when a patch replaced part of it
    Act<S> z;                 // [N, D]
    Act<S> attnOut;           // [N, D]
    Act<S> hat2;              // ln_2 normalised
    ColVec<S> rstd2;
    Act<S> mlpPre;            // c_fc output [N, I]
    Act<S> mlpPost;           // activation times neuron mask [N, I]
    Act<S> mlpOut;            // [N, D]
};

template <class S>
struct Tape {
    TokenBatch tokens;
    std::vector<PatchSlice> patches;
    LogitRows logits = LogitRows::All;
    int resumeLayer = 0;
    std::vector<BlockTape<S>> blocks;  // indexed by layer; empty below resumeLayer
    Act<S> hatF;                        // ln_f normalised
    ColVec<S> rstdF;
};

// Calls fn(row, col, nCols) for every contiguous run of entries a patch covers in the site's
// [rows, cols] layout (hook_site.h).
template <class Fn>
void forEachPatchedRun(const PatchSlice& p, int64_t batch, int64_t seq, int64_t nHead, int64_t headDim, int64_t cols,
                       Fn&& fn) {
    auto each = [](const std::vector<int64_t>& chosen, int64_t n, auto&& body) {
        if (chosen.empty())
            for (int64_t i = 0; i < n; ++i) body(i);
        else
            for (int64_t i : chosen) body(i);
    };
    const bool pattern = p.site.kind == SiteKind::Pattern;
    const bool heads = p.site.hasHeads();
    each(p.batch, batch, [&](int64_t b) {
        each(p.positions, seq, [&](int64_t t) {
            if (!heads) {
                fn(b * seq + t, int64_t{0}, cols);
                return;
            }
            each(p.heads, nHead, [&](int64_t h) {
                if (pattern)
                    fn((b * nHead + h) * seq + t, int64_t{0}, cols);
                else
                    fn(b * seq + t, h * headDim, headDim);
            });
        });
    });
}

}  // namespace scalpel::engine
