// Keras 2 full models (`model.save` .h5: root attribute model_config + group model_weights) into
// the graph IR. Keras is NHWC; the IR is NCHW: an image input gets a transpose node
// ("<input>/nchw"), kernels [kh, kw, in, out] become [out, in, kh, kw], channel axes map to 1,
// Flatten flattens in NHWC order, 'same' padding is TensorFlow's (the odd pixel at the
// bottom/right), and rank-4 graph outputs are transposed back ("<layer>/nhwc"). A Dense or conv
// layer with an activation is two nodes: "<layer>/linear" and "<layer>" (the layer's output).
#include <filesystem>
#include <functional>
#include <map>

#include <nlohmann/json.hpp>

#include "analysis/graph/graph_import.h"
#include "data/hdf5_io.h"
#include "data/hdf5_probe.h"
#include "data/strict_json.h"

namespace scalpel::graph {

namespace {

using nlohmann::json;

struct KTensor {
    int value = -1;
    int rank = 0;  // Keras rank (4 = NHWC image, held as NCHW in the IR)
};

std::string str(const json& j) { return j.is_string() ? j.get<std::string>() : j.dump(); }

class KerasImporter {
public:
    explicit KerasImporter(const std::string& path) : path_(path) {}

    GraphModel run() {
        file_ = openHdf5File(path_);
        const hid_t root = file_->get();
        auto text = readStringAttribute(root, "model_config");
        if (!text) fail("not a Keras full model: root attribute 'model_config' is missing (weights-only files have no architecture)");
        if (!linkExists(root, "model_weights")) fail("not a Keras full model: group 'model_weights' is missing");
        const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(text->data()), text->size());
        if (auto bad = findInvalidUtf8(bytes)) fail("model_config is not valid UTF-8 at byte " + std::to_string(*bad));
        const json config = parseStrictJson(bytes, "model_config");
        g_.format = "keras-h5";
        if (auto v = readStringAttribute(root, "keras_version")) g_.notes.push_back("keras_version " + *v);
        try {
            model(config);
        } catch (const json::exception& e) {
            fail(std::string("model_config: unexpected structure (") + e.what() + ")");
        } catch (const GraphError& e) {
            fail(e.what());
        }
        return std::move(g_);
    }

private:
    void model(const json& config) {
        if (!config.is_object() || !config.contains("class_name")) fail("model_config has no class_name");
        const std::string cls = str(config["class_name"]);
        const json& cfg = config.at("config");
        if (cls == "Sequential") {
            const json& layers = cfg.is_array() ? cfg : cfg.at("layers");
            sequential(layers);
        } else if (cls == "Functional" || cls == "Model") {
            functional(cfg);
        } else {
            fail("model class '" + cls + "' is not supported (Sequential and Functional are)");
        }
        g_.finalize();
    }

    void sequential(const json& layers) {
        if (!layers.is_array() || layers.empty()) fail("Sequential model has no layers");
        KTensor cur;
        size_t start = 0;
        if (str(layers[0].at("class_name")) == "InputLayer") {
            cur = input(layers[0]);
            start = 1;
        } else {
            const json& c = layers[0].at("config");
            if (!c.contains("batch_input_shape")) fail("Sequential model: the first layer has no batch_input_shape");
            cur = inputFromShape(str(c.at("name")) + "_input", c.at("batch_input_shape"));
        }
        for (size_t i = start; i < layers.size(); ++i) cur = layer(layers[i], {cur});
        output(cur, layerName(layers.back()));
    }

