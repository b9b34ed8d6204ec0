// Activation dumps in the workbench: a dump written by `scalpel run` on the tiny fixture GPT-2
// opens in the Activations tab as a layer x token heatmap whose cells are the per-token norms of
// the dump's values (recomputed here by brute force), hover reports the cell, a click pins a row
// for the token strip and Esc releases it.
#include <QtTest>
#include <QProcess>
#include <QTemporaryDir>
#include <cmath>

#include "app/main_window.h"
#include "data/activation_dump.h"
#include "widgets/canvas/imgui_canvas.h"
#include "widgets/views/activation_view.h"

using namespace scalpel;

class TestActivationView : public QObject {
    Q_OBJECT
public:
    static void initMain() { ImGuiCanvas::setDefaultSurfaceFormat(); }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName("ScalpelTest");
        QCoreApplication::setApplicationName("test_activation_view");
        QVERIFY(dir_.isValid());
        dump_ = dir_.filePath("dump.h5");
        const QString tokens = dir_.filePath("tokens.json");
        QFile f(tokens);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("[[1, 5, 9, 13, 17, 21, 25], [2, 4, 6, 8, 10, 12, 14]]");
        f.close();
        QProcess run;
        run.start(SCALPEL_EXE, {"run", "--model", QString(SCALPEL_SOURCE_DIR) + "/tests/fixtures/gpt2_engine/model", "--tokens",
                                tokens, "--out", dump_});
        QVERIFY(run.waitForFinished(60000));
        QVERIFY2(run.exitCode() == 0, run.readAllStandardError().constData());
    }

    void dumpOpensAsLayerTokenHeatmap() {
        MainWindow window;
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QSignalSpy shown(&window, &MainWindow::activationsShown);
        window.openPath(dump_);
        QVERIFY(shown.wait(20000));
        auto* view = window.findChild<ActivationView*>();
        QVERIFY(view);
        QCOMPARE(view->familyName(), QString("hook_resid_pre"));
        const auto& hm = view->heatmap();
        QCOMPARE(hm.rows, int64_t(2));  // two layers
        QCOMPARE(hm.cols, int64_t(7));  // seven tokens
        QCOMPARE(hm.rowLabels.front(), std::string("L0"));

        // Brute force: L2 norm of blocks.1.hook_resid_pre[0, 3, :].
        auto values = readDataset(dump_.toStdString(), "/sites/blocks.1.hook_resid_pre");
        QVERIFY(bool(values));
        const int64_t F = values->shape[2];
        double sq = 0;
        for (int64_t f = 0; f < F; ++f) sq += std::pow(double(values->values[size_t(3 * F + f)]), 2);
        QVERIFY(std::abs(hm.at(1, 3) - std::sqrt(sq)) < 1e-5 * std::sqrt(sq));

        // Example 1, a feature: the cell is that feature's value.
        view->setExample(1);
        view->setReducer(TokenReducer::Feature, 5);
        QCOMPARE(view->heatmap().at(1, 2), values->values[size_t((1 * 7 + 2) * F + 5)]);

        // Hover, pin by click, release by Esc.
        QTRY_VERIFY(view->cellCentre(0, 4).has_value());
        QVERIFY(view->hoverCell(0, 4));
        QTRY_VERIFY(view->hover().has_value());
        QCOMPARE(view->hover()->cell, (plots::Cell{0, 4}));
        QCOMPARE(view->stripRow(), int64_t(0));
        const QPoint centre = view->cellCentre(0, 4)->toPoint();
        QTest::mouseClick(view->canvas(), Qt::LeftButton, Qt::NoModifier, centre);
        QTRY_COMPARE(view->lockedRow(), std::optional<int64_t>(0));
        QVERIFY(view->stripHtml().contains("pinned"));
        QTest::keyClick(view->canvas(), Qt::Key_Escape);
        QTRY_VERIFY(!view->lockedRow().has_value());
    }

    void brokenDumpIsReported() {
        const QString bad = dir_.filePath("bad.h5");
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("\x89HDF\r\n\x1a\nnot really");
        f.close();
        const PreparedDump p = ActivationView::prepare(bad.toStdString());
        QVERIFY(!p.error.isEmpty());
        QVERIFY(p.error.contains("bad.h5"));
    }

private:
    QTemporaryDir dir_;
    QString dump_;
};

QTEST_MAIN(TestActivationView)
#include "test_activation_view.moc"
