#pragma once
// Turns the hook sites of an activation dump into layer x token maps: sites are grouped into
// families by their name after "blocks.{l}." (one row per layer), and each token's feature
// vector is reduced to one number (L2 norm, mean, largest magnitude, or one chosen feature).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace scalpel {

struct SiteFamily {
    std::string name;                 // "hook_resid_pre", "attn.hook_z", or a whole name ("hook_embed")
    std::vector<int> layers;          // ascending; empty for sites outside the blocks
    std::vector<std::string> sites;   // full hook names, same order as layers (one entry when layers is empty)
};

// Families in the order of first appearance when the names are sorted by (layer, name);
// block families first, then the others.
std::vector<SiteFamily> groupSiteFamilies(const std::vector<std::string>& siteNames);

enum class TokenReducer { L2Norm, Mean, MaxAbs, Feature };

// One value per token of example `example` from a row-major [examples, tokens, features]
// array, accumulated in double. Feature: the value of feature `feature` (checked by the caller).
std::vector<float> reduceTokens(std::span<const float> values, int64_t examples, int64_t tokens, int64_t features,
                                int64_t example, TokenReducer reducer, int64_t feature = 0);

std::optional<TokenReducer> parseTokenReducer(const std::string& name);  // "l2", "mean", "max", "feature"
const char* tokenReducerName(TokenReducer reducer);

}  // namespace scalpel
