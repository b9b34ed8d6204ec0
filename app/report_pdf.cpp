// report.pdf: the same report as report.html, laid out on A4 pages with QPainter. Text and
// tables go through QTextDocument; figures are the report's SVGs rendered by QSvgRenderer onto
// the PDF painter, so they stay vector graphics.
#include <QMarginsF>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSvgRenderer>
#include <QTextDocument>

#include "app/report_exporter.h"

namespace scalpel {

namespace {

QString esc(const std::string& s) { return QString::fromStdString(htmlEscape(s)); }

QString sectionHtml(const ReportSection& s) {
    QString h = "<h2>" + esc(s.title) + "</h2>";
    for (const auto& p : s.paragraphs) h += "<p>" + esc(p) + "</p>";
    for (const auto& t : s.tables) {
        if (!t.caption.empty()) h += "<p><b>" + esc(t.caption) + "</b></p>";
        h += "<table border=1 cellspacing=0 cellpadding=3><tr>";
        for (const auto& c : t.header) h += "<th>" + esc(c) + "</th>";
        h += "</tr>";
        for (const auto& row : t.rows) {
            h += "<tr>";
            for (const auto& c : row) h += "<td>" + esc(c) + "</td>";
            h += "</tr>";
        }
        h += "</table>";
    }
    return h;
}

// A vertical cursor over the pages of one painter.
class PageFlow {
public:
    PageFlow(QPdfWriter& pdf, QPainter& p) : pdf_(pdf), p_(p) {
        const QRect r = pdf.pageLayout().paintRectPixels(pdf.resolution());
        w_ = r.width();
        h_ = r.height();
    }
    double width() const { return w_; }

    // Starts a new page unless `height` still fits (or the page is empty).
    void reserve(double height) {
        if (y_ > 0 && y_ + height > h_) newPage();
    }
    void html(const QString& text) {
        QTextDocument doc;
        doc.setTextWidth(w_);
        doc.setHtml(text);
        const double height = doc.size().height();
        reserve(std::min(height, h_));
        // Taller than what is left: continue on the next pages, one page-high slice at a time.
        for (double offset = 0; offset < height;) {
            const double slice = std::min(height - offset, h_ - y_);
            p_.save();
            p_.translate(0, y_ - offset);
            doc.drawContents(&p_, QRectF(0, offset, w_, slice));
            p_.restore();
            offset += slice;
            y_ += slice;
            if (offset < height) newPage();
        }
    }
    void svg(const std::string& svg) {
        QSvgRenderer r(QByteArray::fromStdString(svg));
        if (!r.isValid()) return;
        const QSizeF size = r.defaultSize();
        const double scale = std::min(1.5, w_ / std::max(1.0, size.width()));
        const double h = std::min(size.height() * scale, h_);
        reserve(h);
        r.render(&p_, QRectF(0, y_, size.width() * scale, h));
        y_ += h + 6;
    }

private:
    void newPage() {
        pdf_.newPage();
        y_ = 0;
    }
    QPdfWriter& pdf_;
    QPainter& p_;
    double w_ = 0, h_ = 0, y_ = 0;
};

}  // namespace

std::optional<std::string> writeReportPdf(const std::string& path, const Report& report) {
    QPdfWriter pdf(QString::fromStdString(path));
    pdf.setPageSize(QPageSize(QPageSize::A4));
    pdf.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout::Millimeter);
    pdf.setResolution(110);
    pdf.setTitle(QString::fromStdString(report.title));
    pdf.setCreator("Scalpel");
    QPainter painter(&pdf);
    if (!painter.isActive()) return path + ": cannot write";
    PageFlow flow(pdf, painter);
    flow.html("<h1>" + esc(report.title) + "</h1>");
    for (const auto& s : report.sections) {
        flow.html(sectionHtml(s));
        for (const auto& f : s.figures) {
            flow.svg(f.svg);
            if (!f.caption.empty()) flow.html("<p><i>" + esc(f.caption) + "</i></p>");
        }
    }
    painter.end();
    return std::nullopt;
}

}  // namespace scalpel
