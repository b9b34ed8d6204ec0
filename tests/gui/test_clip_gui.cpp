// CLIP decomposition in the workbench: the job runner (delivers, reports errors, a cancelled
// job leaves no result), the CLIP view shows the numbers decompose() computes on the fixture
// embeddings, hovering a scatter point highlights the same row in the other scatter, and the
// exported report's CSVs hold exactly the Decomposition's numbers.
#include <QtTest>
#include <QPushButton>
#include <QStatusBar>
#include <QTemporaryDir>
#include <map>
#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "analysis/clip/clip_inputs.h"
#include "analysis/clip/nullification.h"
#include "analysis/clip/schur_decomposition.h"
#include "app/gui_options.h"
#include "app/job_runner.h"
#include "app/main_window.h"
#include "app/report_exporter.h"
#include "widgets/canvas/imgui_canvas.h"
#include "widgets/views/clip_view.h"

using namespace scalpel;

namespace {
const std::string kFixture = std::string(SCALPEL_SOURCE_DIR) + "/tests/fixtures/clip/embeddings.npz";

std::vector<std::vector<std::string>> readCsv(const QString& path) {
    std::ifstream in(path.toStdString());
    std::vector<std::vector<std::string>> rows;
    std::string line;
    while (std::getline(in, line)) {
        std::vector<std::string> cells;
        std::stringstream ss(line);
        std::string cell;
        while (std::getline(ss, cell, ',')) cells.push_back(cell);
        if (!line.empty() && line.back() == ',') cells.emplace_back();
        rows.push_back(cells);
    }
    return rows;
}
}  // namespace