    void functional(const json& cfg) {
        const json& layers = cfg.at("layers");
        if (!layers.is_array()) fail("model_config layers is not a list");
        std::vector<bool> done(layers.size(), false);
        size_t remaining = layers.size();
        while (remaining > 0) {
            bool progress = false;
            for (size_t i = 0; i < layers.size(); ++i) {
                if (done[i]) continue;
                const json& l = layers[i];
                const std::string name = layerName(l);
                const auto inbound = inboundNames(l, name);
                bool ready = true;
                for (const auto& n : inbound) ready = ready && outs_.count(n);
                if (!ready) continue;
                if (str(l.at("class_name")) == "InputLayer") {
                    if (!inbound.empty()) fail("InputLayer '" + name + "' has inbound nodes");
                    outs_[name] = input(l);
                } else {
                    if (inbound.empty()) fail("layer '" + name + "' (" + str(l.at("class_name")) + ") has no inputs");
                    std::vector<KTensor> ins;
                    for (const auto& n : inbound) ins.push_back(outs_.at(n));
                    outs_[name] = layer(l, ins);
                }
                done[i] = true;
                --remaining;
                progress = true;
            }
            if (!progress) {
                for (size_t i = 0; i < layers.size(); ++i)
                    if (!done[i]) fail("layer '" + layerName(layers[i]) + "' reads a layer that is missing or part of a cycle");
            }
        }
        const json& outs = cfg.at("output_layers");
        if (!outs.is_array() || outs.empty()) fail("model_config has no output_layers");
        // [name, node, tensor] or a list of them.
        auto one = [&](const json& o) {
            if (!o.is_array() || o.empty() || !o[0].is_string()) fail("model_config output_layers entry is malformed");
            const std::string n = o[0].get<std::string>();
            if (!outs_.count(n)) fail("output layer '" + n + "' is not a layer of the model");
            output(outs_.at(n), n);
        };
        if (outs[0].is_string()) one(outs);
        else
            for (const auto& o : outs) one(o);
    }

    static std::string layerName(const json& l) {
        if (l.contains("config") && l["config"].is_object() && l["config"].contains("name")) return str(l["config"]["name"]);
        if (l.contains("name")) return str(l["name"]);
        fail("a layer in model_config has no name");
    }

    static std::vector<std::string> inboundNames(const json& l, const std::string& name) {
        if (!l.contains("inbound_nodes")) return {};
        const json& nodes = l["inbound_nodes"];
        if (!nodes.is_array()) fail("layer '" + name + "': inbound_nodes is not a list");
        if (nodes.empty()) return {};
        if (nodes.size() > 1)
            fail("layer '" + name + "' is called " + std::to_string(nodes.size()) + " times; shared layers are not supported");
        const json& node = nodes[0];
        if (!node.is_array()) fail("layer '" + name + "': inbound_nodes in the Keras 3 layout are not supported");
        std::vector<std::string> out;
        for (const auto& t : node) {
            if (!t.is_array() || t.size() < 3 || !t[0].is_string() || !t[1].is_number_integer() || !t[2].is_number_integer())
                fail("layer '" + name + "': malformed inbound node entry " + t.dump());
            if (t[1].get<int64_t>() != 0 || t[2].get<int64_t>() != 0)
                fail("layer '" + name + "' reads output " + t[2].dump() + " of call " + t[1].dump() + " of layer '" +
                     t[0].get<std::string>() + "'; only single-output layers called once are supported");
            out.push_back(t[0].get<std::string>());
        }
        return out;
    }

    // ------------------------------------------------------------------------------ inputs

    KTensor input(const json& l) {
        const json& c = l.at("config");
        if (!c.contains("batch_input_shape")) fail("InputLayer '" + layerName(l) + "' has no batch_input_shape");
        return inputFromShape(layerName(l), c.at("batch_input_shape"));
    }

    KTensor inputFromShape(const std::string& name, const json& shape) {
        if (!shape.is_array() || shape.size() < 2) fail("input '" + name + "': batch_input_shape " + shape.dump() + " is not [None, ...]");
        std::vector<int64_t> dims;
        for (const auto& d : shape) {
            if (d.is_null()) dims.push_back(-1);
            else if (d.is_number_integer() && d.get<int64_t>() > 0 && d.get<int64_t>() < (int64_t(1) << 31)) dims.push_back(d.get<int64_t>());
            else fail("input '" + name + "': batch_input_shape " + shape.dump() + " has an invalid dimension");
        }
        dims[0] = -1;
        const int v = g_.addInput(name, dims);
        if (dims.size() == 2) {
            g_.inputLayout = "NC";
            return {v, 2};
        }
        if (dims.size() != 4) fail("input '" + name + "': rank-" + std::to_string(dims.size()) + " inputs are not supported (rank 2 and 4 are)");
        g_.inputLayout = "NHWC";
        Node t;
        t.name = name + "/nchw";
        t.opType = "Transpose";
        t.op = Op::Transpose;
        t.attrs.perm = {0, 3, 1, 2};
        t.inputs = {v};
        return {add(std::move(t)), 4};
    }

