#include "analysis/engine/hook_site.h"
#include "analysis/common/glob.h"

#include <array>

namespace scalpel::engine {

namespace {

struct KindName {
    SiteKind kind;
    const char* suffix;  // after "blocks.{l}." for per-layer sites, the whole name otherwise
};

constexpr std::array<KindName, 17> kNames{{
    {SiteKind::Embed, "hook_embed"},
    {SiteKind::PosEmbed, "hook_pos_embed"},
    {SiteKind::ResidPre, "hook_resid_pre"},
    {SiteKind::Ln1Normalized, "ln1.hook_normalized"},
    {SiteKind::Q, "attn.hook_q"},
    {SiteKind::K, "attn.hook_k"},
    {SiteKind::V, "attn.hook_v"},
    {SiteKind::Pattern, "attn.hook_pattern"},
    {SiteKind::Z, "attn.hook_z"},
    {SiteKind::AttnOut, "hook_attn_out"},
    {SiteKind::ResidMid, "hook_resid_mid"},
    {SiteKind::Ln2Normalized, "ln2.hook_normalized"},
    {SiteKind::MlpPre, "mlp.hook_pre"},
    {SiteKind::MlpPost, "mlp.hook_post"},
    {SiteKind::MlpOut, "hook_mlp_out"},
    {SiteKind::ResidPost, "hook_resid_post"},
    {SiteKind::LnFinalNormalized, "ln_final.hook_normalized"},
}};

const char* suffixOf(SiteKind k) {
    for (const auto& n : kNames)
        if (n.kind == k) return n.suffix;
    return "?";
}

}  // namespace

bool Site::perLayer() const {
    return kind != SiteKind::Embed && kind != SiteKind::PosEmbed && kind != SiteKind::LnFinalNormalized;
}

bool Site::hasHeads() const {
    return kind == SiteKind::Q || kind == SiteKind::K || kind == SiteKind::V || kind == SiteKind::Z ||
           kind == SiteKind::Pattern;
}

std::string Site::name() const {
    if (!perLayer()) return suffixOf(kind);
    return "blocks." + std::to_string(layer) + "." + suffixOf(kind);
}

std::vector<Site> allSites(int nLayer) {
    std::vector<Site> out{{SiteKind::Embed, -1}, {SiteKind::PosEmbed, -1}};
    for (int l = 0; l < nLayer; ++l)
        for (const auto& n : kNames) {
            Site s{n.kind, l};
            if (s.perLayer()) out.push_back(s);
        }
    out.push_back({SiteKind::LnFinalNormalized, -1});
    return out;
}

std::optional<Site> parseSite(std::string_view name, int nLayer) {
    for (const auto& s : allSites(nLayer))
        if (s.name() == name) return s;
    return std::nullopt;
}

std::vector<Site> matchSites(std::string_view pattern, int nLayer) {
    std::vector<Site> out;
    for (const auto& s : allSites(nLayer))
        if (globMatch(pattern, s.name())) out.push_back(s);
    return out;
}

std::vector<int64_t> siteShape(const Site& site, int64_t batch, int64_t seq, const ModelDims& d) {
    switch (site.kind) {
        case SiteKind::Q:
        case SiteKind::K:
        case SiteKind::V:
        case SiteKind::Z:
            return {batch, seq, d.nHead, d.headDim};
        case SiteKind::Pattern:
            return {batch, d.nHead, seq, seq};
        case SiteKind::MlpPre:
        case SiteKind::MlpPost:
            return {batch, seq, d.dMlp};
        default:
            return {batch, seq, d.dModel};
    }
}

}  // namespace scalpel::engine
