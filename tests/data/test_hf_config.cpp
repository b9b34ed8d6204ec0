// Hugging Face config.json parsing against the configs written by
// tests/fixtures/gen_tokenizer.py (values there are the reference).
#include <QtTest>

#include "data/hf_config.h"

using namespace scalpel;

namespace {
std::string fixture(const char* name) { return std::string(SCALPEL_SOURCE_DIR) + "/tests/fixtures/hf_config/" + name; }
}  // namespace

class TestHfConfig : public QObject {
    Q_OBJECT

private slots:
    void gpt2() {
        auto r = loadHfConfig(fixture("gpt2.json"));
        QVERIFY2(r, r ? "" : r.error().what().c_str());
        QCOMPARE(r->modelType, std::string("gpt2"));
        QVERIFY(r->isKnownFamily());
        QCOMPARE(r->vocabSize, 50257);
        QCOMPARE(r->nPositions, 1024);
        QCOMPARE(r->nEmbd, 768);
        QCOMPARE(r->nLayer, 12);
        QCOMPARE(r->nHead, 12);
        QCOMPARE(r->nKvHead, 12);
        QCOMPARE(r->headDim, 64);
        QCOMPARE(r->nInner, 3072);  // n_inner null -> 4 * n_embd
        QCOMPARE(r->activation, std::string("gelu_new"));
        QCOMPARE(r->layerNormEpsilon, 1e-5);  // parsed from "1e-05": exact
        QCOMPARE(r->bosTokenId.value_or(-1), 50256);
        QCOMPARE(r->eosTokenIds, std::vector<int64_t>{50256});
        QCOMPARE(r->raw["scale_attn_weights"].get<bool>(), true);  // unmodelled fields stay available
    }

    void gpt2ExplicitInner() {
        auto r = loadHfConfig(fixture("gpt2_small_inner.json"));
        QVERIFY(r);
        QCOMPARE(r->nEmbd, 64);
        QCOMPARE(r->nInner, 200);
        QCOMPARE(r->activation, std::string("relu"));
        QCOMPARE(r->layerNormEpsilon, 1e-6);
        QCOMPARE(r->bosTokenId.value_or(-1), 1);
        QCOMPARE(r->eosTokenIds, std::vector<int64_t>{2});
    }

    void llama() {
        auto r = loadHfConfig(fixture("llama.json"));
        QVERIFY(r);
        QCOMPARE(r->nEmbd, 4096);
        QCOMPARE(r->nInner, 11008);
        QCOMPARE(r->nLayer, 32);
        QCOMPARE(r->nHead, 32);
        QCOMPARE(r->nKvHead, 32);  // absent -> num_attention_heads
        QCOMPARE(r->headDim, 128);
        QCOMPARE(r->nPositions, 4096);
        QCOMPARE(r->activation, std::string("silu"));
        QCOMPARE(r->eosTokenIds, (std::vector<int64_t>{2, 3}));
    }

    void unknownFamilyKeepsRawJson() {
        auto c = parseHfConfig(R"({"model_type": "bert", "vocab_size": 30522, "hidden_size": 768})");
        QVERIFY(!c.isKnownFamily());
        QCOMPARE(c.vocabSize, 30522);
        QCOMPARE(c.raw["hidden_size"].get<int>(), 768);
    }

    void errorsNameFieldAndFile() {
        const std::vector<std::pair<const char*, const char*>> cases = {
            {"bad_missing_n_head.json", "field \"n_head\" is missing"},
            {"bad_string_n_layer.json", "field \"n_layer\" must be an integer, found string \"12\""},
            {"bad_negative_n_embd.json", "field \"n_embd\" must be a positive integer"},
            {"bad_head_divides.json", "\"n_embd\" 768 is not divisible by \"n_head\" 7"},
            {"bad_truncated.json", "invalid JSON"},
            {"bad_not_object.json", "not a JSON object"},
        };
        for (const auto& [file, needle] : cases) {
            auto r = loadHfConfig(fixture(file));
            QVERIFY2(!r, file);
            QCOMPARE(r.error().file, fixture(file));
            QVERIFY2(r.error().message.find(needle) != std::string::npos, r.error().message.c_str());
        }
        QVERIFY(!loadHfConfig(fixture("missing.json")));
        QVERIFY_THROWS_EXCEPTION(FormatError, parseHfConfig(R"({"vocab_size": 5})"));  // no model_type
        QVERIFY_THROWS_EXCEPTION(FormatError, parseHfConfig(R"({"model_type": "gpt2", "vocab_size": 1e300})"));
        QVERIFY_THROWS_EXCEPTION(FormatError,
                                 parseHfConfig(R"({"model_type": "llama", "vocab_size": 10, "hidden_size": 64,
                                   "intermediate_size": 9, "num_hidden_layers": 1, "num_attention_heads": 8,
                                   "num_key_value_heads": 3})"));
    }
};

QTEST_GUILESS_MAIN(TestHfConfig)
#include "test_hf_config.moc"
