#pragma once
// Scatter figure: one or more point sets; points may be shaded by a value (viridis) and one
// row index may be highlighted, so two views of the same rows can be linked.
#include <optional>
#include <string>
#include <vector>

#include "widgets/plots/figure.h"

namespace scalpel::plots {

struct PointSet {
    std::string name;
    std::vector<double> x, y;     // equal length; row i is point i
    std::vector<double> shade;    // optional, in [0, 1]: colour from viridis instead of the palette
};

struct ScatterFigure {
    FigureText text;
    std::vector<PointSet> sets;
    std::optional<size_t> highlight;  // row index drawn enlarged and outlined in every set
    std::vector<LegendEntry> legend;  // extra legend entries (sets are listed when more than one)
};

struct ScatterLayout {
    Rect plot;
    Axis x, y;
};

struct ScatterHit {
    size_t set = 0, index = 0;
};

inline constexpr float kScatterRadius = 4.f;

void fitScatterAxes(const ScatterFigure& fig, Axis& x, Axis& y);
ScatterLayout drawScatterFigure(DrawSurface& s, const ScatterFigure& fig, const Rect& outer);
// The point nearest to (px, py) within maxDistance pixels (ties: the later-drawn point).
std::optional<ScatterHit> pointAt(const ScatterFigure& fig, const ScatterLayout& layout, float px, float py,
                                  float maxDistance);

}  // namespace scalpel::plots
