#pragma once
// A Heatmap drawn through the backend-neutral DrawSurface (export: SVG, PNG, reports): title,
// cells (aggregated like the screen's level of detail when cells are smaller than a pixel), row
// and column labels (named columns on two staggered lines), and a colour bar with its range.
#include "widgets/plots/draw_surface.h"
#include "widgets/plots/heatmap.h"

namespace scalpel::plots {

void drawHeatmapFigure(DrawSurface& s, const Heatmap& heatmap, const Rect& outer);

}  // namespace scalpel::plots
