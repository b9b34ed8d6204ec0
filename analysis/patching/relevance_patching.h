#pragma once
// Relevance patching on GPT-2 circuits (../shared/specs/relp.md): activation patching (AP, the
// ground truth), attribution patching (AtP), RelP under its rule sets, and integrated gradients,
// for five component maps, in either direction, per example and as batch means, with the
// agreement of every estimate with AP.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/common/progress.h"
#include "analysis/engine/gpt2_model.h"

namespace scalpel::patching {

enum class Component { ResidPre, AttnOut, MlpOut, Head, HeadPos };
enum class Method { Ap, Atp, Relp, RelpAh, AttnLrp, Ig };
enum class Direction { Denoising, Noising };

const char* componentName(Component c);  // resid_pre, attn_out, mlp_out, head, head_pos
const char* methodName(Method m);        // ap, atp, relp, relp-ah, attnlrp, ig
const char* directionName(Direction d);  // denoising, noising
std::optional<Component> parseComponent(const std::string& name);
std::optional<Method> parseMethod(const std::string& name);
std::optional<Direction> parseDirection(const std::string& name);

// Clean and corrupted prompts of equal length, row-major [batch, seq], with the clean prompt's
// answer and wrong token per row.
struct PromptBatch {
    int64_t batch = 0, seq = 0;
    std::vector<int32_t> clean, corrupt, answer, wrong;
};

struct Options {
    std::vector<Method> methods{Method::Ap, Method::Atp, Method::Relp};
    std::vector<Component> components{Component::ResidPre, Component::AttnOut, Component::MlpOut, Component::Head};
    Direction direction = Direction::Denoising;
    int igSteps = 10;
    int64_t maxRowsPerPass = 4096;  // token rows per batched forward pass (AP packs nodes into one pass)
    size_t topK = 10;               // for the top-k overlap of the agreement table
};

struct ScoreMap {
    Method method = Method::Ap;
    Component component = Component::ResidPre;
    std::vector<int64_t> shape;       // per example: [B, L, T], [B, L, H] or [B, L, H, T]
    std::vector<double> perExample;   // row-major over `shape`
    std::vector<double> mean;         // the batch mean, shape without B
};

struct Agreement {
    Method method = Method::Atp;
    Component component = Component::ResidPre;
    double pearson = 0, spearman = 0, topK = 0;  // batch-mean maps, flattened (structural zeros included)
    double pearsonPerExample = 0;                // mean over examples of the per-example Pearson r
    size_t k = 0;
};

struct PatchingResult {
    std::vector<double> ldClean, ldCorrupt;  // per example
    double meanClean = 0, meanCorrupt = 0;   // the metric's baselines
    std::vector<double> metricBase;          // m_b of the base run (0 denoising, 1 noising, on average)
    std::vector<ScoreMap> maps;
    std::vector<Agreement> agreement;
    // AP of patching a whole layer tensor (all positions), [B, L], per component with IG: the
    // completeness check of relp.md §5.
    std::vector<ScoreMap> layerAp;
    int64_t forwardPasses = 0, backwardPasses = 0;

    const ScoreMap* find(Method m, Component c) const;
};

// Throws std::invalid_argument on inconsistent prompts (lengths, ids) or when the clean and
// corrupted logit differences coincide (the metric would divide by zero). Cancellable.
template <class S>
PatchingResult runPatching(const engine::Gpt2Model<S>& model, const PromptBatch& prompts, const Options& options,
                   const ProgressToken& progress = {});

}  // namespace scalpel::patching
