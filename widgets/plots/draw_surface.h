#pragma once
// The few drawing primitives figures need. Two implementations: ImGuiSurface (the canvas on
// screen) and PainterSurface (QPainter: SVG/PNG export). Figures draw against this interface
// only, so the screen and the exported file show the same picture from the same data.
#include <string>
#include <utility>
#include <vector>

#include "widgets/plots/colormap.h"
#include "widgets/plots/heatmap.h"  // Rect

namespace scalpel::plots {

enum class HAlign { Left, Center, Right };
enum class VAlign { Top, Middle, Bottom };

class DrawSurface {
public:
    virtual ~DrawSurface() = default;
    virtual void line(float x0, float y0, float x1, float y1, Rgb colour, float width = 1, bool dashed = false) = 0;
    virtual void polyline(const std::vector<std::pair<float, float>>& points, Rgb colour, float width) = 0;
    virtual void fillRect(const Rect& r, Rgb colour) = 0;
    virtual void strokeRect(const Rect& r, Rgb colour, float width = 1) = 0;
    virtual void circle(float x, float y, float radius, Rgb fill, float alpha = 1, bool outline = false) = 0;
    // Text anchored at (x, y) with the given alignment relative to the anchor.
    virtual void text(float x, float y, const std::string& s, Rgb colour, HAlign h = HAlign::Left,
                      VAlign v = VAlign::Top) = 0;
    virtual float textWidth(const std::string& s) = 0;
    virtual float lineHeight() = 0;
    virtual void pushClip(const Rect& r) = 0;
    virtual void popClip() = 0;
};

// Shortens `s` with a trailing ellipsis so that it fits in `width`.
std::string elide(DrawSurface& s, const std::string& text, float width);

}  // namespace scalpel::plots
