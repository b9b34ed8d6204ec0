// scalpel patch: activation patching, attribution patching, RelP and integrated gradients on a
// GPT-2 model (specs/relp.md), with the agreement of every estimate with activation patching.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "analysis/engine/gpt2_weights.h"
#include "analysis/patching/patching_inputs.h"
#include "analysis/patching/patching_result_file.h"
#include "app/cli/cli.h"
#include "app/cli/cli_args.h"

namespace scalpel::cli {

namespace {
const char* kPatchUsage =
    "usage: scalpel patch --model PATH (--prompts FILE.jsonl | --ioi N [--corruption abc|s2swap] [--seed S])\n"
    "                     [--method ap,atp,relp,relp-ah,attnlrp,ig] [--components resid_pre,attn_out,mlp_out,head,head_pos]\n"
    "                     [--direction denoising|noising] [--ig-steps 10] [--top-k 10] [--no-bos] [--float64]\n"
    "                     --out RESULT.h5 [--json]\n"
    "  --model PATH        Hugging Face GPT-2 folder (tokenizer files needed for text prompts and --ioi)\n"
    "  --prompts FILE      JSONL, one pair a line: {\"clean\", \"corrupt\", \"answer\", \"wrong\"} as text or token ids\n"
    "  --ioi N             N built-in IOI prompt pairs (Wang et al. templates); --corruption abc (default) or s2swap\n"
    "  --method            comma-separated (default ap,atp,relp); relp = LN-rule + Identity rule, exact attention\n"
    "  --components        comma-separated (default resid_pre,attn_out,mlp_out,head)\n"
    "  --direction         denoising (default: base = corrupted, source = clean) or noising\n"
    "  --no-bos            do not prepend bos_token_id to text prompts (TransformerLens prepends it)\n"
    "  --float64           compute in float64 (validation; slower)\n"
    "  --json              print the summary (baselines and the agreement table) as JSON on stdout\n";

int bad(const std::string& message) {
    std::fprintf(stderr, "scalpel patch: %s\n", message.c_str());
    return kBadInput;
}

std::vector<std::string> splitList(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

void printTable(const patching::PatchingResult& r) {
    std::printf("logit difference: clean %.4f, corrupted %.4f (batch means over %zu prompts)\n", r.meanClean, r.meanCorrupt,
                r.ldClean.size());
    if (r.agreement.empty()) return;
    std::printf("\n%-10s %-10s %9s %9s %9s %14s\n", "method", "component", "pearson", "spearman", "top-k", "r per example");
    for (const auto& a : r.agreement)
        std::printf("%-10s %-10s %9.4f %9.4f %9.2f %14.4f\n", patching::methodName(a.method), patching::componentName(a.component),
                    a.pearson, a.spearman, a.topK, a.pearsonPerExample);
}
}  // namespace

int patch(const std::vector<std::string>& args) {
    ArgParser p("patch", kPatchUsage);
    std::string modelPath, promptsPath, corruption = "abc", methods = "ap,atp,relp",
                components = "resid_pre,attn_out,mlp_out,head", direction = "denoising", out;
    long long ioi = 0, seed = 0, igSteps = 10, topK = 10;
    bool json = false, noBos = false, float64 = false, ioiGiven = false;
    p.value("--model", modelPath).value("--prompts", promptsPath).value("--corruption", corruption);
    p.value("--method", methods).value("--components", components).value("--direction", direction).value("--out", out);
    p.integer("--ioi", ioi, &ioiGiven).integer("--seed", seed).integer("--ig-steps", igSteps).integer("--top-k", topK);
    p.flag("--json", json).flag("--no-bos", noBos).flag("--float64", float64);
    if (int rc = p.parse(args); rc >= 0) return rc;
    if (modelPath.empty() || out.empty()) return p.usageError("--model and --out are required");
    if (promptsPath.empty() == !ioiGiven) return p.usageError("give either --prompts or --ioi");
    if (ioiGiven && (ioi < 1 || ioi > 100000)) return p.usageError("--ioi needs a count between 1 and 100000");
    if (corruption != "abc" && corruption != "s2swap") return p.usageError("--corruption is abc or s2swap");
    if (igSteps < 1 || igSteps > 1000) return p.usageError("--ig-steps must be in [1, 1000]");
    if (topK < 1) return p.usageError("--top-k must be positive");

    patching::Options o;
    o.methods.clear();
    o.components.clear();
    for (const auto& m : splitList(methods)) {
        auto v = patching::parseMethod(m);
        if (!v) return p.usageError("unknown method '" + m + "' (ap, atp, relp, relp-ah, attnlrp, ig)");
        o.methods.push_back(*v);
    }
    for (const auto& c : splitList(components)) {
        auto v = patching::parseComponent(c);
        if (!v) return p.usageError("unknown component '" + c + "' (resid_pre, attn_out, mlp_out, head, head_pos)");
        o.components.push_back(*v);
    }
    if (o.methods.empty() || o.components.empty()) return p.usageError("--method and --components must name something");
    auto dir = patching::parseDirection(direction);
    if (!dir) return p.usageError("--direction is denoising or noising");
    o.direction = *dir;
    o.igSteps = int(igSteps);
    o.topK = size_t(topK);

    const auto start = std::chrono::steady_clock::now();
    patching::PatchingRequest request;
    request.modelPath = modelPath;
    request.promptsPath = promptsPath;
    request.ioiCount = int(ioi);
    request.corruption = corruption == "abc" ? patching::IoiCorruption::Abc : patching::IoiCorruption::S2Swap;
    request.seed = uint64_t(seed);
    request.bos = !noBos;
    auto inputs = patching::loadPatchingInputs(request);
    if (!inputs) return bad(inputs.error().what());
    for (const auto& w : inputs->weights.warnings) std::fprintf(stderr, "scalpel patch: warning: %s\n", w.c_str());
    const patching::PromptBatch& batch = inputs->batch;
    std::error_code ec;
    patching::PatchingRunInfo info;
    info.modelPath = std::filesystem::absolute(modelPath, ec).string();
    info.promptsSource = inputs->source;
    info.commandLine = joinArgs("patch", args);
    info.cleanTokens = inputs->cleanTokens;
    const std::string& source = inputs->source;

    ProgressToken progress([start](double f, const std::string& stage) {
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::fprintf(stderr, "[%3d%%] %7.2f s  %s\n", static_cast<int>(f * 100), elapsed, stage.c_str());
    });
    patching::PatchingResult result;
    try {
        if (float64) {
            const engine::Gpt2Model<double> model(engine::castWeights<double>(inputs->weights));
            result = patching::runPatching(model, batch, o, progress);
        } else {
            const engine::Gpt2Model<float> model(std::move(inputs->weights));
            result = patching::runPatching(model, batch, o, progress);
        }
    } catch (const std::invalid_argument& e) {
        return bad(source + ": " + e.what());
    }
    if (auto e = patching::writePatchingResult(out, result, o, batch, info)) {
        std::filesystem::remove(out, ec);
        return bad(e->what());
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (json) {
        auto s = patching::patchingSummary(result, o, info);
        s.erase("tokens");
        s["seconds"] = seconds;
        s["out"] = out;
        std::cout << s.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    } else {
        printTable(result);
        std::printf("\nwrote %s (%lld forward, %lld backward passes, %.2f s)\n", out.c_str(),
                    static_cast<long long>(result.forwardPasses), static_cast<long long>(result.backwardPasses), seconds);
    }
    return kOk;
}

}  // namespace scalpel::cli
