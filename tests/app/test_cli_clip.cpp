// `scalpel clip --json` on the fixture embeddings matches the NumPy reference
// (tests/fixtures/gen_clip.py) to 1e-9 relative, through every input path (NPZ, HDF5 with
// dataset paths, frequencies from a file), and bad input gives exit code 1 with a reason.
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "run_process.h"

using nlohmann::json;

namespace {
const std::string kDir = std::string(SCALPEL_SOURCE_DIR) + "/tests/fixtures/clip/";

json expectedCase(const std::string& name) {
    return json::parse(slurp(kDir + "cases.json"))["cases"][name]["expected"];
}

std::string tempPath(const std::string& name) {
    return (std::filesystem::temp_directory_path() / ("scalpel_cli_clip_" + name)).string();
}

// Float64 on both sides from the same inputs; see test_clip_decomposition.cpp for the 1e-9.
bool rel(const json& got, const json& want) {
    double a = got.get<double>(), b = want.get<double>();
    return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b));
}

void checkScores(const json& got, const json& want) {
    for (const char* key : {"sce", "text_score", "trace_schur", "trace_text", "trace_image"})
        QVERIFY2(rel(got[key], want[key]), (std::string(key) + ": " + got[key].dump() + " vs " + want[key].dump()).c_str());
    QCOMPARE(got["rank_kept"].get<int>(), want["rank_kept"].get<int>());
}
}  // namespace

class TestCliClip : public QObject {
    Q_OBJECT
private slots:
    void npzWithOmegaFromFile() {
        std::string out = tempPath("omega.h5");
        auto r = runProcess({SCALPEL_EXE, "clip", "--embeddings", kDir + "embeddings.npz", "--rff-omegas",
                             kDir + "omega.npy", "--out", out, "--json"}, 60);
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        json got = json::parse(r.out);
        checkScores(got, expectedCase("gaussian_rff"));
        QCOMPARE(got["n"].get<int>(), 60);
        QCOMPARE(got["d"].get<int>(), 8);
        QCOMPARE(got["route"].get<std::string>(), std::string("gaussian-rff/gram"));  // n = 60 < m = 80
        // The result file holds the spectra; inspect must list them.
        auto listed = runProcess({SCALPEL_EXE, "inspect", "--json", out});
        QVERIFY2(listed.exitCode == 0, listed.err.c_str());
        QVERIFY(listed.out.find("results/spectrum_schur") != std::string::npos);
    }

    void seedReproducesTheDocumentedGenerator() {
        // gen_clip.py drew omega.npy with the same documented generator and seed 7.
        auto r = runProcess({SCALPEL_EXE, "clip", "--embeddings", kDir + "embeddings.npz", "--seed", "7", "--rff-dim", "40",
                             "--route", "rff", "--out", tempPath("seed.h5"), "--json"}, 60);
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        json got = json::parse(r.out);
        QCOMPARE(got["side"].get<std::string>(), std::string("feature"));
        // Frequencies agree to ~1e-15 (libm vs NumPy transcendental functions); the scores to 1e-9.
        checkScores(got, expectedCase("gaussian_rff"));
    }

    void hdf5DatasetPathsAndKernels() {
        for (auto [kernel, route, name] : {std::tuple{"cosine", "auto", "cosine"}, std::tuple{"cosine-code", "auto", "cosine-code"},
                                           std::tuple{"gaussian", "exact", "gaussian_exact"}}) {
            auto r = runProcess({SCALPEL_EXE, "clip", "--embeddings", kDir + "embeddings.h5", "--text-key", "/emb/text",
                                 "--image-key", "emb/image", "--kernel", kernel, "--route", route, "--out",
                                 tempPath("h5.h5"), "--json"}, 60);
            QVERIFY2(r.exitCode == 0, r.err.c_str());
            checkScores(json::parse(r.out), expectedCase(name));
        }
    }

