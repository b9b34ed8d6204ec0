#include "widgets/plots/figure_export.h"

#include "widgets/plots/heatmap_figure.h"

#include <QBuffer>
#include <QPainter>
#include <QSvgGenerator>
#include <type_traits>

#include "widgets/plots/painter_surface.h"

namespace scalpel::plots {
namespace {
// Inner margin so that labels at the edges are not cut.
constexpr float kPad = 8;
}

void drawFigure(DrawSurface& s, const AnyFigure& fig, const Rect& outer) {
    std::visit(
        [&](const auto& f) {
            using F = std::decay_t<decltype(f)>;
            if constexpr (std::is_same_v<F, LineFigure>) drawLineFigure(s, f, outer);
            else if constexpr (std::is_same_v<F, BarFigure>) drawBarFigure(s, f, outer);
            else if constexpr (std::is_same_v<F, ScatterFigure>) drawScatterFigure(s, f, outer);
            else drawHeatmapFigure(s, f, outer);
        },
        fig);
}

std::string figureToSvg(const AnyFigure& fig, int width, int height) {
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    QSvgGenerator gen;
    gen.setOutputDevice(&buffer);
    gen.setSize(QSize(width, height));
    gen.setViewBox(QRect(0, 0, width, height));
    gen.setResolution(96);
    {
        QPainter painter(&gen);
        painter.fillRect(QRect(0, 0, width, height), Qt::white);
        PainterSurface s(painter);
        drawFigure(s, fig, Rect{kPad, kPad, width - 2 * kPad, height - 2 * kPad});
    }
    return buffer.data().toStdString();
}

std::string inlineSvg(const std::string& svg) {
    const auto at = svg.find("<svg");
    return at == std::string::npos ? svg : svg.substr(at);
}

QImage figureToImage(const AnyFigure& fig, int width, int height, double scale) {
    QImage image(int(width * scale), int(height * scale), QImage::Format_RGB32);
    image.fill(Qt::white);
    QPainter painter(&image);
    painter.scale(scale, scale);
    PainterSurface s(painter);
    drawFigure(s, fig, Rect{kPad, kPad, width - 2 * kPad, height - 2 * kPad});
    return image;
}

}  // namespace scalpel::plots
