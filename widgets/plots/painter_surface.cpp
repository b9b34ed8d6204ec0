#include "widgets/plots/painter_surface.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QPainterPath>
#include <QPolygonF>

namespace scalpel::plots {
namespace {
QColor qcol(Rgb c, float alpha = 1) { return QColor::fromRgbF(c.r, c.g, c.b, alpha); }
}  // namespace

PainterSurface::PainterSurface(QPainter& painter) : p_(painter) {
    QFont font(QStringLiteral("DejaVu Sans"));
    font.setPixelSize(13);  // pixel size: the same text size in SVG and PNG
    p_.setFont(font);
    p_.setRenderHint(QPainter::Antialiasing);
    p_.setRenderHint(QPainter::TextAntialiasing);
}

void PainterSurface::line(float x0, float y0, float x1, float y1, Rgb c, float width, bool dashed) {
    QPen pen(qcol(c), width);
    if (dashed) pen.setStyle(Qt::DashLine);
    p_.setPen(pen);
    p_.drawLine(QPointF(x0, y0), QPointF(x1, y1));
}

void PainterSurface::polyline(const std::vector<std::pair<float, float>>& points, Rgb c, float width) {
    QPolygonF poly;
    for (auto [x, y] : points) poly << QPointF(x, y);
    p_.setPen(QPen(qcol(c), width, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    p_.setBrush(Qt::NoBrush);
    p_.drawPolyline(poly);
}

void PainterSurface::fillRect(const Rect& r, Rgb c) { p_.fillRect(QRectF(r.x, r.y, r.w, r.h), qcol(c)); }

void PainterSurface::strokeRect(const Rect& r, Rgb c, float width) {
    p_.setPen(QPen(qcol(c), width));
    p_.setBrush(Qt::NoBrush);
    p_.drawRect(QRectF(r.x, r.y, r.w, r.h));
}

void PainterSurface::circle(float x, float y, float radius, Rgb fill, float alpha, bool outline) {
    if (outline) {
        p_.setPen(QPen(qcol(fill, alpha), 2));
        p_.setBrush(Qt::NoBrush);
    } else {
        p_.setPen(Qt::NoPen);
        p_.setBrush(qcol(fill, alpha));
    }
    p_.drawEllipse(QPointF(x, y), radius, radius);
}

void PainterSurface::text(float x, float y, const std::string& s, Rgb c, HAlign h, VAlign v) {
    const QString t = QString::fromStdString(s);
    const QFontMetricsF fm(p_.font());
    const double w = fm.horizontalAdvance(t);
    double left = x, top = y;
    if (h == HAlign::Center) left -= w / 2;
    if (h == HAlign::Right) left -= w;
    if (v == VAlign::Middle) top -= fm.height() / 2;
    if (v == VAlign::Bottom) top -= fm.height();
    p_.setPen(qcol(c));
    p_.drawText(QPointF(left, top + fm.ascent()), t);
}

float PainterSurface::textWidth(const std::string& s) {
    return float(QFontMetricsF(p_.font()).horizontalAdvance(QString::fromStdString(s)));
}
float PainterSurface::lineHeight() { return float(QFontMetricsF(p_.font()).height()); }

void PainterSurface::pushClip(const Rect& r) {
    p_.save();
    p_.setClipRect(QRectF(r.x, r.y, r.w, r.h));
}
void PainterSurface::popClip() { p_.restore(); }

}  // namespace scalpel::plots
