#include "analysis/common/layer_token_map.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace scalpel {

namespace {

// "blocks.3.attn.hook_z" -> (3, "attn.hook_z"); other names -> nullopt.
std::optional<std::pair<int, std::string>> splitBlockName(const std::string& name) {
    if (!name.starts_with("blocks.")) return std::nullopt;
    size_t dot = name.find('.', 7);
    if (dot == std::string::npos || dot == 7) return std::nullopt;
    int layer = 0;
    for (size_t i = 7; i < dot; ++i) {
        if (name[i] < '0' || name[i] > '9' || layer > 100000) return std::nullopt;
        layer = layer * 10 + (name[i] - '0');
    }
    return std::make_pair(layer, name.substr(dot + 1));
}

}  // namespace

std::vector<SiteFamily> groupSiteFamilies(const std::vector<std::string>& siteNames) {
    std::vector<SiteFamily> blocks, others;
    std::map<std::string, size_t> index;
    std::vector<std::pair<int, std::string>> parsed;
    for (const auto& n : siteNames)
        if (auto p = splitBlockName(n)) parsed.push_back(*p);
        else others.push_back({n, {}, {n}});
    std::sort(parsed.begin(), parsed.end());
    for (const auto& [layer, suffix] : parsed) {
        auto it = index.find(suffix);
        if (it == index.end()) {
            it = index.emplace(suffix, blocks.size()).first;
            blocks.push_back({suffix, {}, {}});
        }
        blocks[it->second].layers.push_back(layer);
        blocks[it->second].sites.push_back("blocks." + std::to_string(layer) + "." + suffix);
    }
    blocks.insert(blocks.end(), others.begin(), others.end());
    return blocks;
}

std::vector<float> reduceTokens(std::span<const float> values, int64_t examples, int64_t tokens, int64_t features,
                                int64_t example, TokenReducer reducer, int64_t feature) {
    std::vector<float> out(static_cast<size_t>(tokens), 0.f);
    if (example < 0 || example >= examples || features <= 0 ||
        values.size() < static_cast<size_t>(examples * tokens * features))
        return out;
    for (int64_t t = 0; t < tokens; ++t) {
        const float* row = values.data() + (example * tokens + t) * features;
        double acc = 0;
        switch (reducer) {
            case TokenReducer::L2Norm:
                for (int64_t f = 0; f < features; ++f) acc += double(row[f]) * double(row[f]);
                acc = std::sqrt(acc);
                break;
            case TokenReducer::Mean:
                for (int64_t f = 0; f < features; ++f) acc += row[f];
                acc /= double(features);
                break;
            case TokenReducer::MaxAbs:
                for (int64_t f = 0; f < features; ++f) acc = std::max(acc, std::abs(double(row[f])));
                break;
            case TokenReducer::Feature:
                acc = (feature >= 0 && feature < features) ? row[feature] : std::nan("");
                break;
        }
        out[static_cast<size_t>(t)] = static_cast<float>(acc);
    }
    return out;
}

std::optional<TokenReducer> parseTokenReducer(const std::string& name) {
    if (name == "l2") return TokenReducer::L2Norm;
    if (name == "mean") return TokenReducer::Mean;
    if (name == "max") return TokenReducer::MaxAbs;
    if (name == "feature") return TokenReducer::Feature;
    return std::nullopt;
}

const char* tokenReducerName(TokenReducer r) {
    switch (r) {
        case TokenReducer::L2Norm: return "l2";
        case TokenReducer::Mean: return "mean";
        case TokenReducer::MaxAbs: return "max";
        case TokenReducer::Feature: return "feature";
    }
    return "?";
}

}  // namespace scalpel