    void promptIdsFromHdf5Strings() {
        // /emb/prompt holds "prompt 0".."prompt 11", five rows each, matching the repeated text rows:
        // the same 12 groups of 5 as grouping by identical text embeddings.
        auto r = runProcess({SCALPEL_EXE, "clip", "--embeddings", kDir + "embeddings.h5", "--text-key", "emb/text",
                             "--image-key", "emb/image", "--prompt-key", "emb/prompt", "--kernel", "cosine", "--out",
                             tempPath("ids.h5"), "--json"}, 60);
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        json got = json::parse(r.out);
        checkScores(got, expectedCase("cosine"));  // prompt ids only group; the decomposition is unchanged
        QCOMPARE(got["prompt_groups"].size(), size_t(12));
        QCOMPARE(got["prompt_groups"][0]["prompt"].get<std::string>(), std::string("prompt 0"));
        QCOMPARE(got["prompt_groups"][0]["size"].get<int>(), 5);
        auto bad = runProcess({SCALPEL_EXE, "clip", "--embeddings", kDir + "embeddings.h5", "--text-key", "emb/text",
                               "--image-key", "emb/image", "--prompt-key", "emb/nothing", "--out", tempPath("ids2.h5")});
        QCOMPARE(bad.exitCode, 1);
        QVERIFY(bad.err.find("emb/nothing") != std::string::npos);
    }

    void cutoffOption() {
        auto r = runProcess({SCALPEL_EXE, "clip", "--embeddings", kDir + "embeddings.npz", "--route", "exact", "--sigma", "8",
                             "--cutoff", "1e-4", "--out", tempPath("cut.h5"), "--json"}, 60);
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        checkScores(json::parse(r.out), expectedCase("gaussian_exact_sigma8_cutoff"));
    }

    void nullificationIsWritten() {
        std::string out = tempPath("null.h5");
        auto r = runProcess({SCALPEL_EXE, "clip", "--embeddings", kDir + "embeddings.npz", "--kernel", "cosine", "--nullify",
                             "--out", out, "--json"}, 60);
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        json got = json::parse(r.out);
        json want = json::parse(slurp(kDir + "cases.json"))["nullification"];
        QVERIFY(rel(got["nullification"]["mean_cosine_after"], want["paper"]["mean_cos_after"]));
        QVERIFY(rel(got["nullification"]["mean_cosine_before"], want["mean_cos_before"]));
        auto listed = runProcess({SCALPEL_EXE, "inspect", "--json", out});
        QVERIFY(listed.out.find("results/nullification/corrected") != std::string::npos);
    }

    void badInput_data() {
        QTest::addColumn<QString>("what");
        QTest::addColumn<QString>("expectInMessage");
        QTest::newRow("n mismatch") << "n" << "rows must be paired";
        QTest::newRow("d mismatch") << "d" << "dimension";
        QTest::newRow("NaN row") << "nan" << "row 3 contains NaN";
        QTest::newRow("wrong key") << "key" << "no tensor named 'pictures'";
        QTest::newRow("empty file") << "empty" << "empty.npz";
    }

