#include "app/clip_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>

#include "data/tensor_file.h"

namespace scalpel {

ClipDialog::ClipDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("CLIP decomposition"));
    auto* form = new QFormLayout(this);
    path_ = new QLineEdit(this);
    auto* browse = new QPushButton(tr("Browse…"), this);
    auto* row = new QHBoxLayout;
    row->addWidget(path_, 1);
    row->addWidget(browse);
    form->addRow(tr("Embeddings file"), row);
    fileInfo_ = new QLabel(this);
    fileInfo_->setWordWrap(true);
    form->addRow(QString(), fileInfo_);
    textKey_ = new QComboBox(this);
    imageKey_ = new QComboBox(this);
    for (QComboBox* c : {textKey_, imageKey_}) c->setEditable(true);
    textKey_->setEditText("text");
    imageKey_->setEditText("image");
    form->addRow(tr("Text embeddings [n, d]"), textKey_);
    form->addRow(tr("Image embeddings [n, d]"), imageKey_);
    kernel_ = new QComboBox(this);
    kernel_->addItems({"gaussian", "cosine", "cosine-code"});
    form->addRow(tr("Kernel"), kernel_);
    sigma_ = new QDoubleSpinBox(this);
    sigma_->setDecimals(4);
    sigma_->setRange(1e-4, 1e6);
    sigma_->setValue(3.5);
    form->addRow(tr("σ (Gaussian bandwidth)"), sigma_);
    route_ = new QComboBox(this);
    route_->addItems({"auto", "exact", "rff"});
    form->addRow(tr("Route"), route_);
    rffDim_ = new QSpinBox(this);
    rffDim_->setRange(1, 1000000);
    rffDim_->setValue(2500);
    form->addRow(tr("RFF frequencies D"), rffDim_);
    seed_ = new QSpinBox(this);
    seed_->setRange(0, std::numeric_limits<int>::max());
    form->addRow(tr("Seed"), seed_);
    cutoff_ = new QLineEdit(this);
    cutoff_->setPlaceholderText(tr("default m · 2⁻²³"));
    form->addRow(tr("Relative cut-off"), cutoff_);
    nullify_ = new QComboBox(this);
    nullify_->addItems({"paper", "authors", "none"});
    form->addRow(tr("Nullification"), nullify_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Run"));
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        QString error;
        request(&error);
        if (error.isEmpty()) accept();
        else fileInfo_->setText(QStringLiteral("<span style='color:#b00'>%1</span>").arg(error.toHtmlEscaped()));
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString p = QFileDialog::getOpenFileName(this, tr("Embeddings"), path_->text(),
                                                       tr("Embeddings (*.npz *.npy *.h5 *.hdf5 *.safetensors);;All files (*)"));
        if (!p.isEmpty()) setPath(p);
    });
    connect(path_, &QLineEdit::editingFinished, this, &ClipDialog::listTensors);
    connect(kernel_, &QComboBox::currentTextChanged, this, [this](const QString& k) {
        const bool gaussian = k == QLatin1String("gaussian");
        sigma_->setEnabled(gaussian);
        rffDim_->setEnabled(gaussian);
        seed_->setEnabled(gaussian);
    });
}

void ClipDialog::setPath(const QString& path) {
    path_->setText(path);
    listTensors();
}

void ClipDialog::listTensors() {
    tensors_.clear();
    // Header-only: readers load tensor data lazily, so this is quick even for big files.
    auto file = openTensorFile(path_->text().toStdString());
    if (!file) {
        fileInfo_->setText(path_->text().isEmpty() ? QString() : QString::fromStdString(file.error().what()).toHtmlEscaped());
        return;
    }
    for (const auto& t : file->tensors)
        if (t.info.shape.size() == 2) tensors_ << QString::fromStdString(t.info.name);
    for (QComboBox* c : {textKey_, imageKey_}) {
        const QString keep = c->currentText();
        c->clear();
        c->addItems(tensors_);
        c->setEditText(keep);
    }
    fileInfo_->setText(tr("%n two-dimensional tensor(s): %1", nullptr, int(tensors_.size())).arg(tensors_.join(", ")));
}

ClipJobRequest ClipDialog::request(QString* error) const {
    ClipJobRequest r;
    r.path = path_->text().toStdString();
    r.textKey = textKey_->currentText().toStdString();
    r.imageKey = imageKey_->currentText().toStdString();
    r.options.kernel = *clip::parseKernel(kernel_->currentText().toStdString());
    r.options.route = *clip::parseRoute(route_->currentText().toStdString());
    r.options.sigma = sigma_->value();
    r.options.rffDim = rffDim_->value();
    r.options.seed = uint64_t(seed_->value());
    r.nullify = nullify_->currentText() != QLatin1String("none");
    r.nullifyForm = nullify_->currentText() == QLatin1String("authors") ? clip::NullifyForm::Authors : clip::NullifyForm::Paper;
    QString err;
    if (r.path.empty()) err = tr("choose an embeddings file");
    if (!cutoff_->text().trimmed().isEmpty()) {
        bool ok = false;
        const double c = cutoff_->text().toDouble(&ok);
        if (!ok || !(c >= 0) || c >= 1) err = tr("the cut-off must be a number in [0, 1)");
        else r.options.cutoff = c;
    }
    if (error) *error = err;
    return r;
}

}  // namespace scalpel
