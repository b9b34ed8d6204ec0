#pragma once
// Histogram of the finite values of a tensor, for the inspector's distribution plot.
#include <cstdint>
#include <span>
#include <vector>

namespace scalpel::plots {

struct Histogram {
    double lo = 0, hi = 0;        // range of the finite values; bins split it evenly
    std::vector<float> counts;    // one per bin; the last bin includes hi
};

// `bins` equal bins over [min, max] of the finite values; empty counts when none.
Histogram computeHistogram(std::span<const float> values, int bins);

}  // namespace scalpel::plots
