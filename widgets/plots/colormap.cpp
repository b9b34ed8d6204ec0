#include "widgets/plots/colormap.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace scalpel::plots {
namespace {

// Every 16th entry of the published 256-entry viridis table (matplotlib _cm_listed.py,
// CC0), plus its last entry. Entries 0, 16, ..., 240 sit at t = i/255 and the last at 1;
// the spacing from 240 to 255 is 15, so a uniform grid is not exact: we interpolate on
// the true positions kViridisIndex[i] / 255 instead.
constexpr std::array<int, 17> kViridisIndex = {0,   16,  32,  48,  64,  80,  96,  112, 128,
                                               144, 160, 176, 192, 208, 224, 240, 255};
constexpr std::array<Rgb, 17> kViridis = {{
    {0.267004f, 0.004874f, 0.329415f}, {0.282327f, 0.094955f, 0.417331f},
    {0.278826f, 0.175490f, 0.483397f}, {0.258965f, 0.251537f, 0.524736f},
    {0.229739f, 0.322361f, 0.545706f}, {0.199430f, 0.387607f, 0.554642f},
    {0.172719f, 0.448791f, 0.557885f}, {0.149039f, 0.508051f, 0.557250f},
    {0.127568f, 0.566949f, 0.550556f}, {0.120638f, 0.625828f, 0.533488f},
    {0.157851f, 0.683765f, 0.501686f}, {0.246070f, 0.738910f, 0.452024f},
    {0.369214f, 0.788888f, 0.382914f}, {0.515992f, 0.831158f, 0.294279f},
    {0.678489f, 0.863742f, 0.189503f}, {0.845561f, 0.887322f, 0.099702f},
    {0.993248f, 0.906157f, 0.143936f},
}};

// ColorBrewer RdBu, 9 classes, reversed so negative = blue: #2166AC #4393C3 #92C5DE
// #D1E5F0 #F7F7F7 #FDDBC7 #F4A582 #D6604D #B2182B. Evenly spaced; the middle one is zero.
constexpr Rgb hex(uint32_t v) {
    return {float((v >> 16) & 0xFF) / 255.f, float((v >> 8) & 0xFF) / 255.f, float(v & 0xFF) / 255.f};
}
constexpr std::array<Rgb, 9> kDiverging = {hex(0x2166AC), hex(0x4393C3), hex(0x92C5DE),
                                           hex(0xD1E5F0), hex(0xF7F7F7), hex(0xFDDBC7),
                                           hex(0xF4A582), hex(0xD6604D), hex(0xB2182B)};

Rgb lerp(const Rgb& a, const Rgb& b, double f) {
    return {float(a.r + (b.r - a.r) * f), float(a.g + (b.g - a.g) * f), float(a.b + (b.b - a.b) * f)};
}

}  // namespace

const Colormap& Colormap::get(ColormapKind kind) {
    static const Colormap viridis{kViridis};
    static const Colormap diverging{kDiverging};
    return kind == ColormapKind::Viridis ? viridis : diverging;
}

Rgb Colormap::at(double t) const {
    if (std::isnan(t)) return nanColour();
    t = std::clamp(t, 0.0, 1.0);
    if (points_.data() == kViridis.data()) {
        // Non-uniform control positions (see kViridisIndex).
        double x = t * 255.0;
        size_t i = 0;
        while (i + 2 < kViridisIndex.size() && x > kViridisIndex[i + 1]) ++i;
        double f = (x - kViridisIndex[i]) / double(kViridisIndex[i + 1] - kViridisIndex[i]);
        return lerp(points_[i], points_[i + 1], f);
    }
    double x = t * double(points_.size() - 1);
    size_t i = std::min(size_t(x), points_.size() - 2);
    return lerp(points_[i], points_[i + 1], x - double(i));
}

uint32_t Colormap::pack(Rgb c) {
    auto byte = [](float v) { return uint32_t(std::lround(std::clamp(v, 0.f, 1.f) * 255.f)); };
    return 0xFF000000u | (byte(c.b) << 16) | (byte(c.g) << 8) | byte(c.r);
}

uint32_t Colormap::packed(double t) const { return pack(at(t)); }

double normalise(double value, double vmin, double vmax) {
    if (std::isnan(value)) return value;
    if (!(vmax > vmin)) return 0.5;
    return (value - vmin) / (vmax - vmin);
}

}  // namespace scalpel::plots
