#include "widgets/plots/figure_export.h"

#include "widgets/plots/heatmap_figure.h"

#include <QBuffer>
#include <QFile>
#include <QFileInfo>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
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

bool figureToPdf(const AnyFigure& fig, const std::string& path, int width, int height, std::string* error) {
    const QString file = QString::fromStdString(path);
    {
        QPdfWriter pdf(file);
        pdf.setResolution(72);  // one layout pixel = one point
        pdf.setPageLayout(QPageLayout(QPageSize(QSizeF(width, height), QPageSize::Point, QString(), QPageSize::ExactMatch),
                                      QPageLayout::Portrait, QMarginsF(0, 0, 0, 0)));
        pdf.setCreator("Scalpel");
        QPainter painter;
        if (!painter.begin(&pdf)) {
            if (error) *error = path + ": cannot write the PDF (check the folder exists and is writable)";
            return false;
        }
        painter.fillRect(QRect(0, 0, width, height), Qt::white);
        PainterSurface s(painter);
        drawFigure(s, fig, Rect{kPad, kPad, width - 2 * kPad, height - 2 * kPad});
    }
    if (QFileInfo(file).size() <= 0) {
        if (error) *error = path + ": the PDF came out empty";
        return false;
    }
    return true;
}

bool exportFigure(const AnyFigure& fig, const std::string& path, int width, int height, double scale, std::string* error) {
    const QString suffix = QFileInfo(QString::fromStdString(path)).suffix().toLower();
    if (suffix == "pdf") return figureToPdf(fig, path, width, height, error);
    if (suffix == "png") {
        if (figureToImage(fig, width, height, scale).save(QString::fromStdString(path), "PNG")) return true;
        if (error) *error = path + ": cannot write the PNG (check the folder exists and is writable)";
        return false;
    }
    if (suffix == "svg") {
        QFile out(QString::fromStdString(path));
        const std::string svg = figureToSvg(fig, width, height);
        if (out.open(QIODevice::WriteOnly) && out.write(svg.data(), qint64(svg.size())) == qint64(svg.size())) return true;
        if (error) *error = path + ": cannot write the SVG (check the folder exists and is writable)";
        return false;
    }
    if (error) *error = path + ": unknown figure format '" + suffix.toStdString() + "' (use .png, .svg or .pdf)";
    return false;
}

}  // namespace scalpel::plots
