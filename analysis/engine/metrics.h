#pragma once
// Scalar metrics on the engine's logits and their gradients dMetric/dLogits, the seed of
// every backward pass (relp.md §1, influence.md). Sums and log-sum-exps accumulate in double.
#include <cstdint>
#include <vector>

#include "analysis/engine/gpt2_model.h"

namespace scalpel::engine {

template <class S>
struct MetricValue {
    double total = 0;                  // the scalar whose gradient dLogits is
    std::vector<double> perExample;    // one value per batch row
    Act<S> dLogits;                    // same shape as the logits
};

// Logit difference logits[b, last, answer_b] - logits[b, last, wrong_b], summed over the batch.
// `logits` from LogitRows::Last ([B, V]) or LogitRows::All ([B*T, V], then seq = T).
template <class S>
MetricValue<S> logitDifference(const Act<S>& logits, int64_t batch, int64_t seq, const std::vector<int32_t>& answer,
                               const std::vector<int32_t>& wrong);

enum class Reduction { Mean, Sum };

// Cross-entropy of rows [B*T, V] against labels (row-major [B, T]); a label of -1 skips the
// token (e.g. the last position). Mean over the counted tokens, or their sum.
template <class S>
MetricValue<S> crossEntropy(const Act<S>& logits, int64_t batch, int64_t seq, const std::vector<int32_t>& labels,
                            Reduction reduction);

// Labels drawn from the model's own predictive distribution softmax(logits row) with a seeded
// generator (the "true Fisher" of EK-FAC): same seed, same labels.
template <class S>
std::vector<int32_t> sampleLabels(const Act<S>& logits, uint64_t seed);

}  // namespace scalpel::engine
