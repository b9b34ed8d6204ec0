#pragma once
// The checkpoint's tensors as a tree: names split on '.' into a hierarchy, with columns
// name, dtype, shape and bytes. Group rows show the total bytes beneath them.
#include <QTreeWidget>

#include "data/tensor_file.h"

namespace scalpel {

class TensorTree : public QTreeWidget {
    Q_OBJECT
public:
    explicit TensorTree(QWidget* parent = nullptr);

    void setTensorFile(const TensorFile& file);
    // Selects (and scrolls to) the tensor with this full name; false if absent.
    bool selectTensor(const QString& name);

signals:
    void tensorSelected(const QString& name);
};

// "512 B", "1.5 KiB", "3.0 MiB", ...
QString formatBytes(uint64_t bytes);

}  // namespace scalpel
