#pragma once
// Hook sites of the GPT-2 engine, named as in TransformerLens (relp.md §0), and how each one is
// laid out in memory. Every site value is a row-major matrix whose rows are the leading dims:
//   [B*T, D]     hook_embed, hook_pos_embed, resid_pre/mid/post, attn_out, mlp_out,
//                ln1/ln2/ln_final.hook_normalized (before gamma and beta, as in TransformerLens)
//   [B*T, H*dh]  attn.hook_q/k/v/z; column h*dh + i is head h, feature i
//   [B*T, I]     mlp.hook_pre (c_fc output), mlp.hook_post (activation, after the neuron mask)
//   [B*H*T, T]   attn.hook_pattern; row (b*H + h)*T + query, column key (after the head mask)
// so the row-major data is exactly the TransformerLens tensor [B, T, ...] or [B, H, T, T].
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scalpel::engine {

enum class SiteKind : uint8_t {
    Embed,
    PosEmbed,
    ResidPre,
    Ln1Normalized,
    Q,
    K,
    V,
    Pattern,
    Z,
    AttnOut,
    ResidMid,
    Ln2Normalized,
    MlpPre,
    MlpPost,
    MlpOut,
    ResidPost,
    LnFinalNormalized,
};

struct Site {
    SiteKind kind = SiteKind::ResidPre;
    int layer = -1;  // -1 for hook_embed, hook_pos_embed and ln_final.hook_normalized

    std::string name() const;
    bool perLayer() const;
    // q, k, v, z and pattern have a head dimension (patches may select heads).
    bool hasHeads() const;
    auto operator<=>(const Site&) const = default;
};

// Sites in forward order for a model with `nLayer` blocks.
std::vector<Site> allSites(int nLayer);
// Exact name -> site, or nothing (unknown name or layer out of range).
std::optional<Site> parseSite(std::string_view name, int nLayer);
// Names matching a glob pattern ('*' any run, '?' one character), in forward order. An exact
// name is a pattern too. Empty when nothing matches.
std::vector<Site> matchSites(std::string_view pattern, int nLayer);

// Shape of the TransformerLens tensor behind a site ([B, T, D], [B, T, H, dh], [B, H, T, T], ...).
struct ModelDims {
    int64_t dModel = 0, nHead = 0, headDim = 0, dMlp = 0;
};
std::vector<int64_t> siteShape(const Site& site, int64_t batch, int64_t seq, const ModelDims& dims);

}  // namespace scalpel::engine
