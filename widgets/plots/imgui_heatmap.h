#pragma once
// Draws a Heatmap with Dear ImGui: cells as ImDrawList rectangles (aggregated per pixel
// block when cells are smaller than a pixel), axis ticks, a colour bar, a hover tooltip,
// wheel zoom about the cursor, drag pan and double-click reset.
#include <optional>
#include <vector>

#include "widgets/plots/heatmap.h"

namespace scalpel::plots {

struct HeatmapHover {
    Cell cell;
    float value = 0;
};

struct HeatmapFrame {
    HeatmapGeometry geometry;           // where the grid was drawn this frame
    std::optional<HeatmapHover> hover;  // the cell under the mouse, if any
};

// Aggregated block values of the last frame. Passing one to drawImGuiHeatmap makes frames
// that only move the mouse (hover) cheap on huge grids: blocks are recomputed only when the
// data or the visible window changed.
struct HeatmapLodCache {
    const float* data = nullptr;
    size_t size = 0;
    int64_t r0 = 0, r1 = 0, c0 = 0, c1 = 0, br = 0, bc = 0;
    ColormapKind colormap = ColormapKind::Viridis;  // the block aggregate depends on the map's neutral point
    std::vector<float> blocks;  // row-major over blocks
};

// Draws into the remaining content region of the current ImGui window, with the given
// height and width (<= 0: all that is left). Updates `view` from mouse input.
HeatmapFrame drawImGuiHeatmap(const char* id, const Heatmap& heatmap, HeatmapView& view, float height = 0,
                              HeatmapLodCache* cache = nullptr, float width = 0);

// Centre of cell (row, col) as drawn in `frame` (canvas coordinates); nullopt outside the grid or
// when the cell has no area. Views use it to move the mouse onto a cell (tests, screenshots).
struct Point {
    float x = 0, y = 0;
};
std::optional<Point> cellCentre(const HeatmapFrame& frame, const Heatmap& heatmap, int64_t row, int64_t col);

// Most rectangles one heatmap may emit per frame; beyond this, blocks grow.
inline constexpr int64_t kMaxHeatmapRects = 160000;

}  // namespace scalpel::plots
