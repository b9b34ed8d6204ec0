// Backend-neutral figures: axis mapping (linear and log) against closed forms, tick choice,
// bar layout against the documented geometry, scatter and line hit-testing against brute
// force, and the QPainter path: SVG is well-formed XML holding the series, PNG pixels land
// where the layout says.
#include <QtTest>
#include <QTemporaryDir>
#include <QPainter>
#include <QXmlStreamReader>
#include <cmath>
#include <random>

#include "widgets/plots/figure_export.h"
#include "widgets/plots/painter_surface.h"

using namespace scalpel::plots;

class TestFigures : public QObject {
    Q_OBJECT
private slots:
    void logAxisClosedForm() {
        const Axis a{1e-3, 1e2, true};
        // y axis: lo at pixel 500, hi at pixel 100; 5 decades over 400 px = 80 px per decade.
        for (int k = -3; k <= 2; ++k) QVERIFY(std::fabs(a.toPixel(std::pow(10.0, k), 500, 100) - (500 - 80.0 * (k + 3))) < 1e-9);
        // sqrt(10) sits half a decade up.
        QVERIFY(std::fabs(a.toPixel(std::sqrt(10.0), 500, 100) - (500 - 80.0 * 3.5)) < 1e-9);
        for (double v : {2e-3, 0.37, 55.0}) QVERIFY(std::fabs(a.fromPixel(a.toPixel(v, 500, 100), 500, 100) / v - 1) < 1e-12);
        const auto ticks = axisTicks(a, 10);
        QCOMPARE(int(ticks.size()), 6);
        QCOMPARE(ticks.front(), 1e-3);
        // Too many decades: every k-th decade.
        const auto sparse = axisTicks(Axis{1e-12, 1e4, true}, 5);
        QVERIFY(sparse.size() <= 6 && sparse.size() >= 3);
    }

    void fitAxisRanges() {
        Axis l = fitAxis(3e-11, 0.42, true);
        QCOMPARE(l.lo, 1e-11);
        QCOMPARE(l.hi, 1.0);
        Axis z = fitAxis(2, 10, false, true);
        QCOMPARE(z.lo, 0.0);
        QVERIFY(std::fabs(z.hi - 10.5) < 1e-12);  // 5% of the span above
        const auto t = axisTicks(Axis{0, 1, false}, 5);  // smallest 1-2-5 step >= 1/5: 0.2
        QCOMPARE(int(t.size()), 6);
        QVERIFY(std::fabs(t[1] - 0.2) < 1e-12);
        // With the 5% padding of fitAxis the span is 1.1: 0.22 per tick rounds up to 0.5.
        QCOMPARE(int(axisTicks(fitAxis(0, 1, false), 5).size()), 3);
    }

    void barLayout() {
        BarFigure f;
        f.bars = {{"a", 1, 0, ""}, {"b", 4, 0, ""}, {"c", 2, 0, ""}, {"d", 0, 0, ""}};
        const Rect plot{100, 50, 400, 200};
        const BarLayout L = layoutBars(f, plot);
        QCOMPARE(L.x.lo, 0.0);
        QCOMPARE(int(L.bars.size()), 4);
        for (int i = 0; i < 4; ++i) {
            const Rect& r = L.bars[size_t(i)];
            QVERIFY(std::fabs(r.y - (50 + 50 * (i + 0.1))) < 1e-3);  // rows of 200/4 = 50 px, 10% gap
            QVERIFY(std::fabs(r.h - 40) < 1e-3);
            QVERIFY(std::fabs(r.x - 100) < 1e-3);
            QVERIFY(std::fabs(r.w - 400 * f.bars[size_t(i)].value / L.x.hi) < 1e-3);
        }
        std::mt19937 rng(5);
        std::uniform_real_distribution<float> ux(0, 700), uy(0, 400);
        for (int k = 0; k < 2000; ++k) {
            const float x = ux(rng), y = uy(rng);
            std::optional<size_t> expect;
            if (x >= 100 && x < 500 && y >= 50 && y < 250) expect = size_t((y - 50) / 50);
            QVERIFY(barAt(L, x, y) == expect);
        }
    }

