#pragma once
// Colormaps for figures: a sequential map for magnitudes (viridis) and a colour-blind-safe
// diverging map for signed data centred at zero. Both are piecewise-linear through their
// published control points, so the code holds data, not a formula to get wrong.
#include <cstdint>
#include <span>

namespace scalpel::plots {

struct Rgb {
    float r = 0, g = 0, b = 0;  // each in [0, 1]
};

enum class ColormapKind : uint8_t {
    Viridis,    // sequential, perceptually uniform (van der Walt & Smith, matplotlib 2.0)
    Diverging,  // blue - near-white - red (ColorBrewer RdBu, recommended by Paul Tol as colour-blind safe)
};

class Colormap {
public:
    static const Colormap& get(ColormapKind kind);

    // Colour at t in [0, 1]; t outside is clamped, NaN gives nanColour().
    Rgb at(double t) const;
    // The same colour packed as 0xAABBGGRR (Dear ImGui's ImU32 layout), alpha opaque.
    uint32_t packed(double t) const;
    static Rgb nanColour() { return {0.55f, 0.55f, 0.55f}; }
    static uint32_t pack(Rgb c);

private:
    explicit Colormap(std::span<const Rgb> points) : points_(points) {}
    std::span<const Rgb> points_;  // evenly spaced control points from t = 0 to t = 1
};

// Position of `value` on a colormap spanning [vmin, vmax] (NaN stays NaN; vmin == vmax maps to 0.5).
double normalise(double value, double vmin, double vmax);

}  // namespace scalpel::plots
