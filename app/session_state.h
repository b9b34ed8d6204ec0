#pragma once
// View settings and method parameters as session JSON (data/session_file.h holds the file
// format). Readers are lenient: a missing or mistyped setting keeps the view's default, so a
// hand-edited session still opens; the file's structure itself is validated by parseSession.
#include <optional>

#include <nlohmann/json.hpp>

#include "app/clip_job.h"
#include "widgets/plots/heatmap.h"

namespace scalpel {

nlohmann::json styleToJson(const plots::HeatmapStyle& style);
plots::HeatmapStyle styleFromJson(const nlohmann::json& j);

nlohmann::json zoomToJson(const plots::HeatmapView& view);
plots::HeatmapView zoomFromJson(const nlohmann::json& j);

nlohmann::json cellToJson(const std::optional<plots::Cell>& cell);  // [row, col] or null
std::optional<plots::Cell> cellFromJson(const nlohmann::json& j);

nlohmann::json clipRequestToJson(const ClipJobRequest& request, const std::string& storedPath);
// `path` is the resolved embeddings file. Throws std::runtime_error naming a bad parameter.
ClipJobRequest clipRequestFromJson(const nlohmann::json& j, const std::string& path);

// A setting of a view object, or `fallback` when absent or of another type.
template <typename T>
T setting(const nlohmann::json& view, const char* key, T fallback) {
    auto it = view.find(key);
    if (it == view.end()) return fallback;
    try {
        return it->get<T>();
    } catch (const std::exception&) {
        return fallback;
    }
}

}  // namespace scalpel
