#include "app/main_window.h"

#include <QAction>
#include <QCloseEvent>
#include <QFile>
#include <QLabel>
#include <QTimer>
#include <QApplication>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QThread>
#include <optional>

#include <unistd.h>

#include "app/clip_dialog.h"
#include "app/patching_dialog.h"
#include "app/job_runner.h"
#include "app/report_exporter.h"
#include "app/session_report.h"
#include "data/sha256.h"
#include <QDir>
#include "widgets/views/activation_view.h"
#include "widgets/views/clip_view.h"
#include "widgets/views/patching_view.h"
#include "analysis/patching/patching_result_file.h"
#include "widgets/views/tensor_inspector.h"
#include "widgets/views/tensor_tree.h"

namespace scalpel {
namespace {
const char* kRecentKey = "recentFiles";
const char* kGeometryKey = "window/geometry";
const char* kStateKey = "window/state";

// Resident memory of this process in MiB from /proc (Linux); negative where unknown.
double residentMiB() {
    QFile statm("/proc/self/statm");
    if (!statm.open(QIODevice::ReadOnly)) return -1;
    const QList<QByteArray> fields = statm.readAll().split(' ');
    if (fields.size() < 2) return -1;
    return fields[1].toDouble() * double(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}
}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(tr("Scalpel"));
    setAcceptDrops(true);
    resize(1400, 900);

    tabs_ = new QTabWidget(this);
    tabs_->setDocumentMode(true);
    inspector_ = new TensorInspector(tabs_);
    tabs_->addTab(inspector_, tr("Tensor"));
    setCentralWidget(tabs_);
    jobs_ = new JobRunner(statusBar(), this);
    connect(jobs_, &JobRunner::failed, this, [this](const QString& name, const QString& message) {
        reportError(message, tr("%1 failed").arg(name));
        emit jobFailed(message);
    });
    connect(jobs_, &JobRunner::cancelled, this,
            [this](const QString& name) { statusBar()->showMessage(tr("%1 cancelled").arg(name), 5000); });

    tree_ = new TensorTree(this);
    treeDock_ = new QDockWidget(tr("Tensors"), this);
    treeDock_->setObjectName("tensorTreeDock");
    treeDock_->setWidget(tree_);
    // Names sit in a stretching column beside dtype/shape/bytes: below this width nested names vanish.
    tree_->setMinimumWidth(320);
    addDockWidget(Qt::LeftDockWidgetArea, treeDock_);
    resizeDocks({treeDock_}, {460}, Qt::Horizontal);
    connect(tree_, &TensorTree::tensorSelected, this, &MainWindow::onTensorSelected);

    buildMenus();
    statusBar()->showMessage(tr("Open a checkpoint or tensor file (File > Open, or drop it here)"));

    // Memory in use, refreshed every two seconds (long jobs can be watched growing).
    memoryLabel_ = new QLabel(this);
    statusBar()->addPermanentWidget(memoryLabel_);
    auto* memoryTimer = new QTimer(this);
    connect(memoryTimer, &QTimer::timeout, this, &MainWindow::updateMemoryLabel);
    memoryTimer->start(2000);
    updateMemoryLabel();

