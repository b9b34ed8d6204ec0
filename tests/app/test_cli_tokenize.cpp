// `scalpel tokenize --json` with the real GPT-2 files reproduces the reference ids of
// tests/fixtures/tokenizer/hard_strings.json (gen_tokenizer.py, an independent Python
// implementation of OpenAI's encoder.py checked against llama.cpp's conformance list).
#include <QtTest>

#include <nlohmann/json.hpp>

#include "run_process.h"

using nlohmann::json;

class TestCliTokenize : public QObject {
    Q_OBJECT
private slots:
    void hardStringsThroughTheCli() {
        json cases = json::parse(slurp(std::string(SCALPEL_SOURCE_DIR) + "/tests/fixtures/tokenizer/hard_strings.json"))["encode"];
        std::vector<std::string> argv = {SCALPEL_EXE, "tokenize", "--tokenizer", SCALPEL_SHARED_DIR "/real/gpt2_tokenizer", "--json", "--"};
        std::vector<json> expected;
        for (const auto& c : cases) {
            if (!c.contains("text")) continue;  // byte strings (invalid UTF-8) cannot travel through argv
            std::string text = c["text"].get<std::string>();
            if (text.empty() || text.find('\0') != std::string::npos) continue;
            argv.push_back(text);
            expected.push_back(c["ids"]);
        }
        QVERIFY(expected.size() >= 40);
        auto r = runProcess(argv, 60);
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        std::istringstream lines(r.out);
        std::string line;
        size_t i = 0;
        while (std::getline(lines, line)) {
            QVERIFY(i < expected.size());
            json got = json::parse(line);
            QVERIFY2(got["ids"] == expected[i], (got["text"].dump() + ": " + got["ids"].dump() + " vs " + expected[i].dump()).c_str());
            ++i;
        }
        QCOMPARE(i, expected.size());
    }

    void plainOutputShowsIdsAndTokens() {
        auto r = runProcess({SCALPEL_EXE, "tokenize", "--tokenizer", SCALPEL_SHARED_DIR "/real/gpt2_tokenizer", "Hello world"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(QString::fromStdString(r.out), QString("15496 995\nHello | \xC4\xA0world\n"));  // GPT-2: "Hello", "Ġworld"
    }

    void errorsAndUsage() {
        QCOMPARE(runProcess({SCALPEL_EXE, "tokenize", "hello"}).exitCode, 2);  // no --tokenizer
        auto r = runProcess({SCALPEL_EXE, "tokenize", "--tokenizer", "/nonexistent", "x"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.find("/nonexistent") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestCliTokenize)
#include "test_cli_tokenize.moc"