class TestClipGui : public QObject {
    Q_OBJECT
public:
    static void initMain() { ImGuiCanvas::setDefaultSurfaceFormat(); }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName("ScalpelTest");
        QCoreApplication::setApplicationName("test_clip_gui");
        auto pairs = clip::loadEmbeddingPairs(kFixture, "text", "image");
        QVERIFY2(pairs.ok(), pairs.ok() ? "" : pairs.error().what().c_str());
        pairs_ = std::move(*pairs);
        // The independent reference: the analysis core called directly with the defaults.
        reference_ = clip::decompose(pairs_.text, pairs_.image, clip::Options{}, pairs_.promptIds);
        nullRef_ = clip::nullify(pairs_.text, pairs_.image, clip::NullifyForm::Paper);
    }

    void jobDelivers() {
        JobRunner jobs(nullptr);
        bool got = false;
        QSignalSpy done(&jobs, &JobRunner::delivered);
        QVERIFY(jobs.start("ok", [](const ProgressToken& p) {
            p.report(0.5, "half");
            return JobRunner::Deliver([] {});
        }));
        QVERIFY(!jobs.start("second", [](const ProgressToken&) { return JobRunner::Deliver(); }));  // one at a time
        QVERIFY(done.wait(5000));
        QVERIFY(!jobs.busy());
        QVERIFY(jobs.start("deliver", [&got](const ProgressToken&) { return JobRunner::Deliver([&got] { got = true; }); }));
        QVERIFY(done.wait(5000));
        QVERIFY(got);
    }

    void jobErrorIsReported() {
        JobRunner jobs(nullptr);
        QSignalSpy failed(&jobs, &JobRunner::failed);
        QVERIFY(jobs.start("bad", [](const ProgressToken&) -> JobRunner::Deliver { throw std::runtime_error("boom at row 3"); }));
        QVERIFY(failed.wait(5000));
        QCOMPARE(failed.at(0).at(1).toString(), QString("boom at row 3"));
    }

    void cancelledJobLeavesNoResult() {
        QStatusBar bar;
        JobRunner jobs(&bar);
        std::atomic<bool> running{false};
        bool delivered = false;
        QSignalSpy cancelled(&jobs, &JobRunner::cancelled), deliveredSpy(&jobs, &JobRunner::delivered);
        QVERIFY(jobs.start("endless", [&running](const ProgressToken& p) {
            for (int i = 0;; ++i) {  // only cancellation ends this job
                running = true;
                p.report(double(i % 100) / 100, "spinning");
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
            return JobRunner::Deliver();
        }));
        QTRY_VERIFY_WITH_TIMEOUT(running.load(), 5000);
        QVERIFY(jobs.busy());
        // The Cancel button in the status bar is what the user presses.
        auto* button = bar.findChild<QPushButton*>("jobCancel");
        QVERIFY(button && button->isEnabled());
        button->click();
        QVERIFY(cancelled.wait(5000));
        QCOMPARE(deliveredSpy.count(), 0);
        QVERIFY(!delivered);
        QVERIFY(!jobs.busy());

        // A job whose work finishes but was cancelled meanwhile must not deliver either.
        std::atomic<bool> release{false};
        QVERIFY(jobs.start("late", [&release, &delivered](const ProgressToken&) {
            while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
            return JobRunner::Deliver([&delivered] { delivered = true; });
        }));
        jobs.cancel();
        release = true;
        QVERIFY(cancelled.wait(5000));
        QVERIFY(!delivered);
    }

    void sessionRecomputesTheDecomposition() {
        // A CLIP document in a session stores the request; loading recomputes it from the file.
        MainWindow window;
        window.show();
        QSignalSpy shown(&window, &MainWindow::clipShown);
        ClipJobRequest req;
        req.path = kFixture;
        req.options.kernel = clip::Kernel::Cosine;
        req.options.sigma = 2.25;
        req.options.rffDim = 300;
        req.options.seed = 7;
        req.nullifyForm = clip::NullifyForm::Authors;
        QVERIFY(window.runClip(req));
        QVERIFY(shown.wait(60000));
        window.clipView()->setHighlight(3);
        const double sce = window.clipView()->analysis()->decomposition.sce;
        QTemporaryDir dir;
        const QString a = dir.filePath("clip.scalpel"), b = dir.filePath("again.scalpel");
        QSignalSpy saved(&window, &MainWindow::sessionSaved);
        QVERIFY(window.saveSession(a));
        QVERIFY(saved.wait(30000));
        MainWindow other;
        other.show();
        QSignalSpy loaded(&other, &MainWindow::sessionLoaded);
        QVERIFY(other.loadSession(a));
        QVERIFY(loaded.wait(60000));
        QVERIFY(other.clipView() && other.clipView()->analysis());
        QCOMPARE(other.clipView()->analysis()->decomposition.sce, sce);  // same request, same code: same bits
        QCOMPARE(other.clipView()->highlight(), std::optional<size_t>(3));
        QSignalSpy saved2(&other, &MainWindow::sessionSaved);
        QVERIFY(other.saveSession(b));
        QVERIFY(saved2.wait(30000));
        QFile fa(a), fb(b);
        QVERIFY(fa.open(QIODevice::ReadOnly) && fb.open(QIODevice::ReadOnly));
        const QByteArray text = fa.readAll();
        QCOMPARE(fb.readAll(), text);
        QVERIFY(text.contains("\"kernel\": \"cosine\"") && text.contains("\"nullify_form\": \"authors\""));
    }

    void viewShowsTheDecomposition() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QSignalSpy shown(&window, &MainWindow::clipShown);
        ClipJobRequest req;
        req.path = kFixture;
        QVERIFY(window.runClip(req));
        QVERIFY(shown.wait(60000));
        ClipView* view = window.clipView();
        QVERIFY(view && view->analysis());
        const auto& d = view->analysis()->decomposition;
        // Same inputs, same deterministic code path: equal to float64 rounding of a rerun.
        QVERIFY(std::fabs(d.sce - reference_.sce) <= 1e-12 * reference_.sce);
        QVERIFY(std::fabs(d.textScore - reference_.textScore) <= 1e-12 * reference_.textScore);
        QVERIFY(view->summaryText().contains(QString("SCE %1").arg(QString::number(reference_.sce, 'g', 6))));
        QVERIFY(view->summaryText().contains("images are a function of the prompt"));
        // The decomposition bars are the traces; the sweep's middle point is the chosen sigma.
        const auto& bars = view->figures().decomposition.bars;
        QCOMPARE(bars[1].value, d.traceText);
        QCOMPARE(bars[2].value, d.traceSchur);
        const auto& sweep = view->analysis()->sweep;
        QCOMPARE(int(sweep.size()), 9);
        QCOMPARE(sweep[4].sigma, 3.5);
        QCOMPARE(sweep[4].sce, d.sce);
        // A different sigma changes SCE (the sweep really reran decompose).
        clip::Options o;
        o.sigma = sweep[0].sigma;
        QVERIFY(std::fabs(clip::decompose(pairs_.text, pairs_.image, o, pairs_.promptIds).sce - sweep[0].sce) <= 1e-12 * sweep[0].sce);
        QVERIFY(view->analysis()->nullification);
        QVERIFY((view->analysis()->nullification->cosineAfter - nullRef_.cosineAfter).norm() < 1e-12);
        QCOMPARE(size_t(view->figures().groups.bars.size()), std::min<size_t>(30, reference_.groups.size()));

        // Linked hover: the mouse over row r in the before-scatter highlights row r in both.
        // r is a row whose point is at least 4 px from every other, so the hit is unambiguous.
        QTRY_VERIFY_WITH_TIMEOUT(view->scatterPoint(0, 0).has_value(), 10000);
        const size_t n = size_t(pairs_.image.rows());
        std::optional<size_t> row;
        for (size_t r = 0; r < n && !row; ++r) {
            double nearest = 1e9;
            for (size_t j = 0; j < n; ++j)
                if (j != r) {
                    const QPointF dv = *view->scatterPoint(0, r) - *view->scatterPoint(0, j);
                    nearest = std::min(nearest, std::hypot(dv.x(), dv.y()));
                }
            if (nearest > 4) row = r;
        }
        QVERIFY(row);
        QTest::mouseMove(view->canvas(), view->scatterPoint(0, *row)->toPoint());
        QTRY_VERIFY_WITH_TIMEOUT(view->highlight() == row, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(view->figures().pcaAfter.highlight == row, 10000);

        // Report from the view; its numbers are the Decomposition's.
        QTemporaryDir dir;
        QVERIFY(window.exportClipReportTo(dir.path()));
        checkReport(dir.path(), d, *view->analysis()->nullification);
    }

    void headlessReportExport() {
        QTemporaryDir dir;
        std::string error;
        QVERIFY2(exportClipReport(dir.path().toStdString(), reference_, clip::Options{}, nullRef_, kFixture, &error),
                 error.c_str());
        checkReport(dir.path(), reference_, nullRef_);
        QVERIFY(!exportClipReport("/proc/no/such/dir", reference_, clip::Options{}, nullRef_, kFixture, &error));
        QVERIFY(error.find("/proc/no/such/dir") != std::string::npos);
    }

    void guiOptions() {
        auto o = parseGuiOptions({"--clip", "e.npz", "--hover-point", "12"});
        QVERIFY(o.error.isEmpty());
        QCOMPARE(o.clip, QString("e.npz"));
        QCOMPARE(*o.hoverPoint, 12);
        QVERIFY(!parseGuiOptions({"--hover-point", "-1"}).error.isEmpty());
        QVERIFY(!parseGuiOptions({"--clip"}).error.isEmpty());
    }

private:
    void checkReport(const QString& dir, const clip::Decomposition& d, const clip::Nullification& nul) {
        QFile html(dir + "/report.html");
        QVERIFY(html.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(html.readAll());
        QVERIFY(text.count("<svg") >= 3);
        QVERIFY(text.contains("SCE = "));
        QVERIFY(text.contains("report_spectra.csv"));

        const auto spectra = readCsv(dir + "/report_spectra.csv");
        QCOMPARE(spectra[0][1], std::string("c_ii"));
        QCOMPARE(Eigen::Index(spectra.size() - 1), d.spectrumImage.size());
        for (Eigen::Index i = 0; i < d.spectrumImage.size(); ++i) {
            const auto& row = spectra[size_t(i + 1)];
            // %.17g round-trips doubles exactly.
            QCOMPARE(std::stod(row[1]), d.spectrumImage(i));
            QCOMPARE(std::stod(row[2]), d.spectrumText(i));
            QCOMPARE(std::stod(row[3]), d.spectrumSchur(i));
        }
        const auto groups = readCsv(dir + "/report_groups.csv");
        QCOMPARE(groups.size(), d.groups.size() + 1);
        for (size_t g = 0; g < d.groups.size(); ++g) {
            QCOMPARE(groups[g + 1][0], d.groups[g].label);
            QCOMPARE(std::stoi(groups[g + 1][1]), d.groups[g].size);
            QCOMPARE(std::stod(groups[g + 1][2]), d.groups[g].withinTrace);
        }
        const auto cos = readCsv(dir + "/report_nullification.csv");
        QCOMPARE(Eigen::Index(cos.size() - 1), nul.cosineBefore.size());
        for (Eigen::Index i = 0; i < nul.cosineBefore.size(); ++i) {
            QCOMPARE(std::stod(cos[size_t(i + 1)][1]), nul.cosineBefore(i));
            QCOMPARE(std::stod(cos[size_t(i + 1)][2]), nul.cosineAfter(i));
        }
        std::map<std::string, std::string> scores;
        for (const auto& row : readCsv(dir + "/report_scores.csv"))
            if (row.size() >= 2) scores[row[0]] = row[1];
        QCOMPARE(std::stod(scores.at("sce")), d.sce);
        QCOMPARE(std::stod(scores.at("text_score")), d.textScore);
        QCOMPARE(std::stod(scores.at("trace_schur")), d.traceSchur);
        QCOMPARE(std::stod(scores.at("image_vendi.vendi2_rke")), d.imageVendi.vendi2);
        QCOMPARE(std::stod(scores.at("nullification.mean_cosine_after")), nul.meanCosineAfter);
        QCOMPARE(std::stoll(scores.at("rank_kept")), (long long)d.rankKept);
    }

    clip::EmbeddingPairs pairs_;
    clip::Decomposition reference_;
    clip::Nullification nullRef_;
};

QTEST_MAIN(TestClipGui)
#include "test_clip_gui.moc"