    void output(const KTensor& t, const std::string& name) {
        if (t.rank != 4) {
            g_.markOutput(t.value);
            return;
        }
        Node n;
        n.name = name + "/nhwc";
        n.opType = "Transpose";
        n.op = Op::Transpose;
        n.attrs.perm = {0, 2, 3, 1};
        n.inputs = {t.value};
        g_.markOutput(add(std::move(n)));
    }

    int add(Node n) {
        const std::string out = n.name;
        g_.addNode(std::move(n), out);
        return g_.findValue(out);
    }

    // ----------------------------------------------------------------------------- weights

    std::map<std::string, Tensor> weights(const std::string& layer) {
        std::map<std::string, Tensor> out;
        const std::string group = "model_weights/" + layer;
        if (!linkExists(file_->get(), group)) return out;
        Hid g = checkHid(H5Gopen2(file_->get(), group.c_str(), H5P_DEFAULT), "Keras layer group '" + group + "'");
        const auto names = readChunkedStringList(g.get(), "weight_names");
        if (!names) return out;
        for (const auto& w : *names) {
            const std::string path = group + "/" + w;
            if (!linkExists(file_->get(), path)) fail("layer '" + layer + "': weight '" + w + "' is listed but dataset '" + path + "' is missing");
            TensorEntry e = makeDatasetEntry(file_, path, w);
            if (!e.info.note.empty()) fail("layer '" + layer + "': weight '" + w + "' cannot be read: " + e.info.note);
            if (!dtypeIsDecodable(e.info.dtype) || dtypeIsComplex(e.info.dtype)) fail("layer '" + layer + "': weight '" + w + "' is not real numbers");
            const int64_t n = checkedElements(e.info.shape, "weight '" + w + "'");
            const auto raw = e.load();
            Tensor t;
            t.shape = e.info.shape;
            t.data.resize(static_cast<size_t>(n));
            decodeToFloat(e.info.dtype, raw, static_cast<uint64_t>(n), t.data.data());
            // "conv2d/kernel:0" -> "kernel"
            std::string key = w.substr(w.find_last_of('/') == std::string::npos ? 0 : w.find_last_of('/') + 1);
            if (auto colon = key.find(':'); colon != std::string::npos) key.resize(colon);
            out[key] = std::move(t);
        }
        return out;
    }

    static const Tensor& weight(const std::map<std::string, Tensor>& w, const std::string& key, const std::string& layer,
                                const std::vector<int64_t>& shape) {
        auto it = w.find(key);
        if (it == w.end()) fail("layer '" + layer + "': weight '" + key + "' is missing from model_weights");
        if (it->second.shape != shape)
            fail("layer '" + layer + "': weight '" + key + "' has shape " + it->second.shapeString() + ", the config implies " + shapeString(shape));
        return it->second;
    }

    int constant(const std::string& name, Tensor t) { return g_.addConstant(name, std::move(t)); }

    // ------------------------------------------------------------------------------ layers

    static std::vector<int64_t> pair(const json& c, const char* key, int64_t dflt, const std::string& layer) {
        if (!c.contains(key) || c[key].is_null()) return {dflt, dflt};
        const json& v = c[key];
        std::vector<int64_t> out;
        if (v.is_number_integer()) out = {v.get<int64_t>(), v.get<int64_t>()};
        else if (v.is_array() && v.size() == 2 && v[0].is_number_integer() && v[1].is_number_integer())
            out = {v[0].get<int64_t>(), v[1].get<int64_t>()};
        else fail("layer '" + layer + "': " + key + " " + v.dump() + " is not an int or a pair");
        for (int64_t x : out)
            if (x < 1 || x > (1 << 20)) fail("layer '" + layer + "': " + key + " " + v.dump() + " is out of range");
        return out;
    }

    static AutoPad padding(const json& c, const std::string& layer) {
        const std::string p = c.contains("padding") ? str(c["padding"]) : "valid";
        if (p == "same") return AutoPad::SameUpper;
        if (p == "valid") return AutoPad::Valid;
        fail("layer '" + layer + "': padding '" + p + "' is not supported (valid and same are)");
    }

