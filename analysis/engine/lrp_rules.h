#pragma once
// Which local Jacobians the backward pass replaces by LRP rules (relp.md §4). Forward values
// never change; every rule lives only in the backward. With everything off the backward is the
// exact gradient.
#include <string>

namespace scalpel::engine {

enum class AttentionRule {
    Exact,    // softmax, QK^T and A.V differentiated exactly (RelP default)
    AhRule,   // CP-LRP: pattern held constant, q and k get nothing, v gets A^T g_z
    AttnLrp,  // LXT AttnLRP: exact gradient times 1/4 at q and k, 1/2 at v
};

struct LrpRules {
    bool layerNorm = false;     // LN-rule on ln_1, ln_2, ln_f: sigma held constant
    bool geluIdentity = false;  // Identity rule: g_x = g_y * act(x) / (x + 1e-6 sign(x))
    AttentionRule attention = AttentionRule::Exact;
    bool half = false;          // Half-rule on gated MLPs (Llama); GPT-2 has no gate
    double linearEpsilon = 0;   // epsilon rule on the blocks' Conv1D layers; 0 = LRP-0

    bool isGradient() const {
        return !layerNorm && !geluIdentity && attention == AttentionRule::Exact && linearEpsilon == 0;
    }

    static LrpRules none() { return {}; }
    static LrpRules relp() { return {true, true, AttentionRule::Exact, true, 0}; }
    static LrpRules relpAh() { return {true, true, AttentionRule::AhRule, true, 0}; }
    static LrpRules relpAttnLrp() { return {true, true, AttentionRule::AttnLrp, true, 0}; }
};

// Identity-rule stabiliser of relp.md §4 (RelP ModifiedAct).
inline constexpr double kIdentityRuleEpsilon = 1e-6;

}  // namespace scalpel::engine
