#pragma once
// "Analysis ▸ Explain with LRP…": a graph model (ONNX / Keras), an inputs file (FILE or
// FILE:NAME), the class to explain ("pred" or an index per example), the rule or composite and
// its parameters, and where to write the result. The same request `scalpel explain` builds.
#include <QDialog>

#include "analysis/graph/graph_explain.h"

class QComboBox;
class QDoubleSpinBox;
class QCheckBox;
class QLineEdit;

namespace scalpel {

class ExplainDialog : public QDialog {
    Q_OBJECT
public:
    explicit ExplainDialog(QWidget* parent = nullptr);
    void setModel(const QString& path);
    void setInputs(const QString& spec);
    // The request as entered; error receives why it is unusable (empty request then).
    std::optional<graph::ExplainRequest> request(QString* error = nullptr) const;

private:
    QLineEdit *model_ = nullptr, *inputs_ = nullptr, *target_ = nullptr, *out_ = nullptr;
    QComboBox* rule_ = nullptr;
    QDoubleSpinBox *epsilon_ = nullptr, *gamma_ = nullptr, *low_ = nullptr, *high_ = nullptr;
    QCheckBox* bounds_ = nullptr;
};

}  // namespace scalpel