    static void channelsLast(const json& c, const std::string& layer) {
        if (c.contains("data_format") && !c["data_format"].is_null() && str(c["data_format"]) != "channels_last")
            fail("layer '" + layer + "': data_format '" + str(c["data_format"]) + "' is not supported (channels_last is)");
    }

    static void needRank(const KTensor& x, int rank, const std::string& layer, const std::string& cls) {
        if (x.rank != rank)
            fail("layer '" + layer + "' (" + cls + ") on a rank-" + std::to_string(x.rank) + " input is not supported (rank " + std::to_string(rank) + " is)");
    }

    // Appends the layer's activation; `pre` is the linear node's value (named layer/linear when
    // an activation follows, the layer otherwise).
    KTensor activation(const std::string& layer, const std::string& act, KTensor x, const std::string& cls) {
        Node n;
        n.name = layer;
        n.opType = cls;
        n.inputs = {x.value};
        if (act == "linear") n.op = Op::Identity;
        else if (act == "relu") n.op = Op::Relu;
        else if (act == "sigmoid") n.op = Op::Sigmoid;
        else if (act == "tanh") n.op = Op::Tanh;
        else if (act == "softmax") {
            n.op = Op::Softmax;
            n.attrs.axis = x.rank == 4 ? 1 : -1;
        } else {
            fail("layer '" + layer + "' (" + cls + "): activation '" + act + "' is not supported (relu, softmax, linear, sigmoid, tanh are)");
        }
        return {add(std::move(n)), x.rank};
    }

    // A linear node named `layer` (no activation) or `layer/linear` followed by the activation.
    KTensor linearThenActivation(const json& c, const std::string& layer, const std::string& cls, Node lin, int rank) {
        const std::string act = c.contains("activation") ? str(c["activation"]) : "linear";
        lin.name = act == "linear" ? layer : layer + "/linear";
        lin.opType = cls;
        const KTensor pre{add(std::move(lin)), rank};
        return act == "linear" ? pre : activation(layer, act, pre, cls);
    }

    static bool flag(const json& c, const char* key, bool dflt) {
        if (!c.contains(key) || c[key].is_null()) return dflt;
        if (!c[key].is_boolean()) fail(std::string(key) + " is not a boolean");
        return c[key].get<bool>();
    }

