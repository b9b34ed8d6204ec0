// Relevance-patching results in the workbench: a result written by `scalpel patch` on the relp
// fixture opens as method heatmaps whose cells are the result's batch means and whose titles carry
// the same Pearson r as the CLI's table; hover links the node across every heatmap and scatter; a
// click pins it (per-example values listed), Esc releases it; the report export writes HTML with
// SVG figures, a PDF and one CSV per component.
#include <QtTest>
#include <QProcess>
#include <QTemporaryDir>

#include <nlohmann/json.hpp>

#include "analysis/patching/patching_result_file.h"
#include "app/job_runner.h"
#include "app/main_window.h"
#include "app/patching_dialog.h"
#include "widgets/canvas/imgui_canvas.h"
#include "widgets/views/patching_view.h"

using namespace scalpel;

class TestPatchingView : public QObject {
    Q_OBJECT
public:
    static void initMain() { ImGuiCanvas::setDefaultSurfaceFormat(); }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName("ScalpelTest");
        QCoreApplication::setApplicationName("test_patching_view");
        QVERIFY(dir_.isValid());
        result_ = dir_.filePath("patch.h5");
        const QString fixture = QString(SCALPEL_SOURCE_DIR) + "/tests/fixtures/relp";
        QProcess run;
        run.start(SCALPEL_EXE, {"patch", "--model", fixture + "/model", "--prompts", fixture + "/prompts.jsonl", "--method",
                                "ap,atp,relp", "--components", "resid_pre,head", "--out", result_, "--json"});
        QVERIFY(run.waitForFinished(60000));
        QVERIFY2(run.exitCode() == 0, run.readAllStandardError().constData());
        summary_ = nlohmann::json::parse(run.readAllStandardOutput().toStdString());
    }

    void resultOpensLinkedAndExports() {
        MainWindow window;
        window.resize(1500, 950);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QSignalSpy shown(&window, &MainWindow::patchingShown);
        window.openPath(result_);
        QVERIFY(shown.wait(20000));
        auto* view = window.findChild<PatchingView*>();
        QVERIFY(view && view->hasResult());
        view->setComponent(patching::Component::ResidPre);
        QCOMPARE(view->heatmaps().size(), size_t(3));  // AP, AtP, RelP
        QCOMPARE(view->scatters().size(), size_t(2));
        const auto& hm = view->heatmaps()[0];
        QCOMPARE(hm.rows, int64_t(2));
        QCOMPARE(hm.cols, int64_t(10));
        const auto* ap = view->result().find(patching::Method::Ap, patching::Component::ResidPre);
        QCOMPARE(double(hm.at(1, 6)), double(float(ap->mean[16])));

        // The same r as `scalpel patch --json`.
        for (const auto& row : summary_["agreement"])
            if (row["component"] == "resid_pre" && row["method"] == "relp") {
                char r[32];
                std::snprintf(r, sizeof r, "r = %.3f", row["pearson"].get<double>());
                QVERIFY2(view->heatmaps()[2].title.find(r) != std::string::npos, view->heatmaps()[2].title.c_str());
            }

        // Hover in the AtP map: the node lights up everywhere.
        QTRY_VERIFY(view->cellCentre(1, 1, 6).has_value());
        QVERIFY(view->hoverCell(1, 1, 6));
        QTRY_COMPARE(view->hovered(), std::optional<plots::Cell>(plots::Cell{1, 6}));
        QTest::qWait(100);
        const QPoint centre = view->cellCentre(1, 1, 6)->toPoint();
        QTest::mouseClick(view->canvas(), Qt::LeftButton, Qt::NoModifier, centre);
        QTRY_COMPARE(view->pinned(), std::optional<plots::Cell>(plots::Cell{1, 6}));
        QVERIFY(view->detailsText().contains("pinned"));
        QVERIFY(view->detailsText().contains("ex 5"));  // six examples listed
        QTest::keyClick(view->canvas(), Qt::Key_Escape);
        QTRY_VERIFY(!view->pinned().has_value());

        // Report: HTML with inline SVG figures and CSVs of the maps.
        const QString out = dir_.filePath("report");
        QVERIFY(window.exportPatchingReportTo(out));
        QFile html(out + "/report.html");
        QVERIFY(html.open(QIODevice::ReadOnly));
        const QByteArray text = html.readAll();
        QVERIFY(text.count("<svg") >= 10);  // 2 components x (3 heatmaps + 2 scatters)
        QVERIFY(text.contains("Agreement with activation patching"));
        QVERIFY(QFile::exists(out + "/report_patching_resid_pre.csv"));
        QVERIFY(QFile::exists(out + "/report_patching_head.csv"));
        QFile pdf(out + "/report.pdf");  // the same report on A4 pages, figures as vectors
        QVERIFY(pdf.open(QIODevice::ReadOnly));
        const QByteArray bytes = pdf.readAll();
        QVERIFY(bytes.startsWith("%PDF-"));
        QVERIFY(bytes.contains("%%EOF"));
    }

    // Analysis > Relevance patching as a background job: the result shows in the view with the CLI's
    // numbers; a cancelled job delivers nothing.
    void jobRunsAndCancels() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const std::string fixture = std::string(SCALPEL_SOURCE_DIR) + "/tests/fixtures/relp";
        PatchingJobRequest request;
        request.inputs.modelPath = fixture + "/model";
        request.inputs.promptsPath = fixture + "/prompts.jsonl";
        request.options.methods = {patching::Method::Ap, patching::Method::Atp, patching::Method::Relp};
        request.options.components = {patching::Component::ResidPre, patching::Component::Head};
        QSignalSpy shown(&window, &MainWindow::patchingShown);
        QVERIFY(window.runPatching(request));
        QVERIFY(shown.wait(30000));
        auto* view = window.findChild<PatchingView*>();
        QVERIFY(view && view->hasResult());
        for (const auto& a : view->result().agreement)
            for (const auto& row : summary_["agreement"])
                if (row["method"] == patching::methodName(a.method) && row["component"] == patching::componentName(a.component))
                    QVERIFY(std::abs(row["pearson"].get<double>() - a.pearson) < 1e-6);  // float32 job vs float32 CLI

        // A long job (IOI on the demo model, with IG) cancelled at once: nothing is delivered.
        auto* runner = window.findChild<JobRunner*>();
        QVERIFY(runner);
        QSignalSpy cancelled(runner, &JobRunner::cancelled);
        PatchingJobRequest slow;
        slow.inputs.modelPath = std::string(SCALPEL_SOURCE_DIR) + "/resources/demo/ioi-gpt2";
        slow.inputs.ioiCount = 64;
        slow.options.methods = {patching::Method::Ap, patching::Method::Ig};
        slow.options.components = {patching::Component::ResidPre, patching::Component::HeadPos};
        const size_t before = shown.size();
        QVERIFY(window.runPatching(slow));
        runner->cancel();
        QVERIFY(cancelled.wait(30000));
        QCOMPARE(size_t(shown.size()), before);
        QCOMPARE(view->result().ldClean.size(), size_t(6));  // still the first result
    }

private:
    QTemporaryDir dir_;
    QString result_;
    nlohmann::json summary_;
};

QTEST_MAIN(TestPatchingView)
#include "test_patching_view.moc"
