#pragma once
// Runs one long computation at a time off the GUI thread. The work gets a ProgressToken
// (progress + cancel) and returns a "deliver" closure that the GUI thread runs on success;
// a cancelled or failed job never delivers, so it leaves no result behind. Progress shows in
// a QProgressBar with a Cancel button in the given status bar.
#include <QObject>
#include <QString>
#include <atomic>
#include <functional>
#include <memory>

#include "analysis/common/progress.h"

class QStatusBar;
class QProgressBar;
class QPushButton;
class QLabel;
class QThread;

namespace scalpel {

class JobRunner : public QObject {
    Q_OBJECT
public:
    using Deliver = std::function<void()>;
    using Work = std::function<Deliver(const ProgressToken&)>;

    // statusBar may be null (headless tests): then there is no progress widget.
    explicit JobRunner(QStatusBar* statusBar, QObject* parent = nullptr);
    ~JobRunner() override;  // cancels and waits for a running job

    // false (and nothing starts) while another job runs.
    bool start(const QString& name, Work work);
    void cancel();
    bool busy() const { return thread_ != nullptr; }
    QString currentName() const { return name_; }

signals:
    void progressed(double fraction, const QString& stage);
    void delivered(const QString& name);   // deliver() ran
    void failed(const QString& name, const QString& message);
    void cancelled(const QString& name);
    void idle();                           // after any of the three above

private:
    void onProgress(double fraction, const QString& stage);
    void showWidgets(bool on);

    QThread* thread_ = nullptr;
    std::shared_ptr<std::atomic<bool>> cancelFlag_;
    QString name_;
    QProgressBar* bar_ = nullptr;
    QPushButton* cancelButton_ = nullptr;
    QLabel* label_ = nullptr;
};

}  // namespace scalpel
