#pragma once
// Hugging Face config.json (formats.md §4 GPT-2, §5 Llama): the architecture numbers the
// engine needs, under one set of names, plus the whole file for anything not modelled here.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/result.h"

namespace scalpel {

struct HfConfig {
    std::string modelType;             // "gpt2", "llama", or another family (then raw only)
    int64_t vocabSize = 0;             // vocab_size (0 when an unknown family omits it)
    int64_t nPositions = 0;            // n_positions / max_position_embeddings
    int64_t nEmbd = 0;                 // n_embd / hidden_size
    int64_t nLayer = 0;                // n_layer / num_hidden_layers
    int64_t nHead = 0;                 // n_head / num_attention_heads
    int64_t nKvHead = 0;               // num_key_value_heads (= nHead when absent; GPT-2: nHead)
    int64_t headDim = 0;               // head_dim (= nEmbd / nHead when absent)
    int64_t nInner = 0;                // n_inner (null -> 4 * n_embd) / intermediate_size
    std::string activation;            // activation_function / hidden_act
    double layerNormEpsilon = 0;       // layer_norm_epsilon / rms_norm_eps
    std::optional<int64_t> bosTokenId;
    std::vector<int64_t> eosTokenIds;  // Llama 3 lists several
    nlohmann::json raw;                // the whole file

    // True for families whose fields were read and checked (gpt2, llama).
    bool isKnownFamily() const { return modelType == "gpt2" || modelType == "llama"; }
};

// Throws FormatError naming the field that is missing, mistyped or inconsistent.
HfConfig parseHfConfig(std::string_view jsonText);
Result<HfConfig> loadHfConfig(const std::string& path);

}  // namespace scalpel
