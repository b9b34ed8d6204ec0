#include "data/hf_config.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

namespace scalpel {

namespace {

using nlohmann::json;

std::string found(const json& v) {
    std::string s = v.dump();
    if (s.size() > 40) s = s.substr(0, 40) + "...";
    return std::string(v.type_name()) + " " + s;
}

// An integer field; JSON floats are accepted only when integral (some writers emit 768.0).
std::optional<int64_t> optInt(const json& root, const char* key) {
    const auto it = root.find(key);
    if (it == root.end() || it->is_null()) return std::nullopt;
    if (it->is_number_integer()) return it->get<int64_t>();
    if (it->is_number_float()) {
        const double d = it->get<double>();
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) return static_cast<int64_t>(d);
    }
    fail(std::string("field \"") + key + "\" must be an integer, found " + found(*it));
}

int64_t positive(const json& root, const char* key, std::optional<int64_t> fallback = std::nullopt) {
    const auto v = optInt(root, key);
    if (!v && !fallback) fail(std::string("field \"") + key + "\" is missing");
    const int64_t x = v ? *v : *fallback;
    if (x <= 0 || x > std::numeric_limits<int32_t>::max())
        fail(std::string("field \"") + key + "\" must be a positive integer below 2^31, found " + std::to_string(x));
    return x;
}

std::string optString(const json& root, const char* key, const char* fallback) {
    const auto it = root.find(key);
    if (it == root.end() || it->is_null()) return fallback;
    if (!it->is_string()) fail(std::string("field \"") + key + "\" must be a string, found " + found(*it));
    return it->get<std::string>();
}

double optEpsilon(const json& root, const char* key, double fallback) {
    const auto it = root.find(key);
    if (it == root.end() || it->is_null()) return fallback;
    if (!it->is_number()) fail(std::string("field \"") + key + "\" must be a number, found " + found(*it));
    const double x = it->get<double>();
    if (!(x > 0 && x < 1)) fail(std::string("field \"") + key + "\" must be in (0, 1), found " + it->dump());
    return x;
}

// bos/eos ids: an integer, null, or (eos in Llama 3) a list of integers.
std::vector<int64_t> tokenIds(const json& root, const char* key, std::optional<int64_t> fallback) {
    const auto it = root.find(key);
    if (it == root.end()) return fallback ? std::vector<int64_t>{*fallback} : std::vector<int64_t>{};
    if (it->is_null()) return {};
    std::vector<int64_t> ids;
    for (const json& v : it->is_array() ? *it : json::array({*it})) {
        if (!v.is_number_integer() || v.get<int64_t>() < 0)
            fail(std::string("field \"") + key + "\" must be a token id or a list of them, found " + found(*it));
        ids.push_back(v.get<int64_t>());
    }
    return ids;
}

void checkHeads(HfConfig& c, const char* embdKey, const char* headKey) {
    if (c.nEmbd % c.nHead != 0)
        fail(std::string("\"") + embdKey + "\" " + std::to_string(c.nEmbd) + " is not divisible by \"" + headKey +
             "\" " + std::to_string(c.nHead));
}

void readGpt2(const json& root, HfConfig& c) {
    // GPT2Config defaults are [unverified] (formats.md §4): only optional fields fall back.
    c.vocabSize = positive(root, "vocab_size");
    c.nPositions = positive(root, "n_positions");
    c.nEmbd = positive(root, "n_embd");
    c.nLayer = positive(root, "n_layer");
    c.nHead = positive(root, "n_head");
    checkHeads(c, "n_embd", "n_head");
    c.nKvHead = c.nHead;
    c.headDim = c.nEmbd / c.nHead;
    c.nInner = positive(root, "n_inner", 4 * c.nEmbd);  // null -> 4 * n_embd
    c.activation = optString(root, "activation_function", "gelu_new");
    c.layerNormEpsilon = optEpsilon(root, "layer_norm_epsilon", 1e-5);
    const auto bos = tokenIds(root, "bos_token_id", 50256);
    if (!bos.empty()) c.bosTokenId = bos.front();
    c.eosTokenIds = tokenIds(root, "eos_token_id", 50256);
}

void readLlama(const json& root, HfConfig& c) {
    c.vocabSize = positive(root, "vocab_size");
    c.nEmbd = positive(root, "hidden_size");
    c.nInner = positive(root, "intermediate_size");
    c.nLayer = positive(root, "num_hidden_layers");
    c.nHead = positive(root, "num_attention_heads");
    c.nKvHead = positive(root, "num_key_value_heads", c.nHead);
    if (c.nHead % c.nKvHead != 0)
        fail("\"num_attention_heads\" " + std::to_string(c.nHead) + " is not a multiple of \"num_key_value_heads\" " +
             std::to_string(c.nKvHead));
    if (optInt(root, "head_dim")) c.headDim = positive(root, "head_dim");
    else {
        checkHeads(c, "hidden_size", "num_attention_heads");
        c.headDim = c.nEmbd / c.nHead;
    }
    c.nPositions = positive(root, "max_position_embeddings", 2048);
    c.activation = optString(root, "hidden_act", "silu");
    c.layerNormEpsilon = optEpsilon(root, "rms_norm_eps", 1e-6);
    const auto bos = tokenIds(root, "bos_token_id", 1);
    if (!bos.empty()) c.bosTokenId = bos.front();
    c.eosTokenIds = tokenIds(root, "eos_token_id", 2);
}

}  // namespace

HfConfig parseHfConfig(std::string_view jsonText) {
    HfConfig c;
    try {
        c.raw = json::parse(jsonText);
    } catch (const json::exception& e) {
        fail(std::string("invalid JSON: ") + e.what());
    }
    if (!c.raw.is_object()) fail("config.json is not a JSON object (found " + std::string(c.raw.type_name()) + ")");
    const auto type = c.raw.find("model_type");
    if (type == c.raw.end()) fail("field \"model_type\" is missing");
    if (!type->is_string()) fail("field \"model_type\" must be a string, found " + found(*type));
    c.modelType = type->get<std::string>();
    try {
        if (c.modelType == "gpt2") readGpt2(c.raw, c);
        else if (c.modelType == "llama") readLlama(c.raw, c);
        else if (const auto v = optInt(c.raw, "vocab_size")) c.vocabSize = *v;
    } catch (const json::exception& e) {  // a shape the readers did not expect
        fail(std::string("unexpected JSON structure: ") + e.what());
    }
    return c;
}

Result<HfConfig> loadHfConfig(const std::string& path) {
    return catchError(path, [&] {
        std::error_code ec;
        const auto size = std::filesystem::file_size(path, ec);
        if (ec) fail("cannot read: " + ec.message());
        if (size > (100u << 20)) fail("file is " + std::to_string(size) + " bytes, over the 100 MB limit");
        std::ifstream in(path, std::ios::binary);
        std::string text(static_cast<size_t>(size), '\0');
        if (!in.read(text.data(), static_cast<std::streamsize>(size))) fail("cannot read the file");
        return parseHfConfig(text);
    });
}

}  // namespace scalpel
