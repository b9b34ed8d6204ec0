#include "analysis/common/tensor_stats.h"

#include <cmath>
#include <limits>

namespace scalpel {

// Two passes (mean, then centred sum of squares): numerically stable for the large,
// offset-heavy tensors found in checkpoints, where one-pass formulas lose digits.
template <class T>
static TensorStats statsImpl(std::span<const T> v) {
    TensorStats s;
    s.count = v.size();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    double lo = std::numeric_limits<double>::infinity(), hi = -lo, sum = 0;
    for (T x : v) {
        double d = static_cast<double>(x);
        if (std::isnan(d)) { ++s.nanCount; continue; }
        if (std::isinf(d)) { ++s.infCount; continue; }
        ++s.finite;
        sum += d;
        if (d < lo) lo = d;
        if (d > hi) hi = d;
    }
    if (s.finite == 0) {
        s.min = s.max = s.mean = s.std = nan;
        return s;
    }
    s.min = lo;
    s.max = hi;
    s.mean = sum / static_cast<double>(s.finite);
    double ss = 0;
    for (T x : v) {
        double d = static_cast<double>(x);
        if (std::isfinite(d)) ss += (d - s.mean) * (d - s.mean);
    }
    s.std = s.finite > 1 ? std::sqrt(ss / static_cast<double>(s.finite - 1)) : nan;
    return s;
}

TensorStats computeStats(std::span<const double> values) { return statsImpl(values); }
TensorStats computeStats(std::span<const float> values) { return statsImpl(values); }

}  // namespace scalpel