    void scatterHitTestBruteForce() {
        std::mt19937 rng(7);
        std::normal_distribution<double> g;
        ScatterFigure f;
        f.sets.resize(2);
        for (auto& s : f.sets)
            for (int i = 0; i < 150; ++i) {
                s.x.push_back(g(rng));
                s.y.push_back(g(rng) * 3);
            }
        ScatterLayout L;
        L.plot = Rect{40, 30, 500, 300};
        fitScatterAxes(f, L.x, L.y);
        std::uniform_real_distribution<float> ux(20, 560), uy(10, 350);
        int hits = 0;
        for (int k = 0; k < 3000; ++k) {
            const float px = ux(rng), py = uy(rng);
            // Brute force with the linear map written out.
            double best = 8.0 * 8.0;
            std::optional<std::pair<size_t, size_t>> expect;
            if (L.plot.contains(px, py))
                for (size_t s = 0; s < 2; ++s)
                    for (size_t i = 0; i < 150; ++i) {
                        const double x = 40 + (f.sets[s].x[i] - L.x.lo) / (L.x.hi - L.x.lo) * 500;
                        const double y = 330 - (f.sets[s].y[i] - L.y.lo) / (L.y.hi - L.y.lo) * 300;
                        const double d = (x - px) * (x - px) + (y - py) * (y - py);
                        if (d <= best) {
                            best = d;
                            expect = {s, i};
                        }
                    }
            const auto got = pointAt(f, L, px, py, 8);
            QCOMPARE(got.has_value(), expect.has_value());
            if (got) {
                ++hits;
                QCOMPARE(got->set, expect->first);
                QCOMPARE(got->index, expect->second);
            }
        }
        QVERIFY(hits > 50);  // the test exercised real hits, not just misses
    }

    void svgHoldsTheSeries() {
        LineFigure f;
        f.text = {"Spectra of things", "index", "eigenvalue"};
        f.logY = true;
        f.series = {{"alpha series", {1, 2, 3, 4}, {1, 0.1, 0.01, 0}, false},
                    {"beta series", {1, 2, 3, 4}, {0.5, 0.2, 0.05, 0.001}, false}};
        f.refLines = {{1e-3, "cut-off", false}};
        const std::string svg = figureToSvg(f, 480, 320);
        QXmlStreamReader xml(QByteArray::fromStdString(svg));
        int polylines = 0;
        QString texts;
        bool root = false;
        while (!xml.atEnd()) {
            xml.readNext();
            if (xml.isStartElement()) {
                if (xml.name() == QLatin1String("svg")) root = true;
                if (xml.name() == QLatin1String("polyline")) ++polylines;
                if (xml.name() == QLatin1String("text")) texts += xml.readElementText(QXmlStreamReader::IncludeChildElements) + "|";
            }
        }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QVERIFY(root);
        QVERIFY2(polylines >= 2, qPrintable(QString::number(polylines)));
        for (const char* s : {"alpha series", "beta series", "Spectra of things", "cut-off", "eigenvalue"})
            QVERIFY2(texts.contains(s), qPrintable(texts));
        QVERIFY(inlineSvg(svg).rfind("<svg", 0) == 0);
    }

