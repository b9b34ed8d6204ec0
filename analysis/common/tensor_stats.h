#pragma once
// Summary statistics of a tensor, accumulated in float64.
#include <cstdint>
#include <span>

namespace scalpel {

struct TensorStats {
    uint64_t count = 0;      // all elements
    uint64_t finite = 0;     // elements that are neither NaN nor ±Inf
    uint64_t nanCount = 0;
    uint64_t infCount = 0;
    // Over finite elements only (NaN when there are none). std is the unbiased
    // (n-1) estimate, matching torch.std's default; NaN for a single element, as torch.
    double min = 0, max = 0, mean = 0, std = 0;
};

TensorStats computeStats(std::span<const double> values);
TensorStats computeStats(std::span<const float> values);

}  // namespace scalpel
