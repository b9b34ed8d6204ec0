#pragma once
// "Analysis ▸ Relevance patching…": model folder, prompts (a JSONL file or N built-in IOI pairs),
// methods, components and direction. The demo model and its prompts are the defaults when the
// repository's resources are found.
#include <QDialog>

#include "analysis/patching/patching_inputs.h"

class QCheckBox;
class QComboBox;
class QLineEdit;
class QRadioButton;
class QSpinBox;

namespace scalpel {

struct PatchingJobRequest {
    patching::PatchingRequest inputs;
    patching::Options options;
};

class PatchingDialog : public QDialog {
    Q_OBJECT
public:
    explicit PatchingDialog(QWidget* parent = nullptr);
    void setModel(const QString& folder);
    // The request as entered; error receives why it is unusable.
    PatchingJobRequest request(QString* error = nullptr) const;

private:
    QLineEdit *model_ = nullptr, *prompts_ = nullptr;
    QRadioButton *useFile_ = nullptr, *useIoi_ = nullptr;
    QSpinBox *ioiCount_ = nullptr, *seed_ = nullptr, *igSteps_ = nullptr;
    QComboBox *corruption_ = nullptr, *direction_ = nullptr;
    std::vector<std::pair<patching::Method, QCheckBox*>> methods_;
    std::vector<std::pair<patching::Component, QCheckBox*>> components_;
};

}  // namespace scalpel
