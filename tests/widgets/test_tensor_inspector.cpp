// The tensor inspector with an in-memory TensorFile: slicing by rank, statistics, error
// display, and a real hover through Qt mouse events -> ImGui -> heatmap hit-test.
#include <QtTest>
#include <cmath>
#include <cstring>

#include "widgets/canvas/imgui_canvas.h"
#include "widgets/views/tensor_inspector.h"
#include "widgets/views/tensor_tree.h"

using namespace scalpel;

namespace {
TensorEntry floatEntry(const std::string& name, std::vector<int64_t> shape, std::vector<float> values) {
    TensorEntry e;
    e.info.name = name;
    e.info.dtype = DType::F32;
    e.info.shape = std::move(shape);
    e.load = [values] {
        std::vector<uint8_t> bytes(values.size() * 4);
        std::memcpy(bytes.data(), values.data(), bytes.size());  // the test host is little-endian
        return bytes;
    };
    return e;
}

// w[r][c] = 10 r + c - 7 (signed); t3 = 0..23 as [2, 3, 4]; v = 1-D; s = scalar;
// odd has a NaN and an Inf; bad fails to load; listed has a note.
TensorFile syntheticFile() {
    TensorFile f;
    f.path = "synthetic";
    f.format = "memory";
    std::vector<float> w;
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 5; ++c) w.push_back(float(10 * r + c - 7));
    f.tensors.push_back(floatEntry("layer.w", {3, 5}, w));
    std::vector<float> t3(24);
    for (int i = 0; i < 24; ++i) t3[size_t(i)] = float(i);
    f.tensors.push_back(floatEntry("layer.t3", {2, 3, 4}, t3));
    f.tensors.push_back(floatEntry("v", {4}, {1, 2, 3, 4}));
    f.tensors.push_back(floatEntry("s", {}, {2.5f}));
    f.tensors.push_back(floatEntry("odd", {2, 2}, {1, NAN, INFINITY, 3}));
    TensorEntry bad = floatEntry("bad", {2}, {0, 0});
    bad.load = []() -> std::vector<uint8_t> { throw FormatError("at offset 99: truncated storage"); };
    f.tensors.push_back(bad);
    TensorEntry listed = floatEntry("listed", {2}, {0, 0});
    listed.info.note = "quantised storage";
    f.tensors.push_back(listed);
    return f;
}
}  // namespace

class TestTensorInspector : public QObject {
    Q_OBJECT
public:
    static void initMain() { ImGuiCanvas::setDefaultSurfaceFormat(); }

private slots:
    void shapesBecomeGrids() {
        TensorInspector inspector;
        const TensorFile f = syntheticFile();
        QVERIFY(inspector.showTensor(f, "layer.w"));
        QCOMPARE(inspector.heatmap().rows, 3);
        QCOMPARE(inspector.heatmap().cols, 5);
        QCOMPARE(inspector.heatmap().at(2, 4), 10.f * 2 + 4 - 7);
        QCOMPARE(inspector.heatmap().colormap, plots::ColormapKind::Diverging);  // signed data

        QVERIFY(inspector.showTensor(f, "v"));  // 1-D: one row
        QCOMPARE(inspector.heatmap().rows, 1);
        QCOMPARE(inspector.heatmap().cols, 4);
        QCOMPARE(inspector.heatmap().colormap, plots::ColormapKind::Viridis);

        QVERIFY(inspector.showTensor(f, "s"));  // scalar: one cell
        QCOMPARE(inspector.heatmap().rows * inspector.heatmap().cols, 1);
        QCOMPARE(inspector.heatmap().at(0, 0), 2.5f);

        QVERIFY(inspector.showTensor(f, "layer.t3"));  // rank 3: slice 0 of [2, 3, 4]
        QCOMPARE(inspector.heatmap().rows, 3);
        QCOMPARE(inspector.heatmap().cols, 4);
        QCOMPARE(inspector.heatmap().at(0, 0), 0.f);
        inspector.setSliceIndex(0, 1);  // t3[1][r][c] = 12 + 4 r + c
        QCOMPARE(inspector.heatmap().at(0, 0), 12.f);
        QCOMPARE(inspector.heatmap().at(2, 3), 23.f);
        inspector.setSliceIndex(0, 5);  // clamped by the spin box to the last index
        QCOMPARE(inspector.heatmap().at(0, 0), 12.f);
    }

