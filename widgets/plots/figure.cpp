#include "widgets/plots/figure.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "widgets/plots/draw_surface.h"

namespace scalpel::plots {

double Axis::toPixel(double value, double p0, double p1) const {
    const double a = log ? std::log10(lo) : lo, b = log ? std::log10(hi) : hi;
    const double v = log ? std::log10(value) : value;
    return p0 + (v - a) / (b - a) * (p1 - p0);
}

double Axis::fromPixel(double pixel, double p0, double p1) const {
    const double a = log ? std::log10(lo) : lo, b = log ? std::log10(hi) : hi;
    const double v = a + (pixel - p0) / (p1 - p0) * (b - a);
    return log ? std::pow(10.0, v) : v;
}

Axis fitAxis(double lo, double hi, bool log, bool includeZero) {
    Axis a;
    a.log = log;
    if (!std::isfinite(lo) || !std::isfinite(hi) || lo > hi || (log && lo <= 0)) {
        a.lo = log ? 0.1 : 0;
        a.hi = log ? 10 : 1;
        return a;
    }
    if (log) {
        // Whole decades, so the ends carry tick labels.
        a.lo = std::pow(10.0, std::floor(std::log10(lo) + 1e-9));
        a.hi = std::pow(10.0, std::ceil(std::log10(hi) - 1e-9));
        if (a.hi <= a.lo) a.hi = a.lo * 10;
        return a;
    }
    if (includeZero) {
        lo = std::min(lo, 0.0);
        hi = std::max(hi, 0.0);
    }
    if (hi == lo) {
        const double pad = lo == 0 ? 1 : std::fabs(lo) * 0.1;
        lo -= pad;
        hi += pad;
    }
    const double pad = 0.05 * (hi - lo);
    a.lo = (includeZero && lo == 0) ? 0 : lo - pad;
    a.hi = (includeZero && hi == 0) ? 0 : hi + pad;
    return a;
}

std::vector<double> axisTicks(const Axis& axis, int maxTicks) {
    std::vector<double> ticks;
    maxTicks = std::max(maxTicks, 2);
    if (axis.log) {
        const int d0 = int(std::ceil(std::log10(axis.lo) - 1e-9)), d1 = int(std::floor(std::log10(axis.hi) + 1e-9));
        const int every = std::max(1, (d1 - d0 + maxTicks) / maxTicks);
        for (int d = d0; d <= d1; ++d)
            if ((d - d0) % every == 0) ticks.push_back(std::pow(10.0, d));
        return ticks;
    }
    const double span = axis.hi - axis.lo;
    if (!(span > 0)) return ticks;
    const double raw = span / maxTicks, mag = std::pow(10.0, std::floor(std::log10(raw)));
    double step = mag * 10;
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (mag * m >= raw) {
            step = mag * m;
            break;
        }
    for (double t = std::ceil(axis.lo / step) * step; t <= axis.hi + step * 1e-9; t += step)
        ticks.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);
    return ticks;
}

std::string tickLabel(double value, bool log) {
    char buf[32];
    if (log) {
        const int e = int(std::lround(std::log10(value)));
        if (e >= -2 && e <= 3) std::snprintf(buf, sizeof buf, "%g", value);
        else std::snprintf(buf, sizeof buf, "1e%d", e);
    } else {
        std::snprintf(buf, sizeof buf, "%.6g", value);
    }
    return buf;
}

std::string formatNumber(double value) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", value);
    return buf;
}

Rgb seriesColour(int index) {
    static constexpr Rgb kOkabeIto[] = {
        {0.000f, 0.447f, 0.698f},  // blue
        {0.835f, 0.369f, 0.000f},  // vermillion
        {0.000f, 0.620f, 0.451f},  // bluish green
        {0.800f, 0.475f, 0.655f},  // reddish purple
        {0.902f, 0.624f, 0.000f},  // orange
        {0.337f, 0.706f, 0.914f},  // sky blue
    };
    const int n = int(sizeof kOkabeIto / sizeof kOkabeIto[0]);
    return kOkabeIto[((index % n) + n) % n];
}

std::string elide(DrawSurface& s, const std::string& text, float width) {
    if (s.textWidth(text) <= width) return text;
    std::string t = text;
    while (!t.empty() && s.textWidth(t + "…") > width) {
        t.pop_back();
        while (!t.empty() && (static_cast<unsigned char>(t.back()) & 0xC0) == 0x80) t.pop_back();  // UTF-8 lead
        if (!t.empty() && (static_cast<unsigned char>(t.back()) & 0xC0) == 0xC0) t.pop_back();
    }
    return t + "…";
}

