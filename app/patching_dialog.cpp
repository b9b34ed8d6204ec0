#include "app/patching_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>

namespace scalpel {

using patching::Component;
using patching::Method;

namespace {

// The bundled demo, looked up beside the executable's build tree (build/bin/ -> repository).
QString demoPath(const QString& relative) {
    for (const QString& base : {QCoreApplication::applicationDirPath() + "/../..", QCoreApplication::applicationDirPath() + "/.."}) {
        const QString p = QDir(base).absoluteFilePath(relative);
        if (QFileInfo::exists(p)) return QDir::cleanPath(p);
    }
    return {};
}

}  // namespace

PatchingDialog::PatchingDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Relevance patching"));
    auto* form = new QFormLayout(this);
    auto row = [this](QLineEdit*& edit, bool folder) {
        auto* box = new QHBoxLayout;
        edit = new QLineEdit(this);
        edit->setMinimumWidth(420);
        auto* browse = new QPushButton(tr("Browse…"), this);
        connect(browse, &QPushButton::clicked, this, [this, edit, folder] {
            const QString p = folder ? QFileDialog::getExistingDirectory(this, tr("GPT-2 model folder"), edit->text())
                                     : QFileDialog::getOpenFileName(this, tr("Prompt pairs (JSONL)"), edit->text(),
                                                                    tr("JSON lines (*.jsonl *.json);;All files (*)"));
            if (!p.isEmpty()) edit->setText(p);
        });
        box->addWidget(edit, 1);
        box->addWidget(browse);
        return box;
    };
    form->addRow(tr("Model folder"), row(model_, true));
    useFile_ = new QRadioButton(tr("Prompt pairs file"), this);
    useIoi_ = new QRadioButton(tr("Built-in IOI prompts"), this);
    form->addRow(useFile_, row(prompts_, false));
    auto* ioi = new QHBoxLayout;
    ioiCount_ = new QSpinBox(this);
    ioiCount_->setRange(1, 10000);
    ioiCount_->setValue(16);
    corruption_ = new QComboBox(this);
    corruption_->addItem(tr("ABC (three fresh names)"), int(patching::IoiCorruption::Abc));
    corruption_->addItem(tr("S2 swap (S2 → IO)"), int(patching::IoiCorruption::S2Swap));
    seed_ = new QSpinBox(this);
    seed_->setRange(0, 1 << 30);
    ioi->addWidget(ioiCount_);
    ioi->addWidget(corruption_);
    ioi->addWidget(new QLabel(tr("seed"), this));
    ioi->addWidget(seed_);
    form->addRow(useIoi_, ioi);
    useFile_->setChecked(true);

    auto* methodRow = new QHBoxLayout;
    for (auto [m, label, on] : {std::tuple{Method::Ap, "AP", true}, {Method::Atp, "AtP", true}, {Method::Relp, "RelP", true},
                                {Method::RelpAh, "RelP+AH", false}, {Method::AttnLrp, "RelP+AttnLRP", false}, {Method::Ig, "IG", false}}) {
        auto* box = new QCheckBox(tr(label), this);
        box->setChecked(on);
        methodRow->addWidget(box);
        methods_.emplace_back(m, box);
    }
    form->addRow(tr("Methods"), methodRow);
    auto* compRow = new QHBoxLayout;
    for (auto [c, on] : {std::pair{Component::ResidPre, true}, {Component::AttnOut, true}, {Component::MlpOut, true},
                         {Component::Head, true}, {Component::HeadPos, false}}) {
        auto* box = new QCheckBox(patching::componentName(c), this);
        box->setChecked(on);
        compRow->addWidget(box);
        components_.emplace_back(c, box);
    }
    form->addRow(tr("Components"), compRow);
    direction_ = new QComboBox(this);
    direction_->addItem(tr("denoising (base = corrupted, source = clean)"), int(patching::Direction::Denoising));
    direction_->addItem(tr("noising (base = clean, source = corrupted)"), int(patching::Direction::Noising));
    form->addRow(tr("Direction"), direction_);
    igSteps_ = new QSpinBox(this);
    igSteps_->setRange(1, 1000);
    igSteps_->setValue(10);
    form->addRow(tr("IG steps"), igSteps_);

    model_->setText(demoPath("resources/demo/ioi-gpt2"));
    prompts_->setText(demoPath("resources/demo/ioi_prompts.jsonl"));

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Run"));
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        QString error;
        request(&error);
        if (error.isEmpty())
            accept();
        else
            QMessageBox::warning(this, tr("Relevance patching"), error);
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

void PatchingDialog::setModel(const QString& folder) { model_->setText(folder); }

PatchingJobRequest PatchingDialog::request(QString* error) const {
    PatchingJobRequest r;
    r.inputs.modelPath = model_->text().toStdString();
    if (useFile_->isChecked()) r.inputs.promptsPath = prompts_->text().toStdString();
    r.inputs.ioiCount = ioiCount_->value();
    r.inputs.corruption = patching::IoiCorruption(corruption_->currentData().toInt());
    r.inputs.seed = uint64_t(seed_->value());
    r.options.methods.clear();
    r.options.components.clear();
    for (const auto& [m, box] : methods_)
        if (box->isChecked()) r.options.methods.push_back(m);
    for (const auto& [c, box] : components_)
        if (box->isChecked()) r.options.components.push_back(c);
    r.options.direction = patching::Direction(direction_->currentData().toInt());
    r.options.igSteps = igSteps_->value();
    if (error) {
        error->clear();
        if (r.inputs.modelPath.empty()) *error = tr("Choose a model folder.");
        else if (useFile_->isChecked() && r.inputs.promptsPath.empty()) *error = tr("Choose a prompt-pairs file, or use built-in IOI prompts.");
        else if (r.options.methods.empty() || r.options.components.empty()) *error = tr("Pick at least one method and one component.");
    }
    return r;
}

}  // namespace scalpel