    void statisticsOfWholeTensor() {
        TensorInspector inspector;
        const TensorFile f = syntheticFile();
        QVERIFY(inspector.showTensor(f, "odd"));
        const TensorStats& s = inspector.stats();
        QCOMPARE(s.count, uint64_t(4));
        QCOMPARE(s.nanCount, uint64_t(1));
        QCOMPARE(s.infCount, uint64_t(1));
        QCOMPARE(s.min, 1.0);  // finite values only: {1, 3}
        QCOMPARE(s.max, 3.0);
        QCOMPARE(s.mean, 2.0);
        QVERIFY(inspector.showTensor(f, "layer.t3"));
        // 0..23: mean 11.5, unbiased variance n(n+1)/12 = 24 * 25 / 12 = 50.
        QCOMPARE(inspector.stats().mean, 11.5);
        QVERIFY(std::fabs(inspector.stats().std - std::sqrt(50.0)) < 1e-12);
    }

    void errorsAreShownNotThrown() {
        TensorInspector inspector;
        const TensorFile f = syntheticFile();
        QVERIFY(!inspector.showTensor(f, "bad"));
        QVERIFY2(inspector.message().contains("truncated storage"), qPrintable(inspector.message()));
        QCOMPARE(inspector.heatmap().rows, 0);
        QVERIFY(!inspector.showTensor(f, "listed"));
        QVERIFY2(inspector.message().contains("quantised storage"), qPrintable(inspector.message()));
        QVERIFY(!inspector.showTensor(f, "missing"));
        QVERIFY(inspector.message().contains("no such tensor"));
    }

    void hoverReportsCellAndValue() {
        TensorInspector inspector;
        inspector.resize(900, 650);
        inspector.show();
        QVERIFY(QTest::qWaitForWindowExposed(&inspector));
        const TensorFile f = syntheticFile();
        QVERIFY(inspector.showTensor(f, "layer.w"));
        QTRY_VERIFY(inspector.cellCentre(1, 2).has_value());  // after the first frame

        QSignalSpy hoverSpy(&inspector, &TensorInspector::hoverChanged);
        const QPointF p = *inspector.cellCentre(1, 2);
        QMouseEvent move(QEvent::MouseMove, p, inspector.canvas()->mapToGlobal(p), Qt::NoButton, Qt::NoButton,
                         Qt::NoModifier);
        QCoreApplication::sendEvent(inspector.canvas(), &move);
        QTRY_VERIFY(inspector.hover().has_value());
        QCOMPARE(inspector.hover()->cell, (plots::Cell{1, 2}));
        QCOMPARE(inspector.hover()->value, 10.f * 1 + 2 - 7);
        QVERIFY(hoverSpy.count() >= 1);

        // The last cell, through the helper used for screenshots.
        QVERIFY(inspector.hoverCell(2, 4));
        QTRY_VERIFY(inspector.hover() && inspector.hover()->cell == (plots::Cell{2, 4}));
        QCOMPARE(inspector.hover()->value, 10.f * 2 + 4 - 7);

        // Leaving the canvas clears the hover; rendering stops once idle (no busy loop).
        QEvent leave(QEvent::Leave);
        QCoreApplication::sendEvent(inspector.canvas(), &leave);
        QTRY_VERIFY(!inspector.hover().has_value());
        QTest::qWait(200);
        const quint64 frames = inspector.canvas()->framesDrawn();
        QTest::qWait(300);
        QCOMPARE(inspector.canvas()->framesDrawn(), frames);
    }

    void treeSplitsNamesIntoHierarchy() {
        TensorTree tree;
        tree.setTensorFile(syntheticFile());
        // Top level: "layer" group plus v, s, odd, bad, listed.
        QCOMPARE(tree.topLevelItemCount(), 6);
        QTreeWidgetItem* layer = tree.topLevelItem(0);
        QCOMPARE(layer->text(0), QString("layer"));
        QCOMPARE(layer->childCount(), 2);
        QCOMPARE(layer->child(1)->text(0), QString("t3"));
        QCOMPARE(layer->child(1)->text(1), QString("F32"));
        QCOMPARE(layer->child(1)->text(2), QString("[2, 3, 4]"));
        QCOMPARE(layer->child(1)->text(3), QString("96 B"));
        QCOMPARE(layer->text(3), QString("156 B"));  // 15 * 4 + 24 * 4
        QSignalSpy spy(&tree, &TensorTree::tensorSelected);
        QVERIFY(tree.selectTensor("layer.t3"));
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).toString(), QString("layer.t3"));
        QVERIFY(!tree.selectTensor("layer"));  // groups are not tensors
        QCOMPARE(formatBytes(1536), QString("1.50 KiB"));
        QCOMPARE(formatBytes(uint64_t(3) << 30), QString("3.00 GiB"));
    }
};

QTEST_MAIN(TestTensorInspector)
#include "test_tensor_inspector.moc"
