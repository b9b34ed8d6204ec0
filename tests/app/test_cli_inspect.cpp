// `scalpel inspect --json --stats` on one state_dict stored four ways (torch zip, torch legacy,
// safetensors, NPZ) must report the names, dtypes, shapes and statistics torch computed
// (tests/fixtures/gen_checkpoints.py -> tests/fixtures/checkpoints/expected.json).
#include <QtTest>

#include <cmath>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "run_process.h"

using nlohmann::json;

namespace {
const std::string kFixtures = std::string(SCALPEL_SOURCE_DIR) + "/tests/fixtures/checkpoints/";

json inspectJson(const std::string& path) {
    auto r = runProcess({SCALPEL_EXE, "inspect", "--json", "--stats", path});
    if (r.exitCode != 0) qWarning("inspect %s failed: %s", path.c_str(), r.err.c_str());
    if (r.exitCode != 0) return json();
    return json::parse(r.out);
}

// Both sides compute in float64 from identical stored values; only the summation order
// differs (torch sums pairwise, Scalpel sequentially), which moves the 15th digit at most.
// 1e-9 relative is far tighter than float32 rounding (6e-8) and far looser than that noise.
bool close(const json& a, const json& b) {
    if (a.is_null() || b.is_null()) return a.is_null() && b.is_null();
    double x = a.get<double>(), y = b.get<double>();
    return std::abs(x - y) <= 1e-9 * std::max({1.0, std::abs(x), std::abs(y)});
}
}  // namespace

class TestCliInspect : public QObject {
    Q_OBJECT
private slots:
    void sameAsTorch_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<bool>("hasBf16");
        QTest::newRow("torch zip") << "state_zip.pt" << true;
        QTest::newRow("torch legacy") << "state_legacy.pt" << true;
        QTest::newRow("safetensors") << "state.safetensors" << true;
        QTest::newRow("npz") << "state.npz" << false;  // numpy has no bfloat16
    }

    void sameAsTorch() {
        QFETCH(QString, file);
        QFETCH(bool, hasBf16);
        json expected = json::parse(slurp(kFixtures + "expected.json"))["tensors"];
        json got = inspectJson(kFixtures + file.toStdString());
        QVERIFY2(got.is_object(), "inspect produced no JSON");
        std::map<std::string, json> byName;
        for (const auto& t : got["tensors"]) byName[t["name"].get<std::string>()] = t;
        size_t expectedCount = expected.size() - (hasBf16 ? 0 : 1);
        QCOMPARE(byName.size(), expectedCount);
        for (const auto& [name, want] : expected.items()) {
            if (!hasBf16 && want["dtype"] == "BF16") continue;
            QVERIFY2(byName.count(name), ("missing tensor " + name).c_str());
            const json& t = byName[name];
            QCOMPARE(t["dtype"].get<std::string>(), want["dtype"].get<std::string>());
            QCOMPARE(t["shape"], want["shape"]);
            for (const char* key : {"min", "max", "mean", "std"})
                QVERIFY2(close(t["stats"][key], want["stats"][key]),
                         (name + " " + key + ": got " + t["stats"][key].dump() + ", torch " + want["stats"][key].dump()).c_str());
            QCOMPARE(t["stats"]["nan"].get<int>(), want["stats"]["nan"].get<int>());
            QCOMPARE(t["stats"]["inf"].get<int>(), want["stats"]["inf"].get<int>());
        }
    }

    // Every real third-party checkpoint and tensor file in ../shared/real opens.
    void realFilesOpen_data() {
        QTest::addColumn<QString>("path");
        for (const char* f : {"pytorch/cifar_torchvision.pt", "pytorch/california_model.pt", "pytorch/titanic_model.pt",
                              "keras/pretrainedResnet.h5", "keras/ad01.h5", "gguf/ggml-vocab-gpt-2.gguf"})
            QTest::newRow(f) << QString(SCALPEL_SHARED_DIR "/real/") + f;
    }

    void realFilesOpen() {
        QFETCH(QString, path);
        auto r = runProcess({SCALPEL_EXE, "inspect", "--json", "--stats", path.toStdString()}, 60);
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        json j = json::parse(r.out);
        QVERIFY(j["format"].is_string());
    }

    void usageErrorsExitTwo() {
        QCOMPARE(runProcess({SCALPEL_EXE, "inspect"}).exitCode, 2);
        QCOMPARE(runProcess({SCALPEL_EXE, "inspect", "--bogus", "x"}).exitCode, 2);
        QCOMPARE(runProcess({SCALPEL_EXE, "frobnicate"}).exitCode, 2);
    }

    void missingFileExitOneWithReason() {
        auto r = runProcess({SCALPEL_EXE, "inspect", "/nonexistent/file.safetensors"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.find("/nonexistent/file.safetensors") != std::string::npos);
        QVERIFY(r.err.find("no such file") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestCliInspect)
#include "test_cli_inspect.moc"
