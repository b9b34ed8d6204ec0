#include "widgets/views/patching_figures.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "analysis/common/agreement.h"
#include "widgets/views/token_label.h"

namespace scalpel {

using patching::Component;
using patching::Method;

const char* methodDisplayName(Method m) {
    switch (m) {
        case Method::Ap: return "AP";
        case Method::Atp: return "AtP";
        case Method::Relp: return "RelP";
        case Method::RelpAh: return "RelP+AH";
        case Method::AttnLrp: return "RelP+AttnLRP";
        case Method::Ig: return "IG";
    }
    return "?";
}

namespace {

std::vector<double> valuesOf(const patching::ScoreMap& m, int example) {
    if (example < 0) return m.mean;
    const size_t per = m.mean.size();
    return {m.perExample.begin() + ptrdiff_t(size_t(example) * per), m.perExample.begin() + ptrdiff_t(size_t(example + 1) * per)};
}

}  // namespace

PatchingFigures buildPatchingFigures(const patching::PatchingResult& r, const nlohmann::json& summary, Component c, int example,
                                     bool sharedScale) {
    PatchingFigures out;
    std::vector<const patching::ScoreMap*> maps;
    if (const auto* ap = r.find(Method::Ap, c)) maps.push_back(ap);
    for (const auto& m : r.maps)
        if (m.component == c && m.method != Method::Ap) maps.push_back(&m);
    if (maps.empty()) return out;
    const auto& shape = maps.front()->shape;
    const int64_t L = shape[1];
    int64_t rows = L, cols = shape[2];
    if (c == Component::HeadPos) {
        rows = L * shape[2];
        cols = shape[3];
    }
    std::vector<std::string> rowLabels, colLabels;
    for (int64_t l = 0; l < L; ++l) {
        if (c == Component::HeadPos)
            for (int64_t h = 0; h < shape[2]; ++h) rowLabels.push_back("L" + std::to_string(l) + ".H" + std::to_string(h));
        else
            rowLabels.push_back(std::string("L").append(std::to_string(l)));
    }
    // Token labels of the shown example (example 0 for the batch mean: prompts share a template).
    const size_t ex = size_t(std::max(0, example));
    for (int64_t j = 0; j < cols; ++j) {
        if (c == Component::Head)
            colLabels.push_back(std::string("H").append(std::to_string(j)));
        else if (summary.contains("tokens") && summary["tokens"].is_array() && ex < summary["tokens"].size() &&
                 summary["tokens"][ex].is_array() && size_t(j) < summary["tokens"][ex].size() && summary["tokens"][ex][size_t(j)].is_string())
            colLabels.push_back(tokenAxisLabel(summary["tokens"][ex][size_t(j)].get<std::string>()));
        else
            colLabels.push_back(std::to_string(j));
    }
    std::vector<std::vector<double>> values;
    double sharedMax = 0;
    for (const auto* m : maps) {
        values.push_back(valuesOf(*m, example));
        for (double v : values.back())
            if (std::isfinite(v)) sharedMax = std::max(sharedMax, std::abs(v));
    }
    const bool haveAp = maps.front()->method == Method::Ap;
    for (size_t i = 0; i < maps.size(); ++i) {
        plots::Heatmap hm;
        hm.rows = rows;
        hm.cols = cols;
        hm.rowLabels = rowLabels;
        hm.colLabels = colLabels;
        hm.values.assign(values[i].begin(), values[i].end());
        hm.colormap = plots::ColormapKind::Diverging;
        double mx = sharedScale ? sharedMax : 0;
        if (!sharedScale)
            for (double v : values[i])
                if (std::isfinite(v)) mx = std::max(mx, std::abs(v));
        if (mx <= 0) mx = 1;
        hm.vmin = float(-mx);
        hm.vmax = float(mx);
        hm.title = std::string(methodDisplayName(maps[i]->method)) + " — " + patching::componentName(c);
        if (i > 0 && haveAp) {
            char r[48];
            std::snprintf(r, sizeof r, " (r = %.3f)", pearson(values[i], values[0]));
            hm.title += r;
            plots::ScatterFigure s;
            s.text = {std::string(methodDisplayName(maps[i]->method)) + " vs AP" + r, "activation patching",
                      methodDisplayName(maps[i]->method)};
            plots::PointSet set;
            set.name = methodDisplayName(maps[i]->method);
            set.x = values[0];
            set.y = values[i];
            s.sets.push_back(std::move(set));
            out.scatters.push_back(std::move(s));
        }
        out.heatmaps.push_back(std::move(hm));
        out.methods.push_back(maps[i]->method);
    }
    return out;
}

}  // namespace scalpel