    void badInput() {
        QFETCH(QString, what);
        QFETCH(QString, expectInMessage);
        // Malformed embedding files: NPY bytes written by hand (format 1.0 header).
        auto npy = [](const std::string& path, int rows, int cols, double nanAt) {
            std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " +
                                 std::to_string(cols) + "), }";
            while ((10 + header.size() + 1) % 64) header += ' ';
            header += '\n';
            std::ofstream f(path, std::ios::binary);
            f.write("\x93NUMPY\x01\x00", 8);
            uint16_t len = static_cast<uint16_t>(header.size());
            f.write(reinterpret_cast<const char*>(&len), 2);
            f << header;
            for (int i = 0; i < rows * cols; ++i) {
                double v = (i / cols == nanAt) ? std::nan("") : std::sin(i * 0.37) * 3;
                f.write(reinterpret_cast<const char*>(&v), 8);
            }
        };
        std::string dir = tempPath("bad_" + what.toStdString());
        std::filesystem::create_directories(dir);
        std::vector<std::string> args = {SCALPEL_EXE, "clip", "--out", dir + "/r.h5"};
        std::string w = what.toStdString();
        if (w == "empty") {
            std::ofstream(dir + "/empty.npz").close();
            args.insert(args.end(), {"--embeddings", dir + "/empty.npz"});
        } else if (w == "key") {
            args.insert(args.end(), {"--embeddings", kDir + "embeddings.npz", "--image-key", "pictures"});
        } else {
            // Two NPY members in a stored zip (an NPZ), built by hand so the test needs no Python.
            npy(dir + "/text.npy", 10, 4, -1);
            npy(dir + "/image.npy", w == "n" ? 9 : 10, w == "d" ? 5 : 4, w == "nan" ? 3 : -1);
            std::vector<std::pair<std::string, std::string>> members = {{"text.npy", slurp(dir + "/text.npy")},
                                                                        {"image.npy", slurp(dir + "/image.npy")}};
            std::string zip, central;
            auto u16 = [](std::string& s, uint16_t v) { s.append(reinterpret_cast<const char*>(&v), 2); };
            auto u32 = [](std::string& s, uint32_t v) { s.append(reinterpret_cast<const char*>(&v), 4); };
            auto crc32 = [](const std::string& data) {
                uint32_t c = 0xFFFFFFFFu;
                for (unsigned char b : data) {
                    c ^= b;
                    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
                }
                return ~c;
            };
            for (const auto& [name, data] : members) {
                uint32_t offset = static_cast<uint32_t>(zip.size()), crc = crc32(data), size = static_cast<uint32_t>(data.size());
                u32(zip, 0x04034b50); u16(zip, 20); u16(zip, 0); u16(zip, 0); u16(zip, 0); u16(zip, 0);
                u32(zip, crc); u32(zip, size); u32(zip, size); u16(zip, static_cast<uint16_t>(name.size())); u16(zip, 0);
                zip += name + data;
                u32(central, 0x02014b50); u16(central, 20); u16(central, 20); u16(central, 0); u16(central, 0);
                u16(central, 0); u16(central, 0); u32(central, crc); u32(central, size); u32(central, size);
                u16(central, static_cast<uint16_t>(name.size())); u16(central, 0); u16(central, 0); u16(central, 0);
                u16(central, 0); u32(central, 0); u32(central, offset); central += name;
            }
            uint32_t cdOffset = static_cast<uint32_t>(zip.size());
            zip += central;
            u32(zip, 0x06054b50); u16(zip, 0); u16(zip, 0); u16(zip, 2); u16(zip, 2);
            u32(zip, static_cast<uint32_t>(central.size())); u32(zip, cdOffset); u16(zip, 0);
            std::ofstream(dir + "/pairs.npz", std::ios::binary) << zip;
            args.insert(args.end(), {"--embeddings", dir + "/pairs.npz"});
        }
        auto r = runProcess(args, 30);
        QVERIFY2(r.exitCode == 1, ("exit " + std::to_string(r.exitCode) + ": " + r.err).c_str());
        QVERIFY2(r.err.find(expectInMessage.toStdString()) != std::string::npos, r.err.c_str());
        QVERIFY(!std::filesystem::exists(dir + "/r.h5"));  // no partial result on bad input
    }

    void usageErrors() {
        QCOMPARE(runProcess({SCALPEL_EXE, "clip", "--embeddings", kDir + "embeddings.npz"}).exitCode, 2);  // no --out
        QCOMPARE(runProcess({SCALPEL_EXE, "clip", "--embeddings", "x", "--out", "y", "--kernel", "laplace"}).exitCode, 2);
        QCOMPARE(runProcess({SCALPEL_EXE, "clip", "--embeddings", "x", "--out", "y", "--sigma", "abc"}).exitCode, 2);
    }
};

QTEST_GUILESS_MAIN(TestCliClip)
#include "test_cli_clip.moc"
