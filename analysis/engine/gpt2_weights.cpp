#include "analysis/engine/gpt2_weights.h"

#include <filesystem>
#include <regex>

#include "analysis/engine/weight_source.h"
#include "data/tensor_file.h"

namespace scalpel::engine {

namespace fs = std::filesystem;

namespace {

LayerNormWeights layerNorm(WeightSource& src, const std::string& name, int64_t d) {
    return {src.vector(name + ".weight", d), src.vector(name + ".bias", d)};
}

// The embedding row counts are config numbers; say which field disagrees, not just a shape.
void checkRows(const WeightSource& src, const std::string& name, int64_t expected, const char* field) {
    if (!src.has(name)) fail(name + ": missing");
    const auto& shape = src.info(name).shape;
    if (shape.size() == 2 && shape[0] != expected)
        fail(std::string("config.json \"") + field + "\" is " + std::to_string(expected) + " but " +
             src.info(name).name + " has " + std::to_string(shape[0]) + " rows (shape " + shapeText(shape) + ")");
}

Gpt2Block readBlock(WeightSource& src, const HfConfig& c, int64_t i) {
    const std::string p = "h." + std::to_string(i) + ".";
    const int64_t d = c.nEmbd, inner = c.nInner;
    Gpt2Block b;
    b.nHead = c.nHead;
    b.headDim = c.headDim;
    b.ln1 = layerNorm(src, p + "ln_1", d);
    b.ln2 = layerNorm(src, p + "ln_2", d);
    b.attnW = src.matrix(p + "attn.c_attn.weight", d, 3 * d);
    b.attnB = src.vector(p + "attn.c_attn.bias", 3 * d);
    b.attnProjW = src.matrix(p + "attn.c_proj.weight", d, d);
    b.attnProjB = src.vector(p + "attn.c_proj.bias", d);
    b.fcW = src.matrix(p + "mlp.c_fc.weight", d, inner);
    b.fcB = src.vector(p + "mlp.c_fc.bias", inner);
    b.mlpProjW = src.matrix(p + "mlp.c_proj.weight", inner, d);
    b.mlpProjB = src.vector(p + "mlp.c_proj.bias", d);
    return b;
}

Gpt2Weights readAll(const TensorFile& file, HfConfig config) {
    if (config.modelType != "gpt2") fail("config.json \"model_type\" is \"" + config.modelType + "\", expected \"gpt2\"");
    // hf_config already checked positivity and n_embd % n_head; the loader relies on both.
    if (config.headDim * config.nHead != config.nEmbd)
        fail("config.json: head_dim " + std::to_string(config.headDim) + " * n_head " + std::to_string(config.nHead) +
             " != n_embd " + std::to_string(config.nEmbd));

    // GPT2LMHeadModel saves the body under "transformer." and lm_head without prefix.
    WeightSource src(file, {"", "transformer."});
    // Causal-mask buffers of older transformers versions: constants, not weights.
    static const std::regex legacy(R"(h\.\d+\.attn\.(bias|masked_bias))");
    src.skipIf([](const std::string& n) { return std::regex_match(n, legacy); });

    const int64_t d = config.nEmbd;
    Gpt2Weights w;
    checkRows(src, "wte.weight", config.vocabSize, "vocab_size");
    w.wte = src.matrix("wte.weight", config.vocabSize, d);
    checkRows(src, "wpe.weight", config.nPositions, "n_positions");
    w.wpe = src.matrix("wpe.weight", config.nPositions, d);
    // No reserve(n_layer): the count comes from config.json; a missing h.{i} stops the loop.
    for (int64_t i = 0; i < config.nLayer; ++i) w.blocks.push_back(readBlock(src, config, i));
    w.lnF = layerNorm(src, "ln_f", d);

    if (src.has("lm_head.weight")) {
        Eigen::MatrixXf head = src.matrix("lm_head.weight", config.vocabSize, d);
        if (head != w.wte) {
            w.warnings.push_back(src.info("lm_head.weight").name +
                                 " differs from wte.weight: using it as the output projection (untied)");
            w.untiedLmHead = std::move(head);
        }
    }

    std::vector<std::string> extra = src.unused();
    if (!extra.empty())
        w.warnings.push_back(std::to_string(extra.size()) + " tensor(s) not used by GPT-2: " + nameList(extra));
    for (const auto& s : file.warnings) w.warnings.push_back(s);
    w.format = file.format;
    w.config = std::move(config);
    return w;
}

}  // namespace

Result<Gpt2Weights> loadGpt2(const std::string& folderOrFile) {
    std::error_code ec;
    const bool isDir = fs::is_directory(folderOrFile, ec);
    const fs::path folder = isDir ? fs::path(folderOrFile) : fs::path(folderOrFile).parent_path();
    const fs::path configPath = (folder.empty() ? fs::path(".") : folder) / "config.json";
    if (!fs::exists(configPath, ec)) return Error{folderOrFile, "no config.json beside the weights (" + configPath.string() + ")"};
    auto config = loadHfConfig(configPath.string());
    if (!config) return config.error();
    auto file = openTensorFile(folderOrFile);
    if (!file) return file.error();
    return catchError(folderOrFile, [&] { return readAll(*file, std::move(*config)); });
}

}  // namespace scalpel::engine
