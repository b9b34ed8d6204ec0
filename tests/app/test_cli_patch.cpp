// `scalpel patch` end to end on the relp fixture (tests/fixtures/gen_relp.py): the --json
// correlation table equals Pearson correlations computed here from the torch reference maps, the
// result file holds the maps and reads back, and bad prompt files fail with the line named.
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "analysis/common/agreement.h"
#include "analysis/patching/patching_result_file.h"
#include "data/tensor_file.h"
#include "run_process.h"

using namespace scalpel;
using nlohmann::json;

namespace {
const std::string kDir = std::string(SCALPEL_SOURCE_DIR) + "/tests/fixtures/relp";

std::string tempPath(const std::string& name) {
    return (std::filesystem::temp_directory_path() / ("scalpel_cli_patch_" + name)).string();
}

std::vector<double> reference(const std::string& name) {
    static auto file = openTensorFile(kDir + "/reference.safetensors");
    return *file->toDouble(*file->find(name));
}

// Batch mean of a per-example reference map [B, ...].
std::vector<double> meanOf(const std::vector<double>& v, size_t batch) {
    std::vector<double> m(v.size() / batch, 0.0);
    for (size_t i = 0; i < v.size(); ++i) m[i % m.size()] += v[i] / double(batch);
    return m;
}
}  // namespace

class TestCliPatch : public QObject {
    Q_OBJECT
private slots:
    void correlationTableMatchesTheReference() {
        const std::string out = tempPath("result.h5");
        auto r = runProcess({SCALPEL_EXE, "patch", "--model", kDir + "/model", "--prompts", kDir + "/prompts.jsonl", "--method",
                             "ap,atp,relp", "--components", "resid_pre,mlp_out,head", "--float64", "--out", out, "--json"},
                            120);
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        const json s = json::parse(r.out);
        QCOMPARE(s["agreement"].size(), size_t(6));
        for (const auto& row : s["agreement"]) {
            const std::string m = row["method"], c = row["component"];
            const double want = pearson(meanOf(reference("denoising/" + m + "/" + c), 6), meanOf(reference("denoising/ap/" + c), 6));
            QVERIFY2(std::abs(row["pearson"].get<double>() - want) < 1e-9, (m + " " + c).c_str());
        }
        QVERIFY(std::abs(s["ld_clean_mean"].get<double>() - 8.135398) < 1e-6);  // the fixture README's value
        auto back = patching::readPatchingResult(out);
        QVERIFY2(bool(back), back ? "" : back.error().what().c_str());
        const auto* ap = back->result.find(patching::Method::Ap, patching::Component::Head);
        QVERIFY(ap);
        const auto want = reference("denoising/ap/head");
        QCOMPARE(ap->perExample.size(), want.size());
        for (size_t i = 0; i < want.size(); ++i) QVERIFY(std::abs(ap->perExample[i] - want[i]) < 1e-9);
    }

    void badPromptsNameTheLine() {
        const std::string prompts = tempPath("bad.jsonl");
        std::ofstream(prompts) << "{\"clean\": [0, 18, 1], \"corrupt\": [0, 16, 1], \"answer\": 18, \"wrong\": 20}\n"
                                  "# a comment\n"
                                  "{\"clean\": [0, 18, 1], \"corrupt\": [0, 16], \"answer\": 18, \"wrong\": 20}\n";
        auto r = runProcess({SCALPEL_EXE, "patch", "--model", kDir + "/model", "--prompts", prompts, "--out", tempPath("x.h5")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.find("line 3") != std::string::npos && r.err.find("token count") != std::string::npos, r.err.c_str());
        r = runProcess({SCALPEL_EXE, "patch", "--model", kDir + "/model", "--ioi", "4", "--out", tempPath("x.h5")});
        QCOMPARE(r.exitCode, 1);  // the fixture model has no tokenizer
        QVERIFY2(r.err.find("tokenizer") != std::string::npos, r.err.c_str());
        r = runProcess({SCALPEL_EXE, "patch", "--model", kDir + "/model", "--prompts", prompts, "--method", "magic", "--out", "x.h5"});
        QCOMPARE(r.exitCode, 2);
    }

    // The built-in IOI generator on the demo model (real GPT-2 tokenizer): equal-length prompts,
    // a model that solves the task (clean logit difference well above the corrupted one).
    void ioiOnTheDemoModel() {
        const std::string out = tempPath("ioi.h5");
        auto r = runProcess({SCALPEL_EXE, "patch", "--model", std::string(SCALPEL_SOURCE_DIR) + "/resources/demo/ioi-gpt2", "--ioi",
                             "8", "--seed", "3", "--method", "atp,relp", "--out", out, "--json"},
                            120);
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        const json s = json::parse(r.out);
        QVERIFY(s["ld_clean_mean"].get<double>() > s["ld_corrupt_mean"].get<double>() + 5);
        QCOMPARE(s["batch"].get<int>(), 8);
        QCOMPARE(s["agreement"].size(), size_t(0));  // no AP asked: nothing to agree with
    }
};

QTEST_APPLESS_MAIN(TestCliPatch)
#include "test_cli_patch.moc"
