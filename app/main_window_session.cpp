// Sessions in the workbench: capturing the open documents with their view state, saving them
// (fingerprints and a GUI patching run's result file are written off the GUI thread) and
// loading them back (files read, dumps prepared and CLIP recomputed in one job, then every
// view restored on the GUI thread).
#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QSignalBlocker>
#include <QStatusBar>
#include <QTabWidget>

#include "analysis/common/layer_token_map.h"
#include "app/job_runner.h"
#include "app/main_window.h"
#include "app/session_state.h"
#include "data/tensor_file.h"
#include "data/sha256.h"
#include "widgets/views/activation_view.h"
#include "widgets/views/clip_view.h"
#include "widgets/views/graph_view.h"
#include "widgets/views/relevance_view.h"
#include "widgets/views/patching_view.h"
#include "widgets/views/tensor_inspector.h"
#include "widgets/views/tensor_tree.h"

namespace scalpel {

namespace {

// Where a relevance-patching run made in the GUI is kept when a session is saved.
std::string patchingFileBeside(const std::string& sessionPath) {
    std::string base = sessionPath;
    if (QString::fromStdString(base).endsWith(".scalpel", Qt::CaseInsensitive)) base.resize(base.size() - 8);
    return base + ".patching.h5";
}

// Everything a session's documents need, read on the worker thread.
struct LoadedDocument {
    SessionDocument doc;
    std::string path;  // resolved
    std::shared_ptr<const TensorFile> tensorFile;
    std::shared_ptr<PreparedTensor> tensor;
    std::shared_ptr<PreparedDump> dump;
    std::shared_ptr<patching::PatchingFile> patching;
    std::shared_ptr<const ClipAnalysis> clip;
    std::optional<ClipJobRequest> clipRequest;
    std::shared_ptr<PreparedGraph> graph;
    std::shared_ptr<PreparedRelevance> relevance;
};

}  // namespace

Session MainWindow::captureSession(const std::string& sessionPath) const {
    Session s;
    QWidget* front = tabs_->currentWidget();
    auto add = [&](const std::string& kind, const std::string& absolute, nlohmann::json view, nlohmann::json parameters,
                   QWidget* widget) {
        SessionDocument d;
        d.kind = kind;
        d.path = storeSessionPath(sessionPath, absolute);
        d.view = std::move(view);
        d.parameters = std::move(parameters);
        if (widget && widget == front) s.current = int(s.documents.size());
        s.documents.push_back(std::move(d));
    };
    if (file_) {
        nlohmann::json v = {{"tensor", inspector_->tensorName().toStdString()},
                            {"slice", inspector_->sliceIndices()},
                            {"style", styleToJson(inspector_->style())},
                            {"zoom", zoomToJson(inspector_->view())},
                            {"lock", cellToJson(inspector_->locked())}};
        add("tensor-file", file_->path, std::move(v), nlohmann::json::object(), inspector_);
    }
    if (activations_ && !activations_->path().empty() && activations_->heatmap().rows > 0) {
        std::optional<plots::Cell> lock;
        if (activations_->lockedRow()) lock = plots::Cell{*activations_->lockedRow(), activations_->lockedCol().value_or(-1)};
        nlohmann::json v = {{"family", activations_->familyName().toStdString()},
                            {"example", activations_->example()},
                            {"reducer", tokenReducerName(activations_->reducer())},
                            {"feature", activations_->feature()},
                            {"style", styleToJson(activations_->style())},
                            {"zoom", zoomToJson(activations_->view())},
                            {"lock", cellToJson(lock)}};
        add("activation-dump", activations_->path(), std::move(v), nlohmann::json::object(), activations_);
    }
    if (patching_ && patching_->hasResult()) {
        nlohmann::json v = {{"component", patching::componentName(patching_->component())},
                            {"example", patching_->example()},
                            {"shared_scale", patching_->sharedScale()},
                            {"style", styleToJson(patching_->style())},
                            {"pin", cellToJson(patching_->pinned())}};
        add("patching-result", patchingPath_.empty() ? patchingFileBeside(sessionPath) : patchingPath_, std::move(v),
            nlohmann::json::object(), patching_);
    }
    if (graph_ && !graph_->data().path.empty() && graph_->data().error.empty()) {
        nlohmann::json v = {{"layer", graph_->selectedLayer().toStdString()},
                            {"example", graph_->example()},
                            {"style", styleToJson(graph_->style())},
                            {"lock", cellToJson(graph_->locked())}};
        add(graph_->data().isDump ? "graph-dump" : "graph-model", graph_->data().path, std::move(v), nlohmann::json::object(), graph_);
    }
    if (relevance_ && !relevance_->data().path.empty() && relevance_->data().error.empty()) {
        nlohmann::json v = {{"example", relevance_->example()}, {"style", styleToJson(relevance_->style())}};
        add("lrp-explain", relevance_->data().path, std::move(v), nlohmann::json::object(), relevance_);
    }
    if (clipView_ && clipView_->analysis() && clipRequest_) {
        const auto h = clipView_->highlight();
        nlohmann::json v = {{"highlight", h ? nlohmann::json(*h) : nlohmann::json(nullptr)}};
        add("clip", clipRequest_->path, std::move(v), clipRequestToJson(*clipRequest_, storeSessionPath(sessionPath, clipRequest_->path)),
            clipView_);
    }
    return s;
}

bool MainWindow::saveSession(const QString& path) {
    const std::string sessionPath = QFileInfo(path).absoluteFilePath().toStdString();
    auto session = std::make_shared<Session>(captureSession(sessionPath));
    // A GUI run not yet in a file is written beside the session (same data as `scalpel patch --out`).
    std::shared_ptr<const PatchingRun> run;
    std::shared_ptr<const patching::PatchingResult> result;
    if (patching_ && patching_->hasResult() && patchingPath_.empty()) {
        if (!patchingRun_) {
            reportError(tr("The relevance-patching result on show has no source file and cannot be saved."), tr("Session not saved"));
            return false;
        }
        run = patchingRun_;
        result = std::make_shared<const patching::PatchingResult>(patching_->result());
    }
    const bool started = jobs_->start(tr("Save session"), [this, session, sessionPath, run, result](const ProgressToken& progress) {
        std::string writtenPatching;
        if (run) {
            progress.report(0, "writing the relevance-patching result");
            writtenPatching = patchingFileBeside(sessionPath);
            if (auto err = patching::writePatchingResult(writtenPatching, *result, run->options, run->batch, run->info))
                throw std::runtime_error(err->what());
        }
        for (size_t i = 0; i < session->documents.size(); ++i) {
            auto& d = session->documents[i];
            progress.report(double(i) / double(session->documents.size()), "hashing " + d.path);
            auto fp = fingerprintFile(resolveSessionPath(sessionPath, d.path));
            if (!fp) throw std::runtime_error(fp.error().what());
            d.size = fp->size;
            d.sha256 = fp->sha256;
        }
        progress.check();  // a cancelled save writes nothing (the session file is only ever written whole)
        if (auto err = writeSessionFile(sessionPath, *session)) throw std::runtime_error(err->what());
        return JobRunner::Deliver([this, sessionPath, writtenPatching] {
            if (!writtenPatching.empty()) {
                patchingPath_ = writtenPatching;
                patchingRun_.reset();
            }
            sessionPath_ = QString::fromStdString(sessionPath);
            setWindowTitle(tr("%1 — Scalpel").arg(QFileInfo(sessionPath_).fileName()));
            statusBar()->showMessage(tr("Session saved to %1").arg(sessionPath_), 5000);
            emit sessionSaved(sessionPath_);
        });
    });
    if (!started) statusBar()->showMessage(tr("Another job is running; wait for it or cancel it."), 5000);
    return started;
}

bool MainWindow::loadSession(const QString& path) {
    const std::string sessionPath = QFileInfo(path).absoluteFilePath().toStdString();
    ++openGeneration_;  // files still opening from before must not replace the session's
    const bool started = jobs_->start(tr("Open session"), [this, sessionPath](const ProgressToken& progress) {
        auto session = readSessionFile(sessionPath);
        if (!session) throw std::runtime_error(session.error().what());
        progress.report(0, "checking file fingerprints");
        auto changed = std::make_shared<QStringList>();
        for (const auto& line : changedSessionFiles(*session, sessionPath)) changed->push_back(QString::fromStdString(line));
        auto problems = std::make_shared<QStringList>();
        auto docs = std::make_shared<std::vector<LoadedDocument>>();
        const size_t n = session->documents.size();
        for (size_t i = 0; i < n; ++i) {
            progress.check();
            LoadedDocument L;
            L.doc = session->documents[i];
            L.path = resolveSessionPath(sessionPath, L.doc.path);
            progress.report(0.05 + 0.95 * double(i) / double(n), "opening " + L.doc.path);
            try {
                if (L.doc.kind == "tensor-file") {
                    auto opened = openTensorFile(L.path);
                    if (!opened) throw std::runtime_error(opened.error().what());
                    L.tensorFile = std::make_shared<const TensorFile>(std::move(opened.value()));
                    const auto name = QString::fromStdString(setting<std::string>(L.doc.view, "tensor", ""));
                    if (!name.isEmpty()) L.tensor = std::make_shared<PreparedTensor>(TensorInspector::prepare(*L.tensorFile, name));
                } else if (L.doc.kind == "activation-dump") {
                    L.dump = std::make_shared<PreparedDump>(ActivationView::prepare(L.path));
                    if (!L.dump->error.isEmpty()) throw std::runtime_error(L.dump->error.toStdString());
                } else if (L.doc.kind == "patching-result") {
                    auto read = patching::readPatchingResult(L.path);
                    if (!read) throw std::runtime_error(read.error().what());
                    L.patching = std::make_shared<patching::PatchingFile>(std::move(read.value()));
                } else if (L.doc.kind == "graph-model" || L.doc.kind == "graph-dump") {
                    L.graph = std::make_shared<PreparedGraph>(L.doc.kind == "graph-dump" ? PreparedGraph::dump(L.path)
                                                                                         : PreparedGraph::model(L.path));
                    if (!L.graph->error.empty()) throw std::runtime_error(L.graph->error);
                } else if (L.doc.kind == "lrp-explain") {
                    L.relevance = std::make_shared<PreparedRelevance>(PreparedRelevance::read(L.path));
                    if (!L.relevance->error.empty()) throw std::runtime_error(L.relevance->error);
                } else if (L.doc.kind == "clip") {
                    L.clipRequest = clipRequestFromJson(L.doc.parameters, L.path);
                    L.clip = std::make_shared<const ClipAnalysis>(runClipAnalysis(*L.clipRequest, progress));
                }
            } catch (const Cancelled&) {
                throw;
            } catch (const std::exception& e) {
                problems->push_back(QString::fromUtf8(e.what()));
                continue;
            }
            docs->push_back(std::move(L));
        }
        const int current = session->current;
        return JobRunner::Deliver([this, sessionPath, docs, changed, problems, current] {
            QWidget* front = nullptr;
            int index = 0;
            for (auto& L : *docs) {
                QWidget* shown = nullptr;
                const nlohmann::json& v = L.doc.view;
                if (L.tensorFile) {
                    showTensorFile(L.tensorFile, false);
                    if (L.tensor) {
                        const QSignalBlocker block(tree_);  // the inspector gets the decoded tensor directly
                        tree_->selectTensor(L.tensor->name);
                        inspector_->showPrepared(std::move(*L.tensor));
                    }
                    const auto slice = setting<std::vector<int64_t>>(v, "slice", {});
                    for (size_t d = 0; d < slice.size(); ++d) inspector_->setSliceIndex(int(d), slice[d]);
                    inspector_->setStyle(styleFromJson(setting<nlohmann::json>(v, "style", {})));
                    inspector_->setView(zoomFromJson(setting<nlohmann::json>(v, "zoom", {})));
                    inspector_->lock(cellFromJson(setting<nlohmann::json>(v, "lock", {})));
                    shown = inspector_;
                } else if (L.dump) {
                    if (!activations_) {
                        activations_ = new ActivationView(tabs_);
                        tabs_->addTab(activations_, tr("Activations"));
                    }
                    activations_->showPrepared(std::move(*L.dump));
                    activations_->setFamily(QString::fromStdString(setting<std::string>(v, "family", "")));
                    activations_->setExample(setting<int>(v, "example", 0));
                    const auto reducer = parseTokenReducer(setting<std::string>(v, "reducer", "l2"));
                    activations_->setReducer(reducer.value_or(TokenReducer::L2Norm), setting<int>(v, "feature", 0));
                    activations_->setStyle(styleFromJson(setting<nlohmann::json>(v, "style", {})));
                    activations_->setView(zoomFromJson(setting<nlohmann::json>(v, "zoom", {})));
                    const auto lock = cellFromJson(setting<nlohmann::json>(v, "lock", {}));
                    if (lock && lock->col >= 0)
                        activations_->lockCell(lock);
                    else
                        activations_->lockRow(lock ? std::optional<int64_t>(lock->row) : std::nullopt);
                    shown = activations_;
                    emit activationsShown();
                } else if (L.patching) {
                    showPatchingView();
                    patching_->showResult(std::move(L.patching->result), std::move(L.patching->summary));
                    patchingPath_ = L.path;
                    patchingRun_.reset();
                    if (auto c = patching::parseComponent(setting<std::string>(v, "component", ""))) patching_->setComponent(*c);
                    patching_->setExample(setting<int>(v, "example", -1));
                    patching_->setSharedScale(setting<bool>(v, "shared_scale", true));
                    patching_->setStyle(styleFromJson(setting<nlohmann::json>(v, "style", {})));
                    patching_->pin(cellFromJson(setting<nlohmann::json>(v, "pin", {})));
                    exportAction_->setEnabled(true);
                    shown = patching_;
                    emit patchingShown();
                } else if (L.graph) {
                    if (!graph_) {
                        graph_ = new GraphView(tabs_);
                        tabs_->addTab(graph_, tr("Graph model"));
                    }
                    graph_->showPrepared(std::move(*L.graph));
                    graph_->setStyle(styleFromJson(setting<nlohmann::json>(v, "style", {})));
                    graph_->selectLayer(setting<std::string>(v, "layer", ""));
                    graph_->setExample(setting<int>(v, "example", 0));
                    graph_->lock(cellFromJson(setting<nlohmann::json>(v, "lock", {})));
                    shown = graph_;
                    emit graphShown();
                } else if (L.relevance) {
                    if (!relevance_) {
                        relevance_ = new RelevanceView(tabs_);
                        tabs_->addTab(relevance_, tr("Relevance"));
                    }
                    relevance_->showPrepared(std::move(*L.relevance));
                    relevance_->setStyle(styleFromJson(setting<nlohmann::json>(v, "style", {})));
                    relevance_->setExample(setting<int>(v, "example", 0));
                    shown = relevance_;
                    emit relevanceShown();
                } else if (L.clip) {
                    showClipAnalysis(L.clip, *L.clipRequest);
                    const auto h = setting<nlohmann::json>(v, "highlight", {});
                    clipView_->setHighlight(h.is_number_unsigned() ? std::optional<size_t>(h.get<size_t>()) : std::nullopt);
                    shown = clipView_;
                }
                // `current` indexes the session's documents; skipped ones shift nothing that was shown.
                if (L.doc.kind.size() && index == current) front = shown;
                ++index;
            }
            if (front) bringToFront(front);
            sessionPath_ = QString::fromStdString(sessionPath);
            setWindowTitle(tr("%1 — Scalpel").arg(QFileInfo(sessionPath_).fileName()));
            QStringList notes = *changed;
            notes += *problems;
            if (!notes.isEmpty()) {
                auto* box = new QMessageBox(QMessageBox::Warning, tr("Session opened with differences"),
                                            tr("Some files differ from when the session was saved:\n\n%1").arg(notes.join("\n")),
                                            QMessageBox::Ok, this);
                box->setAttribute(Qt::WA_DeleteOnClose);
                box->open();
            }
            statusBar()->showMessage(notes.isEmpty() ? tr("Session %1 opened").arg(sessionPath_)
                                                     : tr("Session opened; %n file(s) changed or unreadable", nullptr, int(notes.size())),
                                     8000);
            emit sessionLoaded(sessionPath_, notes);
        });
    });
    if (!started) statusBar()->showMessage(tr("Another job is running; wait for it or cancel it."), 5000);
    return started;
}

void MainWindow::saveSessionInteractive() {
    QString path = QFileDialog::getSaveFileName(this, tr("Save session"), sessionPath_.isEmpty() ? QStringLiteral("session.scalpel") : sessionPath_,
                                                tr("Scalpel sessions (*.scalpel)"));
    if (path.isEmpty()) return;
    if (!path.endsWith(".scalpel", Qt::CaseInsensitive)) path += ".scalpel";
    saveSession(path);
}

void MainWindow::openSessionInteractive() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open session"), QString(), tr("Scalpel sessions (*.scalpel)"));
    if (!path.isEmpty()) loadSession(path);
}

}  // namespace scalpel
