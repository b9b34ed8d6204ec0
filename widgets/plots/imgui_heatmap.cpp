#include "widgets/plots/imgui_heatmap.h"

#include <imgui.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <string>

namespace scalpel::plots {
namespace {

constexpr float kLeftMargin = 52, kBottomMargin = 22, kTitleGap = 4;
constexpr float kBarGap = 14, kBarWidth = 16, kBarLabels = 70;

uint32_t colourOf(const Heatmap& hm, float v) {
    return Colormap::get(hm.colormap).packed(hm.position(v));
}

// 1, 2, 5 x 10^k: the smallest such step giving at most `maxTicks` ticks over `count`.
int64_t tickStep(int64_t count, int maxTicks) {
    int64_t step = 1;
    for (;;) {
        for (int64_t m : {1, 2, 5})
            if (count / (step * m) < maxTicks) return step * m;
        step *= 10;
    }
}

std::string label(const std::vector<std::string>& labels, int64_t i) {
    if (i >= 0 && size_t(i) < labels.size()) return labels[size_t(i)];
    return std::to_string(i);
}

void drawCells(ImDrawList* dl, const Heatmap& hm, const HeatmapGeometry& g, HeatmapLodCache* cache) {
    int64_t r0, r1, c0, c1;
    g.visibleRows(r0, r1);
    g.visibleCols(c0, c1);
    if (r1 <= r0 || c1 <= c0) return;
    // Cells per block: at least one pixel per block, and a bounded number of rectangles.
    int64_t br = std::max<int64_t>(1, int64_t(std::ceil(1.0 / g.cellHeight())));
    int64_t bc = std::max<int64_t>(1, int64_t(std::ceil(1.0 / g.cellWidth())));
    while (((r1 - r0 + br - 1) / br) * ((c1 - c0 + bc - 1) / bc) > kMaxHeatmapRects) {
        br *= 2;
        bc *= 2;
    }
    const bool aggregated = br > 1 || bc > 1;
    const int64_t blockCols = (c1 - c0 + bc - 1) / bc;
    bool reuse = false;
    if (aggregated && cache) {
        reuse = cache->data == hm.values.data() && cache->size == hm.values.size() && cache->r0 == r0 &&
                cache->r1 == r1 && cache->c0 == c0 && cache->c1 == c1 && cache->br == br && cache->bc == bc &&
                cache->colormap == hm.colormap;
        if (!reuse) {
            *cache = HeatmapLodCache{hm.values.data(), hm.values.size(), r0, r1, c0, c1, br, bc, hm.colormap, {}};
            cache->blocks.reserve(size_t(((r1 - r0 + br - 1) / br) * blockCols));
        }
    }
    size_t block = 0;
    for (int64_t r = r0; r < r1; r += br) {
        int64_t re = std::min(r + br, r1);
        float y0 = float(g.originY() + double(r) * g.cellHeight());
        float y1 = float(g.originY() + double(re) * g.cellHeight());
        for (int64_t c = c0; c < c1; c += bc) {
            int64_t ce = std::min(c + bc, c1);
            float v;
            if (!aggregated) {
                v = hm.at(r, c);
            } else if (reuse) {
                v = cache->blocks[block++];
            } else {
                v = aggregateBlock(hm, r, re, c, ce);
                if (cache) cache->blocks.push_back(v);
            }
            float x0 = float(g.originX() + double(c) * g.cellWidth());
            float x1 = float(g.originX() + double(ce) * g.cellWidth());
            dl->AddRectFilled(ImVec2(x0, y0), ImVec2(x1, y1), colourOf(hm, v));
        }
    }
}

void drawTicks(ImDrawList* dl, const Heatmap& hm, const HeatmapGeometry& g) {
    const Rect& p = g.plot();
    const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text);
    const float lineH = ImGui::GetTextLineHeight();
    int64_t r0, r1, c0, c1;
    g.visibleRows(r0, r1);
    g.visibleCols(c0, c1);
    // Named rows (layers) get a label wherever a line of text fits; numbered rows round ticks.
    int64_t rs = hm.rowLabels.empty() ? tickStep(r1 - r0, std::max(2, int(p.h / (lineH * 2.5f))))
                                      : std::max<int64_t>(1, int64_t(std::ceil(lineH / g.cellHeight())));
    for (int64_t r = (r0 + rs - 1) / rs * rs; r < r1; r += rs) {
        float y = float(g.originY() + (double(r) + 0.5) * g.cellHeight());
        std::string s = label(hm.rowLabels, r);
        float w = ImGui::CalcTextSize(s.c_str()).x;
        dl->AddLine(ImVec2(p.x - 4, y), ImVec2(p.x, y), text);
        dl->AddText(ImVec2(p.x - 7 - w, y - lineH / 2), text, s.c_str());
    }
    // Named columns (tokens) are labelled one by one where they fit, on two staggered lines so
    // that neighbours may be twice as wide as a cell; numbered columns get round ticks.
    int64_t cs = 1;
    const bool named = !hm.colLabels.empty();
    if (named) {
        float widest = 1;
        for (int64_t c = c0; c < c1; ++c) widest = std::max(widest, ImGui::CalcTextSize(label(hm.colLabels, c).c_str()).x);
        while (double(cs) * 2 * g.cellWidth() < widest + 6 && cs < c1 - c0) ++cs;
    } else {
        cs = tickStep(c1 - c0, std::max(2, int(p.w / 70)));
    }
    int64_t k = 0;
    for (int64_t c = (c0 + cs - 1) / cs * cs; c < c1; c += cs, ++k) {
        float x = float(g.originX() + (double(c) + 0.5) * g.cellWidth());
        std::string s = label(hm.colLabels, c);
        float w = ImGui::CalcTextSize(s.c_str()).x;
        const float drop = (named && (k % 2)) ? lineH : 0;
        dl->AddLine(ImVec2(x, p.y + p.h), ImVec2(x, p.y + p.h + 4 + drop), text);
        dl->AddText(ImVec2(x - w / 2, p.y + p.h + 5 + drop), text, s.c_str());
    }
}

void drawColourBar(ImDrawList* dl, const Heatmap& hm, const Rect& bar) {
    const Colormap& cmap = Colormap::get(hm.colormap);
    const int steps = 96;
    for (int i = 0; i < steps; ++i) {
        // Top of the bar is the high end.
        float y0 = bar.y + bar.h * float(i) / steps, y1 = bar.y + bar.h * float(i + 1) / steps;
        dl->AddRectFilled(ImVec2(bar.x, y0), ImVec2(bar.x + bar.w, y1 + 0.5f),
                          cmap.packed(1.0 - (i + 0.5) / steps));
    }
    const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text);
    dl->AddRect(ImVec2(bar.x, bar.y), ImVec2(bar.x + bar.w, bar.y + bar.h), text);
    const float lineH = ImGui::GetTextLineHeight();
    for (int k = 0; k <= 4; ++k) {
        // Ticks evenly spaced along the bar, labelled with the value the scale puts there.
        const double v = scaleValue(1.0 - k / 4.0, hm.vmin, hm.vmax, hm.scale);
        float y = bar.y + bar.h * float(k) / 4.f;
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.3g", v);
        dl->AddLine(ImVec2(bar.x + bar.w, y), ImVec2(bar.x + bar.w + 4, y), text);
        dl->AddText(ImVec2(bar.x + bar.w + 7, y - lineH / 2), text, buf);
    }
    const std::string caption = scaleCaption(hm.scale, hm.vmin, hm.vmax);
    if (!caption.empty()) dl->AddText(ImVec2(bar.x, bar.y + bar.h + 4), text, caption.c_str());
}

