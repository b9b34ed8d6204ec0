// Graph models in the workbench: the layer list of an ONNX or Keras model, the activations of a
// graph dump and LRP relevance maps, each read on a worker thread and shown in its tab.
#include <QStatusBar>
#include <QTabWidget>
#include <QThread>

#include "app/explain_dialog.h"
#include "app/job_runner.h"
#include "app/main_window.h"
#include "widgets/views/graph_view.h"
#include "widgets/views/relevance_view.h"

namespace scalpel {

namespace {
// Runs `prepare` on a worker thread and `show` with its result on the GUI thread, unless another
// file was opened meanwhile (`current` != `generation`).
template <typename T, typename Prepare, typename Show>
void prepareThenShow(QObject* owner, Prepare prepare, Show show) {
    auto result = std::make_shared<T>();
    QThread* worker = QThread::create([result, prepare] { *result = prepare(); });
    QObject::connect(worker, &QThread::finished, worker, &QObject::deleteLater);
    QObject::connect(worker, &QThread::finished, owner, [result, show] { show(std::move(*result)); });
    worker->start();
}
}  // namespace

void MainWindow::showGraphModel(const std::string& path) {
    if (!graph_) {
        graph_ = new GraphView(tabs_);
        tabs_->addTab(graph_, tr("Graph model"));
    }
    bringToFront(graph_);
    statusBar()->showMessage(tr("Reading the model %1…").arg(QString::fromStdString(path)));
    const quint64 generation = openGeneration_;
    prepareThenShow<PreparedGraph>(
        this, [path] { return PreparedGraph::model(path); },
        [this, generation](PreparedGraph p) {
            if (generation != openGeneration_) return;
            if (!graph_->showPrepared(std::move(p))) reportError(graph_->message());
            else statusBar()->showMessage(tr("%n layer(s)", nullptr, int(graph_->data().layers.size())), 5000);
            emit graphShown();
        });
}

void MainWindow::showGraphDump(const std::string& path) {
    if (!graph_) {
        graph_ = new GraphView(tabs_);
        tabs_->addTab(graph_, tr("Graph model"));
    }
    bringToFront(graph_);
    const quint64 generation = openGeneration_;
    prepareThenShow<PreparedGraph>(
        this, [path] { return PreparedGraph::dump(path); },
        [this, generation](PreparedGraph p) {
            if (generation != openGeneration_) return;
            if (!graph_->showPrepared(std::move(p))) reportError(graph_->message());
            emit graphShown();
        });
}

void MainWindow::showRelevance(const std::string& path) {
    if (!relevance_) {
        relevance_ = new RelevanceView(tabs_);
        tabs_->addTab(relevance_, tr("Relevance"));
    }
    bringToFront(relevance_);
    const quint64 generation = openGeneration_;
    prepareThenShow<PreparedRelevance>(
        this, [path] { return PreparedRelevance::read(path); },
        [this, generation](PreparedRelevance p) {
            if (generation != openGeneration_) return;
            if (!relevance_->showPrepared(std::move(p))) reportError(relevance_->message());
            emit relevanceShown();
        });
}

bool MainWindow::runExplain(const graph::ExplainRequest& request) {
    const bool started = jobs_->start(tr("Explain with LRP"), [this, request](const ProgressToken& progress) {
        graph::ExplainRequest q = request;
        q.options.progress = &progress;
        progress.report(0, "loading the model and inputs");
        auto done = graph::runExplainToFile(q);
        if (!done) throw std::runtime_error(done.error().what());
        const std::string out = q.out;
        return JobRunner::Deliver([this, out] { showRelevance(out); });
    });
    if (!started) statusBar()->showMessage(tr("Another job is running; wait for it or cancel it."), 5000);
    return started;
}

void MainWindow::showExplainDialog() {
    auto* dialog = new ExplainDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    // The model on show is the likely one to explain.
    if (graph_ && !graph_->data().isDump && !graph_->data().path.empty()) dialog->setModel(QString::fromStdString(graph_->data().path));
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        if (auto q = dialog->request()) runExplain(*q);
    });
    dialog->open();
}

}  // namespace scalpel
