#pragma once
// The workbench window: File menu (open file/folder, recent files, export report), drag and
// drop, the tensor tree dock, the tensor inspector and analysis views in tabs, and the
// Analysis menu whose computations run as jobs (JobRunner) off the GUI thread.
#include <QMainWindow>
#include <memory>

#include "analysis/graph/graph_explain.h"
#include "app/clip_job.h"
#include "analysis/patching/patching_result_file.h"
#include "data/session_file.h"
#include "data/tensor_file.h"

class QMenu;
class QDockWidget;
class QTabWidget;
class QLabel;
class QAction;

namespace scalpel {

class TensorTree;
class TensorInspector;
class ClipView;
class ActivationView;
class PatchingView;
class GraphView;
class RelevanceView;
struct PatchingJobRequest;
class JobRunner;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens a file or checkpoint folder off the GUI thread; fileOpened or openFailed follows.
    void openPath(const QString& path);
    // Shows an already opened (or in-memory) file; openViews: also open dumps and result files
    // in their views (a session restores those itself).
    void showTensorFile(std::shared_ptr<const TensorFile> file, bool openViews = true);

    // Sessions (app/main_window_session.cpp). Both run as jobs; sessionSaved / sessionLoaded
    // (with the files that changed since saving) or jobFailed follow. A relevance-patching run
    // made in the GUI is written beside the session as <session>.patching.h5 first.
    bool saveSession(const QString& path);
    bool loadSession(const QString& path);
    // The open documents and their view state, as a session saved at `sessionPath` would hold
    // them (without fingerprints: saving computes those off the GUI thread).
    Session captureSession(const std::string& sessionPath) const;
    QString sessionPath() const { return sessionPath_; }
    ActivationView* activationView() const { return activations_; }
    PatchingView* patchingView() const { return patching_; }
    bool selectTensor(const QString& name);

    const TensorFile* currentFile() const { return file_.get(); }
    TensorTree* tree() const { return tree_; }
    TensorInspector* inspector() const { return inspector_; }
    QStringList recentFiles() const;

    // CLIP decomposition as a job; the result opens in the CLIP tab (clipShown follows).
    bool runClip(const ClipJobRequest& request);
    // Analysis ▸ CLIP decomposition…, pre-filled with `path`.
    void showClipDialog(const QString& path = {});
    // An activation dump as a layer x token heatmap (read on a worker thread).
    void showActivationDump(const std::string& path);
    // Graph models (app/main_window_graph.cpp): an ONNX / Keras model's layer list, a graph dump's
    // per-layer activations (channel grids), an LRP explanation's relevance over the inputs.
    void showGraphModel(const std::string& path);
    void showGraphDump(const std::string& path);
    void showRelevance(const std::string& path);
    // Analysis ▸ Explain with LRP…: runExplain writes the result file as a job, then shows it.
    bool runExplain(const graph::ExplainRequest& request);
    void showExplainDialog();
    GraphView* graphView() const { return graph_; }
    RelevanceView* relevanceView() const { return relevance_; }
    // A relevance-patching result file (scalpel patch --out) as method heatmaps and scatters.
    void showPatchingResult(const std::string& path);
    // File ▸ Export Report: every open document (as a session would hold it) into DIR/report.html,
    // report.pdf and CSVs, as a job; reportExported follows.
    bool exportSessionReportTo(const QString& dir);
    // Writes DIR/report.html (+ CSVs) for the relevance-patching result on show.
    bool exportPatchingReportTo(const QString& dir);
    // Loads the model and prompts and runs relevance patching as a background job (progress,
    // Cancel); the result shows in the Relevance patching tab. false while another job runs.
    bool runPatching(const PatchingJobRequest& request);
    // Writes the shown CLIP result as report.html + CSVs into `dir`; the error is reported.
    bool exportClipReportTo(const QString& dir);
    ClipView* clipView() const { return clipView_; }
    JobRunner* jobs() const { return jobs_; }
    QTabWidget* tabs() const { return tabs_; }
    // View ▸ Move View to Dock: the current tab becomes a dock (floatable, placeable beside the
    // tabs, kept in the saved layout); closing the dock puts the view back into the tabs.
    QDockWidget* dockCurrentView();
    // Shows `view` wherever it lives now (its tab, or its dock).
    void bringToFront(QWidget* view);

    static constexpr int kMaxRecent = 10;
    // Tensors with at least this many elements are decoded on a worker thread.
    static constexpr uint64_t kAsyncDecodeElements = uint64_t(1) << 20;

signals:
    void fileOpened(const QString& path);
    void openFailed(const QString& message);
    void clipShown();
    void activationsShown();
    void patchingShown();
    void graphShown();
    void relevanceShown();
    void jobFailed(const QString& message);
    void sessionSaved(const QString& path);
    void reportExported(const QString& dir);
    void sessionLoaded(const QString& path, const QStringList& changedFiles);

protected:
    void dragEnterEvent(QDragEnterEvent* e) override;
    void closeEvent(QCloseEvent* e) override;
    void dropEvent(QDropEvent* e) override;

private:
    void buildMenus();
    void updateMemoryLabel();
    void rebuildRecentMenu();
    void addRecent(const QString& path);
    void reportError(const QString& message, const QString& title = {});
    void exportReport();
    void onTensorSelected(const QString& name);
    void showPatchingView();
    void showClipAnalysis(std::shared_ptr<const ClipAnalysis> analysis, const ClipJobRequest& request);
    void saveSessionInteractive();
    void openSessionInteractive();

    std::shared_ptr<const TensorFile> file_;
    TensorTree* tree_ = nullptr;
    TensorInspector* inspector_ = nullptr;
    QDockWidget* treeDock_ = nullptr;
    QTabWidget* tabs_ = nullptr;
    ClipView* clipView_ = nullptr;
    ActivationView* activations_ = nullptr;
    PatchingView* patching_ = nullptr;
    GraphView* graph_ = nullptr;
    RelevanceView* relevance_ = nullptr;
    QLabel* memoryLabel_ = nullptr;
    JobRunner* jobs_ = nullptr;
    QAction* exportAction_ = nullptr;
    QMenu* recentMenu_ = nullptr;
    QString sessionPath_;
    std::string patchingPath_;  // the file the shown relevance-patching result lives in ("" = GUI run, unsaved)
    // What a GUI relevance-patching run needs to be written to a result file.
    struct PatchingRun {
        patching::Options options;
        patching::PromptBatch batch;
        patching::PatchingRunInfo info;
    };
    std::shared_ptr<const PatchingRun> patchingRun_;
    std::optional<ClipJobRequest> clipRequest_;  // parameters of the shown CLIP result
    int pendingOpens_ = 0;
    quint64 openGeneration_ = 0;    // only the latest request may replace the shown file
    quint64 selectGeneration_ = 0;  // likewise for the tensor being decoded
};

}  // namespace scalpel
