#include "widgets/plots/heatmap.h"

#include <algorithm>
#include <cmath>

namespace scalpel::plots {

void autoScale(Heatmap& heatmap) {
    float lo = INFINITY, hi = -INFINITY;
    for (float v : heatmap.values)
        if (std::isfinite(v)) {
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
    if (!(lo <= hi)) {  // no finite value at all
        heatmap.colormap = ColormapKind::Viridis;
        heatmap.vmin = 0;
        heatmap.vmax = 1;
        return;
    }
    if (lo < 0 && hi > 0) {
        float m = std::max(-lo, hi);
        heatmap.colormap = ColormapKind::Diverging;
        heatmap.vmin = -m;
        heatmap.vmax = m;
    } else {
        heatmap.colormap = ColormapKind::Viridis;
        heatmap.vmin = lo;
        heatmap.vmax = hi;
    }
}

void applyStyle(Heatmap& heatmap, const HeatmapStyle& style) {
    if (style.colormap) heatmap.colormap = *style.colormap;
    heatmap.scale = style.scale;
}

float aggregateBlock(const Heatmap& heatmap, int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
    const bool diverging = heatmap.colormap == ColormapKind::Diverging;
    float best = NAN;
    double bestScore = -INFINITY;
    for (int64_t r = r0; r < r1; ++r)
        for (int64_t c = c0; c < c1; ++c) {
            float v = heatmap.at(r, c);
            if (!std::isfinite(v)) continue;
            double score = diverging ? std::fabs(double(v)) : double(v);
            if (score > bestScore) {
                bestScore = score;
                best = v;
            }
        }
    return best;
}

void HeatmapView::zoomAbout(const Rect& plot, double mx, double my, double factor) {
    double newZoom = std::clamp(zoom * factor, 1.0, 1e5);
    double f = newZoom / zoom;
    // The grid point under the cursor is at (mx - plot.x - panX) / zoom in unzoomed pixels;
    // keep it under the cursor after zooming.
    panX = (mx - plot.x) - (mx - plot.x - panX) * f;
    panY = (my - plot.y) - (my - plot.y - panY) * f;
    zoom = newZoom;
}

HeatmapGeometry::HeatmapGeometry(const Rect& plot, int64_t rows, int64_t cols, const HeatmapView& view)
    : plot_(plot), rows_(rows), cols_(cols) {
    if (rows <= 0 || cols <= 0) return;
    cellW_ = double(plot.w) / double(cols) * view.zoom;
    cellH_ = double(plot.h) / double(rows) * view.zoom;
    x0_ = plot.x + view.panX;
    y0_ = plot.y + view.panY;
}

std::optional<Cell> HeatmapGeometry::cellAt(float px, float py) const {
    if (!plot_.contains(px, py) || cellW_ <= 0 || cellH_ <= 0) return std::nullopt;
    double c = std::floor((px - x0_) / cellW_);
    double r = std::floor((py - y0_) / cellH_);
    if (c < 0 || r < 0 || c >= double(cols_) || r >= double(rows_)) return std::nullopt;
    return Cell{int64_t(r), int64_t(c)};
}

Rect HeatmapGeometry::cellRect(const Cell& cell) const {
    return {float(x0_ + double(cell.col) * cellW_), float(y0_ + double(cell.row) * cellH_), float(cellW_),
            float(cellH_)};
}

static void visibleRange(double origin, double cell, double lo, double hi, int64_t n, int64_t& first,
                         int64_t& last) {
    if (cell <= 0) {
        first = last = 0;
        return;
    }
    first = int64_t(std::clamp(std::floor((lo - origin) / cell), 0.0, double(n)));
    last = int64_t(std::clamp(std::ceil((hi - origin) / cell), 0.0, double(n)));
}

void HeatmapGeometry::visibleRows(int64_t& first, int64_t& last) const {
    visibleRange(y0_, cellH_, plot_.y, plot_.y + plot_.h, rows_, first, last);
}

void HeatmapGeometry::visibleCols(int64_t& first, int64_t& last) const {
    visibleRange(x0_, cellW_, plot_.x, plot_.x + plot_.w, cols_, first, last);
}

}  // namespace scalpel::plots
