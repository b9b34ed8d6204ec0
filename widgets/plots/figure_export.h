#pragma once
// Export of any figure through the QPainter path: SVG text (QSvgGenerator), PNG images at any
// scale and single-page vector PDFs (QPdfWriter), all from the same drawing code as the report.
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
// A one-page PDF of width x height points holding the figure as vector graphics.
bool figureToPdf(const AnyFigure& fig, const std::string& path, int width, int height, std::string* error = nullptr);
// Writes `path` in the format its extension names (.png, .svg, .pdf); `scale` multiplies the
// pixel size of PNGs (2 = 192 dpi for a 96 dpi layout). On failure returns false with the reason.
bool exportFigure(const AnyFigure& fig, const std::string& path, int width, int height, double scale = 2,
                  std::string* error = nullptr);

}  // namespace scalpel::plots
