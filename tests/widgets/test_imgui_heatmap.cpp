// The ImGui drawing of a heatmap, run on the CPU (ImGui needs no GPU to build draw lists):
// level of detail bounds the geometry of huge grids, the hover matches the geometry's
// hit-test, and wheel / drag / double-click change the view as documented.
#include <imgui.h>

#include <QtTest>

#include "widgets/plots/imgui_heatmap.h"

using namespace scalpel::plots;

namespace {
Heatmap ramp(int64_t rows, int64_t cols) {
    Heatmap h;
    h.rows = rows;
    h.cols = cols;
    h.values.resize(size_t(rows * cols));
    for (size_t i = 0; i < h.values.size(); ++i) h.values[i] = float(i % 977) - 400.f;
    autoScale(h);
    return h;
}
}  // namespace

class TestImGuiHeatmap : public QObject {
    Q_OBJECT
    ImGuiContext* ctx_ = nullptr;

    // One ImGui frame with the heatmap filling an 800 x 600 display; returns the frame and
    // the number of vertices the window emitted.
    HeatmapFrame frame(const Heatmap& hm, HeatmapView& view, int* vertices = nullptr,
                       HeatmapLodCache* cache = nullptr, std::vector<ImU32>* colours = nullptr) {
        ImGuiIO& io = ImGui::GetIO();
        io.DisplaySize = ImVec2(800, 600);
        io.DeltaTime = 1.f / 60;
        ImGui::NewFrame();
        ImGui::SetNextWindowPos(ImVec2(0, 0));
        ImGui::SetNextWindowSize(io.DisplaySize);
        ImGui::Begin("canvas", nullptr, ImGuiWindowFlags_NoDecoration);
        HeatmapFrame f = drawImGuiHeatmap("hm", hm, view, 0, cache);
        ImGui::End();
        ImGui::Render();
        if (vertices) *vertices = ImGui::GetDrawData()->TotalVtxCount;
        if (colours) {
            colours->clear();
            for (int l = 0; l < ImGui::GetDrawData()->CmdListsCount; ++l)
                for (const ImDrawVert& v : ImGui::GetDrawData()->CmdLists[l]->VtxBuffer) colours->push_back(v.col);
        }
        io.MouseWheel = 0;
        return f;
    }

private slots:
    void init() {
        ctx_ = ImGui::CreateContext();
        ImGuiIO& io = ImGui::GetIO();
        io.IniFilename = nullptr;
        unsigned char* pixels;
        int w, h;
        io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);  // a built atlas is all NewFrame needs
        // Drawing more than 65536 vertices into one list needs this flag (set by the GL3 backend).
        io.BackendFlags |= ImGuiBackendFlags_RendererHasVtxOffset;
    }
    void cleanup() { ImGui::DestroyContext(ctx_); }

    void levelOfDetailBoundsGeometry() {
        HeatmapView view;
        int small = 0, huge = 0;
        frame(ramp(12, 16), view, &small);
        // 192 cells, 4 vertices each, plus axes, colour bar and labels.
        QVERIFY2(small >= 192 * 4, qPrintable(QString::number(small)));
        // 3000 x 4000 = 12 M cells in a plot of well under 800 x 600 pixels: blocks are
        // aggregated, so at most kMaxHeatmapRects rectangles (4 vertices each) plus the rest.
        frame(ramp(3000, 4000), view, &huge);
        QVERIFY2(huge <= 4 * kMaxHeatmapRects + 20000, qPrintable(QString::number(huge)));
        QVERIFY2(huge > 4 * 10000, qPrintable(QString::number(huge)));  // still detailed
    }

    void lodCacheGivesTheSamePicture() {
        Heatmap hm = ramp(2000, 3000);
        HeatmapView view;
        HeatmapLodCache cache;
        std::vector<ImU32> plain, cachedFirst, cachedSecond;
        frame(hm, view, nullptr, nullptr, &plain);
        frame(hm, view, nullptr, &cache, &cachedFirst);
        QVERIFY(!cache.blocks.empty());
        frame(hm, view, nullptr, &cache, &cachedSecond);  // served from the cache
        QCOMPARE(cachedFirst, plain);
        QCOMPARE(cachedSecond, plain);
        // New data at another address invalidates the cache.
        Heatmap other = ramp(2000, 3000);
        for (float& v : other.values) v = -v;
        std::vector<ImU32> otherPlain, otherCached;
        frame(other, view, nullptr, nullptr, &otherPlain);
        frame(other, view, nullptr, &cache, &otherCached);
        QCOMPARE(otherCached, otherPlain);
        QVERIFY(otherPlain != plain);
    }

    void hoverMatchesGeometry() {
        Heatmap hm = ramp(5, 7);
        HeatmapView view;
        HeatmapFrame first = frame(hm, view);
        const Rect r = first.geometry.cellRect({3, 4});
        ImGui::GetIO().MousePos = ImVec2(r.x + r.w * 0.5f, r.y + r.h * 0.5f);
        HeatmapFrame second = frame(hm, view);
        QVERIFY(second.hover.has_value());
        QCOMPARE(second.hover->cell, (Cell{3, 4}));
        QCOMPARE(second.hover->value, hm.at(3, 4));
        ImGui::GetIO().MousePos = ImVec2(799, 599);  // outside the plot
        QVERIFY(!frame(hm, view).hover.has_value());
    }

    void wheelDragAndDoubleClick() {
        Heatmap hm = ramp(5, 7);
        HeatmapView view;
        ImGuiIO& io = ImGui::GetIO();
        const Rect plot = frame(hm, view).geometry.plot();
        io.MousePos = ImVec2(plot.x + plot.w / 2, plot.y + plot.h / 2);
        frame(hm, view);
        io.MouseWheel = 2;  // two notches in: 1.25^2
        frame(hm, view);
        QVERIFY(std::fabs(view.zoom - 1.5625) < 1e-12);

        const double panX = view.panX;
        io.MouseDown[0] = true;
        frame(hm, view);
        io.MousePos.x += 30;
        frame(hm, view);
        QVERIFY(std::fabs(view.panX - (panX + 30)) < 1e-4);
        io.MouseDown[0] = false;
        frame(hm, view);

        // Double click: two presses within io.MouseDoubleClickTime.
        for (int i = 0; i < 2; ++i) {
            io.MouseDown[0] = true;
            frame(hm, view);
            io.MouseDown[0] = false;
            frame(hm, view);
        }
        QCOMPARE(view.zoom, 1.0);
        QCOMPARE(view.panX, 0.0);
    }
};

QTEST_APPLESS_MAIN(TestImGuiHeatmap)
#include "test_imgui_heatmap.moc"
