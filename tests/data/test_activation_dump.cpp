// Activation dumps and result files: Scalpel's writer round trip, a dump written by h5py
// (tests/fixtures/gen_hdf5.py) read back, and validation errors.
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

#include <nlohmann/json.hpp>

#include "data/activation_dump.h"
#include "data/readers.h"

using namespace scalpel;
using nlohmann::json;

namespace {

const std::string kFixtures = std::string(SCALPEL_SOURCE_DIR) + "/tests/fixtures/hdf5/";
const std::string kCorpus = std::string(SCALPEL_SOURCE_DIR) + "/tests/corpus/hdf5/";

json expected() {
    std::ifstream in(kFixtures + "expected.json");
    return json::parse(in);
}

#define REQUIRE_OK(expr)                                                            \
    do {                                                                            \
        auto err_ = (expr);                                                         \
        QVERIFY2(!err_, err_ ? err_->what().c_str() : "");                          \
    } while (0)

// Values 0.5*i - 3 are exact in float32, so comparisons below are exact.
std::vector<float> ramp(size_t n, float offset) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = 0.5f * float(i) - 3.0f + offset;
    return v;
}

}  // namespace

class TestActivationDump : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

    std::string tmp(const char* name) { return (dir_.path() + "/" + name).toStdString(); }

