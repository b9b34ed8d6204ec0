#include "analysis/graph/graph_inputs.h"

#include <filesystem>

#include "data/tensor_file.h"

namespace scalpel::graph {

// A spec naming an existing file is that file, even if its name has a colon; otherwise the
// last colon separates FILE from NAME.
Result<Tensor> readGraphInput(const std::string& spec) {
    std::string file = spec, name;
    std::error_code ec;
    if (!std::filesystem::exists(spec, ec)) {
        const auto colon = spec.rfind(':');
        if (colon != std::string::npos && colon > 0) {
            file = spec.substr(0, colon);
            name = spec.substr(colon + 1);
        }
    }
    auto tf = openTensorFile(file);
    if (!tf) return tf.error();
    const TensorEntry* e = nullptr;
    if (!name.empty()) {
        std::string bare = name.starts_with("/") ? name.substr(1) : name;
        for (const auto& t : tf->tensors)
            if (t.info.name == name || t.info.name == bare || t.info.name == "/" + bare) e = &t;
        if (!e) return Error{file, "no tensor named '" + name + "'"};
    } else {
        if (tf->tensors.size() != 1)
            return Error{file, "holds " + std::to_string(tf->tensors.size()) + " tensors; name one as FILE:NAME"};
        e = &tf->tensors.front();
    }
    if (!e->info.note.empty()) return Error{file, e->info.name + ": " + e->info.note};
    if (dtypeIsComplex(e->info.dtype) || !dtypeIsDecodable(e->info.dtype))
        return Error{file, e->info.name + ": inputs must be real numbers, found " + std::string(dtypeName(e->info.dtype))};
    auto values = tf->toFloat(*e);
    if (!values) return values.error();
    try {
        return Tensor(e->info.shape, std::move(*values));
    } catch (const GraphError& err) {
        return Error{file, err.what()};
    }
}


}  // namespace scalpel::graph
