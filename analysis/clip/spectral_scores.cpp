#include "analysis/clip/spectral_scores.h"

#include <cmath>

namespace scalpel::clip {

static Eigen::ArrayXd clamped(const Eigen::VectorXd& eig, double clamp) { return eig.array().max(clamp); }

double schurEntropyScore(const Eigen::VectorXd& eigenvalues, double clamp) {
    Eigen::ArrayXd l = clamped(eigenvalues, clamp);
    double S = l.sum();
    return std::exp(-(l * (l / S).log()).sum());
}

double normalisedVendi(const Eigen::VectorXd& eigenvalues, double clamp) {
    Eigen::ArrayXd p = clamped(eigenvalues, clamp);
    p /= p.sum();
    return std::exp(-(p * p.log()).sum());
}

double vonNeumannScore(const Eigen::VectorXd& eigenvalues, double clamp) {
    Eigen::ArrayXd l = clamped(eigenvalues, clamp);
    return std::exp(-(l * l.log()).sum());
}

VendiFamily vendiFamily(const Eigen::VectorXd& eigenvalues, double clamp) {
    Eigen::ArrayXd l = clamped(eigenvalues, clamp);
    auto order = [&](double a) { return std::exp(std::log(l.pow(a).sum()) / (1.0 - a)); };
    VendiFamily v;
    v.vendi1 = std::exp(-(l * l.log()).sum());
    v.vendi1_5 = order(1.5);
    v.vendi2 = order(2.0);
    v.vendi2_5 = order(2.5);
    v.vendiInf = 1.0 / l.maxCoeff();
    return v;
}

}  // namespace scalpel::clip
