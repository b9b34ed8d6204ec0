#pragma once
// Options of the Schur-complement CLIP decomposition (specs/clip_schur.md §8 defaults).
#include <cstdint>
#include <optional>
#include <string>

#include <Eigen/Core>

namespace scalpel::clip {

enum class Kernel {
    Gaussian,    // exp(-|x-y|^2 / (2 sigma^2)); random Fourier features or exact (route)
    Cosine,      // the paper's cosine: phi(x) = x / |x|
    CosineCode,  // the authors' shipped "cosine": feature columns normalised, divided by d
};

enum class Route {
    Auto,   // the kernel's feature map, evaluated on the cheaper side (Gram when n < m)
    Exact,  // exact kernel through n x n Gram matrices
    Rff,    // the feature map on the feature side (m x m covariances), whatever n is
};

struct Options {
    Kernel kernel = Kernel::Gaussian;
    double sigma = 3.5;
    int rffDim = 2500;                       // D; m = 2D features
    uint64_t seed = 0;                       // for the random Fourier frequencies
    std::optional<Eigen::MatrixXd> omega;    // d x D frequencies given by the user (overrides seed)
    Route route = Route::Auto;
    std::optional<double> cutoff;            // relative pinv cut-off; default m * 2^-23 (torch float32 pinv)
    double ridge = 1e-12;                    // added to C_TT before the eigendecomposition, as the reference code
    double clamp = 1e-10;                    // eigenvalue floor in the entropy
    bool l2Normalise = false;                // off by default, as the reference code
};

const char* kernelName(Kernel k);
const char* routeName(Route r);
std::optional<Kernel> parseKernel(const std::string& s);  // gaussian | cosine | cosine-code
std::optional<Route> parseRoute(const std::string& s);    // auto | exact | rff

}  // namespace scalpel::clip
