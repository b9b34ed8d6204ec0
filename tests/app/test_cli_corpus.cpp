// Every malformed file in tests/corpus/<area>/bad_* must be refused by the CLI with exit code 1
// and a one-line reason naming the file, within 5 s, without a crash, and without allocating
// more than 10x its size (beyond the process's baseline).
#include <QtTest>

#include <algorithm>
#include <filesystem>

#include "run_process.h"

namespace fs = std::filesystem;

class TestCliCorpus : public QObject {
    Q_OBJECT
    long baselineKiB_ = 0;

private slots:
    void initTestCase() {
        auto r = runProcess({SCALPEL_EXE, "--version"});
        QCOMPARE(r.exitCode, 0);
        baselineKiB_ = r.maxRssKiB;
    }

    void malformedFilesAreRefused_data() {
        QTest::addColumn<QString>("area");
        QTest::addColumn<QString>("path");
        std::vector<fs::path> files;
        for (const auto& dir : fs::directory_iterator(std::string(SCALPEL_SOURCE_DIR) + "/tests/corpus")) {
            if (!dir.is_directory()) continue;
            for (const auto& f : fs::directory_iterator(dir.path()))
                if (f.path().filename().string().starts_with("bad_")) files.push_back(f.path());
        }
        std::sort(files.begin(), files.end());
        if (files.empty()) QSKIP("no malformed corpus present");
        for (const auto& f : files) {
            std::string area = f.parent_path().filename().string();
            QTest::newRow((area + "/" + f.filename().string()).c_str())
                << QString::fromStdString(area) << QString::fromStdString(f.string());
        }
    }

    void malformedFilesAreRefused() {
        QFETCH(QString, area);
        QFETCH(QString, path);
        std::string p = path.toStdString();
        std::vector<std::string> argv = area == "tokenizer"
            ? std::vector<std::string>{SCALPEL_EXE, "tokenize", "--tokenizer", p, "hello world"}
            : std::vector<std::string>{SCALPEL_EXE, "inspect", "--stats", p};
        auto r = runProcess(argv, 10);
        QVERIFY2(!r.timedOut && r.seconds < 5.0, ("took " + std::to_string(r.seconds) + " s").c_str());
        QVERIFY2(r.signal == 0, ("killed by signal " + std::to_string(r.signal) + "\n" + r.err).c_str());
        QVERIFY2(r.exitCode == 1, ("exit code " + std::to_string(r.exitCode) + "\nstdout: " + r.out.substr(0, 300) +
                                   "\nstderr: " + r.err).c_str());
        std::string err = r.err;
        while (!err.empty() && err.back() == '\n') err.pop_back();
        QVERIFY2(!err.empty(), "no reason on stderr");
        QVERIFY2(err.find('\n') == std::string::npos, ("reason is not one line:\n" + r.err).c_str());
        QVERIFY2(err.find(fs::path(p).filename().string()) != std::string::npos, ("reason does not name the file: " + err).c_str());
        // Slack: libraries initialised lazily on first use (HDF5, zlib, the JSON parser's
        // buffers) add a few MiB to the --version baseline; 16 MiB covers them with margin.
        long allowedKiB = baselineKiB_ + 16 * 1024 + 10 * static_cast<long>(fs::file_size(p) / 1024 + 1);
        QVERIFY2(r.maxRssKiB <= allowedKiB, ("peak memory " + std::to_string(r.maxRssKiB) + " KiB > allowed " +
                                             std::to_string(allowedKiB) + " KiB").c_str());
    }
};

QTEST_GUILESS_MAIN(TestCliCorpus)
#include "test_cli_corpus.moc"
