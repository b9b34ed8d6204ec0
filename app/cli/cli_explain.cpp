// scalpel explain --model FILE.onnx|FILE.h5: LRP relevance of a target class over the inputs of a
// graph model (analysis/graph/graph_lrp.h), written to a result file (method "lrp-explain").
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "analysis/graph/graph_import.h"
#include "analysis/graph/graph_inputs.h"
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

// "pred", "3" or "3,pred,1": -1 stands for pred.
std::optional<std::vector<int64_t>> parseTargets(const std::string& text) {
    std::vector<int64_t> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        if (item == "pred") {
            out.push_back(-1);
            continue;
        }
        if (item.empty() || item.find_first_not_of("0123456789") != std::string::npos || item.size() > 9) return std::nullopt;
        out.push_back(std::stoll(item));
    }
    if (out.empty()) return std::nullopt;
    return out;
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
    const auto targets = parseTargets(targetText);
    if (!targets) return p.usageError("--target must be a class index, 'pred', or a comma-separated list of them; given '" + targetText + "'");
    if (!(epsilon >= 0)) return p.usageError("--epsilon must be >= 0");
    if (!(gamma >= 0)) return p.usageError("--gamma must be >= 0");
    if (std::isnan(low) != std::isnan(high)) return p.usageError("--low and --high go together");
    if (!std::isnan(low) && !(low <= high)) return p.usageError("--low must not exceed --high");

    const auto t0 = std::chrono::steady_clock::now();
    auto model = graph::loadGraphModel(modelPath);
    if (!model) return bad(model.error().what());
    if (model->inputs().size() != 1)
        return bad(modelPath + ": explain takes models with one input; this one has " + std::to_string(model->inputs().size()));
    auto x = graph::readGraphInput(inputSpec);
    if (!x) return bad(x.error().what());
    const auto& declared = model->values()[static_cast<size_t>(model->inputs()[0])].shape;
    if (x->rank() + 1 == static_cast<int64_t>(declared.size())) x->shape.insert(x->shape.begin(), 1);

    graph::LrpOptions o;
    o.rule = canonical;
    o.epsilon = epsilon;
    o.gamma = gamma;
    o.alpha = alpha;
    o.beta = beta;
    if (!std::isnan(low)) {
        o.low = graph::Tensor();
        o.low->data[0] = static_cast<float>(low);
        o.high = graph::Tensor();
        o.high->data[0] = static_cast<float>(high);
    }
    graph::LrpResult r;
    try {
        r = graph::explainLrp(*model, {*x}, *targets, o);
    } catch (const std::exception& e) {
        return bad(modelPath + ": " + e.what());
    }

    const std::string layout = x->rank() == 2 ? "NC" : model->inputLayout;
    nlohmann::json params = {{"rule", canonical},
                             {"epsilon", epsilon},
                             {"gamma", gamma},
                             {"stabilizer", o.stabilizer},
                             {"target", targetText},
                             {"relevance_start", "one_hot_times_logit"},
                             {"explained_site", r.logitsSite},
                             {"skipped_softmax", r.skippedSoftmax},
                             {"merged_batchnorms", r.mergedBatchNorms},
                             {"node_rules", r.nodeRules}};
    if (canonical == "alphabeta") params["alpha"] = alpha, params["beta"] = beta;
    if (!std::isnan(low)) params["low"] = low, params["high"] = high;
    std::error_code ec;
    graph::LrpFileInfo info;
    info.inputLayout = layout;
    info.parametersJson = params.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    info.provenance.scalpelVersion = SCALPEL_VERSION_STRING;
    info.provenance.modelPath = std::filesystem::absolute(modelPath, ec).string();
    info.provenance.commandLine = joinArgs("explain", args);
    if (auto err = graph::writeLrpResult(out, r, *x, info)) return bad(err->what());

    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const int64_t B = r.logits.dim(0), K = r.logits.dim(1), per = x->numel() / std::max<int64_t>(B, 1);
    std::vector<double> sums(static_cast<size_t>(B), 0.0);
    for (int64_t i = 0; i < x->numel(); ++i) sums[static_cast<size_t>(i / per)] += r.inputs[0].data[static_cast<size_t>(i)];
    if (json) {
        nlohmann::json j = {{"model", modelPath}, {"format", model->format}, {"out", out}, {"rule", canonical},
                            {"batch", B}, {"classes", K}, {"input_layout", layout}, {"explained_site", r.logitsSite},
                            {"skipped_softmax", r.skippedSoftmax}, {"merged_batchnorms", r.mergedBatchNorms},
                            {"targets", r.targets}, {"relevance_sum", sums}, {"seconds", seconds}};
        std::vector<double> logit;
        for (int64_t b = 0; b < B; ++b) logit.push_back(r.logits.data[static_cast<size_t>(b * K + r.targets[static_cast<size_t>(b)])]);
        j["target_logit"] = logit;
        std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    } else {
        std::printf("wrote %s: %lld example(s), rule %s, logits of '%s'%s in %.2f s\n", out.c_str(), static_cast<long long>(B),
                    canonical.c_str(), r.logitsSite.c_str(), r.skippedSoftmax ? " (softmax skipped)" : "", seconds);
        for (int64_t b = 0; b < B; ++b) {
            const auto t = r.targets[static_cast<size_t>(b)];
            std::printf("  row %lld: target %lld, logit %.6g, relevance sum %.6g\n", static_cast<long long>(b), static_cast<long long>(t),
                        r.logits.data[static_cast<size_t>(b * K + t)], sums[static_cast<size_t>(b)]);
        }
    }
    return kOk;
}

}  // namespace scalpel::cli
