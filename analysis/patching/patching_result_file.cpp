#include "analysis/patching/patching_result_file.h"

#include <cmath>

#include "data/activation_dump.h"
#include "data/tensor_file.h"

namespace scalpel::patching {

using nlohmann::json;

namespace {

json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json parametersJson(const Options& o) {
    json methods = json::array(), components = json::array();
    for (Method m : o.methods) methods.push_back(methodName(m));
    for (Component c : o.components) components.push_back(componentName(c));
    return {{"methods", methods},
            {"components", components},
            {"direction", directionName(o.direction)},
            {"ig_steps", o.igSteps},
            {"top_k", o.topK},
            {"metric", "normalised IOI logit difference (relp.md §1): clean = 1, corrupted = 0, batch-mean baselines"},
            {"rule_sets",
             {{"relp", "LN-rule + Identity rule on GELU (eps 1e-6) + Half-rule; exact attention"},
              {"relp-ah", "relp + AH-rule (pattern constant)"},
              {"attnlrp", "relp + AttnLRP attention (x1/4 at q, k; x1/2 at v)"},
              {"atp", "plain gradient"}}}};
}

// A map read back must have the shape its component implies, or a view would index past it.
void checkMap(const std::string& name, Component c, const std::vector<int64_t>& shape, size_t size, size_t meanSize, size_t batch) {
    const size_t rank = c == Component::HeadPos ? 4 : 3;
    if (shape.size() != rank || shape[0] != int64_t(batch))
        fail(name + ": expected rank " + std::to_string(rank) + " with " + std::to_string(batch) + " prompts first");
    size_t n = 1;
    for (int64_t d : shape) {
        if (d <= 0 || d > (int64_t(1) << 24)) fail(name + ": implausible dimension " + std::to_string(d));
        n *= size_t(d);
    }
    if (n != size || meanSize * batch != n) fail(name + ": its _mean dataset does not match its shape");
}

std::string mapPath(Method m, Component c) { return std::string("/results/") + methodName(m) + "/" + componentName(c); }

}  // namespace

json patchingSummary(const PatchingResult& r, const Options& o, const PatchingRunInfo& info) {
    json s = parametersJson(o);
    s["model"] = info.modelPath;
    s["prompts"] = info.promptsSource;
    s["batch"] = r.ldClean.size();
    s["ld_clean"] = r.ldClean;
    s["ld_corrupt"] = r.ldCorrupt;
    s["ld_clean_mean"] = r.meanClean;
    s["ld_corrupt_mean"] = r.meanCorrupt;
    s["forward_passes"] = r.forwardPasses;
    s["backward_passes"] = r.backwardPasses;
    json table = json::array();
    for (const auto& a : r.agreement)
        table.push_back({{"method", methodName(a.method)},
                         {"component", componentName(a.component)},
                         {"pearson", number(a.pearson)},
                         {"spearman", number(a.spearman)},
                         {"top_k_overlap", number(a.topK)},
                         {"k", a.k},
                         {"pearson_per_example", number(a.pearsonPerExample)}});
    s["agreement"] = table;
    // IG completeness: per layer, the sum of IG over a layer's nodes against AP of the whole layer.
    json completeness = json::array();
    for (const auto& layer : r.layerAp) {
        const ScoreMap* ig = r.find(Method::Ig, layer.component);
        if (!ig) continue;
        const int64_t L = layer.shape[1], T = ig->shape[2];
        for (int64_t l = 0; l < L; ++l) {
            double sum = 0;
            for (int64_t t = 0; t < T; ++t) sum += ig->mean[size_t(l * T + t)];
            completeness.push_back({{"component", componentName(layer.component)}, {"layer", l}, {"ig_sum", sum},
                                    {"ap_whole_layer", layer.mean[size_t(l)]}});
        }
    }
    s["ig_completeness"] = completeness;
    if (!info.cleanTokens.empty()) s["tokens"] = info.cleanTokens;
    return s;
}

std::optional<Error> writePatchingResult(const std::string& path, const PatchingResult& r, const Options& o,
                                         const PromptBatch& p, const PatchingRunInfo& info) {
    Provenance prov;
    prov.scalpelVersion = SCALPEL_VERSION_STRING;
    prov.modelPath = info.modelPath;
    prov.commandLine = info.commandLine;
    auto created = ResultFileWriter::create(path, prov, "relevance-patching", parametersJson(o).dump());
    if (!created) return created.error();
    auto& w = *created;
    if (auto e = w.setAttribute("summary", patchingSummary(r, o, info).dump(-1, ' ', false, json::error_handler_t::replace)))
        return e;
    auto ids = [&](const std::vector<int32_t>& v, std::vector<int64_t> shape, const std::string& name) {
        std::vector<double> d(v.begin(), v.end());
        return w.writeDoubles(name, d, shape);
    };
    for (auto e : {ids(p.clean, {p.batch, p.seq}, "/results/tokens/clean"), ids(p.corrupt, {p.batch, p.seq}, "/results/tokens/corrupt"),
                   ids(p.answer, {p.batch}, "/results/tokens/answer"), ids(p.wrong, {p.batch}, "/results/tokens/wrong"),
                   w.writeDoubles("/results/ld_clean", r.ldClean, {int64_t(r.ldClean.size())}),
                   w.writeDoubles("/results/ld_corrupt", r.ldCorrupt, {int64_t(r.ldCorrupt.size())}),
                   w.writeDoubles("/results/metric_base", r.metricBase, {int64_t(r.metricBase.size())})})
        if (e) return e;
    for (const auto& m : r.maps) {
        if (auto e = w.writeDoubles(mapPath(m.method, m.component), m.perExample, m.shape)) return e;
        std::vector<int64_t> meanShape(m.shape.begin() + 1, m.shape.end());
        if (auto e = w.writeDoubles(mapPath(m.method, m.component) + "_mean", m.mean, meanShape)) return e;
    }
    for (const auto& m : r.layerAp)
        if (auto e = w.writeDoubles(std::string("/results/ap_layer/") + componentName(m.component), m.perExample, m.shape)) return e;
    return w.close();
}

scalpel::Result<PatchingFile> readPatchingResult(const std::string& path) {
    auto file = openTensorFile(path);
    if (!file) return file.error();
    return catchError(path, [&] {
        auto method = file->metadata.find("method");
        if (method == file->metadata.end() || method->second != "relevance-patching")
            fail("not a relevance-patching result file (root attribute method = \"relevance-patching\" expected)");
        auto summary = file->metadata.find("summary");
        if (summary == file->metadata.end()) fail("missing root attribute \"summary\"");
        PatchingFile out;
        try {
            out.summary = json::parse(summary->second);
        } catch (const json::exception& e) {
            fail(std::string("root attribute \"summary\" is not JSON: ") + e.what());
        }
        auto doubles = [&](const std::string& name) {
            auto d = readDatasetDouble(path, name);
            if (!d) fail(d.error().message);
            return std::move(*d);
        };
        PatchingResult& r = out.result;
        try {
            r.ldClean = doubles("/results/ld_clean").values;
            r.ldCorrupt = doubles("/results/ld_corrupt").values;
            r.metricBase = doubles("/results/metric_base").values;
            if (r.ldClean.empty() || r.ldCorrupt.size() != r.ldClean.size() || r.metricBase.size() != r.ldClean.size())
                fail("/results/ld_clean, ld_corrupt and metric_base must have one entry per prompt");
            r.meanClean = out.summary.value("ld_clean_mean", 0.0);
            r.meanCorrupt = out.summary.value("ld_corrupt_mean", 0.0);
            for (const auto& mName : out.summary.at("methods"))
                for (const auto& cName : out.summary.at("components")) {
                    auto m = parseMethod(mName.get<std::string>());
                    auto c = parseComponent(cName.get<std::string>());
                    if (!m || !c) fail("unknown method or component in the summary");
                    auto data = doubles(mapPath(*m, *c));
                    auto mean = doubles(mapPath(*m, *c) + "_mean");
                    checkMap(mapPath(*m, *c), *c, data.shape, data.values.size(), mean.values.size(), r.ldClean.size());
                    if (!r.maps.empty() && r.maps.front().shape[1] != data.shape[1])
                        fail(mapPath(*m, *c) + ": layer count differs from " + mapPath(r.maps.front().method, r.maps.front().component));
                    r.maps.push_back({*m, *c, data.shape, std::move(data.values), std::move(mean.values)});
                }
            for (const auto& a : out.summary.at("agreement")) {
                Agreement g;
                const auto m = parseMethod(a.at("method").get<std::string>());
                const auto c = parseComponent(a.at("component").get<std::string>());
                if (!m || !c) fail("unknown method or component in the summary's agreement table");
                g.method = *m;
                g.component = *c;
                auto num = [&](const char* k) { return a.at(k).is_null() ? std::nan("") : a.at(k).get<double>(); };
                g.pearson = num("pearson");
                g.spearman = num("spearman");
                g.topK = num("top_k_overlap");
                g.pearsonPerExample = num("pearson_per_example");
                g.k = a.at("k").get<size_t>();
                r.agreement.push_back(g);
            }
        } catch (const json::exception& e) {
            fail(std::string("the summary does not describe the datasets: ") + e.what());
        }
        return out;
    });
}

}  // namespace scalpel::patching
