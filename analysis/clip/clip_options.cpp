#include "analysis/clip/clip_options.h"

namespace scalpel::clip {

const char* kernelName(Kernel k) {
    switch (k) {
        case Kernel::Gaussian: return "gaussian";
        case Kernel::Cosine: return "cosine";
        case Kernel::CosineCode: return "cosine-code";
    }
    return "?";
}

const char* routeName(Route r) {
    switch (r) {
        case Route::Auto: return "auto";
        case Route::Exact: return "exact";
        case Route::Rff: return "rff";
    }
    return "?";
}

std::optional<Kernel> parseKernel(const std::string& s) {
    if (s == "gaussian") return Kernel::Gaussian;
    if (s == "cosine") return Kernel::Cosine;
    if (s == "cosine-code") return Kernel::CosineCode;
    return std::nullopt;
}

std::optional<Route> parseRoute(const std::string& s) {
    if (s == "auto") return Route::Auto;
    if (s == "exact") return Route::Exact;
    if (s == "rff") return Route::Rff;
    return std::nullopt;
}

}  // namespace scalpel::clip
