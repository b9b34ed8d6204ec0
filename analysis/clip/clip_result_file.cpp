#include "analysis/clip/clip_result_file.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "data/activation_dump.h"

namespace scalpel::clip {
namespace {

using nlohmann::json;

json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json vendiJson(const VendiFamily& v) {
    return {{"vendi1", v.vendi1}, {"vendi1_5", v.vendi1_5}, {"vendi2_rke", v.vendi2}, {"vendi2_5", v.vendi2_5},
            {"vendi_inf", v.vendiInf}};
}

json parametersJson(const Options& o) {
    json p = {{"kernel", kernelName(o.kernel)}, {"route", routeName(o.route)}, {"sigma", o.sigma},
              {"rff_dim", o.rffDim}, {"seed", o.seed}, {"omega_given", o.omega.has_value()},
              {"ridge", o.ridge}, {"clamp", o.clamp}, {"l2_normalise", o.l2Normalise}};
    p["cutoff"] = o.cutoff ? json(*o.cutoff) : json("default m*2^-23");
    return p;
}

std::optional<Error> writeMatrix(ScalpelFileWriter& w, const std::string& path, const Eigen::MatrixXd& m) {
    // Row-major on disk, as every Scalpel dataset.
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = m;
    return w.writeDoubles(path, std::span<const double>(rm.data(), static_cast<size_t>(rm.size())), {m.rows(), m.cols()});
}

std::optional<Error> writeVector(ScalpelFileWriter& w, const std::string& path, const Eigen::VectorXd& v) {
    return w.writeDoubles(path, std::span<const double>(v.data(), static_cast<size_t>(v.size())), {v.size()});
}

}  // namespace

std::string clipSummaryJson(const Decomposition& d, const Options& o, const std::optional<Nullification>& nul) {
    json j = {{"sce", d.sce}, {"text_score", d.textScore}, {"trace_schur", d.traceSchur}, {"trace_text", d.traceText},
              {"trace_image", d.traceImage}, {"route", d.kernel + "/" + d.side}, {"kernel", d.kernel}, {"side", d.side},
              {"rank_kept", d.rankKept}, {"n", d.n}, {"d", d.d}, {"m", d.m}, {"cutoff_relative", d.cutoffRelative},
              {"gap_ratio", number(d.gapRatio)}, {"normalised_vendi_schur", d.normalisedVendiSchur},
              {"von_neumann_schur", d.vonNeumannSchur}, {"image_vendi", vendiJson(d.imageVendi)},
              {"text_vendi", vendiJson(d.textVendi)}, {"clip_score", d.clipScore},
              {"mean_cosine_x100", 100 * d.meanCosine}, {"warnings", d.warnings}, {"parameters", parametersJson(o)}};
    json groups = json::array();
    for (const auto& g : d.groups) groups.push_back({{"prompt", g.label}, {"size", g.size}, {"within_trace", g.withinTrace}});
    j["prompt_groups"] = groups.size() <= 1000 ? groups : json("more than 1000 groups: see the result file");
    if (nul)
        j["nullification"] = {{"mean_cosine_before", nul->meanCosineBefore}, {"mean_cosine_after", nul->meanCosineAfter},
                              {"rank_kept", nul->rankKept}};
    return j.dump(2);
}

std::optional<Error> writeClipResult(const std::string& path, const Decomposition& d, const Options& o,
                                     const std::optional<Nullification>& nul, const ClipRunInfo& info) {
    Provenance prov;
    prov.scalpelVersion = SCALPEL_VERSION_STRING;
    prov.commandLine = info.commandLine;
    auto created = ResultFileWriter::create(path, prov, "clip-schur", parametersJson(o).dump());
    if (!created) return created.error();
    ResultFileWriter& w = *created;
    json summary = json::parse(clipSummaryJson(d, o, nul));
    summary["inputs"] = {{"embeddings", info.embeddingsPath}, {"text_key", info.textKey}, {"image_key", info.imageKey},
                         {"omega", info.omegaSource}};
    for (auto err : {w.setAttribute("summary", summary.dump()), w.setAttribute("embeddings", info.embeddingsPath),
                     writeVector(w, "/results/spectrum_schur", d.spectrumSchur),
                     writeVector(w, "/results/spectrum_text", d.spectrumText),
                     writeVector(w, "/results/spectrum_image", d.spectrumImage),
                     writeVector(w, "/results/spectrum_text_cov", d.spectrumTextCov)})
        if (err) return err;
    if (d.omega.size() > 0)
        if (auto err = writeMatrix(w, "/results/omega", d.omega)) return err;
    Eigen::VectorXd sizes(static_cast<Eigen::Index>(d.groups.size())), traces(sizes.size());
    for (size_t i = 0; i < d.groups.size(); ++i) {
        sizes(static_cast<Eigen::Index>(i)) = d.groups[i].size;
        traces(static_cast<Eigen::Index>(i)) = d.groups[i].withinTrace;
    }
    if (auto err = writeVector(w, "/results/groups/size", sizes)) return err;
    if (auto err = writeVector(w, "/results/groups/within_trace", traces)) return err;
    if (nul) {
        for (auto err : {writeMatrix(w, "/results/nullification/corrected", nul->corrected), writeMatrix(w, "/results/nullification/map", nul->map),
                         writeVector(w, "/results/nullification/cosine_before", nul->cosineBefore),
                         writeVector(w, "/results/nullification/cosine_after", nul->cosineAfter)})
            if (err) return err;
    }
    return w.close();
}

}  // namespace scalpel::clip
