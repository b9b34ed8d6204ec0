// Starts the Qt workbench: `scalpel [FILE...]`.
#include "app/gui_main.h"

#include <QApplication>
#include <QDockWidget>
#include <QScreen>
#include <QTimer>
#include <cstdio>

#include "app/gui_options.h"
#include "app/main_window.h"
#include "widgets/canvas/imgui_canvas.h"
#include "widgets/views/activation_view.h"
#include "widgets/views/clip_view.h"
#include "widgets/views/patching_view.h"
#include "widgets/views/tensor_inspector.h"

namespace scalpel {

void applyGuiOptions(MainWindow& window, const GuiOptions& options) {
    if (!options.select.isEmpty() || options.hover) {
        // Screenshot/demo mode: fill the screen so a capture shows just the window.
        window.setGeometry(window.screen()->availableGeometry());
        QObject::connect(&window, &MainWindow::fileOpened, &window, [&window, options] {
            if (!options.select.isEmpty() && !window.selectTensor(options.select))
                std::fprintf(stderr, "scalpel: --select: no tensor named %s\n", qPrintable(options.select));
        });
        if (options.hover)
            QObject::connect(window.inspector(), &TensorInspector::tensorShown, &window, [&window, options] {
                // Give the canvas a frame to lay the heatmap out before pointing at a cell.
                QTimer::singleShot(400, &window, [&window, options] {
                    window.inspector()->hoverCell(options.hover->y(), options.hover->x());
                });
            });
        if (options.hover) {
            // Dumps: hover the cell; patching results: pin the node (its details show below).
            QObject::connect(&window, &MainWindow::activationsShown, &window, [&window, options] {
                QTimer::singleShot(600, &window, [&window, options] {
                    if (auto* v = window.findChild<ActivationView*>()) v->hoverCell(options.hover->y(), options.hover->x());
                });
            });
            QObject::connect(&window, &MainWindow::patchingShown, &window, [&window, options] {
                QTimer::singleShot(600, &window, [&window, options] {
                    if (auto* v = window.findChild<PatchingView*>()) {
                        v->pin(plots::Cell{options.hover->y(), options.hover->x()});
                        v->hoverCell(0, options.hover->y(), options.hover->x());
                    }
                });
            });
        }
    }
    if (!options.clip.isEmpty()) {
        window.setGeometry(window.screen()->availableGeometry());
        if (options.files.isEmpty())  // the CLIP view alone: give it the whole window
            if (auto* dock = window.findChild<QDockWidget*>("tensorTreeDock")) dock->hide();
        ClipJobRequest request;
        request.path = options.clip.toStdString();
        window.runClip(request);
        if (!options.reportDir.isEmpty())
            QObject::connect(&window, &MainWindow::clipShown, &window, [&window, options] {
                const bool ok = window.exportClipReportTo(options.reportDir);
                QCoreApplication::exit(ok ? 0 : 1);
            });
        if (options.hoverPoint)
            QObject::connect(&window, &MainWindow::clipShown, &window, [&window, options] {
                // Let the canvas lay the scatters out before pointing at a row.
                QTimer::singleShot(600, &window, [&window, options] {
                    if (!window.clipView()->hoverPoint(size_t(*options.hoverPoint)))
                        std::fprintf(stderr, "scalpel: --hover-point: no row %d\n", *options.hoverPoint);
                });
            });
    }
    if (options.clip.isEmpty() && !options.reportDir.isEmpty())  // a result file's report, headless
        QObject::connect(&window, &MainWindow::patchingShown, &window, [&window, options] {
            QCoreApplication::exit(window.exportPatchingReportTo(options.reportDir) ? 0 : 1);
        });
    for (const QString& file : options.files) window.openPath(file);
}

int runGui(int argc, char** argv) {
    // Both must be set before the QApplication exists.
    ImGuiCanvas::setDefaultSurfaceFormat();
    QApplication::setAttribute(Qt::AA_ShareOpenGLContexts);
    QApplication app(argc, argv);
    QApplication::setOrganizationName("Scalpel");
    QApplication::setApplicationName("scalpel");
    QApplication::setApplicationVersion(SCALPEL_VERSION_STRING);

    const GuiOptions options = parseGuiOptions(QApplication::arguments().mid(1));
    if (!options.error.isEmpty()) {
        std::fprintf(stderr, "scalpel: %s\n", qPrintable(options.error));
        return 2;
    }

    MainWindow window;
    window.show();
    applyGuiOptions(window, options);
    return app.exec();
}

}  // namespace scalpel