    KTensor layer(const json& l, const std::vector<KTensor>& ins) {
        const std::string cls = str(l.at("class_name"));
        const std::string name = layerName(l);
        const json& c = l.at("config");
        if (cls != "Add" && ins.size() != 1)
            fail("layer '" + name + "' (" + cls + ") has " + std::to_string(ins.size()) + " inputs, expected 1");
        const KTensor x = ins.front();
        if (cls == "Dense") {
            needRank(x, 2, name, cls);
            const auto w = weights(name);
            const int64_t units = c.at("units").get<int64_t>();
            auto it = w.find("kernel");
            if (it == w.end() || it->second.rank() != 2) fail("layer '" + name + "': weight 'kernel' is missing or not rank 2");
            const int64_t in = it->second.dim(0);
            Node n;
            n.op = Op::Gemm;
            n.inputs = {x.value, constant(name + "/kernel", weight(w, "kernel", name, {in, units}))};
            if (flag(c, "use_bias", true)) n.inputs.push_back(constant(name + "/bias", weight(w, "bias", name, {units})));
            return linearThenActivation(c, name, cls, std::move(n), 2);
        }
        if (cls == "Conv2D" || cls == "DepthwiseConv2D") {
            needRank(x, 4, name, cls);
            channelsLast(c, name);
            const auto w = weights(name);
            const bool depthwise = cls == "DepthwiseConv2D";
            const auto k = pair(c, "kernel_size", 1, name);
            const std::string key = depthwise ? "depthwise_kernel" : "kernel";
            auto it = w.find(key);
            if (it == w.end() || it->second.rank() != 4) fail("layer '" + name + "': weight '" + key + "' is missing or not rank 4");
            const Tensor& K = it->second;  // [kh, kw, in/groups, out] or [kh, kw, in, multiplier]
            if (K.dim(0) != k[0] || K.dim(1) != k[1])
                fail("layer '" + name + "': weight '" + key + "' " + K.shapeString() + " does not match kernel_size " + shapeString(k));
            const int64_t kh = k[0], kw = k[1], a = K.dim(2), b = K.dim(3);
            int64_t out, groups;
            Tensor Wt;
            if (depthwise) {
                const int64_t mult = c.contains("depth_multiplier") ? c["depth_multiplier"].get<int64_t>() : 1;
                if (mult != b) fail("layer '" + name + "': depthwise_kernel " + K.shapeString() + " does not match depth_multiplier " + std::to_string(mult));
                out = a * b;
                groups = a;
                Wt = Tensor({out, 1, kh, kw});
                for (int64_t i = 0; i < kh; ++i)
                    for (int64_t j = 0; j < kw; ++j)
                        for (int64_t ch = 0; ch < a; ++ch)
                            for (int64_t m = 0; m < b; ++m)
                                Wt.data[static_cast<size_t>(((ch * b + m) * kh + i) * kw + j)] = K.data[static_cast<size_t>(((i * kw + j) * a + ch) * b + m)];
            } else {
                out = c.at("filters").get<int64_t>();
                groups = c.contains("groups") ? c["groups"].get<int64_t>() : 1;
                if (b != out) fail("layer '" + name + "': kernel " + K.shapeString() + " does not match filters " + std::to_string(out));
                if (groups < 1 || out % groups != 0) fail("layer '" + name + "': groups " + std::to_string(groups) + " does not divide filters");
                Wt = Tensor({out, a, kh, kw});
                for (int64_t i = 0; i < kh; ++i)
                    for (int64_t j = 0; j < kw; ++j)
                        for (int64_t ch = 0; ch < a; ++ch)
                            for (int64_t o = 0; o < out; ++o)
                                Wt.data[static_cast<size_t>(((o * a + ch) * kh + i) * kw + j)] = K.data[static_cast<size_t>(((i * kw + j) * a + ch) * out + o)];
            }
            Node n;
            n.op = Op::Conv;
            n.attrs.kernel = k;
            n.attrs.strides = pair(c, "strides", 1, name);
            n.attrs.dilations = pair(c, "dilation_rate", 1, name);
            n.attrs.autoPad = padding(c, name);
            n.attrs.group = groups;
            n.inputs = {x.value, constant(name + "/" + key, std::move(Wt))};
            if (flag(c, "use_bias", true)) n.inputs.push_back(constant(name + "/bias", weight(w, "bias", name, {out})));
            return linearThenActivation(c, name, cls, std::move(n), 4);
        }
        if (cls == "BatchNormalization") {
            int64_t axis = -1;
            const json& ax = c.contains("axis") ? c["axis"] : json(-1);
            if (ax.is_number_integer()) axis = ax.get<int64_t>();
            else if (ax.is_array() && ax.size() == 1 && ax[0].is_number_integer()) axis = ax[0].get<int64_t>();
            else fail("layer '" + name + "': axis " + ax.dump() + " is not supported");
            if (axis < 0) axis += x.rank;
            if (axis != x.rank - 1 || (x.rank != 2 && x.rank != 4))
                fail("layer '" + name + "' (BatchNormalization): only the channel axis of rank-2 or rank-4 inputs is supported, given axis " + ax.dump() + " on rank " + std::to_string(x.rank));
            const auto w = weights(name);
            auto mean = w.find("moving_mean");
            if (mean == w.end() || mean->second.rank() != 1) fail("layer '" + name + "': weight 'moving_mean' is missing or not rank 1");
            const int64_t C = mean->second.dim(0);
            Node n;
            n.name = name;
            n.opType = cls;
            n.op = Op::BatchNorm;
            n.attrs.epsilon = c.contains("epsilon") ? c["epsilon"].get<float>() : 1e-3f;
            n.inputs = {x.value,
                        constant(name + "/gamma", flag(c, "scale", true) ? weight(w, "gamma", name, {C}) : Tensor({C}, 1.0f)),
                        constant(name + "/beta", flag(c, "center", true) ? weight(w, "beta", name, {C}) : Tensor({C}, 0.0f)),
                        constant(name + "/moving_mean", weight(w, "moving_mean", name, {C})),
                        constant(name + "/moving_variance", weight(w, "moving_variance", name, {C}))};
            return {add(std::move(n)), x.rank};
        }
        if (cls == "Activation") return activation(name, c.contains("activation") ? str(c["activation"]) : "linear", x, cls);
        if (cls == "ReLU") {
            const double slope = c.contains("negative_slope") && !c["negative_slope"].is_null() ? c["negative_slope"].get<double>() : 0.0;
            const double threshold = c.contains("threshold") && !c["threshold"].is_null() ? c["threshold"].get<double>() : 0.0;
            const bool capped = c.contains("max_value") && !c["max_value"].is_null();
            if (threshold != 0.0) fail("layer '" + name + "' (ReLU): threshold != 0 is not supported");
            if (capped && slope != 0.0) fail("layer '" + name + "' (ReLU): max_value together with negative_slope is not supported");
            Node n;
            n.name = name;
            n.opType = cls;
            n.inputs = {x.value};
            if (capped) {
                n.op = Op::Clip;
                n.attrs.minValue = 0.0f;
                n.attrs.maxValue = c["max_value"].get<float>();
            } else if (slope != 0.0) {
                n.op = Op::LeakyRelu;
                n.attrs.alpha = static_cast<float>(slope);
            } else {
                n.op = Op::Relu;
            }
            return {add(std::move(n)), x.rank};
        }
        if (cls == "Add") {
            if (ins.size() < 2) fail("layer '" + name + "' (Add) has " + std::to_string(ins.size()) + " input(s), expected at least 2");
            Node n;
            n.name = name;
            n.opType = cls;
            n.op = Op::Sum;
            for (const auto& t : ins) {
                if (t.rank != x.rank) fail("layer '" + name + "' (Add) adds tensors of different ranks");
                n.inputs.push_back(t.value);
            }
            return {add(std::move(n)), x.rank};
        }
        if (cls == "Flatten") {
            channelsLast(c, name);
            if (x.rank != 2 && x.rank != 4) fail("layer '" + name + "' (Flatten) on a rank-" + std::to_string(x.rank) + " input is not supported");
            Node n;
            n.name = name;
            n.opType = cls;
            n.op = Op::Flatten;
            n.attrs.channelsLast = x.rank == 4;
            n.inputs = {x.value};
            return {add(std::move(n)), 2};
        }
        if (cls == "Dropout") {
            Node n;
            n.name = name;
            n.opType = cls;
            n.op = Op::Identity;
            n.inputs = {x.value};
            return {add(std::move(n)), x.rank};
        }
        if (cls == "MaxPooling2D" || cls == "AveragePooling2D") {
            needRank(x, 4, name, cls);
            channelsLast(c, name);
            Node n;
            n.name = name;
            n.opType = cls;
            n.op = cls == "MaxPooling2D" ? Op::MaxPool : Op::AveragePool;
            n.attrs.kernel = pair(c, "pool_size", 2, name);
            n.attrs.strides = c.contains("strides") && !c["strides"].is_null() ? pair(c, "strides", 1, name) : n.attrs.kernel;
            n.attrs.autoPad = padding(c, name);
            n.attrs.countIncludePad = false;  // TensorFlow averages over the valid pixels only
            n.inputs = {x.value};
            return {add(std::move(n)), 4};
        }
        if (cls == "GlobalAveragePooling2D") {
            needRank(x, 4, name, cls);
            channelsLast(c, name);
            Node n;
            n.name = name;
            n.opType = cls;
            n.op = Op::GlobalAveragePool;
            n.attrs.keepDims = flag(c, "keepdims", false);
            n.inputs = {x.value};
            return {add(std::move(n)), n.attrs.keepDims ? 4 : 2};
        }
        fail("unsupported Keras layer '" + cls + "' (layer '" + name + "')");
    }

    std::string path_;
    std::shared_ptr<Hid> file_;
    GraphModel g_;
    std::map<std::string, KTensor> outs_;
};

}  // namespace

Result<GraphModel> loadKeras(const std::string& path) {
    return catchError(path, [&] {
        std::error_code ec;
        const uint64_t size = std::filesystem::file_size(path, ec);
        if (ec) fail("cannot open (" + ec.message() + ")");
        // libhdf5 can crash on hostile metadata: the whole import runs once in a child first.
        probeInChildProcess([&] { (void)KerasImporter(path).run(); }, (uint64_t(1) << 28) + 4 * size);
        return KerasImporter(path).run();
    });
}

}  // namespace scalpel::graph
