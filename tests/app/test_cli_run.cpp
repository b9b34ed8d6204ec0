// `scalpel run` end to end on the tiny GPT-2 of tests/fixtures/gen_gpt2_engine.py: the dump's
// logits and sites equal the float64 torch reference (float32 engine and float32 storage:
// 2e-5 of each tensor's largest entry, as in test_gpt2_engine.cpp), NPY and JSON token
// inputs give the same dump, and bad input gives exit code 1 or 2 with a reason and no file.
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "data/activation_dump.h"
#include "data/tensor_file.h"
#include "run_process.h"

using namespace scalpel;
using nlohmann::json;

namespace {
const std::string kDir = std::string(SCALPEL_SOURCE_DIR) + "/tests/fixtures/gpt2_engine";

std::string tempPath(const std::string& name) {
    return (std::filesystem::temp_directory_path() / ("scalpel_cli_run_" + name)).string();
}

std::vector<double> reference(const std::string& name) {
    static auto file = openTensorFile(kDir + "/reference.safetensors");
    if (!file) qFatal("%s", file.error().what().c_str());
    const auto* e = file->find(name);
    if (!e) qFatal("missing %s", name.c_str());
    return *file->toDouble(*e);
}

// The fixture's clean tokens as a JSON list of lists.
std::string tokensJson() {
    const auto ids = reference("tokens");
    json rows = json::array();
    for (int b = 0; b < 3; ++b) {
        json row = json::array();
        for (int t = 0; t < 7; ++t) row.push_back(static_cast<int>(ids[static_cast<size_t>(b * 7 + t)]));
        rows.push_back(row);
    }
    const std::string path = tempPath("tokens.json");
    std::ofstream(path) << rows.dump();
    return path;
}

bool matches(const std::string& dump, const std::string& dataset, const std::string& refName) {
    auto got = readDataset(dump, dataset);
    if (!got) {
        qWarning("%s", got.error().what().c_str());
        return false;
    }
    const auto want = reference(refName);
    if (got->values.size() != want.size()) return false;
    double scale = 1e-3, err = 0;
    for (size_t i = 0; i < want.size(); ++i) {
        scale = std::max(scale, std::abs(want[i]));
        err = std::max(err, std::abs(got->values[i] - want[i]));
    }
    if (err > 2e-5 * scale) qWarning("%s: error %.3g at scale %.3g", dataset.c_str(), err, scale);
    return err <= 2e-5 * scale;
}
}  // namespace

class TestCliRun : public QObject {
    Q_OBJECT
private slots:
    void dumpMatchesTorch() {
        const std::string out = tempPath("dump.h5");
        auto r = runProcess({SCALPEL_EXE, "run", "--model", kDir + "/model", "--tokens", tokensJson(), "--sites",
                             "blocks.*.hook_resid_pre", "blocks.1.attn.hook_z", "ln_final.hook_normalized", "--out", out, "--json"});
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        const json summary = json::parse(r.out);
        QCOMPARE(summary["sites"].size(), size_t(4));
        QCOMPARE(summary["logits"], json({3, 7, 61}));
        auto dump = readActivationDump(out);
        QVERIFY2(bool(dump), dump ? "" : dump.error().what().c_str());
        QCOMPARE(dump->examples, int64_t(3));
        QCOMPARE(dump->tokens, int64_t(7));
        QVERIFY(matches(out, "/logits", "fwd/logits"));
        for (const char* site : {"blocks.0.hook_resid_pre", "blocks.1.hook_resid_pre", "blocks.1.attn.hook_z", "ln_final.hook_normalized"})
            QVERIFY(matches(out, std::string("/sites/") + site, std::string("fwd/") + site));
        QCOMPARE(dump->site("blocks.1.attn.hook_z")->layer, std::optional<int>(1));
        // The argmax of the last position's logits, from the reference.
        const auto logits = reference("fwd/logits");
        for (int b = 0; b < 3; ++b) {
            const double* row = logits.data() + (b * 7 + 6) * 61;
            QCOMPARE(summary["next_token"][b]["id"].get<int>(), int(std::max_element(row, row + 61) - row));
        }
    }

    void npyTokensGiveTheSameDump() {
        // tokens as an int64 NPY written by hand (header + data).
        const auto ids = reference("tokens");
        std::string header = "{'descr': '<i8', 'fortran_order': False, 'shape': (3, 7), }";
        header.append(128 - 10 - header.size() - 1, ' ');  // header block padded to 128 bytes
        header += "\n";
        const std::string npy = tempPath("tokens.npy");
        {
            std::ofstream f(npy, std::ios::binary);
            f.write("\x93NUMPY\x01\x00", 8);
            const uint16_t len = static_cast<uint16_t>(header.size());
            f.write(reinterpret_cast<const char*>(&len), 2);
            f << header;
            for (double v : ids) {
                const int64_t i = static_cast<int64_t>(v);
                f.write(reinterpret_cast<const char*>(&i), 8);
            }
        }
        const std::string out = tempPath("npy.h5");
        auto r = runProcess({SCALPEL_EXE, "run", "--model", kDir + "/model", "--tokens", npy, "--sites", "blocks.1.mlp.hook_post",
                             "--out", out});
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        QVERIFY(matches(out, "/sites/blocks.1.mlp.hook_post", "fwd/blocks.1.mlp.hook_post"));
    }

    void badInputIsReported() {
        const std::string out = tempPath("bad.h5");
        std::filesystem::remove(out);
        const std::string ragged = tempPath("ragged.json");
        std::ofstream(ragged) << "[[1,2,3],[4,5]]";
        auto r = runProcess({SCALPEL_EXE, "run", "--model", kDir + "/model", "--tokens", ragged, "--out", out});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.find("row 1 has 2 ids") != std::string::npos, r.err.c_str());
        const std::string outside = tempPath("outside.json");
        std::ofstream(outside) << "[[1,2,3],[4,61,6]]";
        r = runProcess({SCALPEL_EXE, "run", "--model", kDir + "/model", "--tokens", outside, "--out", out});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.find("token id 61 at batch 1, position 1") != std::string::npos, r.err.c_str());
        QVERIFY(!std::filesystem::exists(out));
        r = runProcess({SCALPEL_EXE, "run", "--model", kDir + "/model", "--tokens", tokensJson(), "--sites", "blocks.7.*", "--out", out});
        QCOMPARE(r.exitCode, 2);
        r = runProcess({SCALPEL_EXE, "run", "--model", kDir + "/model", "--text", "hello", "--out", out});
        QCOMPARE(r.exitCode, 1);  // the fixture model has no tokenizer files
        QVERIFY2(r.err.find("no tokenizer") != std::string::npos, r.err.c_str());
        r = runProcess({SCALPEL_EXE, "run", "--model", kDir, "--tokens", tokensJson(), "--out", out});
        QCOMPARE(r.exitCode, 1);  // no config.json there
    }
};

QTEST_APPLESS_MAIN(TestCliRun)
#include "test_cli_run.moc"
