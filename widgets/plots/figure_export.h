#pragma once
// Export of any figure through the QPainter path: SVG text (QSvgGenerator) and PNG images.
// Needs a QGuiApplication (fonts), which may run on the offscreen platform.
#include <QImage>
#include <string>
#include <variant>

#include "widgets/plots/bar_figure.h"
#include "widgets/plots/heatmap.h"
#include "widgets/plots/line_figure.h"
#include "widgets/plots/scatter_figure.h"

namespace scalpel::plots {

using AnyFigure = std::variant<LineFigure, BarFigure, ScatterFigure, Heatmap>;

void drawFigure(DrawSurface& s, const AnyFigure& fig, const Rect& outer);
// A complete SVG document (UTF-8), width x height pixels, white background.
std::string figureToSvg(const AnyFigure& fig, int width, int height);
// The same SVG without the XML prolog, ready to inline into HTML.
std::string inlineSvg(const std::string& svgDocument);
QImage figureToImage(const AnyFigure& fig, int width, int height, double scale = 1);

}  // namespace scalpel::plots