    void exportWritesValidPngSvgPdf() {
        Heatmap hm;
        hm.rows = 3;
        hm.cols = 4;
        for (int i = 0; i < 12; ++i) hm.values.push_back(float(1 << i));
        hm.title = "powers of two";
        autoScale(hm);
        applyStyle(hm, {ColormapKind::Magma, {ScaleKind::Log, 0.5}});
        QTemporaryDir dir;
        std::string error;
        const std::string png = dir.filePath("f.png").toStdString(), svg = dir.filePath("f.svg").toStdString(),
                          pdf = dir.filePath("f.pdf").toStdString();
        QVERIFY2(exportFigure(hm, png, 400, 300, 2, &error), error.c_str());
        QImage image(QString::fromStdString(png));
        QCOMPARE(image.size(), QSize(800, 600));  // scale 2
        QVERIFY(exportFigure(hm, svg, 400, 300, 2, &error));
        QFile svgFile(QString::fromStdString(svg));
        QVERIFY(svgFile.open(QIODevice::ReadOnly));
        const QByteArray svgText = svgFile.readAll();
        QVERIFY(svgText.contains("<svg") && svgText.contains("powers of two") && svgText.contains(">log<"));
        QVERIFY(exportFigure(hm, pdf, 400, 300, 2, &error));
        QFile pdfFile(QString::fromStdString(pdf));
        QVERIFY(pdfFile.open(QIODevice::ReadOnly));
        const QByteArray pdfBytes = pdfFile.readAll();
        QVERIFY(pdfBytes.startsWith("%PDF-"));
        QVERIFY(pdfBytes.trimmed().endsWith("%%EOF"));
        QVERIFY(pdfBytes.contains("/MediaBox [0 0 400.000000 300.000000]"));  // one page, the figure's size in points
        QVERIFY(!exportFigure(hm, dir.filePath("f.bmp").toStdString(), 400, 300, 2, &error));
        QVERIFY2(error.find("unknown figure format") != std::string::npos, error.c_str());
        QVERIFY(!exportFigure(hm, "/nonexistent-dir/f.pdf", 400, 300, 2, &error));
        QVERIFY2(error.find("/nonexistent-dir/f.pdf") != std::string::npos, error.c_str());
    }

    void pngPixelsFollowTheLayout() {
        ScatterFigure f;
        f.sets.push_back({"pts", {0, 1, 2}, {0, 4, 1}, {}});
        const int W = 400, H = 300;
        QImage img(W, H, QImage::Format_RGB32);
        img.fill(Qt::white);
        ScatterLayout L;
        {
            QPainter p(&img);
            PainterSurface s(p);
            L = drawScatterFigure(s, f, Rect{0, 0, float(W), float(H)});
        }
        const Rgb c = seriesColour(0);
        for (size_t i = 0; i < 3; ++i) {
            const int x = int(std::lround(L.x.toPixel(f.sets[0].x[i], L.plot.x, L.plot.x + L.plot.w)));
            const int y = int(std::lround(L.y.toPixel(f.sets[0].y[i], L.plot.y + L.plot.h, L.plot.y)));
            const QColor got = img.pixelColor(x, y);
            // Points are drawn at 85% opacity over white: channel = 0.85 c + 0.15.
            QVERIFY2(std::fabs(got.redF() - (0.85 * c.r + 0.15)) < 0.03 && std::fabs(got.blueF() - (0.85 * c.b + 0.15)) < 0.03,
                     qPrintable(got.name()));
        }
        const QImage exported = figureToImage(f, W, H);
        QCOMPARE(exported.size(), QSize(W, H));
    }

    void nearestLinePointBruteForce() {
        LineFigure f;
        f.logY = true;
        f.series = {{"s", {1, 2, 3, 4, 5}, {1, 0.5, 0, 1e-3, 1e-4}, false}};
        LineLayout L;
        L.plot = Rect{0, 0, 400, 400};
        fitLineAxes(f, L.x, L.y);
        // Point 2 has y = 0: not drawable on a log axis, so never hit.
        const float px = float(L.x.toPixel(3, 0, 400));
        auto hit = nearestLinePoint(f, L, px, 200, 1000);
        QVERIFY(hit && hit->index != 2);
        const float py = float(L.y.toPixel(1e-3, 400, 0));
        hit = nearestLinePoint(f, L, float(L.x.toPixel(4, 0, 400)) + 2, py - 1, 5);
        QVERIFY(hit && hit->index == 3);
    }
};

QTEST_MAIN(TestFigures)
#include "test_figures.moc"
