// Graph models in the workbench: the channel grid puts every (channel, y, x) where locate()
// says (brute force, both layouts); a Keras model opens as a layer list whose parameter counts
// add up to the weights stored in the file; a `scalpel run` dump opens with its layers in forward
// order and hovering a cell reports the dumped value of that channel and position.
#include <QtTest>
#include <QProcess>
#include <QTableWidget>
#include <QTemporaryDir>
#include <cmath>
#include <fstream>

#include "app/explain_dialog.h"
#include "app/main_window.h"
#include "data/activation_dump.h"
#include "data/tensor_file.h"
#include "widgets/canvas/imgui_canvas.h"
#include "widgets/views/graph_view.h"
#include "widgets/views/relevance_view.h"

using namespace scalpel;

namespace {
const std::string kResnet = std::string(SCALPEL_SHARED_DIR) + "/real/keras/pretrainedResnet.h5";

// A float32 NPY file [n, 32, 32, 3] with a deterministic pattern.
void writeImages(const std::string& path, int n) {
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(n) + ", 32, 32, 3), }";
    while ((10 + header.size() + 1) % 64) header += ' ';
    header += '\n';
    std::ofstream out(path, std::ios::binary);
    out.write("\x93NUMPY\x01\x00", 8);
    const uint16_t len = uint16_t(header.size());
    out.write(reinterpret_cast<const char*>(&len), 2);
    out << header;
    for (int i = 0; i < n * 32 * 32 * 3; ++i) {
        const float v = float(std::sin(0.013 * i) * 0.5 + 0.5);
        out.write(reinterpret_cast<const char*>(&v), 4);
    }
}
}  // namespace

class TestGraphView : public QObject {
    Q_OBJECT
public:
    static void initMain() { ImGuiCanvas::setDefaultSurfaceFormat(); }

private slots:
    void channelGridPlacesEveryValue() {
        const std::vector<int64_t> shape = {2, 5, 2, 3};  // B, C, H, W
        std::vector<float> v(60);
        for (size_t i = 0; i < v.size(); ++i) v[i] = float(i);
        const ChannelGrid g = channelGrid(v, shape, 1, "t");
        QCOMPARE(g.tilesPerRow, int64_t(3));
        QCOMPARE(g.heatmap.rows, int64_t(2 * 3 - 1));
        QCOMPARE(g.heatmap.cols, int64_t(3 * 4 - 1));
        int found = 0;
        for (int64_t r = 0; r < g.heatmap.rows; ++r)
            for (int64_t c = 0; c < g.heatmap.cols; ++c) {
                const auto at = g.locate({r, c});
                if (!at) {
                    QVERIFY(std::isnan(g.heatmap.at(r, c)));  // gaps are NaN
                    continue;
                }
                const auto [ch, y, x] = *at;
                QCOMPARE(g.heatmap.at(r, c), v[size_t(((1 * 5 + ch) * 2 + y) * 3 + x)]);
                ++found;
            }
        QCOMPARE(found, 5 * 2 * 3);
        // The same numbers in NHWC order land on the same cells.
        std::vector<float> nhwc(60);
        for (int64_t b = 0; b < 2; ++b)
            for (int64_t ch = 0; ch < 5; ++ch)
                for (int64_t y = 0; y < 2; ++y)
                    for (int64_t x = 0; x < 3; ++x) nhwc[size_t(((b * 2 + y) * 3 + x) * 5 + ch)] = v[size_t(((b * 5 + ch) * 2 + y) * 3 + x)];
        const ChannelGrid h = channelGrid(nhwc, {2, 2, 3, 5}, 1, "t", true);
        QCOMPARE(h.heatmap.values.size(), g.heatmap.values.size());
        for (size_t i = 0; i < g.heatmap.values.size(); ++i)
            QVERIFY(std::isnan(g.heatmap.values[i]) ? std::isnan(h.heatmap.values[i]) : g.heatmap.values[i] == h.heatmap.values[i]);
    }

