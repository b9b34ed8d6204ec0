#include "widgets/plots/scatter_figure.h"

#include <algorithm>
#include <cmath>

#include "widgets/plots/draw_surface.h"

namespace scalpel::plots {
namespace {
bool finitePoint(const PointSet& p, size_t i) { return std::isfinite(p.x[i]) && std::isfinite(p.y[i]); }
size_t count(const PointSet& p) { return std::min(p.x.size(), p.y.size()); }
}  // namespace

void fitScatterAxes(const ScatterFigure& fig, Axis& x, Axis& y) {
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (const auto& set : fig.sets)
        for (size_t i = 0; i < count(set); ++i)
            if (finitePoint(set, i)) {
                x0 = std::min(x0, set.x[i]);
                x1 = std::max(x1, set.x[i]);
                y0 = std::min(y0, set.y[i]);
                y1 = std::max(y1, set.y[i]);
            }
    x = fitAxis(x0, x1, false);
    y = fitAxis(y0, y1, false);
}

ScatterLayout drawScatterFigure(DrawSurface& s, const ScatterFigure& fig, const Rect& outer) {
    ScatterLayout L;
    fitScatterAxes(fig, L.x, L.y);
    std::vector<LegendEntry> legend = fig.legend;
    if (fig.sets.size() > 1)
        for (size_t k = 0; k < fig.sets.size(); ++k) legend.push_back({fig.sets[k].name, seriesColour(int(k))});
    L.plot = drawFrame(s, outer, fig.text, legend, yTickWidth(s, L.y, outer));
    drawAxes(s, L.plot, L.x, L.y);
    const Rect& p = L.plot;
    s.pushClip(p);
    auto pos = [&](const PointSet& set, size_t i) {
        return std::pair<float, float>(float(L.x.toPixel(set.x[i], p.x, p.x + p.w)),
                                       float(L.y.toPixel(set.y[i], p.y + p.h, p.y)));
    };
    for (size_t k = 0; k < fig.sets.size(); ++k) {
        const auto& set = fig.sets[k];
        for (size_t i = 0; i < count(set); ++i) {
            if (!finitePoint(set, i)) continue;
            const Rgb c = i < set.shade.size() ? Colormap::get(ColormapKind::Viridis).at(set.shade[i]) : seriesColour(int(k));
            auto [x, y] = pos(set, i);
            s.circle(x, y, kScatterRadius, c, 0.85f);
        }
    }
    if (fig.highlight)  // on top of everything, in every set
        for (const auto& set : fig.sets)
            if (*fig.highlight < count(set) && finitePoint(set, *fig.highlight)) {
                auto [x, y] = pos(set, *fig.highlight);
                s.circle(x, y, kScatterRadius * 2.2f, Rgb{0.835f, 0.369f, 0.f}, 1, true);
                s.circle(x, y, kScatterRadius, Rgb{0, 0, 0});
            }
    s.popClip();
    return L;
}

std::optional<ScatterHit> pointAt(const ScatterFigure& fig, const ScatterLayout& L, float px, float py,
                                  float maxDistance) {
    if (!L.plot.contains(px, py)) return std::nullopt;
    std::optional<ScatterHit> best;
    double bestD = double(maxDistance) * maxDistance;
    for (size_t k = 0; k < fig.sets.size(); ++k)
        for (size_t i = 0; i < count(fig.sets[k]); ++i) {
            if (!finitePoint(fig.sets[k], i)) continue;
            const double dx = L.x.toPixel(fig.sets[k].x[i], L.plot.x, L.plot.x + L.plot.w) - px;
            const double dy = L.y.toPixel(fig.sets[k].y[i], L.plot.y + L.plot.h, L.plot.y) - py;
            if (dx * dx + dy * dy <= bestD) {
                bestD = dx * dx + dy * dy;
                best = ScatterHit{k, i};
            }
        }
    return best;
}

}  // namespace scalpel::plots