    // The layout the user left: window geometry, docks and toolbars.
    QSettings settings;
    restoreGeometry(settings.value(kGeometryKey).toByteArray());
    restoreState(settings.value(kStateKey).toByteArray());
}

void MainWindow::updateMemoryLabel() {
    const double mib = residentMiB();
    memoryLabel_->setVisible(mib >= 0);
    memoryLabel_->setText(tr("Memory %1 MiB").arg(mib, 0, 'f', 0));
}

void MainWindow::closeEvent(QCloseEvent* e) {
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kStateKey, saveState());
    QMainWindow::closeEvent(e);
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open File…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open tensor file"), QString(),
            tr("Tensor files, models and sessions (*.safetensors *.bin *.pt *.pth *.ckpt *.npy *.npz *.h5 *.hdf5 *.keras *.gguf "
               "*.json *.onnx *.scalpel);;"
               "All files (*)"));
        if (!path.isEmpty()) openPath(path);
    });
    open->setShortcut(QKeySequence::Open);
    file->addAction(tr("Open &Folder…"), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Open checkpoint folder"));
        if (!dir.isEmpty()) openPath(dir);
    });
    recentMenu_ = file->addMenu(tr("Open &Recent"));
    rebuildRecentMenu();
    file->addSeparator();
    exportAction_ = file->addAction(tr("&Export Report…"), this, &MainWindow::exportReport);
    file->addSeparator();
    QAction* openSession = file->addAction(tr("Open &Session…"), this, &MainWindow::openSessionInteractive);
    openSession->setShortcut(QKeySequence(tr("Ctrl+Shift+O")));
    QAction* saveSessionAction = file->addAction(tr("Save Session &As…"), this, &MainWindow::saveSessionInteractive);
    saveSessionAction->setShortcut(QKeySequence::Save);
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), qApp, &QApplication::closeAllWindows);
    quit->setShortcut(QKeySequence::Quit);

    QMenu* analysis = menuBar()->addMenu(tr("&Analysis"));
    analysis->addAction(tr("&CLIP decomposition…"), this, [this] {
        showClipDialog(file_ ? QString::fromStdString(file_->path) : QString());
    });
    QAction* patchingAction = analysis->addAction(tr("&Relevance patching…"), this, [this] {
        auto* dialog = new PatchingDialog(this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &QDialog::accepted, this, [this, dialog] { runPatching(dialog->request()); });
        dialog->open();
    });
    patchingAction->setShortcut(QKeySequence(tr("Ctrl+R")));
    QAction* explainAction = analysis->addAction(tr("&Explain with LRP…"), this, &MainWindow::showExplainDialog);
    explainAction->setShortcut(QKeySequence(tr("Ctrl+E")));

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(treeDock_->toggleViewAction());
    QAction* dockAction = view->addAction(tr("&Move View to Dock"), this, [this] { dockCurrentView(); });
    dockAction->setShortcut(QKeySequence(tr("Ctrl+Shift+D")));
}

QDockWidget* MainWindow::dockCurrentView() {
    const int index = tabs_->currentIndex();
    QWidget* view = tabs_->currentWidget();
    if (!view || view == inspector_) {  // the inspector stays: the tree dock drives it
        statusBar()->showMessage(tr("Pick an analysis tab to move it into a dock."), 5000);
        return nullptr;
    }
    const QString title = tabs_->tabText(index);
    tabs_->removeTab(index);
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName(QStringLiteral("viewDock_%1").arg(title.section(':', 0, 0).simplified().replace(' ', '_')));
    dock->setWidget(view);
    addDockWidget(Qt::RightDockWidgetArea, dock);
    resizeDocks({dock}, {std::max(480, width() * 2 / 5)}, Qt::Horizontal);  // wide enough for its figures
    // Closing the dock returns the view to the tabs (the view outlives its dock).
    connect(dock, &QDockWidget::visibilityChanged, this, [this, dock, view, title](bool visible) {
        if (visible || !dock->isHidden() || view->parentWidget() != dock) return;
        dock->setWidget(nullptr);
        tabs_->addTab(view, title);
        tabs_->setCurrentWidget(view);
        dock->deleteLater();
    });
    return dock;
}

void MainWindow::bringToFront(QWidget* view) {
    if (!view) return;
    if (tabs_->indexOf(view) >= 0) {
        tabs_->setCurrentWidget(view);
        return;
    }
    for (QWidget* p = view->parentWidget(); p; p = p->parentWidget())
        if (auto* dock = qobject_cast<QDockWidget*>(p)) {
            dock->show();
            dock->raise();
            return;
        }
}

QStringList MainWindow::recentFiles() const { return QSettings().value(kRecentKey).toStringList(); }

void MainWindow::addRecent(const QString& path) {
    QStringList list = recentFiles();
    const QString absolute = QFileInfo(path).absoluteFilePath();
    list.removeAll(absolute);
    list.prepend(absolute);
    while (list.size() > kMaxRecent) list.removeLast();
    QSettings().setValue(kRecentKey, list);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    recentMenu_->clear();
    const QStringList list = recentFiles();
    for (const QString& path : list)
        recentMenu_->addAction(QFileInfo(path).fileName() + QStringLiteral("  —  ") + path, this,
                               [this, path] { openPath(path); });
    if (!list.isEmpty()) {
        recentMenu_->addSeparator();
        recentMenu_->addAction(tr("Clear List"), this, [this] {
            QSettings().remove(kRecentKey);
            rebuildRecentMenu();
        });
    }
    recentMenu_->setEnabled(!list.isEmpty());
}

