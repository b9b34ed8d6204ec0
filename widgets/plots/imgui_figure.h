#pragma once
// ImGui drawing path of the figures: an ImDrawList-backed DrawSurface, plus per-figure
// functions that reserve an item of the given size, draw, and report the hovered element
// with a tooltip. Call inside an ImGui window (e.g. an ImGuiCanvas draw function).
#include <optional>

#include "widgets/plots/bar_figure.h"
#include "widgets/plots/draw_surface.h"
#include "widgets/plots/line_figure.h"
#include "widgets/plots/scatter_figure.h"

struct ImDrawList;

namespace scalpel::plots {

class ImGuiSurface : public DrawSurface {
public:
    explicit ImGuiSurface(ImDrawList* list) : dl_(list) {}
    void line(float x0, float y0, float x1, float y1, Rgb colour, float width, bool dashed) override;
    void polyline(const std::vector<std::pair<float, float>>& points, Rgb colour, float width) override;
    void fillRect(const Rect& r, Rgb colour) override;
    void strokeRect(const Rect& r, Rgb colour, float width) override;
    void circle(float x, float y, float radius, Rgb fill, float alpha, bool outline) override;
    void text(float x, float y, const std::string& s, Rgb colour, HAlign h, VAlign v) override;
    float textWidth(const std::string& s) override;
    float lineHeight() override;
    void pushClip(const Rect& r) override;
    void popClip() override;

private:
    ImDrawList* dl_;
};

struct LineFrame {
    LineLayout layout;
    std::optional<LinePoint> hover;
};
struct BarFrame {
    BarLayout layout;
    std::optional<size_t> hover;
};
struct ScatterFrame {
    ScatterLayout layout;
    std::optional<ScatterHit> hover;
};

LineFrame drawImGuiLineFigure(const char* id, const LineFigure& fig, float width, float height);
BarFrame drawImGuiBarFigure(const char* id, const BarFigure& fig, float width, float height);
ScatterFrame drawImGuiScatterFigure(const char* id, const ScatterFigure& fig, float width, float height);

}  // namespace scalpel::plots
