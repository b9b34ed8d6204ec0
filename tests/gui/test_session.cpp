// Sessions and the interactions they restore, end to end in a real window (Xvfb): the demo
// session opens with every view and selection; save -> load -> save gives identical bytes (and
// the demo file itself is canonical); a changed file is named on load; in the tensor inspector
// hover reports the right cell, the wheel zooms about the cursor, a click locks and Esc
// releases; File > Export Report writes report.html, report.pdf and CSVs from all documents.
#include <QtTest>
#include <QDockWidget>
#include <QMessageBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QWheelEvent>
#include <filesystem>

#include "app/job_runner.h"
#include "app/main_window.h"
#include "widgets/canvas/imgui_canvas.h"
#include "widgets/views/activation_view.h"
#include "widgets/views/patching_view.h"
#include "widgets/views/tensor_inspector.h"

using namespace scalpel;
namespace fs = std::filesystem;

namespace {
QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}
void closeMessageBoxes(QWidget* window) {
    for (QMessageBox* box : window->findChildren<QMessageBox*>()) box->close();
}
}  // namespace

class TestSession : public QObject {
    Q_OBJECT
public:
    static void initMain() { ImGuiCanvas::setDefaultSurfaceFormat(); }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName("ScalpelTest");
        QCoreApplication::setApplicationName("test_session");
        // A copy of the demo session with its files in the same layout (the session stores relative paths).
        const fs::path demo = fs::path(SCALPEL_SOURCE_DIR) / "resources/demo";
        const fs::path root(dir_.path().toStdString());
        fs::create_directories(root / "ioi-gpt2");
        fs::create_directories(root / "results");
        for (const char* f : {"ioi.scalpel", "ioi-gpt2/model.safetensors", "results/ioi_activations.h5", "results/ioi_patching.h5"})
            fs::copy_file(demo / f, root / f);
        session_ = dir_.filePath("ioi.scalpel");
    }

    void demoSessionOpensAndSavesIdentically() {
        MainWindow w;
        w.show();
        QSignalSpy loaded(&w, &MainWindow::sessionLoaded);
        QVERIFY(w.loadSession(session_));
        QVERIFY(loaded.wait(60000));
        QVERIFY2(loaded.front().at(1).toStringList().isEmpty(), qPrintable(loaded.front().at(1).toStringList().join("\n")));
        // Every document is back with its view settings and selections.
        QCOMPARE(w.inspector()->tensorName(), QString("h.0.attn.c_attn.weight"));
        QVERIFY(w.activationView());
        QCOMPARE(w.activationView()->familyName(), QString("hook_resid_pre"));
        QCOMPARE(w.activationView()->lockedRow(), std::optional<int64_t>(3));
        QCOMPARE(w.activationView()->lockedCol(), std::optional<int64_t>(14));
        QCOMPARE(w.activationView()->heatmap().colormap, plots::ColormapKind::Magma);
        QVERIFY(w.patchingView() && w.patchingView()->hasResult());
        QCOMPARE(w.patchingView()->component(), patching::Component::Head);
        QCOMPARE(w.tabs()->currentWidget(), static_cast<QWidget*>(w.patchingView()));

        // Saving over it reproduces the shipped file byte for byte.
        const QByteArray original = readAll(session_);
        QSignalSpy saved(&w, &MainWindow::sessionSaved);
        QVERIFY(w.saveSession(session_));
        QVERIFY(saved.wait(30000));
        QCOMPARE(readAll(session_), original);

        // Change selections and looks, save, load, save again: identical bytes.
        w.tabs()->setCurrentWidget(w.inspector());
        w.inspector()->lock(plots::Cell{5, 7});
        w.inspector()->setStyle({plots::ColormapKind::Viridis, {plots::ScaleKind::Gamma, 2.0}});
        w.inspector()->setView({2.0, -30.5, -12.25});
        w.activationView()->setExample(0);
        w.activationView()->setReducer(TokenReducer::Feature, 9);
        w.activationView()->lockCell(plots::Cell{1, 2});
        w.patchingView()->pin(plots::Cell{2, 1});
        w.patchingView()->setStyle({std::nullopt, {plots::ScaleKind::Log, 0.5}});
        const QString second = dir_.filePath("second.scalpel"), third = dir_.filePath("third.scalpel");
        QVERIFY(w.saveSession(second));
        QVERIFY(saved.wait(30000));
        MainWindow w2;
        w2.show();
        QSignalSpy loaded2(&w2, &MainWindow::sessionLoaded);
        QVERIFY(w2.loadSession(second));
        QVERIFY(loaded2.wait(60000));
        QCOMPARE(w2.inspector()->locked(), std::optional<plots::Cell>(plots::Cell{5, 7}));
        QCOMPARE(w2.inspector()->style().scale.kind, plots::ScaleKind::Gamma);
        QCOMPARE(w2.inspector()->view().zoom, 2.0);
        QCOMPARE(w2.activationView()->reducer(), TokenReducer::Feature);
        QCOMPARE(w2.activationView()->feature(), 9);
        QCOMPARE(w2.patchingView()->pinned(), std::optional<plots::Cell>(plots::Cell{2, 1}));
        QCOMPARE(w2.tabs()->currentWidget(), static_cast<QWidget*>(w2.inspector()));
        QSignalSpy saved2(&w2, &MainWindow::sessionSaved);
        QVERIFY(w2.saveSession(third));
        QVERIFY(saved2.wait(30000));
        QCOMPARE(readAll(third), readAll(second));
        closeMessageBoxes(&w);
        closeMessageBoxes(&w2);
    }

    void viewMovesToDockAndBack() {
        MainWindow w;
        w.show();
        QSignalSpy loaded(&w, &MainWindow::sessionLoaded);
        QVERIFY(w.loadSession(session_));
        QVERIFY(loaded.wait(60000));
        closeMessageBoxes(&w);
        const int tabs = w.tabs()->count();
        w.tabs()->setCurrentWidget(w.activationView());
        QDockWidget* dock = w.dockCurrentView();
        QVERIFY(dock);
        QCOMPARE(w.tabs()->count(), tabs - 1);
        QCOMPARE(dock->widget(), static_cast<QWidget*>(w.activationView()));
        QTRY_VERIFY(w.activationView()->cellCentre(0, 0).has_value());  // the canvas draws inside the dock
        QVERIFY(w.activationView()->hoverCell(3, 14));
        QTRY_VERIFY(w.activationView()->hover().has_value());
        QCOMPARE(w.activationView()->hover()->cell, (plots::Cell{3, 14}));
        dock->close();  // back into the tabs, alive
        QTRY_COMPARE(w.tabs()->count(), tabs);
        QCOMPARE(w.tabs()->currentWidget(), static_cast<QWidget*>(w.activationView()));
        w.tabs()->setCurrentWidget(w.inspector());
        QVERIFY(!w.dockCurrentView());  // the inspector stays a tab
    }

    void changedFileIsNamed() {
        const QString copy = dir_.filePath("changed.scalpel");
        QVERIFY(QFile::copy(session_, copy));
        QFile f(dir_.filePath("results/ioi_patching.h5"));
        QVERIFY(f.open(QIODevice::Append));
        f.write("x", 1);  // HDF5 ignores trailing bytes; the fingerprint does not
        f.close();
        MainWindow w;
        w.show();
        QSignalSpy loaded(&w, &MainWindow::sessionLoaded);
        QVERIFY(w.loadSession(copy));
        QVERIFY(loaded.wait(60000));
        const QStringList changed = loaded.front().at(1).toStringList();
        QCOMPARE(changed.size(), 1);
        QVERIFY2(changed.front().contains("ioi_patching.h5") && changed.front().contains("bytes then"), qPrintable(changed.front()));
        QTRY_VERIFY(!w.findChildren<QMessageBox*>().isEmpty());  // the user is told, not just the log
        closeMessageBoxes(&w);
        f.resize(f.size() - 1);
    }

    void cancelledSaveLeavesNoFile() {
        MainWindow w;
        w.show();
        QSignalSpy loaded(&w, &MainWindow::sessionLoaded);
        QVERIFY(w.loadSession(session_));
        QVERIFY(loaded.wait(60000));
        closeMessageBoxes(&w);
        // Cancelled at once: hashing the 7 MB model alone takes far longer than the cancel.
        const QString path = dir_.filePath("cancelled.scalpel");
        QSignalSpy cancelled(w.jobs(), &JobRunner::cancelled);
        QSignalSpy saved(&w, &MainWindow::sessionSaved);
        QVERIFY(w.saveSession(path));
        w.jobs()->cancel();
        QVERIFY(cancelled.wait(30000));
        QCOMPARE(saved.count(), 0);
        QVERIFY(!QFile::exists(path));
        QVERIFY(!QFile::exists(path + ".part"));
    }

    void inspectorHoverZoomLockAndReport() {
        MainWindow w;
        w.resize(1400, 900);
        w.show();
        QSignalSpy loaded(&w, &MainWindow::sessionLoaded);
        QVERIFY(w.loadSession(session_));
        QVERIFY(loaded.wait(60000));
        closeMessageBoxes(&w);
        TensorInspector* in = w.inspector();
        w.tabs()->setCurrentWidget(in);
        // Hover reports the cell under the mouse and its value.
        QTRY_VERIFY(in->cellCentre(10, 20).has_value());
        QVERIFY(in->hoverCell(10, 20));
        QTRY_VERIFY(in->hover().has_value());
        QCOMPARE(in->hover()->cell, (plots::Cell{10, 20}));
        QCOMPARE(in->hover()->value, in->heatmap().at(10, 20));
        // The wheel zooms about the cursor: the hovered cell stays put, cells get wider.
        const QPointF before = *in->cellCentre(10, 20);
        const double widthBefore = in->cellCentre(10, 21)->x() - before.x();
        QWheelEvent wheel(before, in->canvas()->mapToGlobal(before), QPoint(), QPoint(0, 120), Qt::NoButton, Qt::NoModifier,
                          Qt::NoScrollPhase, false);
        QApplication::sendEvent(in->canvas(), &wheel);
        QTRY_VERIFY(in->view().zoom > 1.0);
        QTRY_VERIFY(in->cellCentre(10, 21)->x() - in->cellCentre(10, 20)->x() > 1.2 * widthBefore);
        QVERIFY(std::abs(in->cellCentre(10, 20)->x() - before.x()) < widthBefore);
        // Click locks, Esc releases.
        QTest::mouseClick(in->canvas(), Qt::LeftButton, Qt::NoModifier, in->cellCentre(10, 20)->toPoint());
        QTRY_COMPARE(in->locked(), std::optional<plots::Cell>(plots::Cell{10, 20}));
        QVERIFY(in->lockedText().contains("row 10, column 20"));
        QTest::keyClick(in->canvas(), Qt::Key_Escape);
        QTRY_VERIFY(!in->locked().has_value());

        // File > Export Report: all three documents, HTML + PDF + CSVs.
        QTemporaryDir out;
        QSignalSpy exported(&w, &MainWindow::reportExported);
        QVERIFY(w.exportSessionReportTo(out.path()));
        QVERIFY(exported.wait(60000));
        const QByteArray html = readAll(out.filePath("report.html"));
        QVERIFY(html.contains("<svg") && html.contains("h.0.attn.c_attn.weight") && html.contains("hook_resid_pre") &&
                html.contains("Agreement with activation patching"));
        QVERIFY(readAll(out.filePath("report.pdf")).startsWith("%PDF-"));
        QVERIFY(QFile::exists(out.filePath("report_doc2_activations.csv")));
    }

private:
    QTemporaryDir dir_;
    QString session_;
};

QTEST_MAIN(TestSession)
#include "test_session.moc"