float yTickWidth(DrawSurface& s, const Axis& axis, const Rect& outer) {
    float w = 0;
    for (double t : axisTicks(axis, std::max(3, int(outer.h / (s.lineHeight() * 2.5f)))))
        w = std::max(w, s.textWidth(tickLabel(t, axis.log)));
    return w + 10;
}

Rect drawFrame(DrawSurface& s, const Rect& outer, const FigureText& text, const std::vector<LegendEntry>& legend,
               float leftMargin) {
    const float lh = s.lineHeight();
    float y = outer.y;
    if (!text.title.empty()) {
        s.text(outer.x + outer.w / 2, y, elide(s, text.title, outer.w), kAxisColour, HAlign::Center);
        y += lh + 4;
    }
    // Legend in rows, each right-aligned, entries in order; the y label starts the first row.
    const float yLabelW = text.yLabel.empty() ? 0 : std::min(s.textWidth(text.yLabel) + 16, outer.w * 0.4f);
    std::vector<std::vector<const LegendEntry*>> rows(1);
    float used = 0;
    for (const auto& e : legend) {
        const float w = s.textWidth(e.label) + 28, room = outer.w - 4 - (rows.size() == 1 ? yLabelW : 0);
        if (!rows.back().empty() && used + w > room) {
            rows.emplace_back();
            used = 0;
        }
        rows.back().push_back(&e);
        used += w;
    }
    float rowY = y;
    for (const auto& row : rows) {
        float x = outer.x + outer.w - 4;
        for (auto it = row.rbegin(); it != row.rend(); ++it) {
            x -= s.textWidth((*it)->label);
            s.text(x, rowY, (*it)->label, kAxisColour);
            x -= 16;
            s.line(x, rowY + lh / 2, x + 12, rowY + lh / 2, (*it)->colour, 3);
            x -= 12;
        }
        if (&row != &rows.back()) rowY += lh + 2;
    }
    if (!text.yLabel.empty()) s.text(outer.x + 2, y, elide(s, text.yLabel, std::max(10.f, yLabelW - 8)), kAxisColour);
    y = rowY + lh + 6;
    const float bottom = (text.xLabel.empty() ? 0 : lh + 2) + lh + 8;
    Rect plot{outer.x + leftMargin, y, std::max(1.f, outer.w - leftMargin - 12), std::max(1.f, outer.y + outer.h - bottom - y)};
    if (!text.xLabel.empty())
        s.text(plot.x + plot.w / 2, outer.y + outer.h - 2, text.xLabel, kAxisColour, HAlign::Center, VAlign::Bottom);
    return plot;
}

void drawAxes(DrawSurface& s, const Rect& plot, const Axis& x, const Axis& y, bool xTicks, bool yTicks) {
    const float lh = s.lineHeight();
    if (yTicks)
        for (double t : axisTicks(y, std::max(4, int(plot.h / (lh * 2.5f))))) {
            const float py = float(y.toPixel(t, plot.y + plot.h, plot.y));
            s.line(plot.x, py, plot.x + plot.w, py, kGridColour);
            s.line(plot.x - 4, py, plot.x, py, kAxisColour);
            s.text(plot.x - 6, py, tickLabel(t, y.log), kAxisColour, HAlign::Right, VAlign::Middle);
        }
    if (xTicks) {
        // Room for the widest label decides how many ticks fit.
        const float labelW = std::max(s.textWidth(tickLabel(x.lo, x.log)), s.textWidth(tickLabel(x.hi, x.log))) + 24;
        for (double t : axisTicks(x, std::max(2, int(plot.w / std::max(labelW, 50.f))))) {
            const float px = float(x.toPixel(t, plot.x, plot.x + plot.w));
            s.line(px, plot.y, px, plot.y + plot.h, kGridColour);
            s.line(px, plot.y + plot.h, px, plot.y + plot.h + 4, kAxisColour);
            s.text(px, plot.y + plot.h + 5, tickLabel(t, x.log), kAxisColour, HAlign::Center);
        }
    }
    s.strokeRect(plot, kAxisColour);
}

}  // namespace scalpel::plots