void MainWindow::openPath(const QString& path) {
    if (path.endsWith(".scalpel", Qt::CaseInsensitive)) {
        loadSession(path);
        return;
    }
    if (path.endsWith(".onnx", Qt::CaseInsensitive)) {  // a graph model, not a tensor container
        showGraphModel(path.toStdString());
        addRecent(path);
        return;
    }
    statusBar()->showMessage(tr("Opening %1…").arg(path));
    QApplication::setOverrideCursor(Qt::BusyCursor);
    ++pendingOpens_;
    const quint64 generation = ++openGeneration_;
    // The worker fills `result`; the GUI thread reads it once the thread has finished.
    auto result = std::make_shared<std::optional<Result<TensorFile>>>();
    const std::string file = path.toStdString();
    QThread* worker = QThread::create([file, result] {
        try {
            *result = openTensorFile(file);
        } catch (const std::exception& e) {  // readers should not throw, but never crash the GUI
            *result = Result<TensorFile>(Error{file, std::string("unexpected error: ") + e.what()});
        }
    });
    connect(worker, &QThread::finished, worker, &QObject::deleteLater);
    connect(worker, &QThread::finished, this, [this, path, result, generation] {
        --pendingOpens_;
        QApplication::restoreOverrideCursor();
        if (generation != openGeneration_) return;  // a later open superseded this one
        if (!result->has_value() || !result->value().ok()) {
            reportError(result->has_value() ? QString::fromStdString(result->value().error().what())
                                            : tr("%1: opening failed").arg(path));
            return;
        }
        auto opened = std::make_shared<const TensorFile>(std::move(result->value().value()));
        showTensorFile(opened);
        addRecent(path);
        emit fileOpened(path);
    });
    worker->start();
}

void MainWindow::showTensorFile(std::shared_ptr<const TensorFile> file, bool openViews) {
    file_ = std::move(file);
    ++selectGeneration_;
    tabs_->setCurrentWidget(inspector_);
    inspector_->clear();
    tree_->setTensorFile(*file_);
    const QString name = QFileInfo(QString::fromStdString(file_->path)).fileName();
    setWindowTitle(tr("%1 — Scalpel").arg(name.isEmpty() ? QString::fromStdString(file_->path) : name));
    QString message = tr("%1: %2, %n tensor(s)", nullptr, int(file_->tensors.size()))
                          .arg(QString::fromStdString(file_->path), QString::fromStdString(file_->format));
    if (!file_->warnings.empty())
        message += tr(" — %n warning(s): ", nullptr, int(file_->warnings.size())) +
                   QString::fromStdString(file_->warnings.front());
    statusBar()->showMessage(message);
    // Show something at once: the largest readable matrix (or the largest readable tensor).
    const TensorEntry* best = nullptr;
    auto better = [](const TensorEntry& a, const TensorEntry* b) {
        if (!b) return true;
        bool aMatrix = a.info.shape.size() >= 2, bMatrix = b->info.shape.size() >= 2;
        if (aMatrix != bMatrix) return aMatrix;
        return a.info.numel() > b->info.numel();
    };
    for (const auto& e : file_->tensors)
        if (e.info.note.empty() && dtypeIsDecodable(e.info.dtype) && better(e, best)) best = &e;
    if (best && openViews) tree_->selectTensor(QString::fromStdString(best->info.name));
    if (!openViews) return;
    auto schema = file_->metadata.find("scalpel_schema");
    if (schema != file_->metadata.end() && schema->second == kActivationDumpSchema) showActivationDump(file_->path);
    if (schema != file_->metadata.end() && schema->second == "graph-dump") showGraphDump(file_->path);
    if (file_->metadata.count("model_config")) showGraphModel(file_->path);  // a Keras full model
    auto method = file_->metadata.find("method");
    if (method != file_->metadata.end() && method->second == "relevance-patching") showPatchingResult(file_->path);
    if (method != file_->metadata.end() && method->second == "lrp-explain") showRelevance(file_->path);
}

void MainWindow::showPatchingView() {
    if (!patching_) {
        patching_ = new PatchingView(tabs_);
        tabs_->addTab(patching_, tr("Relevance patching"));
    }
    bringToFront(patching_);
}

void MainWindow::showPatchingResult(const std::string& path) {
    showPatchingView();
    const quint64 generation = openGeneration_;
    auto loaded = std::make_shared<std::optional<scalpel::Result<patching::PatchingFile>>>();
    QThread* worker = QThread::create([path, loaded] { *loaded = patching::readPatchingResult(path); });
    connect(worker, &QThread::finished, worker, &QObject::deleteLater);
    connect(worker, &QThread::finished, this, [this, loaded, generation, path] {
        if (generation != openGeneration_) return;
        if (!loaded->has_value() || !loaded->value()) {
            reportError(loaded->has_value() ? QString::fromStdString(loaded->value().error().what()) : tr("reading failed"));
            return;
        }
        patchingPath_ = path;
        patchingRun_.reset();
        patching_->showResult(std::move(loaded->value()->result), std::move(loaded->value()->summary));
        exportAction_->setEnabled(true);
        emit patchingShown();
    });
    worker->start();
}

