#pragma once
// Line figure: several series over a shared x axis, optional log-y (spectra) and log-x
// (parameter sweeps), horizontal or vertical reference lines (clamp, cut-off, chosen value).
#include <optional>
#include <string>
#include <vector>

#include "widgets/plots/figure.h"

namespace scalpel::plots {

struct LineSeries {
    std::string name;
    std::vector<double> x, y;  // equal length; on log axes points with a value <= 0 are left out
    bool markers = false;
};

struct RefLine {
    double value = 0;
    std::string label;
    bool vertical = false;  // false: y = value; true: x = value
};

struct LineFigure {
    FigureText text;
    std::vector<LineSeries> series;
    std::vector<RefLine> refLines;
    bool logX = false, logY = false;
};

struct LineLayout {
    Rect plot;
    Axis x, y;
};

// Axes fitted to the drawable data and the reference lines.
void fitLineAxes(const LineFigure& fig, Axis& x, Axis& y);
// Draws the whole figure into `outer`; returns where the data went.
LineLayout drawLineFigure(DrawSurface& s, const LineFigure& fig, const Rect& outer);

struct LinePoint {
    size_t series = 0, index = 0;
};
// The drawable data point nearest to (px, py) within maxDistance pixels.
std::optional<LinePoint> nearestLinePoint(const LineFigure& fig, const LineLayout& layout, float px, float py,
                                          float maxDistance);

}  // namespace scalpel::plots
