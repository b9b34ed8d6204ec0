#include "widgets/plots/colormap.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace scalpel::plots {
namespace {

// Every 16th entry of the published 256-entry viridis and magma tables (BIDS colormap
// project / matplotlib _cm_listed.py, CC0), plus their last entries. Entries 0, 16, ..., 240
// sit at t = i/255 and the last at 1; the spacing from 240 to 255 is 15, so a uniform grid is
// not exact: we interpolate on the true positions kSequentialIndex[i] / 255 instead.
constexpr std::array<int, 17> kSequentialIndex = {0,   16,  32,  48,  64,  80,  96,  112, 128,
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
constexpr std::array<Rgb, 17> kMagma = {{
    {0.001462f, 0.000466f, 0.013866f}, {0.039608f, 0.031090f, 0.133515f},
    {0.113094f, 0.065492f, 0.276784f}, {0.211718f, 0.061992f, 0.418647f},
    {0.316654f, 0.071690f, 0.485380f}, {0.414709f, 0.110431f, 0.504662f},
    {0.512831f, 0.148179f, 0.507648f}, {0.613617f, 0.181811f, 0.498536f},
    {0.716387f, 0.214982f, 0.475290f}, {0.816914f, 0.255895f, 0.436461f},
    {0.904281f, 0.319610f, 0.388137f}, {0.960949f, 0.418323f, 0.359630f},
    {0.986700f, 0.535582f, 0.382210f}, {0.996096f, 0.653659f, 0.446213f},
    {0.996898f, 0.769591f, 0.534892f}, {0.992440f, 0.884330f, 0.640099f},
    {0.987053f, 0.991438f, 0.749504f},
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
    static const Colormap viridis{kViridis, kSequentialIndex};
    static const Colormap magma{kMagma, kSequentialIndex};
    static const Colormap diverging{kDiverging, {}};
    switch (kind) {
        case ColormapKind::Magma: return magma;
        case ColormapKind::Diverging: return diverging;
        default: return viridis;
    }
}

Rgb Colormap::at(double t) const {
    if (std::isnan(t)) return nanColour();
    t = std::clamp(t, 0.0, 1.0);
    if (!index_.empty()) {
        const double x = t * double(index_.back());
        size_t i = 0;
        while (i + 2 < index_.size() && x > index_[i + 1]) ++i;
        const double f = (x - index_[i]) / double(index_[i + 1] - index_[i]);
        return lerp(points_[i], points_[i + 1], f);
    }
    const double x = t * double(points_.size() - 1);
    const size_t i = std::min(size_t(x), points_.size() - 2);
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

const char* colormapName(ColormapKind kind) {
    switch (kind) {
        case ColormapKind::Magma: return "magma";
        case ColormapKind::Diverging: return "diverging";
        default: return "viridis";
    }
}

bool colormapFromName(const std::string& name, ColormapKind& out) {
    for (ColormapKind k : {ColormapKind::Viridis, ColormapKind::Diverging, ColormapKind::Magma})
        if (name == colormapName(k)) {
            out = k;
            return true;
        }
    return false;
}

const char* scaleName(ScaleKind kind) {
    switch (kind) {
        case ScaleKind::Symmetric: return "symmetric";
        case ScaleKind::Log: return "log";
        case ScaleKind::Gamma: return "gamma";
        default: return "linear";
    }
}

bool scaleFromName(const std::string& name, ScaleKind& out) {
    for (ScaleKind k : {ScaleKind::Linear, ScaleKind::Symmetric, ScaleKind::Log, ScaleKind::Gamma})
        if (name == scaleName(k)) {
            out = k;
            return true;
        }
    return false;
}

namespace {

constexpr double kLogSpan = 1e-3;  // log scales cover three decades below the largest magnitude

bool bothSigns(double vmin, double vmax) { return vmin < 0 && vmax > 0; }
double magnitude(double vmin, double vmax) { return std::max(std::abs(vmin), std::abs(vmax)); }
// The low end of a positive log range.
double logLow(double vmin, double vmax) { return vmin > 0 ? vmin : vmax * kLogSpan; }
// Symmetric log: linear within ±c, logarithmic beyond, odd.
double symlog(double v, double c) { return std::copysign(std::log10(1 + std::abs(v) / c), v); }
double symexp(double y, double c) { return std::copysign(c * (std::pow(10.0, std::abs(y)) - 1), y); }

}  // namespace

double scalePosition(double value, double vmin, double vmax, const ColourScale& scale) {
    if (std::isnan(value)) return value;
    double t = 0.5;
    switch (scale.kind) {
        case ScaleKind::Linear: t = normalise(value, vmin, vmax); break;
        case ScaleKind::Symmetric: {
            const double m = magnitude(vmin, vmax);
            t = normalise(value, -m, m);
            break;
        }
        case ScaleKind::Log:
            if (bothSigns(vmin, vmax)) {
                const double m = magnitude(vmin, vmax), c = m * kLogSpan;
                t = 0.5 + 0.5 * symlog(value, c) / symlog(m, c);
            } else if (vmax > 0) {
                const double lo = logLow(vmin, vmax);
                t = value <= lo ? 0.0 : (vmax > lo ? std::log10(value / lo) / std::log10(vmax / lo) : 0.5);
            } else {
                t = normalise(value, vmin, vmax);  // no positive values: nothing to take a log of
            }
            break;
        case ScaleKind::Gamma: {
            const double g = scale.gamma > 0 ? scale.gamma : 1.0;
            const double lin = std::clamp(normalise(value, vmin, vmax), 0.0, 1.0);
            if (bothSigns(vmin, vmax)) {
                const double m = magnitude(vmin, vmax), s = std::clamp(value / m, -1.0, 1.0);
                t = 0.5 + 0.5 * std::copysign(std::pow(std::abs(s), g), s);
            } else {
                t = std::pow(lin, g);
            }
            break;
        }
    }
    return std::clamp(t, 0.0, 1.0);
}

double scaleValue(double t, double vmin, double vmax, const ColourScale& scale) {
    t = std::clamp(t, 0.0, 1.0);
    switch (scale.kind) {
        case ScaleKind::Linear: return vmin + (vmax - vmin) * t;
        case ScaleKind::Symmetric: {
            const double m = magnitude(vmin, vmax);
            return -m + 2 * m * t;
        }
        case ScaleKind::Log:
            if (bothSigns(vmin, vmax)) {
                const double m = magnitude(vmin, vmax), c = m * kLogSpan;
                return symexp((2 * t - 1) * symlog(m, c), c);
            }
            if (vmax > 0) {
                const double lo = logLow(vmin, vmax);
                return lo * std::pow(vmax / lo, t);
            }
            return vmin + (vmax - vmin) * t;
        case ScaleKind::Gamma: {
            const double g = scale.gamma > 0 ? scale.gamma : 1.0;
            if (bothSigns(vmin, vmax)) {
                const double s = 2 * t - 1;
                return magnitude(vmin, vmax) * std::copysign(std::pow(std::abs(s), 1 / g), s);
            }
            return vmin + (vmax - vmin) * std::pow(t, 1 / g);
        }
    }
    return vmin;
}

std::string scaleCaption(const ColourScale& scale, double vmin, double vmax) {
    char buf[32];
    switch (scale.kind) {
        case ScaleKind::Symmetric: return "sym";
        case ScaleKind::Log: return bothSigns(vmin, vmax) ? "symlog" : "log";
        case ScaleKind::Gamma: std::snprintf(buf, sizeof buf, "gamma %.2g", scale.gamma); return buf;
        default: return "";
    }
}

}  // namespace scalpel::plots
