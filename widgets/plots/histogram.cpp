#include "widgets/plots/histogram.h"

#include <algorithm>
#include <cmath>

namespace scalpel::plots {

Histogram computeHistogram(std::span<const float> values, int bins) {
    Histogram h;
    double lo = INFINITY, hi = -INFINITY;
    for (float v : values)
        if (std::isfinite(v)) {
            lo = std::min(lo, double(v));
            hi = std::max(hi, double(v));
        }
    if (bins <= 0 || !(lo <= hi)) return h;
    h.lo = lo;
    h.hi = hi;
    h.counts.assign(size_t(bins), 0.f);
    const double width = (hi - lo) / bins;
    for (float v : values) {
        if (!std::isfinite(v)) continue;
        int b = width > 0 ? int((double(v) - lo) / width) : 0;
        h.counts[size_t(std::clamp(b, 0, bins - 1))] += 1.f;
    }
    return h;
}

}  // namespace scalpel::plots
