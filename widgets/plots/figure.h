#pragma once
// Pieces shared by the backend-neutral figures (line, bar, scatter): the text every figure
// carries, value axes (linear or log) with their ticks, a colour-blind-safe series palette
// and the frame layout (title, y label + legend row, plot rectangle, x label).
#include <optional>
#include <string>
#include <vector>

#include "widgets/plots/colormap.h"
#include "widgets/plots/heatmap.h"  // Rect

namespace scalpel::plots {

class DrawSurface;

struct FigureText {
    std::string title, xLabel, yLabel;
};

struct LegendEntry {
    std::string label;
    Rgb colour;
};

// A value range drawn onto a pixel range; log axes map log10(value) linearly.
struct Axis {
    double lo = 0, hi = 1;
    bool log = false;

    // Pixel of `value` when lo is drawn at p0 and hi at p1 (p1 < p0 for a y axis).
    double toPixel(double value, double p0, double p1) const;
    double fromPixel(double pixel, double p0, double p1) const;
};

// An axis covering [lo, hi] (finite; for log both > 0): a small margin on linear axes, whole
// decades on log axes, and a non-empty range when lo == hi.
Axis fitAxis(double lo, double hi, bool log, bool includeZero = false);
// Tick values inside the axis: 1-2-5 steps on linear axes, decades on log axes (every k-th
// decade when there are too many), at most about maxTicks of them.
std::vector<double> axisTicks(const Axis& axis, int maxTicks);
std::string tickLabel(double value, bool log);
// Number formatting shared by tooltips and reports: 4 significant digits.
std::string formatNumber(double value);

// Okabe-Ito palette (colour-blind safe), cycling.
Rgb seriesColour(int index);
inline Rgb kAxisColour{0.2f, 0.2f, 0.2f};
inline Rgb kGridColour{0.88f, 0.88f, 0.88f};

// Draws title, y label with the legend on its row, x label, and returns the plot rectangle
// inside `outer` (leftMargin: room for the y tick labels, measured by the caller).
Rect drawFrame(DrawSurface& s, const Rect& outer, const FigureText& text, const std::vector<LegendEntry>& legend,
               float leftMargin);
// Axis lines, grid and tick labels of a plot rectangle. xTicks false: the caller labels x.
void drawAxes(DrawSurface& s, const Rect& plot, const Axis& x, const Axis& y, bool xTicks = true, bool yTicks = true);
// Width needed for y tick labels of `axis`.
float yTickWidth(DrawSurface& s, const Axis& axis, const Rect& outer);

}  // namespace scalpel::plots
