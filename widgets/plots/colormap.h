#pragma once
// Colormaps for figures: sequential maps for magnitudes (viridis, magma) and a colour-blind-safe
// diverging map for signed data centred at zero. All are piecewise-linear through their
// published control points, so the code holds data, not a formula to get wrong. A ColourScale
// says how values reach the map (linear, symmetric about zero, log, gamma).
#include <cstdint>
#include <span>
#include <string>

namespace scalpel::plots {

struct Rgb {
    float r = 0, g = 0, b = 0;  // each in [0, 1]
};

enum class ColormapKind : uint8_t {
    Viridis,    // sequential, perceptually uniform (van der Walt & Smith, matplotlib 2.0)
    Diverging,  // blue - near-white - red (ColorBrewer RdBu, recommended by Paul Tol as colour-blind safe)
    Magma,      // sequential, perceptually uniform, black - purple - cream (same authors)
};

const char* colormapName(ColormapKind kind);  // "viridis", "diverging", "magma"
bool colormapFromName(const std::string& name, ColormapKind& out);

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
    Colormap(std::span<const Rgb> points, std::span<const int> index) : points_(points), index_(index) {}
    std::span<const Rgb> points_;
    std::span<const int> index_;  // control point i sits at t = index_[i] / index_.back(); empty: evenly spaced
};

// Position of `value` on a colormap spanning [vmin, vmax] (NaN stays NaN; vmin == vmax maps to 0.5).
double normalise(double value, double vmin, double vmax);

// How values reach the colormap. Linear: [vmin, vmax] evenly. Symmetric: the range widened to
// [-m, m], m = max(|vmin|, |vmax|), so zero sits in the middle. Log: log10 over [vmin, vmax] for
// positive ranges (vmin <= 0 is replaced by vmax * 1e-3 and smaller values clamp to the low end);
// for ranges with both signs a symmetric log, linear within ±m * 1e-3, with zero in the middle.
// Gamma: t^gamma for sequential maps; for ranges with both signs the distance from the middle is
// raised to gamma, sign kept (gamma < 1 brings out small values, > 1 the large ones).
enum class ScaleKind : uint8_t { Linear, Symmetric, Log, Gamma };

struct ColourScale {
    ScaleKind kind = ScaleKind::Linear;
    double gamma = 0.5;
    bool operator==(const ColourScale&) const = default;
};

const char* scaleName(ScaleKind kind);  // "linear", "symmetric", "log", "gamma"
bool scaleFromName(const std::string& name, ScaleKind& out);
// Position in [0, 1] (clamped; NaN stays NaN) of `value` under `scale` for the range [vmin, vmax].
double scalePosition(double value, double vmin, double vmax, const ColourScale& scale);
// The value drawn at position t in [0, 1]: the inverse of scalePosition inside the range.
double scaleValue(double t, double vmin, double vmax, const ColourScale& scale);
// Short text for the colour bar: "" for linear, else e.g. "log", "symlog", "gamma 0.5", "sym".
std::string scaleCaption(const ColourScale& scale, double vmin, double vmax);

}  // namespace scalpel::plots
