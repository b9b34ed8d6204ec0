// Renders SVG files into one PNG grid (2 columns) with QSvgRenderer: svg2png OUT.png A.svg B.svg ...
#include <QGuiApplication>
#include <QImage>
#include <QPainter>
#include <QSvgRenderer>
int main(int argc, char** argv) {
    QGuiApplication app(argc, argv);
    QList<QSvgRenderer*> rs;
    int w = 0, h = 0;
    for (int i = 2; i < argc; ++i) { auto* r = new QSvgRenderer(QString(argv[i])); rs << r; w = std::max(w, r->defaultSize().width()); h = std::max(h, r->defaultSize().height()); }
    const int cols = 2, rows = (int(rs.size()) + 1) / 2;
    QImage img(cols * w, rows * h, QImage::Format_RGB32);
    img.fill(Qt::white);
    QPainter p(&img);
    for (int i = 0; i < rs.size(); ++i) rs[i]->render(&p, QRectF((i % cols) * w, (i / cols) * h, rs[i]->defaultSize().width(), rs[i]->defaultSize().height()));
    p.end();
    return img.save(argv[1]) ? 0 : 1;
}
