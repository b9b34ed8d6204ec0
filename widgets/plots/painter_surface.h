#pragma once
// QPainter drawing path of the figures (used for SVG and PNG export).
#include <QFont>

#include "widgets/plots/draw_surface.h"

class QPainter;

namespace scalpel::plots {

class PainterSurface : public DrawSurface {
public:
    explicit PainterSurface(QPainter& painter);
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
    QPainter& p_;
};

}  // namespace scalpel::plots
