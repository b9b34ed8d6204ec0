#include "app/explain_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>

namespace scalpel {

ExplainDialog::ExplainDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Explain with LRP"));
    auto* form = new QFormLayout(this);
    auto row = [this](QLineEdit*& edit, const QString& title, const QString& filter, bool save) {
        auto* box = new QHBoxLayout;
        edit = new QLineEdit(this);
        edit->setMinimumWidth(420);
        auto* browse = new QPushButton(tr("Browse…"), this);
        connect(browse, &QPushButton::clicked, this, [this, edit, title, filter, save] {
            const QString p = save ? QFileDialog::getSaveFileName(this, title, edit->text(), filter)
                                   : QFileDialog::getOpenFileName(this, title, edit->text(), filter);
            if (!p.isEmpty()) edit->setText(p);
        });
        box->addWidget(edit, 1);
        box->addWidget(browse);
        return box;
    };
    form->addRow(tr("Model"), row(model_, tr("Graph model"), tr("Models (*.onnx *.h5 *.keras);;All files (*)"), false));
    form->addRow(tr("Inputs"), row(inputs_, tr("Inputs"), tr("Tensors (*.npy *.npz *.h5 *.hdf5 *.safetensors);;All files (*)"), false));
    inputs_->setPlaceholderText(tr("FILE.npy, or FILE.h5:NAME for one tensor of a container"));
    target_ = new QLineEdit(QStringLiteral("pred"), this);
    target_->setToolTip(tr("'pred' (the predicted class), a class index, or a comma list with one entry per example"));
    form->addRow(tr("Target class"), target_);
    rule_ = new QComboBox(this);
    for (const char* r : {"EpsilonPlus", "EpsilonPlusFlat", "EpsilonAlpha2Beta1", "EpsilonAlpha2Beta1Flat", "EpsilonGammaBox", "epsilon",
                          "zplus", "alpha2beta1", "gamma", "flat", "wsquare"})
        rule_->addItem(QString::fromLatin1(r));
    form->addRow(tr("Rule / composite"), rule_);
    epsilon_ = new QDoubleSpinBox(this);
    epsilon_->setDecimals(9);
    epsilon_->setRange(0, 10);
    epsilon_->setValue(1e-6);
    form->addRow(tr("ε (dense layers)"), epsilon_);
    gamma_ = new QDoubleSpinBox(this);
    gamma_->setDecimals(3);
    gamma_->setRange(0, 100);
    gamma_->setValue(0.25);
    form->addRow(tr("γ (conv layers of EpsilonGammaBox)"), gamma_);
    auto* bounds = new QHBoxLayout;
    bounds_ = new QCheckBox(tr("z^B bounds"), this);
    low_ = new QDoubleSpinBox(this);
    high_ = new QDoubleSpinBox(this);
    for (auto* s : {low_, high_}) {
        s->setRange(-1e6, 1e6);
        s->setDecimals(4);
        s->setEnabled(false);
    }
    high_->setValue(1);
    connect(bounds_, &QCheckBox::toggled, this, [this](bool on) {
        low_->setEnabled(on);
        high_->setEnabled(on);
    });
    bounds->addWidget(bounds_);
    bounds->addWidget(new QLabel(tr("low"), this));
    bounds->addWidget(low_);
    bounds->addWidget(new QLabel(tr("high"), this));
    bounds->addWidget(high_);
    bounds->addStretch(1);
    form->addRow(tr("First conv input"), bounds);
    form->addRow(tr("Write to"), row(out_, tr("Relevance result"), tr("HDF5 (*.h5)"), true));
    connect(inputs_, &QLineEdit::textChanged, this, [this](const QString& spec) {
        if (!out_->isModified()) {  // follow the inputs until the user picks a file
            const QFileInfo f(spec.section(':', 0, 0));
            out_->setText(f.absoluteDir().filePath(f.completeBaseName() + "_lrp.h5"));
        }
    });
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Explain"));
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        QString error;
        if (request(&error)) accept();
        else QMessageBox::warning(this, tr("Explain with LRP"), error);
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    form->addRow(buttons);
}

void ExplainDialog::setModel(const QString& path) { model_->setText(path); }
void ExplainDialog::setInputs(const QString& spec) { inputs_->setText(spec); }

std::optional<graph::ExplainRequest> ExplainDialog::request(QString* error) const {
    auto fail = [error](const QString& why) {
        if (error) *error = why;
        return std::nullopt;
    };
    graph::ExplainRequest q;
    q.modelPath = model_->text().trimmed().toStdString();
    q.inputSpec = inputs_->text().trimmed().toStdString();
    q.out = out_->text().trimmed().toStdString();
    q.targetText = target_->text().trimmed().toStdString();
    if (q.modelPath.empty() || !QFileInfo::exists(QString::fromStdString(q.modelPath))) return fail(tr("Choose an existing model file."));
    if (q.inputSpec.empty()) return fail(tr("Choose an inputs file (FILE.npy or FILE.h5:NAME)."));
    if (q.out.empty()) return fail(tr("Choose where to write the result."));
    if (!graph::parseLrpTargets(q.targetText)) return fail(tr("Target: 'pred', a class index, or a comma list of them."));
    try {
        q.options.rule = graph::canonicalLrpRule(rule_->currentText().toStdString());
    } catch (const std::exception& e) {
        return fail(QString::fromUtf8(e.what()));
    }
    q.options.epsilon = epsilon_->value();
    q.options.gamma = gamma_->value();
    if (bounds_->isChecked()) {
        if (low_->value() > high_->value()) return fail(tr("The low bound must not exceed the high bound."));
        q.low = low_->value();
        q.high = high_->value();
    }
    return q;
}

}  // namespace scalpel
