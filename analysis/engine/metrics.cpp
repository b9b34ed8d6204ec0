#include "analysis/engine/metrics.h"

#include <cmath>
#include <random>
#include <stdexcept>

namespace scalpel::engine {

namespace {

void checkId(int32_t id, int64_t vocab, const char* what) {
    if (id < 0 || id >= vocab)
        throw std::invalid_argument(std::string(what) + " token id " + std::to_string(id) + " is outside the vocabulary");
}

}  // namespace

template <class S>
MetricValue<S> logitDifference(const Act<S>& logits, int64_t batch, int64_t seq, const std::vector<int32_t>& answer,
                               const std::vector<int32_t>& wrong) {
    const bool lastOnly = logits.rows() == batch;
    if (!lastOnly && logits.rows() != batch * seq) throw std::invalid_argument("logits rows match neither B nor B*T");
    if (static_cast<int64_t>(answer.size()) != batch || static_cast<int64_t>(wrong.size()) != batch)
        throw std::invalid_argument("one answer and one wrong token per batch row are needed");
    MetricValue<S> m;
    m.dLogits = Act<S>::Zero(logits.rows(), logits.cols());
    for (int64_t b = 0; b < batch; ++b) {
        checkId(answer[static_cast<size_t>(b)], logits.cols(), "answer");
        checkId(wrong[static_cast<size_t>(b)], logits.cols(), "wrong");
        const int64_t row = lastOnly ? b : b * seq + seq - 1;
        const double v = static_cast<double>(logits(row, answer[static_cast<size_t>(b)])) -
                         static_cast<double>(logits(row, wrong[static_cast<size_t>(b)]));
        m.perExample.push_back(v);
        m.total += v;
        m.dLogits(row, answer[static_cast<size_t>(b)]) += S(1);
        m.dLogits(row, wrong[static_cast<size_t>(b)]) -= S(1);
    }
    return m;
}

template <class S>
MetricValue<S> crossEntropy(const Act<S>& logits, int64_t batch, int64_t seq, const std::vector<int32_t>& labels,
                            Reduction reduction) {
    if (logits.rows() != batch * seq || static_cast<int64_t>(labels.size()) != batch * seq)
        throw std::invalid_argument("cross-entropy needs logits [B*T, V] and labels [B, T]");
    MetricValue<S> m;
    m.dLogits = Act<S>::Zero(logits.rows(), logits.cols());
    m.perExample.assign(static_cast<size_t>(batch), 0.0);
    int64_t counted = 0;
    for (int64_t r = 0; r < logits.rows(); ++r) {
        const int32_t label = labels[static_cast<size_t>(r)];
        if (label == -1) continue;
        checkId(label, logits.cols(), "label");
        const auto row = logits.row(r).template cast<double>();
        const double mx = row.maxCoeff();
        const double lse = mx + std::log((row.array() - mx).exp().sum());
        const double loss = lse - row(label);
        m.perExample[static_cast<size_t>(r / seq)] += loss;
        m.dLogits.row(r) = (row.array() - lse).exp().template cast<S>();
        m.dLogits(r, label) -= S(1);
        ++counted;
    }
    const double scale = (reduction == Reduction::Mean && counted > 0) ? 1.0 / static_cast<double>(counted) : 1.0;
    for (double v : m.perExample) m.total += v;
    m.total *= scale;
    if (scale != 1.0) m.dLogits *= static_cast<S>(scale);
    return m;
}

template <class S>
std::vector<int32_t> sampleLabels(const Act<S>& logits, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    std::vector<int32_t> out(static_cast<size_t>(logits.rows()));
    for (int64_t r = 0; r < logits.rows(); ++r) {
        const auto row = logits.row(r).template cast<double>();
        const double mx = row.maxCoeff();
        const double total = (row.array() - mx).exp().sum();
        // Inverse CDF on the unnormalised weights: one pass, no per-row allocation.
        double target = uniform(rng) * total, acc = 0;
        int64_t pick = logits.cols() - 1;
        for (int64_t v = 0; v < logits.cols(); ++v) {
            acc += std::exp(row(v) - mx);
            if (acc > target) {
                pick = v;
                break;
            }
        }
        out[static_cast<size_t>(r)] = static_cast<int32_t>(pick);
    }
    return out;
}

#define SCALPEL_METRICS(S)                                                                                          \
    template MetricValue<S> logitDifference(const Act<S>&, int64_t, int64_t, const std::vector<int32_t>&,          \
                                            const std::vector<int32_t>&);                                          \
    template MetricValue<S> crossEntropy(const Act<S>&, int64_t, int64_t, const std::vector<int32_t>&, Reduction); \
    template std::vector<int32_t> sampleLabels(const Act<S>&, uint64_t);
SCALPEL_METRICS(float)
SCALPEL_METRICS(double)
#undef SCALPEL_METRICS

}  // namespace scalpel::engine
