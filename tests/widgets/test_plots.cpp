// Colormaps against their published values, heatmap hit-testing and level-of-detail
// aggregation against brute force, histogram binning against hand counts.
#include <QtTest>
#include <cmath>
#include <random>

#include "widgets/plots/colormap.h"
#include "widgets/plots/heatmap.h"
#include "widgets/plots/histogram.h"

using namespace scalpel::plots;

namespace {
// Relative luminance (WCAG) of an sRGB colour, used to check the diverging map's shape.
double luminance(Rgb c) {
    auto lin = [](double v) { return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
}
void compareRgb(Rgb got, double r, double g, double b, double tol) {
    QVERIFY2(std::fabs(got.r - r) <= tol && std::fabs(got.g - g) <= tol && std::fabs(got.b - b) <= tol,
             qPrintable(QString("got (%1, %2, %3), expected (%4, %5, %6)")
                            .arg(got.r).arg(got.g).arg(got.b).arg(r).arg(g).arg(b)));
}
Heatmap grid(std::vector<float> values, int64_t rows, int64_t cols) {
    Heatmap h;
    h.values = std::move(values);
    h.rows = rows;
    h.cols = cols;
    return h;
}
Rgb hexRgb(unsigned v) { return {((v >> 16) & 255) / 255.f, ((v >> 8) & 255) / 255.f, (v & 255) / 255.f}; }
}  // namespace

class TestPlots : public QObject {
    Q_OBJECT
private slots:
    void viridisPublishedValues() {
        const Colormap& m = Colormap::get(ColormapKind::Viridis);
        // Entries 0, 128 and 255 of matplotlib's published 256-entry viridis table. These
        // are control points, so only float rounding separates them (1e-6).
        compareRgb(m.at(0.0), 0.267004, 0.004874, 0.329415, 1e-6);
        compareRgb(m.at(128.0 / 255.0), 0.127568, 0.566949, 0.550556, 1e-6);
        compareRgb(m.at(1.0), 0.993248, 0.906157, 0.143936, 1e-6);
        // Entries between control points (100 and 200 of the table): linear interpolation
        // between every 16th entry stays within one 8-bit step (1/255 ~ 0.0039).
        compareRgb(m.at(100.0 / 255.0), 0.166617, 0.463708, 0.558119, 0.004);
        compareRgb(m.at(200.0 / 255.0), 0.440137, 0.811138, 0.340967, 0.004);
        // Outside [0, 1] clamps; NaN is the neutral grey.
        compareRgb(m.at(-3.0), 0.267004, 0.004874, 0.329415, 1e-6);
        compareRgb(m.at(7.0), 0.993248, 0.906157, 0.143936, 1e-6);
        const Rgb nan = Colormap::nanColour();
        compareRgb(m.at(NAN), nan.r, nan.g, nan.b, 0);
    }

    void viridisLuminanceIncreases() {
        // Viridis is designed so lightness rises monotonically: a property that a wrong or
        // misordered control point would break.
        const Colormap& m = Colormap::get(ColormapKind::Viridis);
        double previous = -1;
        for (int i = 0; i <= 255; ++i) {
            double l = luminance(m.at(i / 255.0));
            QVERIFY2(l > previous, qPrintable(QString("luminance drops at %1").arg(i)));
            previous = l;
        }
    }

    void magmaPublishedValues() {
        const Colormap& m = Colormap::get(ColormapKind::Magma);
        // Entries 0, 128, 255 (control points) and 100, 200 (interpolated) of the published
        // 256-entry magma table (BIDS colormap project, CC0); tolerances as for viridis.
        compareRgb(m.at(0.0), 0.001462, 0.000466, 0.013866, 1e-6);
        compareRgb(m.at(128.0 / 255.0), 0.716387, 0.214982, 0.475290, 1e-6);
        compareRgb(m.at(1.0), 0.987053, 0.991438, 0.749504, 1e-6);
        compareRgb(m.at(100.0 / 255.0), 0.537755, 0.156894, 0.506551, 0.004);
        compareRgb(m.at(200.0 / 255.0), 0.992785, 0.594891, 0.410283, 0.004);
        double previous = -1;
        for (int i = 0; i <= 255; ++i) {  // magma's lightness rises monotonically too
            const double l = luminance(m.at(i / 255.0));
            QVERIFY2(l > previous, qPrintable(QString("luminance drops at %1").arg(i)));
            previous = l;
        }
        ColormapKind k;
        QVERIFY(colormapFromName("magma", k) && k == ColormapKind::Magma);
        QVERIFY(!colormapFromName("jet", k));
    }

