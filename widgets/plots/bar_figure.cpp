#include "widgets/plots/bar_figure.h"

#include <algorithm>
#include <cmath>

#include "widgets/plots/draw_surface.h"

namespace scalpel::plots {

BarLayout layoutBars(const BarFigure& fig, const Rect& plot) {
    BarLayout L;
    L.plot = plot;
    double hi = 0, lo = 0;
    for (const auto& b : fig.bars)
        if (std::isfinite(b.value)) {
            hi = std::max(hi, b.value);
            lo = std::min(lo, b.value);
        }
    L.x = fitAxis(lo, hi > lo ? hi : lo + 1, false, true);
    const size_t n = fig.bars.size();
    if (n == 0) return L;
    const double row = double(plot.h) / double(n);
    for (size_t i = 0; i < n; ++i) {
        const double v = std::isfinite(fig.bars[i].value) ? fig.bars[i].value : 0;
        const double a = L.x.toPixel(0, plot.x, plot.x + plot.w), b = L.x.toPixel(v, plot.x, plot.x + plot.w);
        L.bars.push_back(Rect{float(std::min(a, b)), float(plot.y + row * (double(i) + 0.1)), float(std::fabs(b - a)),
                              float(row * 0.8)});
    }
    return L;
}

BarLayout drawBarFigure(DrawSurface& s, const BarFigure& fig, const Rect& outer) {
    float labelW = 0;
    for (const auto& b : fig.bars) labelW = std::max(labelW, s.textWidth(b.label));
    labelW = std::min(labelW + 10, outer.w * 0.35f);
    Rect plot = drawFrame(s, outer, fig.text, fig.legend, labelW);
    BarLayout L = layoutBars(fig, plot);
    const float lh = s.lineHeight();
    const double row = fig.bars.empty() ? 1 : double(plot.h) / double(fig.bars.size());
    L.labelEvery = std::max(1, int(std::ceil(lh / row)));
    drawAxes(s, plot, L.x, Axis{0, 1, false}, true, false);
    for (size_t i = 0; i < fig.bars.size(); ++i) {
        const Bar& b = fig.bars[i];
        const Rect& r = L.bars[i];
        s.fillRect(r, seriesColour(b.colour));
        if (i % size_t(L.labelEvery) != 0) continue;
        const float cy = r.y + r.h / 2;
        s.text(plot.x - 6, cy, elide(s, b.label, labelW - 8), kAxisColour, HAlign::Right, VAlign::Middle);
        if (row >= lh) {  // value at the bar's end, inside the plot
            const std::string v = formatNumber(b.value);
            const float w = s.textWidth(v);
            const bool inside = r.x + r.w + 4 + w > plot.x + plot.w;
            s.text(inside ? r.x + r.w - 4 : r.x + r.w + 4, cy, v, inside ? Rgb{1, 1, 1} : kAxisColour,
                   inside ? HAlign::Right : HAlign::Left, VAlign::Middle);
        }
    }
    return L;
}

std::optional<size_t> barAt(const BarLayout& L, float px, float py) {
    if (!L.plot.contains(px, py) || L.bars.empty()) return std::nullopt;
    const double row = double(L.plot.h) / double(L.bars.size());
    const auto i = size_t(std::floor((double(py) - L.plot.y) / row));
    return i < L.bars.size() ? std::optional<size_t>(i) : std::nullopt;
}

}  // namespace scalpel::plots
