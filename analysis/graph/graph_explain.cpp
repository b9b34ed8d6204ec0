#include "analysis/graph/graph_explain.h"

#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "analysis/graph/graph_import.h"
#include "analysis/graph/graph_inputs.h"
#include "analysis/graph/graph_lrp_file.h"

namespace scalpel::graph {

std::optional<std::vector<int64_t>> parseLrpTargets(const std::string& text) {
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

Result<ExplainSummary> runExplainToFile(const ExplainRequest& q) {
    const auto targets = parseLrpTargets(q.targetText);
    if (!targets) return Error{"", "target must be a class index, 'pred', or a comma-separated list of them; given '" + q.targetText + "'"};
    auto model = loadGraphModel(q.modelPath);
    if (!model) return model.error();
    if (model->inputs().size() != 1)
        return Error{q.modelPath, "explain takes models with one input; this one has " + std::to_string(model->inputs().size())};
    auto x = readGraphInput(q.inputSpec);
    if (!x) return x.error();
    const auto& declared = model->values()[static_cast<size_t>(model->inputs()[0])].shape;
    if (x->rank() + 1 == static_cast<int64_t>(declared.size())) x->shape.insert(x->shape.begin(), 1);  // one example

    LrpOptions o = q.options;
    if (q.low) {
        o.low = Tensor();
        o.low->data[0] = static_cast<float>(*q.low);
        o.high = Tensor();
        o.high->data[0] = static_cast<float>(q.high.value_or(*q.low));
    }
    ExplainSummary s;
    try {
        s.result = explainLrp(*model, {*x}, *targets, o);
    } catch (const Cancelled&) {
        throw;
    } catch (const std::exception& e) {
        return Error{q.modelPath, e.what()};
    }
    const LrpResult& r = s.result;
    s.format = model->format;
    s.layout = x->rank() == 2 ? "NC" : model->inputLayout;
    nlohmann::json params = {{"rule", o.rule},
                             {"epsilon", o.epsilon},
                             {"gamma", o.gamma},
                             {"stabilizer", o.stabilizer},
                             {"target", q.targetText},
                             {"relevance_start", "one_hot_times_logit"},
                             {"explained_site", r.logitsSite},
                             {"skipped_softmax", r.skippedSoftmax},
                             {"merged_batchnorms", r.mergedBatchNorms},
                             {"node_rules", r.nodeRules}};
    if (o.rule == "alphabeta") params["alpha"] = o.alpha, params["beta"] = o.beta;
    if (q.low) params["low"] = *q.low, params["high"] = q.high.value_or(*q.low);
    LrpFileInfo info;
    info.inputLayout = s.layout;
    info.parametersJson = params.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    info.provenance.scalpelVersion = SCALPEL_VERSION_STRING;
    std::error_code ec;
    info.provenance.modelPath = std::filesystem::absolute(q.modelPath, ec).string();
    info.provenance.commandLine = q.commandLine.empty() ? "workbench: Analysis > Explain (LRP)" : q.commandLine;
    if (auto err = writeLrpResult(q.out, r, *x, info)) return *err;

    const int64_t B = r.logits.dim(0), K = r.logits.dim(1), per = x->numel() / std::max<int64_t>(B, 1);
    s.sums.assign(static_cast<size_t>(B), 0.0);
    for (int64_t i = 0; i < x->numel(); ++i) s.sums[static_cast<size_t>(i / per)] += r.inputs[0].data[static_cast<size_t>(i)];
    for (int64_t b = 0; b < B; ++b) s.targetLogits.push_back(r.logits.data[static_cast<size_t>(b * K + r.targets[static_cast<size_t>(b)])]);
    return s;
}

}  // namespace scalpel::graph
