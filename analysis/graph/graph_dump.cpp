#include "analysis/graph/graph_dump.h"

#include <nlohmann/json.hpp>

#include "data/hdf5_handle.h"

#include <algorithm>
#include <filesystem>

namespace scalpel::graph {

namespace {

class GraphDumpWriter : public ScalpelFileWriter {
public:
    static Result<GraphDumpWriter> create(const std::string& path, const Provenance& provenance) {
        GraphDumpWriter w;
        if (auto e = createFile(w, path, kGraphDumpSchema, kGraphDumpVersion, provenance)) return *e;
        return w;
    }
};

void check(const std::optional<Error>& e) {
    if (e) throw FormatError(e->message);
}

std::span<const float> span(const Tensor& t) { return {t.data.data(), t.data.size()}; }

}  // namespace

std::string datasetName(const std::string& siteName) {
    std::string out;
    for (char c : siteName) {
        if (c == '%') out += "%25";
        else if (c == '/') out += "%2F";
        else out += c;
    }
    return out;
}

Result<GraphDumpSummary> runGraphToDump(const GraphModel& model, const std::vector<Tensor>& inputs,
                                        const std::vector<std::string>& sites, const std::string& outPath,
                                        const Provenance& provenance, const ProgressToken& progress) {
    ForwardOptions opt;
    opt.sites = sites;
    opt.progress = &progress;
    ForwardResult run;
    try {
        run = model.forward(inputs, opt);
    } catch (const GraphError& e) {
        return Error{outPath, e.what()};
    }
    progress.report(0.8, "writing");
    auto result = catchError(outPath, [&] {
        auto writer = GraphDumpWriter::create(outPath, provenance);
        if (!writer) throw FormatError(writer.error().message);
        check(writer->setAttribute("model_format", model.format));
        check(writer->setAttribute("input_layout", model.inputLayout));
        // Forward order and operator of every written site (JSON), so viewers can list them as
        // the model runs rather than alphabetically.
        {
            nlohmann::json order = nlohmann::json::array();
            for (const auto& s : model.siteNames())
                if (run.sites.count(s)) order.push_back(s);
            nlohmann::json ops = nlohmann::json::object();
            for (const auto& n : model.nodes())
                if (run.sites.count(n.name)) ops[n.name] = n.opType;
            check(writer->setAttribute("site_order", order.dump()));
            check(writer->setAttribute("site_ops", ops.dump()));
        }
        GraphDumpSummary summary;
        for (size_t k = 0; k < run.outputs.size(); ++k) {
            const Tensor& y = run.outputs[k];
            const std::string name = model.values()[static_cast<size_t>(model.outputs()[k])].name;
            check(writer->writeFloats(k == 0 ? "/outputs" : "/extra_outputs/" + datasetName(name), span(y), y.shape));
            summary.outputShapes.push_back(y.shape);
        }
        for (const auto& s : model.siteNames()) {
            auto it = run.sites.find(s);
            if (it == run.sites.end()) continue;
            check(writer->writeFloats("/sites/" + datasetName(s), span(it->second), it->second.shape));
            summary.sites.push_back(s);
            summary.siteShapes.push_back(it->second.shape);
        }
        const Tensor& y = run.outputs.front();
        if (y.rank() == 2 && y.dim(1) > 0)
            for (int64_t b = 0; b < y.dim(0); ++b) {
                const float* row = y.data.data() + b * y.dim(1);
                summary.argmax.push_back(std::max_element(row, row + y.dim(1)) - row);
            }
        check(writer->close());
        return summary;
    });
    if (!result) {
        std::error_code ec;
        if (std::filesystem::is_regular_file(outPath, ec)) std::filesystem::remove(outPath, ec);
    }
    return result;
}

}  // namespace scalpel::graph
