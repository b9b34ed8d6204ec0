#pragma once
// "Analysis ▸ CLIP decomposition…": embeddings file, text/image tensors (the file's 2-D
// tensors are offered), kernel, sigma, route, RFF dimension, seed, cut-off, nullification.
#include <QDialog>

#include "app/clip_job.h"

class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QSpinBox;
class QLabel;

namespace scalpel {

class ClipDialog : public QDialog {
    Q_OBJECT
public:
    explicit ClipDialog(QWidget* parent = nullptr);
    void setPath(const QString& path);
    // The request as entered; error receives why it is invalid (then the request is unusable).
    ClipJobRequest request(QString* error = nullptr) const;
    QStringList matrixTensors() const { return tensors_; }

private:
    void listTensors();

    QLineEdit* path_ = nullptr;
    QComboBox *textKey_ = nullptr, *imageKey_ = nullptr, *kernel_ = nullptr, *route_ = nullptr, *nullify_ = nullptr;
    QDoubleSpinBox* sigma_ = nullptr;
    QSpinBox *rffDim_ = nullptr, *seed_ = nullptr;
    QLineEdit* cutoff_ = nullptr;
    QLabel* fileInfo_ = nullptr;
    QStringList tensors_;
};

}  // namespace scalpel
