#include "widgets/plots/heatmap_figure.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "widgets/plots/figure.h"

namespace scalpel::plots {

namespace {

std::string labelOf(const std::vector<std::string>& labels, int64_t i) {
    return (i >= 0 && size_t(i) < labels.size()) ? labels[size_t(i)] : std::to_string(i);
}

}  // namespace

void drawHeatmapFigure(DrawSurface& s, const Heatmap& hm, const Rect& outer) {
    const float lh = s.lineHeight(), barW = 14, barGap = 12;
    float y = outer.y;
    if (!hm.title.empty()) {
        s.text(outer.x + outer.w / 2, y, elide(s, hm.title, outer.w), kAxisColour, HAlign::Center);
        y += lh * 1.4f;
    }
    float left = 0;
    for (int64_t r = 0; r < hm.rows; ++r) left = std::max(left, s.textWidth(labelOf(hm.rowLabels, r)));
    left = std::min(left + 8, outer.w * 0.3f);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", double(-std::max(std::abs(hm.vmin), std::abs(hm.vmax))));
    const float barLabels = s.textWidth(buf) + 8;
    const bool named = !hm.colLabels.empty();
    const Rect plot{outer.x + left, y, std::max(1.f, outer.w - left - barGap - barW - barLabels),
                    std::max(1.f, outer.y + outer.h - y - lh * (named ? 2.4f : 1.4f))};
    if (hm.rows <= 0 || hm.cols <= 0) return;
    const double cw = plot.w / double(hm.cols), ch = plot.h / double(hm.rows);
    // Blocks of cells no smaller than half a pixel keep exported files small on big maps.
    const int64_t br = std::max<int64_t>(1, int64_t(std::ceil(0.5 / ch))), bc = std::max<int64_t>(1, int64_t(std::ceil(0.5 / cw)));
    const Colormap& cmap = Colormap::get(hm.colormap);
    for (int64_t r = 0; r < hm.rows; r += br)
        for (int64_t c = 0; c < hm.cols; c += bc) {
            const int64_t re = std::min(r + br, hm.rows), ce = std::min(c + bc, hm.cols);
            const float v = (br == 1 && bc == 1) ? hm.at(r, c) : aggregateBlock(hm, r, re, c, ce);
            // Slight overlap hides hairline seams between cells in SVG viewers.
            s.fillRect({float(plot.x + c * cw), float(plot.y + r * ch), float((ce - c) * cw + 0.3), float((re - r) * ch + 0.3)},
                       cmap.at(hm.position(v)));
        }
    if (hm.markRow && *hm.markRow >= 0 && *hm.markRow < hm.rows)
        s.strokeRect({plot.x, float(plot.y + *hm.markRow * ch), plot.w, float(ch)}, {0, 0, 0}, 1);
    if (hm.markCol && *hm.markCol >= 0 && *hm.markCol < hm.cols)
        s.strokeRect({float(plot.x + *hm.markCol * cw), plot.y, float(cw), plot.h}, {0, 0, 0}, 1);
    if (hm.highlight && hm.highlight->row < hm.rows && hm.highlight->col < hm.cols)
        s.strokeRect({float(plot.x + hm.highlight->col * cw), float(plot.y + hm.highlight->row * ch), float(cw), float(ch)},
                     {0, 0, 0}, 2);
    s.strokeRect(plot, kAxisColour);
    // Row labels: every row that has room for a line of text.
    const int64_t rs = std::max<int64_t>(1, int64_t(std::ceil(lh / ch)));
    for (int64_t r = 0; r < hm.rows; r += rs)
        s.text(plot.x - 4, float(plot.y + (r + 0.5) * ch), labelOf(hm.rowLabels, r), kAxisColour, HAlign::Right, VAlign::Middle);
    // Column labels: named ones staggered on two lines, as on screen.
    float widest = 1;
    for (int64_t c = 0; c < hm.cols; ++c) widest = std::max(widest, s.textWidth(labelOf(hm.colLabels, c)));
    int64_t cs = 1;
    if (named)
        while (double(cs) * 2 * cw < widest + 6 && cs < hm.cols) ++cs;
    else
        cs = std::max<int64_t>(1, int64_t(std::ceil((widest + 10) / cw)));
    for (int64_t c = 0, k = 0; c < hm.cols; c += cs, ++k) {
        const float x = float(plot.x + (c + 0.5) * cw), drop = (named && (k % 2)) ? lh : 0;
        s.line(x, plot.y + plot.h, x, plot.y + plot.h + 3 + drop, kAxisColour);
        s.text(x, plot.y + plot.h + 4 + drop, labelOf(hm.colLabels, c), kAxisColour, HAlign::Center);
    }
    // Colour bar, high end on top.
    const Rect bar{plot.x + plot.w + barGap, plot.y, barW, plot.h};
    const int steps = 64;
    for (int i = 0; i < steps; ++i)
        s.fillRect({bar.x, bar.y + bar.h * float(i) / steps, bar.w, bar.h / steps + 0.5f}, cmap.at(1.0 - (i + 0.5) / steps));
    s.strokeRect(bar, kAxisColour);
    for (int k = 0; k <= 4; ++k) {
        const double v = scaleValue(1.0 - k / 4.0, hm.vmin, hm.vmax, hm.scale);
        const float ty = bar.y + bar.h * float(k) / 4.f;
        std::snprintf(buf, sizeof buf, "%.3g", v);
        s.line(bar.x + bar.w, ty, bar.x + bar.w + 3, ty, kAxisColour);
        s.text(bar.x + bar.w + 5, ty, buf, kAxisColour, HAlign::Left, VAlign::Middle);
    }
    const std::string caption = scaleCaption(hm.scale, hm.vmin, hm.vmax);
    if (!caption.empty()) s.text(bar.x, bar.y + bar.h + 4, caption, kAxisColour);
}

}  // namespace scalpel::plots
