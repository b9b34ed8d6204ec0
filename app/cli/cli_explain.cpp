// scalpel explain --model FILE.onnx|FILE.h5: LRP relevance of a target class over the inputs of a
// graph model (analysis/graph/graph_lrp.h), written to a result file (method "lrp-explain").
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "analysis/graph/graph_import.h"
#include "analysis/graph/graph_explain.h"
#include "analysis/graph/graph_lrp.h"
#include "analysis/graph/graph_lrp_file.h"
#include "app/cli/cli.h"
#include "app/cli/cli_args.h"
#include "data/tensor_file.h"

namespace scalpel::cli {

namespace {
const char* kExplainUsage =
    "usage: scalpel explain --model FILE.onnx|FILE.h5 --inputs FILE[:NAME] [--target CLASS|pred] [--rule NAME]\n"
    "                       [--epsilon E] [--gamma G] [--alpha A --beta B] [--low L --high H] --out R.h5 [--json]\n"
    "  --model FILE      ONNX model, or Keras 2 .h5 full model (a classifier: logits [batch, classes])\n"
    "  --inputs FILE     float inputs: NPY, NPZ or HDF5 (FILE:NAME picks a member/dataset), shape [batch, ...]\n"
    "                    as the model declares it (Keras images NHWC, ONNX NCHW); one example without the\n"
    "                    batch dim is accepted and written as a batch of one\n"
    "  --target T        class to explain: an index, 'pred' (each example's largest logit; default), or a\n"
    "                    comma-separated list with one entry per example\n"
    "  --rule NAME       composite: EpsilonPlus (default), EpsilonPlusFlat, EpsilonAlpha2Beta1,\n"
    "                    EpsilonAlpha2Beta1Flat, EpsilonGammaBox; or one rule for every dense/conv layer:\n"
    "                    epsilon, zplus, alpha2beta1, alpha1beta0, alphabeta, gamma, flat, wsquare\n"
    "  --epsilon E       epsilon of the dense layers / the epsilon rule (default 1e-6; 0 = LRP-0)\n"
    "  --gamma G         gamma of EpsilonGammaBox's convs / the gamma rule (default 0.25)\n"
    "  --alpha A --beta B  the alphabeta rule (alpha - beta = 1; default 2, 1)\n"
    "  --low L --high H  z^B input bounds of EpsilonGammaBox's first conv (default: the batch's min and max)\n"
    "  --json            print a JSON summary on stdout\n";

int bad(const std::string& message) {
    std::fprintf(stderr, "scalpel explain: %s\n", message.c_str());
    return kBadInput;
}

}  // namespace

int explain(const std::vector<std::string>& args) {
    ArgParser p("explain", kExplainUsage);
    std::string modelPath, inputSpec, out, targetText = "pred", rule = "EpsilonPlus";
    double epsilon = 1e-6, gamma = 0.25, alpha = 2, beta = 1, low = std::nan(""), high = std::nan("");
    bool json = false;
    p.value("--model", modelPath).value("--inputs", inputSpec).value("--out", out).value("--target", targetText).value("--rule", rule)
        .number("--epsilon", epsilon).number("--gamma", gamma).number("--alpha", alpha).number("--beta", beta)
        .number("--low", low).number("--high", high).flag("--json", json);
    if (int rc = p.parse(args); rc >= 0) return rc;
    if (modelPath.empty()) return p.usageError("--model is required");
    if (inputSpec.empty()) return p.usageError("--inputs is required");
    if (out.empty()) return p.usageError("--out is required");
    std::string canonical;
    try {
        canonical = graph::canonicalLrpRule(rule);
    } catch (const graph::GraphError& e) {
        return p.usageError(e.what());
    }
    if (!graph::parseLrpTargets(targetText))
        return p.usageError("--target must be a class index, 'pred', or a comma-separated list of them; given '" + targetText + "'");
    if (!(epsilon >= 0)) return p.usageError("--epsilon must be >= 0");
    if (!(gamma >= 0)) return p.usageError("--gamma must be >= 0");
    if (std::isnan(low) != std::isnan(high)) return p.usageError("--low and --high go together");
    if (!std::isnan(low) && !(low <= high)) return p.usageError("--low must not exceed --high");

    const auto t0 = std::chrono::steady_clock::now();
    graph::ExplainRequest q;
    q.modelPath = modelPath;
    q.inputSpec = inputSpec;
    q.out = out;
    q.targetText = targetText;
    q.options.rule = canonical;
    q.options.epsilon = epsilon;
    q.options.gamma = gamma;
    q.options.alpha = alpha;
    q.options.beta = beta;
    if (!std::isnan(low)) q.low = low, q.high = high;
    q.commandLine = joinArgs("explain", args);
    auto done = graph::runExplainToFile(q);
    if (!done) return bad(done.error().what());
    const graph::LrpResult& r = done->result;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const int64_t B = r.logits.dim(0), K = r.logits.dim(1);
    if (json) {
        nlohmann::json j = {{"model", modelPath}, {"format", done->format}, {"out", out}, {"rule", canonical},
                            {"batch", B}, {"classes", K}, {"input_layout", done->layout}, {"explained_site", r.logitsSite},
                            {"skipped_softmax", r.skippedSoftmax}, {"merged_batchnorms", r.mergedBatchNorms},
                            {"targets", r.targets}, {"relevance_sum", done->sums}, {"seconds", seconds},
                            {"target_logit", done->targetLogits}};
        std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    } else {
        std::printf("wrote %s: %lld example(s), rule %s, logits of '%s'%s in %.2f s\n", out.c_str(), static_cast<long long>(B),
                    canonical.c_str(), r.logitsSite.c_str(), r.skippedSoftmax ? " (softmax skipped)" : "", seconds);
        for (int64_t b = 0; b < B; ++b)
            std::printf("  row %lld: target %lld, logit %.6g, relevance sum %.6g\n", static_cast<long long>(b),
                        static_cast<long long>(r.targets[static_cast<size_t>(b)]), done->targetLogits[static_cast<size_t>(b)],
                        done->sums[static_cast<size_t>(b)]);
    }
    return kOk;
}

}  // namespace scalpel::cli