void handleInput(const Rect& plot, HeatmapView& view) {
    const ImGuiIO& io = ImGui::GetIO();
    if (ImGui::IsItemHovered()) {
        if (io.MouseWheel != 0)
            view.zoomAbout(plot, io.MousePos.x, io.MousePos.y, std::pow(1.25, double(io.MouseWheel)));
        if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) view = HeatmapView{};
    }
    if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 0.f)) {
        view.panX += io.MouseDelta.x;
        view.panY += io.MouseDelta.y;
    }
}

}  // namespace

HeatmapFrame drawImGuiHeatmap(const char* id, const Heatmap& hm, HeatmapView& view, float height,
                              HeatmapLodCache* cache, float width) {
    HeatmapFrame frame;
    ImGui::PushID(id);
    const float left = ImGui::GetCursorScreenPos().x;
    if (!hm.title.empty()) {
        ImGui::TextUnformatted(hm.title.c_str());
        // A new line returns to the window's left edge: stay in this figure's column.
        ImGui::SetCursorScreenPos(ImVec2(left, ImGui::GetCursorScreenPos().y));
    }
    ImVec2 origin = ImGui::GetCursorScreenPos();
    ImVec2 avail = ImGui::GetContentRegionAvail();
    if (height > 0) avail.y = std::min(avail.y, height);
    if (width > 0) avail.x = std::min(avail.x, width);
    Rect plot{origin.x + kLeftMargin, origin.y + kTitleGap,
              std::max(1.f, avail.x - kLeftMargin - kBarGap - kBarWidth - kBarLabels),
              std::max(1.f, avail.y - kTitleGap - kBottomMargin - (hm.colLabels.empty() ? 0.f : ImGui::GetTextLineHeight()))};

    ImGui::SetCursorScreenPos(ImVec2(plot.x, plot.y));
    ImGui::InvisibleButton("plot", ImVec2(plot.w, plot.h));
    handleInput(plot, view);
    frame.geometry = HeatmapGeometry(plot, hm.rows, hm.cols, view);

    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->PushClipRect(ImVec2(plot.x, plot.y), ImVec2(plot.x + plot.w, plot.y + plot.h), true);
    dl->AddRectFilled(ImVec2(plot.x, plot.y), ImVec2(plot.x + plot.w, plot.y + plot.h), IM_COL32(235, 235, 235, 255));
    if (hm.rows > 0 && hm.cols > 0 && hm.values.size() == size_t(hm.rows * hm.cols)) drawCells(dl, hm, frame.geometry, cache);

    const ImGuiIO& io = ImGui::GetIO();
    if (ImGui::IsItemHovered() || ImGui::IsItemActive())
        if (auto cell = frame.geometry.cellAt(io.MousePos.x, io.MousePos.y)) {
            frame.hover = HeatmapHover{*cell, hm.at(cell->row, cell->col)};
            Rect r = frame.geometry.cellRect(*cell);
            dl->AddRect(ImVec2(r.x, r.y), ImVec2(r.x + r.w, r.y + r.h), IM_COL32(0, 0, 0, 255), 0, 0, 2.f);
        }
    // A row / column chosen in a linked view: thin black-and-white lines along it.
    if (hm.markRow && *hm.markRow >= 0 && *hm.markRow < hm.rows) {
        const float y0 = float(frame.geometry.originY() + double(*hm.markRow) * frame.geometry.cellHeight());
        const float y1 = float(y0 + frame.geometry.cellHeight());
        dl->AddRect(ImVec2(plot.x - 1, y0 - 1), ImVec2(plot.x + plot.w + 1, y1 + 1), IM_COL32(255, 255, 255, 200), 0, 0, 1.f);
        dl->AddRect(ImVec2(plot.x - 2, y0 - 2), ImVec2(plot.x + plot.w + 2, y1 + 2), IM_COL32(0, 0, 0, 200), 0, 0, 1.f);
    }
    if (hm.markCol && *hm.markCol >= 0 && *hm.markCol < hm.cols) {
        const float x0 = float(frame.geometry.originX() + double(*hm.markCol) * frame.geometry.cellWidth());
        const float x1 = float(x0 + frame.geometry.cellWidth());
        dl->AddRect(ImVec2(x0 - 1, plot.y - 1), ImVec2(x1 + 1, plot.y + plot.h + 1), IM_COL32(255, 255, 255, 200), 0, 0, 1.f);
        dl->AddRect(ImVec2(x0 - 2, plot.y - 2), ImVec2(x1 + 2, plot.y + plot.h + 2), IM_COL32(0, 0, 0, 200), 0, 0, 1.f);
    }
    if (hm.highlight && hm.highlight->row < hm.rows && hm.highlight->col < hm.cols) {
        // A cell selected elsewhere (linked views): outlined in black and white so it shows on any colour.
        Rect r = frame.geometry.cellRect(*hm.highlight);
        dl->AddRect(ImVec2(r.x - 1, r.y - 1), ImVec2(r.x + r.w + 1, r.y + r.h + 1), IM_COL32(255, 255, 255, 255), 0, 0, 3.f);
        dl->AddRect(ImVec2(r.x, r.y), ImVec2(r.x + r.w, r.y + r.h), IM_COL32(0, 0, 0, 255), 0, 0, 1.5f);
    }
    dl->PopClipRect();
    drawTicks(dl, hm, frame.geometry);
    drawColourBar(dl, hm, Rect{plot.x + plot.w + kBarGap, plot.y, kBarWidth, plot.h});

    if (frame.hover) {
        const Cell& c = frame.hover->cell;
        ImGui::BeginTooltip();
        ImGui::Text("row %s, col %s", label(hm.rowLabels, c.row).c_str(), label(hm.colLabels, c.col).c_str());
        ImGui::Text("value %.6g", double(frame.hover->value));
        const HeatmapGeometry& g = frame.geometry;
        if (g.cellWidth() < 1 || g.cellHeight() < 1)  // the colour is a block aggregate, say so
            ImGui::TextDisabled("%.0f x %.0f cells per pixel: colour shows the extreme; scroll to zoom",
                                std::ceil(1 / g.cellHeight()), std::ceil(1 / g.cellWidth()));
        ImGui::EndTooltip();
    }
    // Leave the cursor below the figure for whatever comes next.
    ImGui::SetCursorScreenPos(ImVec2(origin.x, origin.y + avail.y));
    ImGui::Dummy(ImVec2(0, 0));
    ImGui::PopID();
    return frame;
}

std::optional<Point> cellCentre(const HeatmapFrame& frame, const Heatmap& hm, int64_t row, int64_t col) {
    if (row < 0 || col < 0 || row >= hm.rows || col >= hm.cols) return std::nullopt;
    const Rect r = frame.geometry.cellRect({row, col});
    if (r.w <= 0 || r.h <= 0) return std::nullopt;
    return Point{r.x + r.w / 2, r.y + r.h / 2};
}

}  // namespace scalpel::plots
