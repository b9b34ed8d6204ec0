// The built-in IOI generator on the real GPT-2 tokenizer (the demo model's files): deterministic
// by seed, one token length per batch, one-token answers, and corruptions that keep the length
// and change only the name slots (ABC: no IO or S left; S2-swap: exactly one token, S2 -> IO).
#include <QtTest>

#include "analysis/patching/ioi_prompts.h"

using namespace scalpel;
using namespace scalpel::patching;

class TestIoiPrompts : public QObject {
    Q_OBJECT
    BpeTokenizer tok_;

private slots:
    void initTestCase() {
        auto t = BpeTokenizer::load(std::string(SCALPEL_SOURCE_DIR) + "/resources/demo/ioi-gpt2");
        QVERIFY2(bool(t), t ? "" : t.error().what().c_str());
        tok_ = std::move(*t);
    }

    void deterministicAndWellFormed() {
        const auto a = generateIoi(40, 7, IoiCorruption::Abc, tok_), b = generateIoi(40, 7, IoiCorruption::Abc, tok_);
        QCOMPARE(a.size(), size_t(40));
        for (size_t i = 0; i < a.size(); ++i) QCOMPARE(a[i].clean, b[i].clean);
        QVERIFY(generateIoi(40, 8, IoiCorruption::Abc, tok_)[0].clean != a[0].clean || generateIoi(40, 8, IoiCorruption::Abc, tok_)[1].clean != a[1].clean);
        const auto pairs = tokenizeIoi(a, tok_, 50256);
        for (size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(pairs.clean[i].size(), pairs.clean[0].size());
            QCOMPARE(pairs.clean[i].front(), 50256);
            QVERIFY(pairs.answer[i] != pairs.wrong[i]);
            QCOMPARE(tok_.decode({pairs.answer[i]}), a[i].answer);
            // The answer occurs once in the clean prompt, the subject twice; neither in the ABC corruption.
            QCOMPARE(std::count(pairs.clean[i].begin(), pairs.clean[i].end(), pairs.answer[i]), 1L);
            QCOMPARE(std::count(pairs.clean[i].begin(), pairs.clean[i].end(), pairs.wrong[i]), 2L);
            QCOMPARE(std::count(pairs.corrupt[i].begin(), pairs.corrupt[i].end(), pairs.answer[i]), 0L);
            QCOMPARE(std::count(pairs.corrupt[i].begin(), pairs.corrupt[i].end(), pairs.wrong[i]), 0L);
        }
    }

    void s2SwapChangesOneToken() {
        const auto pairs = tokenizeIoi(generateIoi(20, 3, IoiCorruption::S2Swap, tok_), tok_, std::nullopt);
        for (size_t i = 0; i < pairs.clean.size(); ++i) {
            int differing = 0;
            for (size_t t = 0; t < pairs.clean[i].size(); ++t)
                if (pairs.clean[i][t] != pairs.corrupt[i][t]) {
                    ++differing;
                    QCOMPARE(pairs.clean[i][t], pairs.wrong[i]);   // S2 ...
                    QCOMPARE(pairs.corrupt[i][t], pairs.answer[i]);  // ... becomes IO
                }
            QCOMPARE(differing, 1);
        }
    }
};

QTEST_APPLESS_MAIN(TestIoiPrompts)
#include "test_ioi_prompts.moc"