private slots:
    void roundTrip() {
        std::string path = tmp("dump.h5");
        const int64_t E = 2, T = 3, F = 4, V = 5;
        std::vector<int32_t> ids{50256, 0, -1, 7, 2147483647, 12};
        std::vector<std::string> strings{"<|endoftext|>", "H", "é", "🙂", "a b", ""};
        auto site0 = ramp(E * T * F, 0), site1 = ramp(E * T * F, 100), logits = ramp(E * T * V, -7);
        {
            Provenance p{"0.1.0", "2024-01-02T03:04:05Z", "gpt2/model.safetensors", std::string(64, 'a'), "scalpel dump x"};
            auto w = ActivationDumpWriter::create(path, p);
            QVERIFY2(w.ok(), w.ok() ? "" : w.error().what().c_str());
            REQUIRE_OK(w->setTokens(ids, E, T, strings));
            REQUIRE_OK(w->addSite("blocks.0.hook_resid_pre", site0, {E, T, F}));
            REQUIRE_OK(w->addSite("hook_embed", site1, {E, T, F}));
            REQUIRE_OK(w->setLogits(logits, {E, T, V}));
            REQUIRE_OK(w->setIntAttribute("n_layers", 12));
            REQUIRE_OK(w->setAttribute("note", "round trip"));
            REQUIRE_OK(w->close());
        }
        auto d = readActivationDump(path);
        QVERIFY2(d.ok(), d.ok() ? "" : d.error().what().c_str());
        QCOMPARE(d->schemaVersion, 1);
        QCOMPARE(d->examples, E);
        QCOMPARE(d->tokens, T);
        QCOMPARE(d->tokenIds, ids);
        QCOMPARE(d->tokenStrings, strings);
        QCOMPARE(d->attributes.at("scalpel_schema"), std::string("activation-dump"));
        QCOMPARE(d->attributes.at("created"), std::string("2024-01-02T03:04:05Z"));
        QCOMPARE(d->attributes.at("model_sha256"), std::string(64, 'a'));
        QCOMPARE(d->attributes.at("command_line"), std::string("scalpel dump x"));
        QCOMPARE(d->attributes.at("n_layers"), std::string("12"));
        QCOMPARE(d->sites.size(), size_t(2));
        const DumpSite* s0 = d->site("blocks.0.hook_resid_pre");
        QVERIFY(s0);
        QCOMPARE(s0->shape, (std::vector<int64_t>{E, T, F}));
        QCOMPARE(s0->layer, std::optional<int>(0));  // derived from "blocks.0."
        QCOMPARE(d->site("hook_embed")->layer, std::optional<int>());
        QCOMPARE(*d->logitsShape, (std::vector<int64_t>{E, T, V}));

        auto v = readDataset(path, "/sites/blocks.0.hook_resid_pre");
        QVERIFY2(v.ok(), v.ok() ? "" : v.error().what().c_str());
        QCOMPARE(v->shape, (std::vector<int64_t>{E, T, F}));
        QCOMPARE(v->values, site0);
        auto l = readDatasetDouble(path, "logits");
        QVERIFY(l.ok());
        for (size_t i = 0; i < logits.size(); ++i) QCOMPARE(l->values[i], double(logits[i]));

        // The generic reader lists the dump and accepts it (the validator passes).
        auto tf = readHdf5(path);
        QVERIFY2(tf.ok(), tf.ok() ? "" : tf.error().what().c_str());
        QVERIFY(tf->find("sites/blocks.0.hook_resid_pre"));
        QVERIFY(tf->find("tokens/ids"));
        QVERIFY(tf->find("tokens/strings")->info.note.size() > 0);
    }

    // Written by h5py following docs/formats.md: the independent writer check.
    void h5pyFixture() {
        json want = expected()["dump_h5py.h5"];
        auto d = readActivationDump(kFixtures + "dump_h5py.h5");
        QVERIFY2(d.ok(), d.ok() ? "" : d.error().what().c_str());
        QCOMPARE(d->examples, want["examples"].get<int64_t>());
        QCOMPARE(d->tokens, want["tokens"].get<int64_t>());
        QCOMPARE(d->tokenIds, want["ids"].get<std::vector<int32_t>>());
        QCOMPARE(d->tokenStrings, want["strings"].get<std::vector<std::string>>());
        QCOMPARE(d->attributes.at("scalpel_version"), want["scalpel_version"].get<std::string>());
        QCOMPARE(d->attributes.at("created"), want["created"].get<std::string>());
        QCOMPARE(*d->logitsShape, want["logits_shape"].get<std::vector<int64_t>>());
        QCOMPARE(d->sites.size(), want["sites"].size());
        for (size_t i = 0; i < d->sites.size(); ++i) {
            const auto& s = d->sites[i];
            const auto& w = want["sites"][i];
            QCOMPARE(s.name, w["name"].get<std::string>());
            QCOMPARE(s.shape, w["shape"].get<std::vector<int64_t>>());
            if (w["layer"].is_null()) QVERIFY(!s.layer);
            else QCOMPARE(s.layer, std::optional<int>(w["layer"].get<int>()));
            auto v = readDataset(kFixtures + "dump_h5py.h5", "sites/" + s.name);
            QVERIFY(v.ok());
            auto values = w["values"].get<std::vector<double>>();
            QCOMPARE(v->values.size(), values.size());
            for (size_t k = 0; k < values.size(); ++k) QCOMPARE(double(v->values[k]), values[k]);  // float32 exact
        }
    }

    void mismatchedDimensionsNamed() {
        std::string path = kCorpus + "bad_dump_mismatched_dims.h5";
        auto d = readActivationDump(path);
        QVERIFY(!d.ok());
        QCOMPARE(d.error().file, path);
        const std::string& m = d.error().message;
        QVERIFY2(m.find("/sites/blocks.1.mlp.hook_post") != std::string::npos, m.c_str());
        QVERIFY2(m.find("[2, 4, 4]") != std::string::npos && m.find("[2, 5]") != std::string::npos, m.c_str());
    }

    void writerRejectsBadShapes() {
        std::string path = tmp("bad_writer.h5");
        auto w = ActivationDumpWriter::create(path, Provenance{"0.1.0", "", "", "", ""});
        QVERIFY(w.ok());
        auto before = w->addSite("blocks.0.x", ramp(8, 0), {1, 2, 4});
        QVERIFY(before && before->message.find("setTokens") != std::string::npos);
        std::vector<int32_t> ids{1, 2, 3};
        auto count = w->setTokens(ids, 2, 2);
        QVERIFY(count && count->message.find("3 values given") != std::string::npos);
        REQUIRE_OK(w->setTokens(ids, 1, 3));
        auto wrong = w->addSite("blocks.0.x", ramp(8, 0), {1, 2, 4});
        QVERIFY2(wrong && wrong->message.find("[1, 2, 4]") != std::string::npos &&
                     wrong->message.find("[1, 3]") != std::string::npos,
                 wrong ? wrong->message.c_str() : "");
        auto slash = w->addSite("a/b", ramp(12, 0), {1, 3, 4});
        QVERIFY(slash);
    }

    void versionAndSchemaChecked() {
        std::string path = tmp("v2.h5");
        {
            auto w = ActivationDumpWriter::create(path, Provenance{"0.1.0", "", "", "", ""});
            QVERIFY(w.ok());
            std::vector<int32_t> ids{1};
            REQUIRE_OK(w->setTokens(ids, 1, 1));
            REQUIRE_OK(w->setIntAttribute("scalpel_schema_version", 2));
        }
        auto d = readActivationDump(path);
        QVERIFY(!d.ok());
        QVERIFY2(d.error().message.find("version 2") != std::string::npos, d.error().message.c_str());
        auto plain = readActivationDump(kFixtures + "plain.h5");
        QVERIFY(!plain.ok());
        QVERIFY(plain.error().message.find("scalpel_schema") != std::string::npos);
    }

    void readDatasetErrors() {
        auto be = readDataset(kFixtures + "plain.h5", "floats/f32_be");  // big-endian in the file
        QVERIFY(be.ok());
        QCOMPARE(be->values, (std::vector<float>{1.0f, -3.25f, 1e-30f, 3.4e38f}));
        auto ints = readDataset(kFixtures + "plain.h5", "ints/i32_be");
        QVERIFY(ints.ok());
        QCOMPARE(ints->shape, (std::vector<int64_t>{2, 2}));
        QCOMPARE(ints->values[3], 2147483648.0f);  // 2147483647 rounds to 2^31 in float32
        auto d = readDatasetDouble(kFixtures + "plain.h5", "floats/f64_be");
        QCOMPARE(d->values[0], M_PI);
        auto str = readDataset(kFixtures + "plain.h5", "other/strings");
        QVERIFY(!str.ok());
        QVERIFY(str.error().message.find("other/strings") != std::string::npos);
        auto missing = readDataset(kFixtures + "plain.h5", "no/such");
        QVERIFY(!missing.ok());
        QVERIFY(missing.error().message.find("no dataset 'no/such'") != std::string::npos);
    }

    void resultFile() {
        std::string path = tmp("result.h5");
        {
            auto w = ResultFileWriter::create(path, Provenance{"0.1.0", "", "m.safetensors", "", "scalpel patch"},
                                              "activation-patching", R"({"metric":"logit_diff"})");
            QVERIFY(w.ok());
            REQUIRE_OK(w->writeFloats("/results/effect", ramp(6, 0), {2, 3}));
            REQUIRE_OK(w->close());
        }
        auto f = readHdf5(path);
        QVERIFY(f.ok());
        QCOMPARE(f->metadata.at("scalpel_schema"), std::string("result"));
        QCOMPARE(f->metadata.at("scalpel_schema_version"), std::string("1"));
        QCOMPARE(f->metadata.at("method"), std::string("activation-patching"));
        QVERIFY(json::parse(f->metadata.at("parameters")).contains("metric"));
        QVERIFY(f->metadata.at("created").size() == 20);  // "YYYY-MM-DDTHH:MM:SSZ"
        auto v = readDataset(path, "results/effect");
        QVERIFY(v.ok());
        QCOMPARE(v->values, ramp(6, 0));
    }
};

QTEST_GUILESS_MAIN(TestActivationDump)
#include "test_activation_dump.moc"