    void scalesClosedForms() {
        const double eps = 1e-12;
        // Linear and symmetric.
        QCOMPARE(scalePosition(2, 0, 8, {ScaleKind::Linear}), 0.25);
        QCOMPARE(scalePosition(0, -1, 3, {ScaleKind::Symmetric}), 0.5);
        QVERIFY(std::abs(scalePosition(-1, -1, 3, {ScaleKind::Symmetric}) - 1.0 / 3) < eps);
        QCOMPARE(scalePosition(3, -1, 3, {ScaleKind::Symmetric}), 1.0);
        // Log over [1, 1000]: decades are thirds; a non-positive low end becomes vmax * 1e-3.
        QVERIFY(std::abs(scalePosition(10, 1, 1000, {ScaleKind::Log}) - 1.0 / 3) < eps);
        QVERIFY(std::abs(scalePosition(100, 1, 1000, {ScaleKind::Log}) - 2.0 / 3) < eps);
        QVERIFY(std::abs(scaleValue(0.5, 1, 1000, {ScaleKind::Log}) - std::sqrt(1000.0)) < 1e-9);
        QVERIFY(std::abs(scalePosition(1, 0, 100, {ScaleKind::Log}) - 1.0 / 3) < eps);
        QCOMPARE(scalePosition(-5, 0, 100, {ScaleKind::Log}), 0.0);  // clamps at the low end
        // Symmetric log on signed data: odd about the middle, ends at the ends.
        QCOMPARE(scalePosition(0, -100, 100, {ScaleKind::Log}), 0.5);
        QCOMPARE(scalePosition(100, -100, 100, {ScaleKind::Log}), 1.0);
        QVERIFY(std::abs(scalePosition(-3, -100, 100, {ScaleKind::Log}) + scalePosition(3, -100, 100, {ScaleKind::Log}) - 1) < eps);
        // Gamma: t^g sequential; signed data keep the sign about the middle.
        QVERIFY(std::abs(scalePosition(1, 0, 4, {ScaleKind::Gamma, 0.5}) - 0.5) < eps);
        QVERIFY(std::abs(scalePosition(1, -4, 4, {ScaleKind::Gamma, 0.5}) - 0.75) < eps);
        QVERIFY(std::abs(scalePosition(-1, -4, 4, {ScaleKind::Gamma, 0.5}) - 0.25) < eps);
        QVERIFY(std::isnan(scalePosition(NAN, 0, 1, {ScaleKind::Gamma, 0.5})));
        // scaleValue inverts scalePosition inside the range (the colour bar labels rely on it).
        const std::pair<double, double> ranges[] = {{0, 8}, {1, 1000}, {-4, 4}, {-1, 3}, {0.5, 0.7}};
        for (ScaleKind k : {ScaleKind::Linear, ScaleKind::Symmetric, ScaleKind::Log, ScaleKind::Gamma})
            for (double g : {0.5, 2.0})
                for (const auto& [lo, hi] : ranges)
                    for (double t : {0.0, 0.1, 0.37, 0.5, 0.9, 1.0}) {
                        const ColourScale sc{k, g};
                        const double v = scaleValue(t, lo, hi, sc);
                        QVERIFY2(std::abs(scalePosition(v, lo, hi, sc) - t) < 1e-9,
                                 qPrintable(QString("%1 g=%2 [%3,%4] t=%5").arg(scaleName(k)).arg(g).arg(lo).arg(hi).arg(t)));
                    }
        QCOMPARE(scaleCaption({ScaleKind::Log}, 1, 10), std::string("log"));
        QCOMPARE(scaleCaption({ScaleKind::Log}, -1, 10), std::string("symlog"));
        QCOMPARE(scaleCaption({ScaleKind::Gamma, 0.5}, 0, 1), std::string("gamma 0.5"));
        QCOMPARE(scaleCaption({ScaleKind::Linear}, 0, 1), std::string());
    }

