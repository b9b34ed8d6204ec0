// ONNX models into the graph IR. Initializers and Constant nodes become constants; integer
// constants that only give shapes or axes (Reshape, Squeeze, Unsqueeze, Clip bounds) become node
// attributes. Every other node maps to one IR node named after the ONNX node.
#include <cstring>
#include <fstream>
#include <map>
#include <optional>

#include "analysis/graph/graph_import.h"

#ifdef SCALPEL_HAVE_ONNX
#include <onnx/onnx_pb.h>
#endif

namespace scalpel::graph {

#ifndef SCALPEL_HAVE_ONNX

bool onnxSupported() { return false; }

Result<GraphModel> parseOnnx(const std::string& label, const std::string&) {
    return Error{label, "this Scalpel was built without ONNX support (install libonnx-dev and libprotobuf-dev and rebuild)"};
}

#else

bool onnxSupported() { return true; }

namespace {

// A constant as the file stores it: floats for data, integers for shapes and axes.
struct Const {
    std::vector<int64_t> shape;
    std::vector<float> f;
    std::vector<int64_t> i;
    bool integer = false;
};

int64_t numelOf(const std::vector<int64_t>& dims, const std::string& what) {
    try {
        return checkedElements(dims, what);
    } catch (const GraphError& e) {
        fail(e.what());
    }
}

template <class T>
std::vector<T> rawValues(const std::string& raw, int64_t n, const std::string& what) {
    if (raw.size() != static_cast<size_t>(n) * sizeof(T))
        fail(what + ": raw_data has " + std::to_string(raw.size()) + " bytes, the shape needs " + std::to_string(n * static_cast<int64_t>(sizeof(T))));
    std::vector<T> v(static_cast<size_t>(n));
    if (n) std::memcpy(v.data(), raw.data(), raw.size());  // little-endian hosts only (x86-64, arm64)
    return v;
}

Const readTensor(const onnx::TensorProto& t, const std::string& what) {
    if (t.data_location() == onnx::TensorProto::EXTERNAL)
        fail(what + ": weights stored in an external file are not supported");
    Const c;
    for (int64_t d : t.dims()) c.shape.push_back(d);
    if (c.shape.size() > 16) fail(what + ": rank " + std::to_string(c.shape.size()) + " is not supported");
    const int64_t n = numelOf(c.shape, what);
    const bool raw = t.has_raw_data();
    auto sized = [&](int64_t have) {
        if (have != n) fail(what + ": holds " + std::to_string(have) + " values, its shape " + shapeString(c.shape) + " needs " + std::to_string(n));
    };
    switch (t.data_type()) {
        case onnx::TensorProto::FLOAT:
            if (raw) c.f = rawValues<float>(t.raw_data(), n, what);
            else {
                sized(t.float_data_size());
                c.f.assign(t.float_data().begin(), t.float_data().end());
            }
            break;
        case onnx::TensorProto::DOUBLE: {
            std::vector<double> d;
            if (raw) d = rawValues<double>(t.raw_data(), n, what);
            else {
                sized(t.double_data_size());
                d.assign(t.double_data().begin(), t.double_data().end());
            }
            c.f.assign(d.begin(), d.end());
            break;
        }
        case onnx::TensorProto::INT64:
            c.integer = true;
            if (raw) c.i = rawValues<int64_t>(t.raw_data(), n, what);
            else {
                sized(t.int64_data_size());
                c.i.assign(t.int64_data().begin(), t.int64_data().end());
            }
            break;
        case onnx::TensorProto::INT32: {
            c.integer = true;
            if (raw) {
                auto v = rawValues<int32_t>(t.raw_data(), n, what);
                c.i.assign(v.begin(), v.end());
            } else {
                sized(t.int32_data_size());
                c.i.assign(t.int32_data().begin(), t.int32_data().end());
            }
            break;
        }
        default:
            fail(what + ": element type " + std::to_string(t.data_type()) + " is not supported (float, double, int32, int64 are)");
    }
    if (c.integer) c.f.assign(c.i.begin(), c.i.end());
    return c;
}

class Importer {
public:
    explicit Importer(const onnx::ModelProto& m) : m_(m) {}

