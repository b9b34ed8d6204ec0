#pragma once
// Backend-neutral description of a heatmap figure and its geometry (pixel <-> cell).
// The ImGui drawing lives in imgui_heatmap.h; an export path can use the same data.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "widgets/plots/colormap.h"

namespace scalpel::plots {

struct Cell {
    int64_t row = 0, col = 0;
    bool operator==(const Cell&) const = default;
};

struct Heatmap {
    std::vector<float> values;  // row-major, rows * cols
    int64_t rows = 0, cols = 0;
    std::vector<std::string> rowLabels, colLabels;  // optional; empty = show indices
    std::string title;
    ColormapKind colormap = ColormapKind::Viridis;
    float vmin = 0, vmax = 1;  // value range mapped onto the colormap
    ColourScale scale;         // how values in [vmin, vmax] reach the colormap
    std::optional<Cell> highlight;  // a cell selected in a linked view, drawn outlined
    // Lines through a selected row / column (a layer x token cell chosen in a linked view).
    std::optional<int64_t> markRow, markCol;

    float at(int64_t row, int64_t col) const { return values[size_t(row * cols + col)]; }
    // Colormap position of a value (scale and range applied).
    double position(double v) const { return scalePosition(v, vmin, vmax, scale); }
};

// What a user chose for a heatmap's look; kept by views and sessions, applied after autoScale.
struct HeatmapStyle {
    std::optional<ColormapKind> colormap;  // nullopt: autoScale's choice
    ColourScale scale;
    bool operator==(const HeatmapStyle&) const = default;
};
void applyStyle(Heatmap& heatmap, const HeatmapStyle& style);

// Picks the colormap and range from the finite values: signed data (both signs present)
// gets the diverging map on a range symmetric about zero, so zero is always the neutral
// colour; everything else gets viridis over [min, max].
void autoScale(Heatmap& heatmap);

// Value shown for a block of cells [r0, r1) x [c0, c1) when cells are smaller than a
// pixel: the finite value farthest from the colormap's neutral point (zero for the
// diverging map, the low end for viridis), so isolated outliers stay visible when
// zoomed out. NaN when the block holds no finite value.
float aggregateBlock(const Heatmap& heatmap, int64_t r0, int64_t r1, int64_t c0, int64_t c1);


struct Rect {
    float x = 0, y = 0, w = 0, h = 0;
    bool contains(float px, float py) const { return px >= x && px < x + w && py >= y && py < y + h; }
};

// Zoom and pan of a heatmap inside its plot rectangle; the default shows the whole grid.
struct HeatmapView {
    double zoom = 1.0;             // 1 = the grid fills the plot rectangle
    double panX = 0.0, panY = 0.0; // offset of the grid's top-left corner, in pixels

    // Zooms by `factor` keeping the grid point under (mx, my) fixed.
    void zoomAbout(const Rect& plot, double mx, double my, double factor);
};

class HeatmapGeometry {
public:
    HeatmapGeometry() = default;
    HeatmapGeometry(const Rect& plot, int64_t rows, int64_t cols, const HeatmapView& view);

    // The cell under pixel (px, py); nullopt outside the plot rectangle or the grid.
    std::optional<Cell> cellAt(float px, float py) const;
    Rect cellRect(const Cell& cell) const;
    // Half-open range of rows / columns at least partly inside the plot rectangle.
    void visibleRows(int64_t& first, int64_t& last) const;
    void visibleCols(int64_t& first, int64_t& last) const;

    const Rect& plot() const { return plot_; }
    double cellWidth() const { return cellW_; }
    double cellHeight() const { return cellH_; }
    double originX() const { return x0_; }
    double originY() const { return y0_; }

private:
    Rect plot_;
    int64_t rows_ = 0, cols_ = 0;
    double cellW_ = 0, cellH_ = 0, x0_ = 0, y0_ = 0;
};

}  // namespace scalpel::plots