    void divergingPublishedValues() {
        const Colormap& m = Colormap::get(ColormapKind::Diverging);
        // ColorBrewer RdBu (9 classes), reversed: low end #2166AC, centre #F7F7F7, high end #B2182B.
        for (auto [t, hex] : {std::pair{0.0, 0x2166ACu}, {0.25, 0x92C5DEu}, {0.5, 0xF7F7F7u},
                              {0.75, 0xF4A582u}, {1.0, 0xB2182Bu}}) {
            Rgb e = hexRgb(hex);
            compareRgb(m.at(t), e.r, e.g, e.b, 1e-6);
        }
        // Lightest at zero, darker towards both ends: signed values read as distance from 0.
        double previous = -1;
        for (int i = 0; i <= 50; ++i) {
            double l = luminance(m.at(i / 100.0));
            QVERIFY(l >= previous);
            previous = l;
        }
        for (int i = 50; i <= 100; ++i) {
            double l = luminance(m.at(i / 100.0));
            QVERIFY(l <= previous);
            previous = l;
        }
    }

    void packedLayoutIsImGuiAbgr() {
        QCOMPARE(Colormap::pack({1, 0, 0}), 0xFF0000FFu);
        QCOMPARE(Colormap::pack({0, 1, 0}), 0xFF00FF00u);
        QCOMPARE(Colormap::pack({0, 0, 1}), 0xFFFF0000u);
        QCOMPARE(normalise(5, 0, 10), 0.5);
        QCOMPARE(normalise(3, 3, 3), 0.5);
        QVERIFY(std::isnan(normalise(NAN, 0, 1)));
    }

    void autoScaleChoosesMapAndRange() {
        Heatmap signedData = grid({-1.f, 3.f, NAN, -INFINITY}, 1, 4);
        autoScale(signedData);
        QCOMPARE(signedData.colormap, ColormapKind::Diverging);
        QCOMPARE(signedData.vmin, -3.f);  // symmetric about zero, from max |finite value|
        QCOMPARE(signedData.vmax, 3.f);
        Heatmap positive = grid({2.f, 5.f, INFINITY}, 1, 3);
        autoScale(positive);
        QCOMPARE(positive.colormap, ColormapKind::Viridis);
        QCOMPARE(positive.vmin, 2.f);
        QCOMPARE(positive.vmax, 5.f);
        Heatmap allNan = grid({NAN}, 1, 1);
        autoScale(allNan);
        QCOMPARE(allNan.colormap, ColormapKind::Viridis);
    }

    void hitTestingDefaultView() {
        // 4 x 8 grid in a 200 x 100 plot at (10, 20): cells are 25 x 25 pixels.
        HeatmapGeometry g(Rect{10, 20, 200, 100}, 4, 8, HeatmapView{});
        QCOMPARE(g.cellWidth(), 25.0);
        QCOMPARE(g.cellHeight(), 25.0);
        QCOMPARE(*g.cellAt(10, 20), (Cell{0, 0}));
        QCOMPARE(*g.cellAt(34.9f, 44.9f), (Cell{0, 0}));
        QCOMPARE(*g.cellAt(35, 45), (Cell{1, 1}));
        QCOMPARE(*g.cellAt(209.9f, 119.9f), (Cell{3, 7}));
        QVERIFY(!g.cellAt(210, 50));   // right edge is exclusive
        QVERIFY(!g.cellAt(9.9f, 50));  // left of the plot
        QVERIFY(!g.cellAt(50, 120));   // below
        const Rect r = g.cellRect({2, 5});
        QCOMPARE(r.x, 135.f);
        QCOMPARE(r.y, 70.f);
    }

    void hitTestingAgreesWithCellRects() {
        // Every pixel centre maps to the cell whose rectangle contains it (brute force over
        // all cells), for a zoomed and panned view with non-integer cell sizes.
        HeatmapView view;
        view.zoomAbout(Rect{0, 0, 97, 61}, 40, 30, 3.3);
        view.panX -= 17.5;
        HeatmapGeometry g(Rect{0, 0, 97, 61}, 7, 13, view);
        for (int y = 0; y < 61; ++y)
            for (int x = 0; x < 97; ++x) {
                const float px = x + 0.5f, py = y + 0.5f;
                std::optional<Cell> expected;
                for (int64_t r = 0; r < 7; ++r)
                    for (int64_t c = 0; c < 13; ++c) {
                        const Rect cr = g.cellRect({r, c});
                        if (cr.contains(px, py)) expected = Cell{r, c};
                    }
                QCOMPARE(g.cellAt(px, py), expected);
            }
        int64_t r0, r1, c0, c1;
        g.visibleRows(r0, r1);
        g.visibleCols(c0, c1);
        QCOMPARE(*g.cellAt(0.5f, 0.5f), (Cell{r0, c0}));
        QCOMPARE(*g.cellAt(96.5f, 60.5f), (Cell{r1 - 1, c1 - 1}));
    }