void MainWindow::showActivationDump(const std::string& path) {
    if (!activations_) {
        activations_ = new ActivationView(tabs_);
        tabs_->addTab(activations_, tr("Activations"));
    }
    bringToFront(activations_);
    const quint64 generation = openGeneration_;
    auto prepared = std::make_shared<PreparedDump>();
    QThread* worker = QThread::create([path, prepared] { *prepared = ActivationView::prepare(path); });
    connect(worker, &QThread::finished, worker, &QObject::deleteLater);
    connect(worker, &QThread::finished, this, [this, prepared, generation] {
        if (generation != openGeneration_) return;  // another file was opened meanwhile
        if (!activations_->showPrepared(std::move(*prepared))) reportError(activations_->message());
        emit activationsShown();
    });
    worker->start();
}

bool MainWindow::selectTensor(const QString& name) { return tree_->selectTensor(name); }

void MainWindow::onTensorSelected(const QString& name) {
    if (!file_) return;
    const quint64 generation = ++selectGeneration_;
    const TensorEntry* entry = file_->find(name.toStdString());
    // Small tensors decode faster than a thread starts; big ones must not freeze the window.
    if (!entry || entry->info.numel() < kAsyncDecodeElements) {
        if (!inspector_->showTensor(*file_, name)) statusBar()->showMessage(inspector_->message());
        return;
    }
    statusBar()->showMessage(tr("Loading %1…").arg(name));
    auto prepared = std::make_shared<PreparedTensor>();
    std::shared_ptr<const TensorFile> file = file_;  // keeps the file alive while decoding
    QThread* worker = QThread::create([file, name, prepared] { *prepared = TensorInspector::prepare(*file, name); });
    connect(worker, &QThread::finished, worker, &QObject::deleteLater);
    connect(worker, &QThread::finished, this, [this, prepared, generation, file] {
        if (generation != selectGeneration_ || file != file_) return;  // the user moved on
        if (inspector_->showPrepared(std::move(*prepared)))
            statusBar()->showMessage(tr("%1 loaded").arg(inspector_->tensorName()), 3000);
        else
            statusBar()->showMessage(inspector_->message());
    });
    worker->start();
}

void MainWindow::reportError(const QString& message, const QString& title) {
    statusBar()->showMessage(message);
    // Window-modal and non-blocking: the event loop (and tests) keep running.
    auto* box = new QMessageBox(QMessageBox::Warning, title.isEmpty() ? tr("Cannot open") : title, message,
                                QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
    if (title.isEmpty()) emit openFailed(message);
}

void MainWindow::showClipDialog(const QString& path) {
    auto* dialog = new ClipDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (!path.isEmpty()) dialog->setPath(path);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { runClip(dialog->request()); });
    dialog->open();
}

bool MainWindow::runClip(const ClipJobRequest& request) {
    const bool started = jobs_->start(tr("CLIP decomposition"), [this, request](const ProgressToken& progress) {
        auto analysis = std::make_shared<const ClipAnalysis>(runClipAnalysis(request, progress));
        return JobRunner::Deliver([this, analysis, request] { showClipAnalysis(analysis, request); });
    });
    if (!started) statusBar()->showMessage(tr("Another job is running; wait for it or cancel it."), 5000);
    return started;
}

void MainWindow::showClipAnalysis(std::shared_ptr<const ClipAnalysis> analysis, const ClipJobRequest& request) {
    clipRequest_ = request;
    if (!clipView_) {
        clipView_ = new ClipView(tabs_);
        tabs_->addTab(clipView_, tr("CLIP"));
        connect(clipView_, &ClipView::exportRequested, this, &MainWindow::exportReport);
    }
    clipView_->setAnalysis(analysis);
    tabs_->setTabText(tabs_->indexOf(clipView_),
                      tr("CLIP: %1").arg(QFileInfo(QString::fromStdString(analysis->source)).fileName()));
    bringToFront(clipView_);
    exportAction_->setEnabled(true);
    statusBar()->showMessage(tr("SCE %1, text score %2").arg(analysis->decomposition.sce).arg(analysis->decomposition.textScore));
    emit clipShown();
}