    GraphModel run() {
        for (const auto& o : m_.opset_import())
            if (o.domain().empty() || o.domain() == "ai.onnx") opset_ = o.version();
        if (opset_ <= 0) fail("the model imports no default-domain operator set");
        if (!m_.has_graph()) fail("the model has no graph");
        const auto& g = m_.graph();
        g_.format = "onnx";
        g_.inputLayout = "NCHW";
        g_.notes.push_back("producer " + m_.producer_name() + " " + m_.producer_version() + ", opset " + std::to_string(opset_));
        for (const auto& t : g.initializer()) {
            if (t.name().empty()) fail("an initializer has no name");
            consts_[t.name()] = readTensor(t, "initializer '" + t.name() + "'");
        }
        for (const auto& in : g.input()) {
            if (consts_.count(in.name())) continue;  // older exporters list initializers as inputs too
            const auto& tt = in.type().tensor_type();
            if (!in.type().has_tensor_type()) fail("input '" + in.name() + "' is not a tensor");
            if (tt.elem_type() != onnx::TensorProto::FLOAT)
                fail("input '" + in.name() + "' has element type " + std::to_string(tt.elem_type()) + "; only float inputs are supported");
            std::vector<int64_t> shape;
            for (const auto& d : tt.shape().dim()) shape.push_back(d.has_dim_value() && d.dim_value() > 0 ? d.dim_value() : -1);
            if (!tt.has_shape()) fail("input '" + in.name() + "' has no shape");
            valueIds_[in.name()] = g_.addInput(in.name(), shape);
        }
        for (const auto& n : g.node()) node(n);
        for (const auto& out : g.output()) g_.markOutput(value(out.name(), "graph output"));
        g_.finalize();
        return std::move(g_);
    }

private:
    const onnx::AttributeProto* attr(const onnx::NodeProto& n, const char* name) const {
        for (const auto& a : n.attribute())
            if (a.name() == name) return &a;
        return nullptr;
    }
    int64_t attrInt(const onnx::NodeProto& n, const char* name, int64_t dflt) const {
        const auto* a = attr(n, name);
        if (!a) return dflt;
        if (a->type() != onnx::AttributeProto::INT) fail(where(n) + ": attribute " + name + " is not an int");
        return a->i();
    }
    float attrFloat(const onnx::NodeProto& n, const char* name, float dflt) const {
        const auto* a = attr(n, name);
        if (!a) return dflt;
        if (a->type() != onnx::AttributeProto::FLOAT) fail(where(n) + ": attribute " + name + " is not a float");
        return a->f();
    }
    std::vector<int64_t> attrInts(const onnx::NodeProto& n, const char* name) const {
        const auto* a = attr(n, name);
        if (!a) return {};
        if (a->type() != onnx::AttributeProto::INTS) fail(where(n) + ": attribute " + name + " is not a list of ints");
        if (a->ints_size() > 64) fail(where(n) + ": attribute " + name + " has " + std::to_string(a->ints_size()) + " entries");
        return {a->ints().begin(), a->ints().end()};
    }
    std::string attrString(const onnx::NodeProto& n, const char* name, const std::string& dflt) const {
        const auto* a = attr(n, name);
        if (!a) return dflt;
        if (a->type() != onnx::AttributeProto::STRING) fail(where(n) + ": attribute " + name + " is not a string");
        return a->s();
    }
    static std::string where(const onnx::NodeProto& n) {
        return "node '" + (n.name().empty() ? (n.output_size() ? n.output(0) : std::string("?")) : n.name()) + "' (" + n.op_type() + ")";
    }

