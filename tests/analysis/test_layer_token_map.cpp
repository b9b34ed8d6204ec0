// Site families and per-token reductions of activation dumps, against brute force over a small
// hand-made array (values chosen so that every reducer gives a different, exactly known number).
#include <QtTest>

#include <cmath>

#include "analysis/common/layer_token_map.h"

using namespace scalpel;

class TestLayerTokenMap : public QObject {
    Q_OBJECT
private slots:
    void groupsByLayer() {
        const auto f = groupSiteFamilies({"blocks.10.hook_resid_pre", "hook_embed", "blocks.2.hook_resid_pre",
                                          "blocks.2.attn.hook_z", "blocks.0.hook_resid_pre", "blocks.x.odd"});
        QCOMPARE(f.size(), size_t(4));
        QCOMPARE(f[0].name, std::string("hook_resid_pre"));
        QCOMPARE(f[0].layers, std::vector<int>({0, 2, 10}));  // numeric order, not text order
        QCOMPARE(f[0].sites.back(), std::string("blocks.10.hook_resid_pre"));
        QCOMPARE(f[1].name, std::string("attn.hook_z"));
        QCOMPARE(f[2].name, std::string("hook_embed"));
        QVERIFY(f[2].layers.empty());
        QCOMPARE(f[3].name, std::string("blocks.x.odd"));  // not a block name: its own family
    }

    void reducers() {
        // [examples 2, tokens 2, features 3]; example 1, token 0 = (3, -4, 0), token 1 = (1, 1, -5).
        const std::vector<float> v = {0, 0, 0, 0, 0, 0, 3, -4, 0, 1, 1, -5};
        auto at = [&](TokenReducer r, int64_t feature = 0) { return reduceTokens(v, 2, 2, 3, 1, r, feature); };
        QCOMPARE(at(TokenReducer::L2Norm), std::vector<float>({5.f, float(std::sqrt(27.0))}));
        QCOMPARE(at(TokenReducer::Mean), std::vector<float>({float(-1.0 / 3), -1.f}));
        QCOMPARE(at(TokenReducer::MaxAbs), std::vector<float>({4.f, 5.f}));
        QCOMPARE(at(TokenReducer::Feature, 2), std::vector<float>({0.f, -5.f}));
        QVERIFY(std::isnan(at(TokenReducer::Feature, 3)[0]));
        QCOMPARE(reduceTokens(v, 2, 2, 3, 5, TokenReducer::Mean), std::vector<float>({0.f, 0.f}));  // bad example
        QCOMPARE(*parseTokenReducer("max"), TokenReducer::MaxAbs);
        QVERIFY(!parseTokenReducer("median"));
    }
};

QTEST_APPLESS_MAIN(TestLayerTokenMap)
#include "test_layer_token_map.moc"
