// Keras 2 HDF5 layouts (formats.md §8). `model.save`: root attribute model_config and a
// group model_weights carrying layer_names; `save_weights`: layer_names on the root.
// Each layer group lists its variables in weight_names ("dense/kernel:0"), stored at
// <weights root>/<layer>/<weight name>. Long lists are chunked as name0, name1, ...
#include "data/hdf5_io.h"
#include "data/hdf5_reader.h"

namespace scalpel {

namespace {

std::string join(const std::string& a, const std::string& b) { return a.empty() ? b : a + "/" + b; }

void addEntry(const std::shared_ptr<Hid>& file, TensorFile& out, std::set<std::string>& listed,
              std::set<std::string>& names, const std::string& path, const std::string& kerasName) {
    if (!linkExists(file->get(), path))
        fail("Keras weight '" + kerasName + "' is listed in weight_names but dataset '" + path + "' is missing");
    // A repeated Keras name (nested models may reuse one) falls back to the unique path.
    std::string name = names.insert(kerasName).second ? kerasName : path;
    if (name != kerasName) names.insert(name);
    out.tensors.push_back(makeDatasetEntry(file, path, name));
    listed.insert(path);
}

void copyAttribute(hid_t obj, const char* name, TensorFile& out) {
    if (out.metadata.count(name)) return;
    if (auto v = readStringAttribute(obj, name)) out.metadata[name] = *v;
}

}  // namespace

bool describeKeras(const std::shared_ptr<Hid>& file, TensorFile& out, std::set<std::string>& listed) {
    hid_t root = file->get();
    std::string weightsRoot;
    std::string layout;
    if (hasAttribute(root, "model_config") && linkExists(root, "model_weights")) {
        Hid g = checkHid(H5Gopen2(root, "model_weights", H5P_DEFAULT), "Keras group 'model_weights'");
        if (!hasAttribute(g.get(), "layer_names") && !hasAttribute(g.get(), "layer_names0")) return false;
        weightsRoot = "model_weights";
        layout = "model.save";
    } else if (hasAttribute(root, "layer_names") || hasAttribute(root, "layer_names0")) {
        layout = "save_weights";
    } else {
        return false;
    }

    Hid weights = checkHid(H5Gopen2(root, weightsRoot.empty() ? "/" : weightsRoot.c_str(), H5P_DEFAULT),
                           "Keras weights group '" + (weightsRoot.empty() ? "/" : weightsRoot) + "'");
    auto layers = readChunkedStringList(weights.get(), "layer_names");
    std::set<std::string> names;
    for (const auto& layer : *layers) {
        std::string layerPath = join(weightsRoot, layer);
        if (layer.empty() || !linkExists(root, layerPath))
            fail("Keras layer '" + layer + "' is listed in layer_names but group '" + layerPath + "' is missing");
        Hid g = checkHid(H5Gopen2(root, layerPath.c_str(), H5P_DEFAULT), "Keras layer group '" + layerPath + "'");
        auto weightNames = readChunkedStringList(g.get(), "weight_names");
        if (!weightNames) continue;  // layers without variables may omit the attribute
        for (const auto& w : *weightNames) addEntry(file, out, listed, names, join(layerPath, w), w);
    }

    // Optimizer slots, in the optimizer's own order, named by their path.
    if (linkExists(root, "optimizer_weights")) {
        Hid g(H5Gopen2(root, "optimizer_weights", H5P_DEFAULT));
        if (g.valid())
            if (auto weightNames = readChunkedStringList(g.get(), "weight_names"))
                for (const auto& w : *weightNames) {
                    std::string path = "optimizer_weights/" + w;
                    addEntry(file, out, listed, names, path, path);
                }
        H5Eclear2(H5E_DEFAULT);
    }

    out.format = "keras-h5";
    out.metadata["keras_layout"] = layout;
    for (const char* key : {"keras_version", "backend", "model_config", "training_config"}) {
        copyAttribute(root, key, out);
        copyAttribute(weights.get(), key, out);
    }
    return true;
}

}  // namespace scalpel
