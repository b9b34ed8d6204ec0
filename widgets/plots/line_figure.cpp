#include "widgets/plots/line_figure.h"

#include <algorithm>
#include <cmath>

#include "widgets/plots/draw_surface.h"

namespace scalpel::plots {
namespace {

bool drawable(double v, bool log) { return std::isfinite(v) && (!log || v > 0); }

bool drawablePoint(const LineFigure& f, const LineSeries& s, size_t i) {
    return drawable(s.x[i], f.logX) && drawable(s.y[i], f.logY);
}

}  // namespace

void fitLineAxes(const LineFigure& fig, Axis& x, Axis& y) {
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (const auto& s : fig.series)
        for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i)
            if (drawablePoint(fig, s, i)) {
                x0 = std::min(x0, s.x[i]);
                x1 = std::max(x1, s.x[i]);
                y0 = std::min(y0, s.y[i]);
                y1 = std::max(y1, s.y[i]);
            }
    for (const auto& r : fig.refLines) {
        if (!drawable(r.value, r.vertical ? fig.logX : fig.logY)) continue;
        double& lo = r.vertical ? x0 : y0;
        double& hi = r.vertical ? x1 : y1;
        lo = std::min(lo, r.value);
        hi = std::max(hi, r.value);
    }
    x = fitAxis(x0, x1, fig.logX);
    y = fitAxis(y0, y1, fig.logY);
}

LineLayout drawLineFigure(DrawSurface& s, const LineFigure& fig, const Rect& outer) {
    LineLayout L;
    fitLineAxes(fig, L.x, L.y);
    std::vector<LegendEntry> legend;
    for (size_t k = 0; k < fig.series.size(); ++k)
        if (fig.series.size() > 1) legend.push_back({fig.series[k].name, seriesColour(int(k))});
    L.plot = drawFrame(s, outer, fig.text, legend, yTickWidth(s, L.y, outer));
    const Rect& p = L.plot;
    drawAxes(s, p, L.x, L.y);
    s.pushClip(p);
    const Rgb refColour{0.35f, 0.35f, 0.35f};
    for (const auto& r : fig.refLines) {
        if (!drawable(r.value, r.vertical ? fig.logX : fig.logY)) continue;
        if (r.vertical) {
            const float px = float(L.x.toPixel(r.value, p.x, p.x + p.w));
            s.line(px, p.y, px, p.y + p.h, refColour, 1.2f, true);
            s.text(px + 3, p.y + 2, r.label, refColour);
        } else {
            const float py = float(L.y.toPixel(r.value, p.y + p.h, p.y));
            s.line(p.x, py, p.x + p.w, py, refColour, 1.2f, true);
            s.text(p.x + p.w - 4, py - 2, r.label, refColour, HAlign::Right, VAlign::Bottom);
        }
    }
    for (size_t k = 0; k < fig.series.size(); ++k) {
        const auto& ser = fig.series[k];
        const Rgb c = seriesColour(int(k));
        std::vector<std::pair<float, float>> run;  // a gap (undrawable point) breaks the line
        auto flush = [&] {
            if (run.size() > 1) s.polyline(run, c, 2);
            run.clear();
        };
        for (size_t i = 0; i < std::min(ser.x.size(), ser.y.size()); ++i) {
            if (!drawablePoint(fig, ser, i)) {
                flush();
                continue;
            }
            const float px = float(L.x.toPixel(ser.x[i], p.x, p.x + p.w));
            const float py = float(L.y.toPixel(ser.y[i], p.y + p.h, p.y));
            run.emplace_back(px, py);
            if (ser.markers || ser.x.size() == 1) s.circle(px, py, 3.5f, c);
        }
        flush();
    }
    s.popClip();
    return L;
}

std::optional<LinePoint> nearestLinePoint(const LineFigure& fig, const LineLayout& L, float px, float py,
                                          float maxDistance) {
    if (!L.plot.contains(px, py)) return std::nullopt;
    std::optional<LinePoint> best;
    double bestD = double(maxDistance) * maxDistance;
    for (size_t k = 0; k < fig.series.size(); ++k) {
        const auto& ser = fig.series[k];
        for (size_t i = 0; i < std::min(ser.x.size(), ser.y.size()); ++i) {
            if (!drawablePoint(fig, ser, i)) continue;
            const double dx = L.x.toPixel(ser.x[i], L.plot.x, L.plot.x + L.plot.w) - px;
            const double dy = L.y.toPixel(ser.y[i], L.plot.y + L.plot.h, L.plot.y) - py;
            if (dx * dx + dy * dy <= bestD) {
                bestD = dx * dx + dy * dy;
                best = LinePoint{k, i};
            }
        }
    }
    return best;
}

}  // namespace scalpel::plots
