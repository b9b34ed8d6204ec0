#include "widgets/plots/imgui_figure.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>

namespace scalpel::plots {
namespace {

ImU32 col(Rgb c, float alpha = 1) {
    return IM_COL32(int(c.r * 255 + 0.5f), int(c.g * 255 + 0.5f), int(c.b * 255 + 0.5f), int(alpha * 255 + 0.5f));
}

// Reserves the figure's item and returns its rectangle; hovered tells whether the mouse is on it.
Rect reserve(const char* id, float width, float height, bool& hovered) {
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton(id, ImVec2(std::max(width, 1.f), std::max(height, 1.f)));
    hovered = ImGui::IsItemHovered();
    return Rect{origin.x, origin.y, width, height};
}

}  // namespace

void ImGuiSurface::line(float x0, float y0, float x1, float y1, Rgb c, float width, bool dashed) {
    if (!dashed) {
        dl_->AddLine(ImVec2(x0, y0), ImVec2(x1, y1), col(c), width);
        return;
    }
    const float len = std::hypot(x1 - x0, y1 - y0), dash = 6, gap = 4;
    for (float t = 0; t < len; t += dash + gap) {
        const float a = t / len, b = std::min(t + dash, len) / len;
        dl_->AddLine(ImVec2(x0 + (x1 - x0) * a, y0 + (y1 - y0) * a), ImVec2(x0 + (x1 - x0) * b, y0 + (y1 - y0) * b),
                     col(c), width);
    }
}

void ImGuiSurface::polyline(const std::vector<std::pair<float, float>>& points, Rgb c, float width) {
    std::vector<ImVec2> pts;
    pts.reserve(points.size());
    for (auto [x, y] : points) pts.emplace_back(x, y);
    dl_->AddPolyline(pts.data(), int(pts.size()), col(c), 0, width);
}

void ImGuiSurface::fillRect(const Rect& r, Rgb c) { dl_->AddRectFilled(ImVec2(r.x, r.y), ImVec2(r.x + r.w, r.y + r.h), col(c)); }

void ImGuiSurface::strokeRect(const Rect& r, Rgb c, float width) {
    dl_->AddRect(ImVec2(r.x, r.y), ImVec2(r.x + r.w, r.y + r.h), col(c), 0, 0, width);
}

void ImGuiSurface::circle(float x, float y, float radius, Rgb fill, float alpha, bool outline) {
    if (outline) dl_->AddCircle(ImVec2(x, y), radius, col(fill, alpha), 16, 2);
    else dl_->AddCircleFilled(ImVec2(x, y), radius, col(fill, alpha), 12);
}

void ImGuiSurface::text(float x, float y, const std::string& s, Rgb c, HAlign h, VAlign v) {
    const ImVec2 size = ImGui::CalcTextSize(s.c_str());
    if (h == HAlign::Center) x -= size.x / 2;
    if (h == HAlign::Right) x -= size.x;
    if (v == VAlign::Middle) y -= size.y / 2;
    if (v == VAlign::Bottom) y -= size.y;
    dl_->AddText(ImVec2(std::round(x), std::round(y)), col(c), s.c_str());
}

float ImGuiSurface::textWidth(const std::string& s) { return ImGui::CalcTextSize(s.c_str()).x; }
float ImGuiSurface::lineHeight() { return ImGui::GetTextLineHeight(); }
void ImGuiSurface::pushClip(const Rect& r) { dl_->PushClipRect(ImVec2(r.x, r.y), ImVec2(r.x + r.w, r.y + r.h), true); }
void ImGuiSurface::popClip() { dl_->PopClipRect(); }

LineFrame drawImGuiLineFigure(const char* id, const LineFigure& fig, float width, float height) {
    bool hovered = false;
    const Rect outer = reserve(id, width, height, hovered);
    ImGuiSurface s(ImGui::GetWindowDrawList());
    LineFrame f{drawLineFigure(s, fig, outer), std::nullopt};
    const ImVec2 m = ImGui::GetIO().MousePos;
    if (hovered) f.hover = nearestLinePoint(fig, f.layout, m.x, m.y, 12);
    if (f.hover) {
        const auto& ser = fig.series[f.hover->series];
        ImGui::BeginTooltip();
        ImGui::TextUnformatted(ser.name.c_str());
        ImGui::Text("%s = %.6g", fig.text.xLabel.c_str(), ser.x[f.hover->index]);
        ImGui::Text("%s = %.6g", fig.text.yLabel.c_str(), ser.y[f.hover->index]);
        ImGui::EndTooltip();
    }
    return f;
}

BarFrame drawImGuiBarFigure(const char* id, const BarFigure& fig, float width, float height) {
    bool hovered = false;
    const Rect outer = reserve(id, width, height, hovered);
    ImGuiSurface s(ImGui::GetWindowDrawList());
    BarFrame f{drawBarFigure(s, fig, outer), std::nullopt};
    const ImVec2 m = ImGui::GetIO().MousePos;
    if (hovered) f.hover = barAt(f.layout, m.x, m.y);
    if (f.hover) {
        const Bar& b = fig.bars[*f.hover];
        s.strokeRect(f.layout.bars[*f.hover], Rgb{0, 0, 0}, 2);
        ImGui::BeginTooltip();
        ImGui::TextUnformatted(b.label.c_str());
        ImGui::Text("%s = %.6g", fig.text.xLabel.c_str(), b.value);
        if (!b.detail.empty()) ImGui::TextUnformatted(b.detail.c_str());
        ImGui::EndTooltip();
    }
    return f;
}

ScatterFrame drawImGuiScatterFigure(const char* id, const ScatterFigure& fig, float width, float height) {
    bool hovered = false;
    const Rect outer = reserve(id, width, height, hovered);
    ImGuiSurface s(ImGui::GetWindowDrawList());
    ScatterFrame f{drawScatterFigure(s, fig, outer), std::nullopt};
    const ImVec2 m = ImGui::GetIO().MousePos;
    if (hovered) f.hover = pointAt(fig, f.layout, m.x, m.y, 10);
    if (f.hover) {
        const auto& set = fig.sets[f.hover->set];
        ImGui::BeginTooltip();
        ImGui::Text("row %zu", f.hover->index);
        ImGui::Text("(%.4g, %.4g)", set.x[f.hover->index], set.y[f.hover->index]);
        ImGui::EndTooltip();
    }
    return f;
}

}  // namespace scalpel::plots
