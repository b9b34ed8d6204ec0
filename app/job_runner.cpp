#include "app/job_runner.h"

#include <QLabel>
#include <QMetaObject>
#include <QProgressBar>
#include <QPushButton>
#include <QStatusBar>
#include <QThread>
#include <algorithm>
#include <cmath>
#include <optional>

namespace scalpel {

JobRunner::JobRunner(QStatusBar* statusBar, QObject* parent) : QObject(parent) {
    if (!statusBar) return;
    label_ = new QLabel(statusBar);
    bar_ = new QProgressBar(statusBar);
    bar_->setRange(0, 1000);
    bar_->setMaximumWidth(220);
    bar_->setTextVisible(false);
    cancelButton_ = new QPushButton(tr("Cancel"), statusBar);
    cancelButton_->setObjectName("jobCancel");
    statusBar->addPermanentWidget(label_);
    statusBar->addPermanentWidget(bar_);
    statusBar->addPermanentWidget(cancelButton_);
    connect(cancelButton_, &QPushButton::clicked, this, &JobRunner::cancel);
    showWidgets(false);
}

JobRunner::~JobRunner() {
    if (thread_) {
        cancelFlag_->store(true);
        thread_->disconnect(this);
        thread_->wait();
        delete thread_;
    }
}

void JobRunner::showWidgets(bool on) {
    if (!bar_) return;
    label_->setVisible(on);
    bar_->setVisible(on);
    cancelButton_->setVisible(on);
    cancelButton_->setEnabled(on);
}

void JobRunner::onProgress(double fraction, const QString& stage) {
    if (!thread_) return;
    if (bar_) {
        bar_->setValue(int(std::lround(std::clamp(fraction, 0.0, 1.0) * 1000)));
        label_->setText(name_ + QStringLiteral(": ") + stage);
    }
    emit progressed(fraction, stage);
}

bool JobRunner::start(const QString& name, Work work) {
    if (thread_) return false;
    name_ = name;
    cancelFlag_ = std::make_shared<std::atomic<bool>>(false);
    // Filled by the worker, read on the GUI thread after QThread::finished.
    struct Outcome {
        Deliver deliver;
        std::optional<QString> error;
        bool cancelled = false;
    };
    auto outcome = std::make_shared<Outcome>();
    auto flag = cancelFlag_;
    // Progress crosses threads as queued calls; at most one per 0.5% or stage change.
    auto lastSent = std::make_shared<std::pair<double, std::string>>(-1.0, std::string());
    ProgressToken token(
        [this, lastSent](double f, const std::string& stage) {
            if (std::fabs(f - lastSent->first) < 0.005 && stage == lastSent->second) return;
            *lastSent = {f, stage};
            const QString s = QString::fromStdString(stage);
            QMetaObject::invokeMethod(this, [this, f, s] { onProgress(f, s); }, Qt::QueuedConnection);
        },
        flag.get());
    thread_ = QThread::create([work = std::move(work), token, outcome, flag] {
        try {
            outcome->deliver = work(token);
            token.check();  // cancelled at the very end still leaves no result
        } catch (const Cancelled&) {
            outcome->cancelled = true;
        } catch (const std::exception& e) {
            outcome->error = QString::fromUtf8(e.what());
        } catch (...) {
            outcome->error = QStringLiteral("unknown error");
        }
    });
    connect(thread_, &QThread::finished, this, [this, outcome, flag] {
        thread_->deleteLater();
        thread_ = nullptr;
        showWidgets(false);
        const QString name = name_;
        if (outcome->cancelled || flag->load()) {
            emit cancelled(name);
        } else if (outcome->error) {
            emit failed(name, *outcome->error);
        } else {
            if (outcome->deliver) outcome->deliver();
            emit delivered(name);
        }
        emit idle();
    });
    showWidgets(true);
    onProgress(0, tr("starting"));
    thread_->start();
    return true;
}

void JobRunner::cancel() {
    if (!thread_) return;
    cancelFlag_->store(true);
    if (cancelButton_) cancelButton_->setEnabled(false);
    if (label_) label_->setText(name_ + tr(": cancelling…"));
}

}  // namespace scalpel
