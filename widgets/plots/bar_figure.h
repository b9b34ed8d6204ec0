#pragma once
// Horizontal bar figure: one labelled bar per row (labels stay readable however many
// characters they have), value axis from zero, the value printed at the bar's end.
#include <optional>
#include <string>
#include <vector>

#include "widgets/plots/figure.h"

namespace scalpel::plots {

struct Bar {
    std::string label;
    double value = 0;
    int colour = 0;        // index into the series palette
    std::string detail;    // extra tooltip text
};

struct BarFigure {
    FigureText text;
    std::vector<Bar> bars;       // drawn top to bottom in this order
    std::vector<LegendEntry> legend;
};

struct BarLayout {
    Rect plot;
    Axis x;
    std::vector<Rect> bars;      // one per bar, same order
    int labelEvery = 1;          // every k-th label is drawn when rows are thinner than text
};

// Geometry of the bars inside `plot` (no drawing): rows of equal height, 20% gap.
BarLayout layoutBars(const BarFigure& fig, const Rect& plot);
BarLayout drawBarFigure(DrawSurface& s, const BarFigure& fig, const Rect& outer);
// The bar whose row contains (px, py) (the whole row, so short bars are easy to hover).
std::optional<size_t> barAt(const BarLayout& layout, float px, float py);

}  // namespace scalpel::plots
