// Frame times of the heatmap canvas on a large map (issue: 4,096 tokens x 100 layers must stay
// fluid). Measures the CPU side of a frame, which is what Scalpel controls: ImGui frame setup,
// the heatmap's cells (aggregated when smaller than a pixel), ticks, colour bar and tooltip,
// and ImGui's draw-list finalisation. The GL upload/draw of the resulting vertex buffers is
// left out (it depends on the driver: llvmpipe on a CI box, a GPU on a desktop).
//
//   build/bin/scalpel_bench_heatmap_frames [rows cols frames]
//
// Scenarios: the first frame (block aggregates computed), hover-only frames (the mouse moves,
// aggregates come from the cache), zooming frames (the wheel turns every frame: new window,
// new aggregates), and a zoomed-in view where cells are larger than pixels (no aggregation).
#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "widgets/plots/imgui_heatmap.h"

using namespace scalpel::plots;
using Clock = std::chrono::steady_clock;

namespace {

constexpr float kW = 1600, kH = 900;

struct Stats {
    double mean = 0, p95 = 0, max = 0;
    size_t vertices = 0;
};

Stats summarise(std::vector<double> ms, size_t vertices) {
    std::sort(ms.begin(), ms.end());
    Stats s;
    for (double v : ms) s.mean += v;
    s.mean /= double(ms.size());
    s.p95 = ms[std::min(ms.size() - 1, size_t(0.95 * double(ms.size())))];
    s.max = ms.back();
    s.vertices = vertices;
    return s;
}

// One frame: input already set on io; returns milliseconds and the vertex count drawn.
double frame(const Heatmap& hm, HeatmapView& view, HeatmapLodCache& cache, size_t& vertices) {
    const auto t0 = Clock::now();
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(kW, kH));
    ImGui::Begin("bench", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove);
    drawImGuiHeatmap("map", hm, view, 0, &cache);
    ImGui::End();
    ImGui::Render();
    vertices = size_t(ImGui::GetDrawData()->TotalVtxCount);
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

void print(const char* name, const Stats& s) {
    std::printf("| %-38s | %7.2f | %7.2f | %7.2f | %9zu |\n", name, s.mean, s.p95, s.max, s.vertices);
}

}  // namespace

int main(int argc, char** argv) {
    const int64_t rows = argc > 1 ? std::atoll(argv[1]) : 100, cols = argc > 2 ? std::atoll(argv[2]) : 4096;
    const int frames = argc > 3 ? std::atoi(argv[3]) : 200;
    Heatmap hm;
    hm.rows = rows;
    hm.cols = cols;
    hm.values.resize(size_t(rows * cols));
    std::mt19937 rng(1);
    std::normal_distribution<float> normal;
    for (auto& v : hm.values) v = normal(rng);
    autoScale(hm);

    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = ImVec2(kW, kH);
    io.IniFilename = nullptr;
    io.BackendFlags |= ImGuiBackendFlags_RendererHasVtxOffset;  // as the OpenGL 3.3 backend declares: draw lists may pass 64k vertices
    unsigned char* pixels;
    int tw, th;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &tw, &th);  // builds the font atlas, as the GL backend would
    io.DeltaTime = 1.f / 60.f;

    HeatmapView view;
    HeatmapLodCache cache;
    size_t vertices = 0;
    io.MousePos = ImVec2(kW / 2, kH / 2);
    frame(hm, view, cache, vertices);  // warm-up: layout settles (tooltips size one frame late)
    cache = {};
    std::printf("heatmap %lld rows x %lld cols (%lld cells), window %.0f x %.0f, %d frames per scenario\n\n",
                (long long)rows, (long long)cols, (long long)(rows * cols), kW, kH, frames);
    std::printf("| scenario                               | mean ms |  p95 ms |  max ms |  vertices |\n");
    std::printf("|---|---:|---:|---:|---:|\n");

    {  // First frames: aggregates computed from scratch each time (cache cleared).
        std::vector<double> ms;
        for (int i = 0; i < std::max(10, frames / 10); ++i) {
            cache = {};
            ms.push_back(frame(hm, view, cache, vertices));
        }
        print("full redraw (aggregates recomputed)", summarise(ms, vertices));
    }
    {  // Hover: the mouse sweeps across the map; the window and aggregates stay.
        std::vector<double> ms;
        for (int i = 0; i < frames; ++i) {
            io.MousePos = ImVec2(80 + float(i % 1400), 100 + float((i * 7) % 700));
            ms.push_back(frame(hm, view, cache, vertices));
        }
        print("hover (mouse moves, cached aggregates)", summarise(ms, vertices));
    }
    {  // Zoom: one wheel notch per frame, in then out, about a moving point.
        std::vector<double> ms;
        for (int i = 0; i < frames; ++i) {
            io.MousePos = ImVec2(400 + float(i % 600), 300 + float(i % 300));
            io.MouseWheel = (i / 20) % 2 ? -1.f : 1.f;
            ms.push_back(frame(hm, view, cache, vertices));
        }
        io.MouseWheel = 0;
        print("zoom (one wheel notch every frame)", summarise(ms, vertices));
    }
    {  // Zoomed in until cells are wider than a pixel: one rectangle per visible cell.
        view = HeatmapView{};
        view.zoom = 8;
        std::vector<double> ms;
        for (int i = 0; i < frames; ++i) {
            io.MousePos = ImVec2(80 + float(i % 1400), 100 + float((i * 7) % 700));
            ms.push_back(frame(hm, view, cache, vertices));
        }
        print("zoomed 8x (hover, one rect per cell)", summarise(ms, vertices));
    }
    ImGui::DestroyContext();
    return 0;
}