    // Value id of a tensor name: a graph input, a node output, or a float constant (added on first use).
    int value(const std::string& name, const std::string& user) {
        if (auto it = valueIds_.find(name); it != valueIds_.end()) return it->second;
        if (auto it = consts_.find(name); it != consts_.end()) {
            Tensor t;
            t.shape = it->second.shape;
            t.data = it->second.f;
            const int id = g_.addConstant(name, std::move(t));
            valueIds_[name] = id;
            return id;
        }
        if (auto it = extraOutputs_.find(name); it != extraOutputs_.end())
            fail(user + " reads '" + name + "', an extra output of " + it->second + ", which Scalpel does not compute");
        fail(user + " reads '" + name + "', which no input, initializer or earlier node defines");
    }
    const Const& constant(const onnx::NodeProto& n, int k, const char* what) const {
        if (n.input_size() <= k || n.input(k).empty()) fail(where(n) + ": input " + what + " is missing");
        auto it = consts_.find(n.input(k));
        if (it == consts_.end()) fail(where(n) + ": input " + what + " ('" + n.input(k) + "') must be a constant (computed shapes are not supported)");
        return it->second;
    }
    std::vector<int64_t> constInts(const onnx::NodeProto& n, int k, const char* what) const {
        const Const& c = constant(n, k, what);
        if (!c.integer) fail(where(n) + ": input " + what + " must be integer");
        if (c.i.size() > 64) fail(where(n) + ": input " + what + " has " + std::to_string(c.i.size()) + " entries");
        return c.i;
    }

