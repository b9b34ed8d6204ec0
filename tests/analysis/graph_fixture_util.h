#pragma once
// Helpers shared by the graph-model fixture tests: read reference tensors, decode site names as
// the generators encode them ('%' -> %25, '/' -> %2F), compare with a relative tolerance.
#include <QtTest>
#include <cmath>
#include <limits>
#include <string>

#include "analysis/graph/graph_model.h"
#include "data/activation_dump.h"
#include "data/result.h"

namespace graph_fixture {

using scalpel::graph::GraphModel;
using scalpel::graph::Tensor;

inline std::string decode(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

inline Tensor load(const std::string& file, const std::string& dataset) {
    auto d = scalpel::readDataset(file, dataset);
    if (!d) qFatal("%s", d.error().what().c_str());
    return Tensor(d->shape, d->values);
}

// max |got - want| / max(floor, max |want|); +inf when the shapes differ, so that a shape
// mismatch can never pass a "< tolerance" check.
inline double relError(const Tensor& got, const Tensor& want, double floor = 1e-3) {
    if (got.shape != want.shape) {
        qWarning("shape %s, expected %s", got.shapeString().c_str(), want.shapeString().c_str());
        return std::numeric_limits<double>::infinity();
    }
    double scale = floor, err = 0;
    for (size_t i = 0; i < want.data.size(); ++i) {
        scale = std::max(scale, std::abs(double(want.data[i])));
        err = std::max(err, std::abs(double(got.data[i]) - double(want.data[i])));
    }
    return err / scale;
}

inline GraphModel model(scalpel::Result<GraphModel> r) {
    if (!r) qFatal("%s", r.error().what().c_str());
    return std::move(*r);
}

}  // namespace graph_fixture
