#include "widgets/views/tensor_tree.h"

#include <QHash>
#include <QHeaderView>

namespace scalpel {
namespace {
enum Column { ColName, ColDType, ColShape, ColBytes };
constexpr int kFullNameRole = Qt::UserRole;
constexpr int kBytesRole = Qt::UserRole + 1;
}  // namespace

QString formatBytes(uint64_t bytes) {
    if (bytes < 1024) return QString("%1 B").arg(bytes);
    const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = double(bytes);
    int u = -1;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        ++u;
    }
    return QString("%1 %2").arg(v, 0, 'f', v < 10 ? 2 : 1).arg(units[u]);
}

TensorTree::TensorTree(QWidget* parent) : QTreeWidget(parent) {
    setColumnCount(4);
    setHeaderLabels({tr("Name"), tr("DType"), tr("Shape"), tr("Bytes")});
    setUniformRowHeights(true);
    setAlternatingRowColors(true);
    header()->setStretchLastSection(false);
    header()->setSectionResizeMode(ColName, QHeaderView::Stretch);
    for (int c : {ColDType, ColShape, ColBytes}) header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    connect(this, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
        if (!item) return;
        const QString name = item->data(ColName, kFullNameRole).toString();
        if (!name.isEmpty()) emit tensorSelected(name);
    });
}

void TensorTree::setTensorFile(const TensorFile& file) {
    clear();
    QHash<QString, QTreeWidgetItem*> groups;  // "a.b" -> its group row
    for (const TensorEntry& entry : file.tensors) {
        const TensorInfo& info = entry.info;
        const QString full = QString::fromStdString(info.name);
        const QStringList parts = full.split('.', Qt::SkipEmptyParts);
        QTreeWidgetItem* parent = nullptr;
        QString prefix;
        for (qsizetype i = 0; i + 1 < parts.size(); ++i) {
            prefix = prefix.isEmpty() ? parts[i] : prefix + '.' + parts[i];
            QTreeWidgetItem*& group = groups[prefix];
            if (!group) {
                group = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(this);
                group->setText(ColName, parts[i]);
                group->setData(ColBytes, kBytesRole, QVariant::fromValue<qulonglong>(0));
            }
            parent = group;
        }
        auto* leaf = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(this);
        leaf->setText(ColName, parts.isEmpty() ? full : parts.back());
        leaf->setData(ColName, kFullNameRole, full);
        leaf->setToolTip(ColName, info.note.empty() ? full : full + "\n" + QString::fromStdString(info.note));
        leaf->setText(ColDType, QString::fromUtf8(dtypeName(info.dtype).data(), qsizetype(dtypeName(info.dtype).size())));
        leaf->setText(ColShape, QString::fromStdString(info.shapeString()));
        const uint64_t bytes = info.byteSize();
        leaf->setText(ColBytes, formatBytes(bytes));
        leaf->setTextAlignment(ColBytes, Qt::AlignRight | Qt::AlignVCenter);
        if (!info.note.empty()) leaf->setForeground(ColName, palette().brush(QPalette::Disabled, QPalette::Text));
        for (QTreeWidgetItem* g = parent; g; g = g->parent()) {
            const qulonglong total = g->data(ColBytes, kBytesRole).toULongLong() + bytes;
            g->setData(ColBytes, kBytesRole, QVariant::fromValue(total));
            g->setText(ColBytes, formatBytes(total));
            g->setTextAlignment(ColBytes, Qt::AlignRight | Qt::AlignVCenter);
        }
    }
    // Small checkpoints are easiest to scan fully expanded; big ones start at the top level.
    if (file.tensors.size() <= 64) expandAll();
}

bool TensorTree::selectTensor(const QString& name) {
    for (QTreeWidgetItemIterator it(this); *it; ++it)
        if ((*it)->data(ColName, kFullNameRole).toString() == name) {
            for (QTreeWidgetItem* p = (*it)->parent(); p; p = p->parent()) p->setExpanded(true);
            setCurrentItem(*it);
            scrollToItem(*it);
            return true;
        }
    return false;
}

}  // namespace scalpel