    void node(const onnx::NodeProto& n) {
        const std::string& type = n.op_type();
        if (!n.domain().empty() && n.domain() != "ai.onnx")
            fail(where(n) + ": operator domain '" + n.domain() + "' is not supported");
        if (n.output_size() < 1 || n.output(0).empty()) fail(where(n) + ": the node has no output");
        if (type == "Constant") {
            Const c;
            if (const auto* a = attr(n, "value")) c = readTensor(a->t(), where(n));
            else if (const auto* f = attr(n, "value_float")) c.f = {f->f()};
            else if (const auto* fs = attr(n, "value_floats")) c.f.assign(fs->floats().begin(), fs->floats().end()), c.shape = {fs->floats_size()};
            else if (const auto* i = attr(n, "value_int")) c.i = {i->i()}, c.integer = true;
            else if (const auto* is = attr(n, "value_ints")) c.i.assign(is->ints().begin(), is->ints().end()), c.shape = {is->ints_size()}, c.integer = true;
            else fail(where(n) + ": unsupported Constant form (value, value_float(s), value_int(s) are supported)");
            if (c.integer && c.f.empty()) c.f.assign(c.i.begin(), c.i.end());
            define(n, n.output(0));
            consts_[n.output(0)] = std::move(c);
            return;
        }
        // Identity and Dropout of a constant stay constants (exporters alias shared weights so).
        if ((type == "Identity" || type == "Dropout") && n.input_size() >= 1 && consts_.count(n.input(0)) &&
            !valueIds_.count(n.input(0))) {
            define(n, n.output(0));
            consts_[n.output(0)] = consts_.at(n.input(0));
            noteExtras(n);
            return;
        }
        Node node;
        node.name = n.name();
        node.opType = type;
        Attrs& a = node.attrs;
        std::vector<int> dataInputs{0};  // which ONNX inputs are tensors the IR node reads
        static const std::map<std::string, Op> simple{
            {"Add", Op::Add}, {"Sub", Op::Sub}, {"Mul", Op::Mul}, {"Div", Op::Div}, {"MatMul", Op::MatMul},
            {"Relu", Op::Relu}, {"Tanh", Op::Tanh}, {"Sigmoid", Op::Sigmoid}, {"Erf", Op::Erf},
            {"Identity", Op::Identity}, {"Dropout", Op::Identity}, {"Sum", Op::Sum}};
        if (auto it = simple.find(type); it != simple.end()) {
            node.op = it->second;
            if (node.op == Op::Add || node.op == Op::Sub || node.op == Op::Mul || node.op == Op::Div || node.op == Op::MatMul) dataInputs = {0, 1};
            if (node.op == Op::Sum) {
                dataInputs.clear();
                for (int k = 0; k < n.input_size(); ++k) dataInputs.push_back(k);
            }
            if (type == "Dropout" && opset_ >= 12 && n.input_size() >= 3 && !n.input(2).empty()) {
                const Const& tm = constant(n, 2, "training_mode");
                if (!tm.i.empty() && tm.i[0] != 0) fail(where(n) + ": training_mode = true is not supported");
            }
        } else if (type == "LeakyRelu") {
            node.op = Op::LeakyRelu;
            a.alpha = attrFloat(n, "alpha", 0.01f);
        } else if (type == "Gelu") {
            node.op = Op::Gelu;
            const auto approx = attrString(n, "approximate", "none");
            if (approx != "none" && approx != "tanh") fail(where(n) + ": approximate='" + approx + "' is not supported");
            a.geluTanh = approx == "tanh";
        } else if (type == "Clip") {
            node.op = Op::Clip;
            if (opset_ < 11) {
                a.minValue = attrFloat(n, "min", a.minValue);
                a.maxValue = attrFloat(n, "max", a.maxValue);
            } else {
                if (n.input_size() > 1 && !n.input(1).empty()) a.minValue = scalar(n, 1, "min");
                if (n.input_size() > 2 && !n.input(2).empty()) a.maxValue = scalar(n, 2, "max");
            }
        } else if (type == "Gemm") {
            node.op = Op::Gemm;
            dataInputs = {0, 1, 2};
            a.alpha = attrFloat(n, "alpha", 1.0f);
            a.beta = attrFloat(n, "beta", 1.0f);
            a.transA = attrInt(n, "transA", 0) != 0;
            a.transB = attrInt(n, "transB", 0) != 0;
        } else if (type == "Conv" || type == "MaxPool" || type == "AveragePool") {
            node.op = type == "Conv" ? Op::Conv : type == "MaxPool" ? Op::MaxPool : Op::AveragePool;
            if (node.op == Op::Conv) dataInputs = {0, 1, 2};
            a.kernel = attrInts(n, "kernel_shape");
            a.strides = attrInts(n, "strides");
            a.pads = attrInts(n, "pads");
            a.dilations = attrInts(n, "dilations");
            a.group = attrInt(n, "group", 1);
            a.ceilMode = attrInt(n, "ceil_mode", 0) != 0;
            a.countIncludePad = attrInt(n, "count_include_pad", 0) != 0;
            const auto pad = attrString(n, "auto_pad", "NOTSET");
            if (pad == "NOTSET") a.autoPad = AutoPad::NotSet;
            else if (pad == "SAME_UPPER") a.autoPad = AutoPad::SameUpper;
            else if (pad == "SAME_LOWER") a.autoPad = AutoPad::SameLower;
            else if (pad == "VALID") a.autoPad = AutoPad::Valid;
            else fail(where(n) + ": auto_pad '" + pad + "' is not supported");
        } else if (type == "GlobalAveragePool") {
            node.op = Op::GlobalAveragePool;
        } else if (type == "BatchNormalization") {
            node.op = Op::BatchNorm;
            dataInputs = {0, 1, 2, 3, 4};
            a.epsilon = attrFloat(n, "epsilon", 1e-5f);
            if (attrInt(n, "training_mode", 0) != 0) fail(where(n) + ": training_mode = 1 is not supported (inference only)");
        } else if (type == "Flatten") {
            node.op = Op::Flatten;
            a.axis = attrInt(n, "axis", 1);
        } else if (type == "Reshape") {
            node.op = Op::Reshape;
            a.shape = constInts(n, 1, "shape");
            a.allowZero = attrInt(n, "allowzero", 0) != 0;
        } else if (type == "Transpose") {
            node.op = Op::Transpose;
            a.perm = attrInts(n, "perm");
        } else if (type == "Squeeze" || type == "Unsqueeze") {
            node.op = type == "Squeeze" ? Op::Squeeze : Op::Unsqueeze;
            if (opset_ >= 13) {
                if (n.input_size() > 1 && !n.input(1).empty()) a.axes = constInts(n, 1, "axes");
            } else {
                a.axes = attrInts(n, "axes");
            }
        } else if (type == "Softmax" || type == "LogSoftmax") {
            node.op = type == "Softmax" ? Op::Softmax : Op::LogSoftmax;
            a.legacySoftmax = opset_ < 13;
            a.axis = attrInt(n, "axis", opset_ < 13 ? 1 : -1);
        } else if (type == "Pad") {
            node.op = Op::Pad;
            const auto mode = attrString(n, "mode", "constant");
            if (mode != "constant") fail(where(n) + ": mode '" + mode + "' is not supported (constant is)");
            if (opset_ < 11) {
                a.pads = attrInts(n, "pads");
                a.padValue = attrFloat(n, "value", 0.0f);
            } else {
                a.pads = constInts(n, 1, "pads");
                if (n.input_size() > 2 && !n.input(2).empty()) a.padValue = scalar(n, 2, "constant_value");
                if (n.input_size() > 3 && !n.input(3).empty()) fail(where(n) + ": the axes input is not supported");
            }
        } else if (type == "Concat") {
            node.op = Op::Concat;
            if (!attr(n, "axis")) fail(where(n) + ": attribute axis is missing");
            a.axis = attrInt(n, "axis", 0);
            dataInputs.clear();
            for (int k = 0; k < n.input_size(); ++k) dataInputs.push_back(k);
        } else {
            fail("unsupported ONNX operator '" + type + "' at " + where(n));
        }
        for (int k : dataInputs) {
            if (k >= n.input_size() || n.input(k).empty()) {
                node.inputs.push_back(-1);
                continue;
            }
            node.inputs.push_back(value(n.input(k), where(n)));
        }
        while (!node.inputs.empty() && node.inputs.back() == -1 && (node.op == Op::Gemm || node.op == Op::Conv)) node.inputs.pop_back();
        define(n, n.output(0));
        noteExtras(n);
        try {
            g_.addNode(std::move(node), n.output(0));
            valueIds_[n.output(0)] = g_.findValue(n.output(0));
        } catch (const GraphError& e) {
            fail(where(n) + ": " + e.what());
        }
    }

