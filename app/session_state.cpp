#include "app/session_state.h"

#include <stdexcept>

namespace scalpel {

nlohmann::json styleToJson(const plots::HeatmapStyle& style) {
    return {{"colormap", style.colormap ? plots::colormapName(*style.colormap) : "auto"},
            {"scale", plots::scaleName(style.scale.kind)},
            {"gamma", style.scale.gamma}};
}

plots::HeatmapStyle styleFromJson(const nlohmann::json& j) {
    plots::HeatmapStyle s;
    plots::ColormapKind kind;
    if (plots::colormapFromName(setting<std::string>(j, "colormap", "auto"), kind)) s.colormap = kind;
    plots::ScaleKind scale;
    if (plots::scaleFromName(setting<std::string>(j, "scale", "linear"), scale)) s.scale.kind = scale;
    const double gamma = setting<double>(j, "gamma", 0.5);
    if (gamma > 0 && gamma < 100) s.scale.gamma = gamma;
    return s;
}

nlohmann::json zoomToJson(const plots::HeatmapView& view) { return {view.zoom, view.panX, view.panY}; }

plots::HeatmapView zoomFromJson(const nlohmann::json& j) {
    plots::HeatmapView v;
    if (j.is_array() && j.size() == 3 && j[0].is_number() && j[1].is_number() && j[2].is_number()) {
        const double zoom = j[0].get<double>();
        if (zoom >= 1 && zoom <= 1e6) v.zoom = zoom;
        v.panX = j[1].get<double>();
        v.panY = j[2].get<double>();
    }
    return v;
}

nlohmann::json cellToJson(const std::optional<plots::Cell>& cell) {
    return cell ? nlohmann::json::array({cell->row, cell->col}) : nlohmann::json(nullptr);
}

std::optional<plots::Cell> cellFromJson(const nlohmann::json& j) {
    if (j.is_array() && j.size() == 2 && j[0].is_number_integer() && j[1].is_number_integer())
        return plots::Cell{j[0].get<int64_t>(), j[1].get<int64_t>()};
    return std::nullopt;
}

nlohmann::json clipRequestToJson(const ClipJobRequest& r, const std::string& storedPath) {
    const clip::Options& o = r.options;
    nlohmann::json j = {{"embeddings", storedPath},
                        {"text_key", r.textKey},
                        {"image_key", r.imageKey},
                        {"kernel", clip::kernelName(o.kernel)},
                        {"sigma", o.sigma},
                        {"rff_dim", o.rffDim},
                        {"seed", o.seed},
                        {"route", clip::routeName(o.route)},
                        {"ridge", o.ridge},
                        {"clamp", o.clamp},
                        {"l2_normalise", o.l2Normalise},
                        {"nullify", r.nullify},
                        {"nullify_form", r.nullifyForm == clip::NullifyForm::Paper ? "paper" : "authors"},
                        {"sweep_points", r.sweepPoints}};
    j["cutoff"] = o.cutoff ? nlohmann::json(*o.cutoff) : nlohmann::json(nullptr);
    return j;
}

ClipJobRequest clipRequestFromJson(const nlohmann::json& j, const std::string& path) {
    auto bad = [](const std::string& what) { throw std::runtime_error("CLIP parameters in the session: " + what); };
    ClipJobRequest r;
    r.path = path;
    r.textKey = setting<std::string>(j, "text_key", r.textKey);
    r.imageKey = setting<std::string>(j, "image_key", r.imageKey);
    clip::Options& o = r.options;
    const auto kernel = clip::parseKernel(setting<std::string>(j, "kernel", clip::kernelName(o.kernel)));
    if (!kernel) bad("unknown kernel");
    o.kernel = *kernel;
    const auto route = clip::parseRoute(setting<std::string>(j, "route", clip::routeName(o.route)));
    if (!route) bad("unknown route");
    o.route = *route;
    o.sigma = setting<double>(j, "sigma", o.sigma);
    if (!(o.sigma > 0)) bad("sigma must be positive");
    o.rffDim = setting<int>(j, "rff_dim", o.rffDim);
    if (o.rffDim < 1 || o.rffDim > 1000000) bad("rff_dim out of range");
    o.seed = setting<uint64_t>(j, "seed", o.seed);
    o.ridge = setting<double>(j, "ridge", o.ridge);
    o.clamp = setting<double>(j, "clamp", o.clamp);
    o.l2Normalise = setting<bool>(j, "l2_normalise", o.l2Normalise);
    if (auto c = j.find("cutoff"); c != j.end() && c->is_number()) o.cutoff = c->get<double>();
    r.nullify = setting<bool>(j, "nullify", r.nullify);
    r.nullifyForm = setting<std::string>(j, "nullify_form", "paper") == "authors" ? clip::NullifyForm::Authors
                                                                                   : clip::NullifyForm::Paper;
    r.sweepPoints = setting<int>(j, "sweep_points", r.sweepPoints);
    if (r.sweepPoints < 0 || r.sweepPoints > 101) bad("sweep_points out of range");
    return r;
}

}  // namespace scalpel