    void zoomKeepsPointUnderCursor() {
        const Rect plot{5, 5, 300, 200};
        HeatmapView view;
        const double mx = 123.4, my = 77.7;
        HeatmapGeometry before(plot, 10, 30, view);
        const double u = (mx - before.originX()) / before.cellWidth();  // grid coordinates
        const double v = (my - before.originY()) / before.cellHeight();
        view.zoomAbout(plot, mx, my, 2.5);
        HeatmapGeometry after(plot, 10, 30, view);
        QCOMPARE(after.cellWidth(), before.cellWidth() * 2.5);
        QVERIFY(std::fabs((mx - after.originX()) / after.cellWidth() - u) < 1e-9);
        QVERIFY(std::fabs((my - after.originY()) / after.cellHeight() - v) < 1e-9);
        view.zoomAbout(plot, mx, my, 1e-3);  // zooming out stops at the whole grid
        QCOMPARE(view.zoom, 1.0);
    }

    void aggregateKeepsExtremes() {
        std::mt19937 rng(7);
        std::uniform_real_distribution<float> dist(-5, 5);
        Heatmap hm;
        hm.rows = 9;
        hm.cols = 11;
        for (int i = 0; i < 99; ++i) hm.values.push_back(dist(rng));
        hm.values[13] = NAN;
        for (ColormapKind kind : {ColormapKind::Diverging, ColormapKind::Viridis}) {
            hm.colormap = kind;
            for (int r0 = 0; r0 < 9; r0 += 3)
                for (int c0 = 0; c0 < 11; c0 += 4) {
                    const int r1 = std::min(r0 + 3, 9), c1 = std::min(c0 + 4, 11);
                    float expected = NAN;  // brute force: farthest from the neutral point
                    for (int r = r0; r < r1; ++r)
                        for (int c = c0; c < c1; ++c) {
                            float v = hm.at(r, c);
                            if (std::isnan(v)) continue;
                            bool better = std::isnan(expected) ||
                                          (kind == ColormapKind::Diverging ? std::fabs(v) > std::fabs(expected)
                                                                           : v > expected);
                            if (better) expected = v;
                        }
                    QCOMPARE(aggregateBlock(hm, r0, r1, c0, c1), expected);
                }
        }
        Heatmap nans = grid({NAN, NAN}, 1, 2);
        QVERIFY(std::isnan(aggregateBlock(nans, 0, 1, 0, 2)));
    }

    void histogramCounts() {
        // 0..9 in 10 bins over [0, 9]: bin width 0.9, so value k lands in bin floor(k / 0.9),
        // i.e. k for k < 9, and the maximum 9 is clamped into the last bin: one per bin.
        std::vector<float> v;
        for (int i = 0; i < 10; ++i) v.push_back(float(i));
        v.push_back(NAN);
        v.push_back(INFINITY);
        Histogram h = computeHistogram(v, 10);
        QCOMPARE(h.lo, 0.0);
        QCOMPARE(h.hi, 9.0);
        QCOMPARE(int(h.counts.size()), 10);
        float total = 0;
        for (float c : h.counts) total += c;
        QCOMPARE(total, 10.f);  // NaN and Inf are not counted
        for (float c : h.counts) QCOMPARE(c, 1.f);
        // Two bins over [0, 4]: 0, 1 and 1.999 go low; 2 (the edge) and 4 go high.
        Histogram two = computeHistogram(std::vector<float>{0, 1, 1.999f, 2, 4}, 2);
        QCOMPARE(two.counts[0], 3.f);
        QCOMPARE(two.counts[1], 2.f);
        QVERIFY(computeHistogram(std::vector<float>{NAN}, 4).counts.empty());
        Histogram constant = computeHistogram(std::vector<float>{2, 2, 2}, 4);
        QCOMPARE(constant.counts[0], 3.f);
    }
};

QTEST_APPLESS_MAIN(TestPlots)
#include "test_plots.moc"