    void kerasModelAndDumpOpen() {
        if (!QFile::exists(QString::fromStdString(kResnet))) QSKIP("../shared/real/keras/pretrainedResnet.h5 not present");
        MainWindow w;
        w.resize(1400, 900);
        w.show();
        QSignalSpy shown(&w, &MainWindow::graphShown);
        w.openPath(QString::fromStdString(kResnet));
        QVERIFY(shown.wait(60000));
        GraphView* g = w.graphView();
        QVERIFY(g);
        QVERIFY2(g->message().isEmpty(), qPrintable(g->message()));
        // Parameters per layer add up to every weight the file stores for the model (not the optimizer's).
        auto file = openTensorFile(kResnet);
        QVERIFY(bool(file));
        int64_t stored = 0;
        for (const auto& e : file->tensors)
            if (e.info.name.rfind("optimizer_weights", 0) != 0) stored += int64_t(e.info.numel());
        int64_t listed = 0;
        for (const auto& l : g->data().layers) listed += l.parameters;
        QCOMPARE(listed, stored);
        QCOMPARE(g->table()->rowCount(), int(g->data().layers.size()));

        // A dump of two images: layers in forward order, the hovered cell is the dumped value.
        QTemporaryDir dir;
        const std::string npy = dir.filePath("x.npy").toStdString(), dump = dir.filePath("d.h5").toStdString();
        writeImages(npy, 2);
        QProcess run;
        run.start(SCALPEL_EXE, {"run", "--model", QString::fromStdString(kResnet), "--inputs", QString::fromStdString(npy), "--sites",
                                "all", "--out", QString::fromStdString(dump)});
        QVERIFY(run.waitForFinished(60000));
        QVERIFY2(run.exitCode() == 0, run.readAllStandardError().constData());
        w.openPath(QString::fromStdString(dump));
        QTRY_VERIFY_WITH_TIMEOUT(g->data().isDump, 30000);
        QCOMPARE(g->data().layers[0].name, std::string("input_1"));
        QCOMPARE(g->data().layers[2].name, std::string("conv2d"));  // forward order, not alphabetical
        QVERIFY(g->selectLayer("conv2d_3"));
        g->setExample(1);
        QCOMPARE(g->grid().channels, int64_t(32));
        QTRY_VERIFY(g->hoverCell(3 * 17 + 5, 2 * 17 + 7));  // tile row 3, column 2 -> channel 3*6+2 = 20, y 5, x 7
        QTRY_VERIFY2(g->hoverText().startsWith("channel 20, y 5, x 7"), qPrintable(g->hoverText()));
        auto ds = readDataset(dump, "/sites/conv2d_3");
        QVERIFY(bool(ds));
        const float expected = ds->values[size_t(((1 * 32 + 20) * 16 + 5) * 16 + 7)];
        QCOMPARE(g->grid().heatmap.at(3 * 17 + 5, 2 * 17 + 7), expected);

        // The graph view in a session: layer, example, lock and look come back; bytes repeat.
        g->lock(plots::Cell{3 * 17 + 5, 2 * 17 + 7});
        g->setStyle({plots::ColormapKind::Magma, {plots::ScaleKind::Gamma, 0.5}});
        g->selectLayer("conv2d_3");
        g->lock(plots::Cell{3 * 17 + 5, 2 * 17 + 7});
        const QString s1 = dir.filePath("g1.scalpel"), s2 = dir.filePath("g2.scalpel");
        QSignalSpy saved(&w, &MainWindow::sessionSaved);
        QVERIFY(w.saveSession(s1));
        QVERIFY(saved.wait(30000));
        MainWindow w2;
        w2.show();
        QSignalSpy loaded(&w2, &MainWindow::sessionLoaded);
        QVERIFY(w2.loadSession(s1));
        QVERIFY(loaded.wait(60000));
        QVERIFY(w2.graphView());
        QCOMPARE(w2.graphView()->selectedLayer(), QString("conv2d_3"));
        QCOMPARE(w2.graphView()->example(), 1);
        QCOMPARE(w2.graphView()->locked(), std::optional<plots::Cell>(plots::Cell{3 * 17 + 5, 2 * 17 + 7}));
        QCOMPARE(w2.graphView()->grid().heatmap.colormap, plots::ColormapKind::Magma);
        QSignalSpy saved2(&w2, &MainWindow::sessionSaved);
        QVERIFY(w2.saveSession(s2));
        QVERIFY(saved2.wait(30000));
        QFile a(s1), b(s2);
        QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
        QCOMPARE(b.readAll(), a.readAll());
        // The report carries the layer list and the channel grid.
        QTemporaryDir out;
        QSignalSpy exported(&w2, &MainWindow::reportExported);
        QVERIFY(w2.exportSessionReportTo(out.path()));
        QVERIFY(exported.wait(60000));
        QFile html(out.filePath("report.html"));
        QVERIFY(html.open(QIODevice::ReadOnly));
        const QByteArray text = html.readAll();
        QVERIFY(text.contains("Layer conv2d_3") && text.contains("Layers in forward order") && text.contains("<svg"));

        // An LRP explanation opens in the Relevance tab: the map is the relevance summed over
        // the NHWC channels (brute force from the file), diverging about zero.
        const std::string lrp = dir.filePath("r.h5").toStdString();
        QProcess explain;
        explain.start(SCALPEL_EXE, {"explain", "--model", QString::fromStdString(kResnet), "--inputs", QString::fromStdString(npy),
                                    "--target", "pred", "--rule", "EpsilonPlus", "--out", QString::fromStdString(lrp)});
        QVERIFY(explain.waitForFinished(60000));
        QVERIFY2(explain.exitCode() == 0, explain.readAllStandardError().constData());
        QSignalSpy relevanceShown(&w2, &MainWindow::relevanceShown);
        w2.openPath(QString::fromStdString(lrp));
        QVERIFY(relevanceShown.wait(30000));
        QVERIFY(w2.relevanceView());
        w2.relevanceView()->setExample(1);
        const plots::Heatmap& map = w2.relevanceView()->heatmap();
        auto rel = readDataset(lrp, "/results/relevance");
        QVERIFY(bool(rel));
        QCOMPARE(map.rows, int64_t(32));
        QCOMPARE(map.cols, int64_t(32));
        for (int64_t y : {0, 7, 31})
            for (int64_t x : {0, 13, 31}) {
                double sum = 0;
                for (int64_t c = 0; c < 3; ++c) sum += rel->values[size_t(((1 * 32 + y) * 32 + x) * 3 + c)];
                QVERIFY(std::abs(map.at(y, x) - sum) <= 1e-6 * (1 + std::abs(sum)));  // float sums of 3 terms
            }
        QCOMPARE(map.colormap, plots::ColormapKind::Diverging);
        QCOMPARE(map.vmin, -map.vmax);

        // Analysis > Explain with LRP: the dialog's request, run as a job, gives the CLI's numbers.
        ExplainDialog dialog;
        QString why;
        QVERIFY(!dialog.request(&why) && why.contains("model"));
        dialog.setModel(QString::fromStdString(kResnet));
        dialog.setInputs(QString::fromStdString(npy));
        auto q = dialog.request(&why);
        QVERIFY2(q.has_value(), qPrintable(why));
        QCOMPARE(q->options.rule, std::string("EpsilonPlus"));
        QVERIFY(QString::fromStdString(q->out).endsWith("x_lrp.h5"));  // beside the inputs
        QSignalSpy shownAgain(&w2, &MainWindow::relevanceShown);
        QVERIFY(w2.runExplain(*q));
        QVERIFY(shownAgain.wait(60000));
        QCOMPARE(w2.relevanceView()->data().path, q->out);
        auto gui = readDataset(q->out, "/results/relevance");
        QVERIFY(bool(gui));
        QCOMPARE(gui->values, rel->values);  // same core, same bits
    }
};

QTEST_MAIN(TestGraphView)
#include "test_graph_view.moc"