bool MainWindow::runPatching(const PatchingJobRequest& request) {
    const bool started = jobs_->start(tr("Relevance patching"), [this, request](const ProgressToken& progress) {
        progress.report(0, "loading the model and prompts");
        auto inputs = patching::loadPatchingInputs(request.inputs);
        if (!inputs) throw std::runtime_error(inputs.error().what());
        patching::PatchingRunInfo info;
        info.modelPath = request.inputs.modelPath;
        info.promptsSource = inputs->source;
        info.cleanTokens = inputs->cleanTokens;
        const engine::Gpt2Model<float> model(std::move(inputs->weights));
        auto result = std::make_shared<patching::PatchingResult>(patching::runPatching(model, inputs->batch, request.options, progress));
        auto summary = std::make_shared<nlohmann::json>(patching::patchingSummary(*result, request.options, info));
        auto run = std::make_shared<const PatchingRun>(PatchingRun{request.options, inputs->batch, info});
        return JobRunner::Deliver([this, result, summary, run] {
            showPatchingView();
            patching_->showResult(std::move(*result), std::move(*summary));
            patchingPath_.clear();  // not in a file until a session (or report) saves it
            patchingRun_ = run;
            exportAction_->setEnabled(true);
            statusBar()->showMessage(tr("Relevance patching done: logit difference clean %1, corrupted %2")
                                         .arg(patching_->result().meanClean, 0, 'f', 3)
                                         .arg(patching_->result().meanCorrupt, 0, 'f', 3));
            emit patchingShown();
        });
    });
    if (!started) statusBar()->showMessage(tr("Another job is running; wait for it or cancel it."), 5000);
    return started;
}

bool MainWindow::exportClipReportTo(const QString& dir) {
    if (!clipView_ || !clipView_->analysis()) return false;
    std::string error;
    if (!exportClipReport(dir.toStdString(), *clipView_->analysis(), &error)) {
        reportError(QString::fromStdString(error), tr("Export failed"));
        return false;
    }
    statusBar()->showMessage(tr("Report written to %1/report.html").arg(dir), 8000);
    return true;
}

void MainWindow::exportReport() {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Folder for report.html, report.pdf and their CSV files"));
    if (!dir.isEmpty()) exportSessionReportTo(dir);
}

bool MainWindow::exportSessionReportTo(const QString& dir) {
    // Every open document goes into the report, drawn as on screen (app/session_report.cpp).
    SessionReportInputs inputs;
    inputs.sessionPath = QDir(dir).absoluteFilePath("report.scalpel").toStdString();
    inputs.session = captureSession(inputs.sessionPath);
    if (inputs.session.documents.empty()) {
        statusBar()->showMessage(tr("Nothing to report: open a file or run an analysis first."), 5000);
        return false;
    }
    if (patching_ && patching_->hasResult() && patchingPath_.empty())
        inputs.patchingInMemory = std::make_shared<const patching::PatchingFile>(patching::PatchingFile{patching_->summary(), patching_->result()});
    const bool started = jobs_->start(tr("Export report"), [this, inputs, dir](const ProgressToken& progress) mutable {
        for (auto& d : inputs.session.documents)
            if (auto fp = fingerprintFile(resolveSessionPath(inputs.sessionPath, d.path))) {
                d.size = fp->size;
                d.sha256 = fp->sha256;
            }
        const Report report = buildSessionReport(inputs, progress);
        if (auto err = writeReport(dir.toStdString(), report)) throw std::runtime_error(*err);
        return JobRunner::Deliver([this, dir] {
            statusBar()->showMessage(tr("Report written to %1/report.html and report.pdf").arg(dir), 8000);
            emit reportExported(dir);
        });
    });
    if (!started) statusBar()->showMessage(tr("Another job is running; wait for it or cancel it."), 5000);
    return started;
}

bool MainWindow::exportPatchingReportTo(const QString& dir) {
    std::string error;
    if (!patching_ || !exportPatchingReport(dir.toStdString(), patching_->result(), patching_->summary(), &error)) {
        reportError(tr("Report not written: %1").arg(QString::fromStdString(error)));
        return false;
    }
    statusBar()->showMessage(tr("Report written to %1/report.html").arg(dir), 5000);
    return true;
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
    if (e->mimeData()->hasUrls()) e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* e) {
    for (const QUrl& url : e->mimeData()->urls())
        if (url.isLocalFile()) {
            openPath(url.toLocalFile());  // one document at a time: the last dropped wins
        }
    e->acceptProposedAction();
}

}  // namespace scalpel