    float scalar(const onnx::NodeProto& n, int k, const char* what) const {
        const Const& c = constant(n, k, what);
        if (c.f.size() != 1) fail(where(n) + ": input " + what + " must be a scalar");
        return c.f[0];
    }
    void define(const onnx::NodeProto& n, const std::string& name) {
        if (valueIds_.count(name) || consts_.count(name) || extraOutputs_.count(name))
            fail(where(n) + ": output '" + name + "' is defined twice");
    }
    void noteExtras(const onnx::NodeProto& n) {
        for (int k = 1; k < n.output_size(); ++k)
            if (!n.output(k).empty()) extraOutputs_[n.output(k)] = where(n) + " (output " + std::to_string(k) + ")";
    }

    const onnx::ModelProto& m_;
    GraphModel g_;
    int64_t opset_ = 0;
    std::map<std::string, Const> consts_;
    std::map<std::string, int> valueIds_;
    std::map<std::string, std::string> extraOutputs_;
};

}  // namespace

Result<GraphModel> parseOnnx(const std::string& label, const std::string& bytes) {
    if (bytes.size() > kMaxOnnxBytes) return Error{label, "larger than " + std::to_string(kMaxOnnxBytes >> 20) + " MiB; not read"};
    onnx::ModelProto model;
    if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
        return Error{label, "not a valid ONNX model (protobuf parse failed)"};
    return catchError(label, [&] {
        try {
            return Importer(model).run();
        } catch (const GraphError& e) {
            fail(e.what());
        }
    });
}

#endif  // SCALPEL_HAVE_ONNX

Result<GraphModel> loadOnnx(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) return Error{path, "cannot open"};
    const auto size = static_cast<uint64_t>(in.tellg());
    if (size > kMaxOnnxBytes) return Error{path, "larger than " + std::to_string(kMaxOnnxBytes >> 20) + " MiB; not read"};
    std::string bytes(size, '\0');
    in.seekg(0);
    if (!in.read(bytes.data(), static_cast<std::streamsize>(size))) return Error{path, "read failed"};
    return parseOnnx(path, bytes);
}

Result<GraphModel> loadGraphModel(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{path, "cannot open"};
    char sig[8] = {};
    in.read(sig, 8);
    if (in.gcount() == 8 && std::memcmp(sig, "\x89HDF\r\n\x1a\n", 8) == 0) return loadKeras(path);
    return loadOnnx(path);
}

}  // namespace scalpel::graph
