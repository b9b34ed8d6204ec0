// The workbench window end to end: command-line files open (off the GUI thread) and
// show in the tree and inspector; errors are reported, not thrown; recent files, folders
// and drag and drop.
#include <QtTest>
#include <QDockWidget>
#include <QDropEvent>
#include <QLabel>
#include <QMessageBox>
#include <QMimeData>
#include <QStatusBar>
#include <QTemporaryDir>
#include <algorithm>
#include <cstring>

#include "app/gui_options.h"
#include "app/main_window.h"
#include "widgets/canvas/imgui_canvas.h"
#include "widgets/views/tensor_inspector.h"
#include "widgets/views/tensor_tree.h"

using namespace scalpel;

namespace {
// A minimal safetensors file (8-byte little-endian header length, JSON header, data):
// "enc.w" = 10 r + c for a [3, 4] float32 matrix, "enc.b" = [0.5, -0.5].
void writeSafetensors(const QString& path) {
    std::vector<float> w;
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 4; ++c) w.push_back(float(10 * r + c));
    const std::vector<float> b = {0.5f, -0.5f};
    QByteArray header = R"({"enc.w":{"dtype":"F32","shape":[3,4],"data_offsets":[0,48]},)"
                        R"("enc.b":{"dtype":"F32","shape":[2],"data_offsets":[48,56]}})";
    while (header.size() % 8) header.append(' ');
    QByteArray bytes(8, '\0');
    const quint64 n = quint64(header.size());
    for (int i = 0; i < 8; ++i) bytes[i] = char((n >> (8 * i)) & 0xFF);
    bytes += header;
    bytes += QByteArray(reinterpret_cast<const char*>(w.data()), qsizetype(w.size() * 4));
    bytes += QByteArray(reinterpret_cast<const char*>(b.data()), qsizetype(b.size() * 4));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

void closeMessageBoxes(QWidget* window) {
    for (QMessageBox* box : window->findChildren<QMessageBox*>()) box->close();
}
}  // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
public:
    static void initMain() { ImGuiCanvas::setDefaultSurfaceFormat(); }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);  // QSettings goes to a test location
        QCoreApplication::setOrganizationName("ScalpelTest");
        QCoreApplication::setApplicationName("test_main_window");
        QSettings().clear();
        QVERIFY(dir_.isValid());
        file_ = dir_.filePath("model.safetensors");
        writeSafetensors(file_);
    }

    void parsesCommandLine() {
        GuiOptions o = parseGuiOptions({"a.npy", "--select", "x.w", "--hover", "3,7", "b.safetensors"});
        QVERIFY(o.error.isEmpty());
        QCOMPARE(o.files, QStringList({"a.npy", "b.safetensors"}));
        QCOMPARE(o.select, QString("x.w"));
        QCOMPARE(*o.hover, QPoint(7, 3));  // x = column, y = row
        QVERIFY(parseGuiOptions({"--hover", "3"}).error.contains("ROW,COL"));
        QVERIFY(parseGuiOptions({"--hover", "-1,2"}).error.contains("ROW,COL"));
        QVERIFY(parseGuiOptions({"--select"}).error.contains("needs a value"));
        QVERIFY(parseGuiOptions({"--bogus"}).error.contains("unknown option"));
        QCOMPARE(parseGuiOptions({"--", "--odd-name.npy"}).files, QStringList({"--odd-name.npy"}));
    }

    void commandLineFileOpensSelectsAndHovers() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QSignalSpy opened(&window, &MainWindow::fileOpened);
        applyGuiOptions(window, parseGuiOptions({file_, "--select", "enc.w", "--hover", "2,1"}));
        QVERIFY(opened.wait(10000));
        QVERIFY(window.currentFile());
        QCOMPARE(int(window.currentFile()->tensors.size()), 2);
        QCOMPARE(window.tree()->topLevelItem(0)->text(0), QString("enc"));
        QCOMPARE(window.inspector()->tensorName(), QString("enc.w"));
        QCOMPARE(window.inspector()->heatmap().rows, 3);
        QCOMPARE(window.inspector()->heatmap().cols, 4);
        QTRY_VERIFY_WITH_TIMEOUT(window.inspector()->hover().has_value(), 5000);
        QCOMPARE(window.inspector()->hover()->cell, (plots::Cell{2, 1}));
        QCOMPARE(window.inspector()->hover()->value, 21.f);  // 10 * 2 + 1
        QCOMPARE(window.recentFiles().value(0), QFileInfo(file_).absoluteFilePath());
    }

    void realNpyFixtureFromCommandLine() {
        // Written by numpy (tests/fixtures/gen_npy.py): big-endian float64, Fortran order,
        // shape [2, 3, 2] = [[[inf, -inf], [DBL_MAX, DBL_MIN], [-2.75, -1.375]],
        //                    [[0, 1.375], [2.75, 4.125], [5.5, 6.875]]].
        const QString path = SCALPEL_SOURCE_DIR "/tests/fixtures/npy/fortran_3d_be_f8.npy";
        MainWindow window;
        window.show();
        QSignalSpy shown(window.inspector(), &TensorInspector::tensorShown);
        applyGuiOptions(window, parseGuiOptions({path, "--select", "fortran_3d_be_f8"}));
        QVERIFY(shown.wait(10000));
        TensorInspector* in = window.inspector();
        QCOMPARE(in->heatmap().rows, 3);
        QCOMPARE(in->heatmap().cols, 2);
        QCOMPARE(in->heatmap().at(2, 0), -2.75f);
        in->setSliceIndex(0, 1);
        QCOMPARE(in->heatmap().at(2, 1), 6.875f);
        // Statistics are taken in float64: DBL_MAX stays finite, only the two infinities count.
        QCOMPARE(in->stats().infCount, uint64_t(2));
        QCOMPARE(in->stats().max, 1.7976931348623157e308);
        QCOMPARE(in->stats().min, -2.75);
    }

    void errorsAreReportedNotThrown() {
        MainWindow window;
        window.show();
        const QString garbage = dir_.filePath("garbage.bin");
        {
            QFile f(garbage);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("this is not a tensor file at all, just some text");
        }
        QSignalSpy failed(&window, &MainWindow::openFailed);
        window.openPath(garbage);
        QVERIFY(failed.wait(10000));
        const QString message = failed.at(0).at(0).toString();
        QVERIFY2(message.contains("garbage.bin") && message.contains("unrecognised format"), qPrintable(message));
        QCOMPARE(window.statusBar()->currentMessage(), message);
        QVERIFY(!window.currentFile());
        QVERIFY(!window.recentFiles().contains(QFileInfo(garbage).absoluteFilePath()));

        window.openPath(dir_.filePath("does-not-exist.safetensors"));
        QVERIFY(failed.wait(10000));
        QVERIFY(failed.at(1).at(0).toString().contains("no such file"));
        closeMessageBoxes(&window);
    }

    void folderAndDropOpen() {
        QTemporaryDir folder;
        QVERIFY(QFile::copy(file_, folder.filePath("model.safetensors")));
        MainWindow window;
        window.show();
        QSignalSpy opened(&window, &MainWindow::fileOpened);
        window.openPath(folder.path());  // a Hugging Face style folder with one shard
        QVERIFY(opened.wait(10000));
        QCOMPARE(int(window.currentFile()->tensors.size()), 2);

        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(file_)});
        // A drag enters (and is accepted) before it can drop, as with a real drag.
        QDragEnterEvent enter(QPoint(100, 100), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(&window, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(100, 100), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(&window, &drop);
        QVERIFY(opened.wait(10000));
        QCOMPARE(opened.at(1).at(0).toString(), file_);
    }

    void bigTensorsDecodeOffTheGuiThread() {
        // 1024 x 1024 float32 (at the async threshold), in memory: value = row - col.
        auto file = std::make_shared<TensorFile>();
        file->path = "memory";
        file->format = "memory";
        TensorEntry e;
        e.info.name = "big.matrix";
        e.info.dtype = DType::F32;
        e.info.shape = {1024, 1024};
        QVERIFY(e.info.numel() >= MainWindow::kAsyncDecodeElements);
        e.load = [] {
            std::vector<float> v(1024 * 1024);
            for (int r = 0; r < 1024; ++r)
                for (int c = 0; c < 1024; ++c) v[size_t(r * 1024 + c)] = float(r - c);
            std::vector<uint8_t> bytes(v.size() * 4);
            std::memcpy(bytes.data(), v.data(), bytes.size());
            return bytes;
        };
        file->tensors.push_back(e);
        MainWindow window;
        window.show();
        window.showTensorFile(file);
        QSignalSpy shown(window.inspector(), &TensorInspector::tensorShown);
        QVERIFY(window.selectTensor("big.matrix"));
        QCOMPARE(shown.count(), 0);  // not decoded on the GUI thread
        QVERIFY(shown.wait(20000));
        QCOMPARE(shown.at(0).at(1).toBool(), true);
        QCOMPARE(window.inspector()->heatmap().at(1000, 3), 997.f);
        QCOMPARE(window.inspector()->stats().max, 1023.0);
    }

    void recentFilesAreUniqueAndBounded() {
        MainWindow window;
        QSettings().setValue("recentFiles", QStringList());
        QSignalSpy opened(&window, &MainWindow::fileOpened);
        window.openPath(file_);
        QVERIFY(opened.wait(10000));
        window.openPath(file_);
        QVERIFY(opened.wait(10000));
        QCOMPARE(window.recentFiles(), QStringList({QFileInfo(file_).absoluteFilePath()}));
        QStringList many;
        for (int i = 0; i < 15; ++i) many << QString("/nonexistent/%1").arg(i);
        QSettings().setValue("recentFiles", many);
        window.openPath(file_);
        QVERIFY(opened.wait(10000));
        QCOMPARE(window.recentFiles().size(), MainWindow::kMaxRecent);
        QCOMPARE(window.recentFiles().first(), QFileInfo(file_).absoluteFilePath());
    }

private:
    QTemporaryDir dir_;
    QString file_;

    // The window's layout (docks, geometry) survives a restart; the status bar shows memory use.
    void layoutPersistsAndMemoryShows() {
        {
            MainWindow window;
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            auto* dock = window.findChild<QDockWidget*>("tensorTreeDock");
            QVERIFY(dock);
            window.addDockWidget(Qt::RightDockWidgetArea, dock);
            const auto labels = window.statusBar()->findChildren<QLabel*>();
            QVERIFY(std::any_of(labels.begin(), labels.end(), [](QLabel* l) { return l->text().contains("MiB"); }));
            window.close();
        }
        MainWindow again;
        again.show();
        QVERIFY(QTest::qWaitForWindowExposed(&again));
        QCOMPARE(again.dockWidgetArea(again.findChild<QDockWidget*>("tensorTreeDock")), Qt::RightDockWidgetArea);
        again.addDockWidget(Qt::LeftDockWidgetArea, again.findChild<QDockWidget*>("tensorTreeDock"));
        again.close();
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
