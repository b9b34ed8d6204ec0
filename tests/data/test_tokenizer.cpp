// GPT-2 byte-level BPE against independent references: llama.cpp's GPT-2 conformance list,
// the Python reference in tests/fixtures/gen_tokenizer.py (hard strings, Unicode classes,
// tiny tokenizers), and the malformed corpus in tests/corpus/tokenizer/.
#include <QElapsedTimer>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "data/bpe_text.h"
#include "data/bpe_tokenizer.h"

using namespace scalpel;
using nlohmann::json;

namespace {

std::string readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// SCALPEL_SHARED_DIR is <repo>/../shared; a git worktree one level deeper finds it one more up.
std::string sharedReal() {
    const QByteArray env = qgetenv("SCALPEL_SHARED_DIR");
    for (std::string dir : {env.toStdString(), std::string(SCALPEL_SHARED_DIR),
                            std::string(SCALPEL_SOURCE_DIR) + "/../../shared"})
        if (!dir.empty() && std::filesystem::is_directory(dir + "/real")) return dir + "/real";
    return std::string(SCALPEL_SHARED_DIR) + "/real";
}

std::string gpt2Dir() { return sharedReal() + "/gpt2_tokenizer"; }
std::string fixtures() { return std::string(SCALPEL_SOURCE_DIR) + "/tests/fixtures/tokenizer"; }

std::vector<int32_t> idsOf(const json& j) { return j.get<std::vector<int32_t>>(); }

std::string fromHex(const std::string& hex) {
    std::string out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    return out;
}

BpeTokenizer mustLoad(Result<BpeTokenizer> r) {
    if (!r) qFatal("tokenizer failed to load: %s", r.error().what().c_str());
    return std::move(r.value());
}

// llama.cpp's list: each text is followed by "\n__ggml_vocab_test__\n"; each .out line holds
// that text's ids, each preceded by a space.
std::vector<std::pair<std::string, std::vector<int32_t>>> ggmlCases() {
    const std::string base = sharedReal() + "/gguf/ggml-vocab-gpt-2.gguf";
    const std::string inp = readAll(base + ".inp"), out = readAll(base + ".out");
    const std::string sep = "\n__ggml_vocab_test__\n";
    std::vector<std::string> texts;
    for (size_t pos = 0; pos < inp.size();) {
        const size_t at = inp.find(sep, pos);
        if (at == std::string::npos) break;
        texts.push_back(inp.substr(pos, at - pos));
        pos = at + sep.size();
    }
    std::vector<std::pair<std::string, std::vector<int32_t>>> cases;
    std::istringstream lines(out);
    std::string line;
    for (const auto& t : texts) {
        if (!std::getline(lines, line)) break;
        std::vector<int32_t> ids;
        std::istringstream nums(line);
        for (int32_t id; nums >> id;) ids.push_back(id);
        cases.emplace_back(t, ids);
    }
    if (cases.size() != texts.size()) cases.clear();  // the caller checks the count
    return cases;
}

// tokenizer.json built at test time from the real GPT-2 files, merges in either encoding.
std::string realTokenizerJson(bool pairs) {
    json vocab = json::parse(readAll(gpt2Dir() + "/encoder.json"));
    const std::string bpe = readAll(gpt2Dir() + "/vocab.bpe");
    json merges = json::array();
    std::istringstream in(bpe);
    std::string line;
    std::getline(in, line);  // #version
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        const size_t sp = line.find(' ');
        if (pairs) merges.push_back({line.substr(0, sp), line.substr(sp + 1)});
        else merges.push_back(line);
    }
    json added = json::array({{{"id", 50256}, {"content", "<|endoftext|>"}, {"single_word", false}, {"lstrip", false},
                               {"rstrip", false}, {"normalized", true}, {"special", true}}});
    json root = {{"version", "1.0"}, {"added_tokens", added}, {"normalizer", nullptr},
                 {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}}},
                 {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}, {"ignore_merges", false}}}};
    return root.dump();
}

}  // namespace

class TestTokenizer : public QObject {
    Q_OBJECT

private slots:
    void unicodeClassesMatchPythonRegex() {
        // Run-length table of \s / \p{L} / \p{N} made by Python's `regex` module.
        const json runs = json::parse(readAll(fixtures() + "/unicode_classes.json"));
        QVERIFY(runs.size() > 100);
        size_t mismatches = 0, versionGap = 0;
        std::string first;
        for (size_t r = 0; r < runs.size(); ++r) {
            const char32_t begin = runs[r][0].get<char32_t>();
            const char32_t end = r + 1 < runs.size() ? runs[r + 1][0].get<char32_t>() : 0x110000;
            const std::string k = runs[r][1].get<std::string>();
            const bpe::CharClass want = k == "L" ? bpe::CharClass::Letter : k == "N" ? bpe::CharClass::Number
                                        : k == "S" ? bpe::CharClass::Space : bpe::CharClass::Other;
            for (char32_t cp = begin; cp < end; ++cp) {
                if (bpe::classify(cp) == want) continue;
                // Qt 6.4 ships Unicode 14 tables, the regex module Unicode 15: code points
                // assigned in between are "Other" for Qt. Anything else is a real bug.
                if (QChar::category(cp) == QChar::Other_NotAssigned) ++versionGap;
                else if (mismatches++ < 5) first += QString::number(cp, 16).toStdString() + " ";
            }
        }
        qInfo("%zu code points differ only because Qt's Unicode tables are older", versionGap);
        QVERIFY(versionGap < 6000);  // Unicode 15 added 4 489 characters
        QVERIFY2(mismatches == 0, (std::to_string(mismatches) + " mismatches, first: " + first).c_str());
    }

    void llamaCppConformanceList() {
        auto tok = mustLoad(BpeTokenizer::load(gpt2Dir()));
        QCOMPARE(tok.vocabSize(), size_t(50257));
        QCOMPARE(tok.mergeCount(), size_t(50000));
        const auto cases = ggmlCases();
        QCOMPARE(cases.size(), size_t(46));
        for (const auto& [text, ids] : cases) {
            QCOMPARE(tok.encode(text), ids);
            QCOMPARE(tok.decode(ids), text);
        }
    }

    void hardStringsMatchReference() {
        auto tok = mustLoad(BpeTokenizer::load(gpt2Dir()));
        const json fx = json::parse(readAll(fixtures() + "/hard_strings.json"));
        QVERIFY(fx["encode"].size() >= 40);
        for (const auto& c : fx["encode"]) {
            const bool valid = c.contains("text");
            const std::string text = valid ? c["text"].get<std::string>() : fromHex(c["bytes_hex"].get<std::string>());
            const auto ids = tok.encode(text);
            QVERIFY2(ids == idsOf(c["ids"]), ("encode differs for " + c.dump()).c_str());
            if (valid) QCOMPARE(tok.decode(ids), text);  // round trip
            else QCOMPARE(tok.decode(ids), bpe::replaceInvalidUtf8(text));
        }
        for (const auto& c : fx["decode"]) QCOMPARE(tok.decode(idsOf(c["ids"])), c["text"].get<std::string>());
    }

    void bothMergeEncodingsOfRealVocabAgree() {
        auto strings = mustLoad(BpeTokenizer::fromTokenizerJson(realTokenizerJson(false)));
        auto pairs = mustLoad(BpeTokenizer::fromTokenizerJson(realTokenizerJson(true)));
        QCOMPARE(strings.mergeCount(), size_t(50000));
        QCOMPARE(pairs.mergeCount(), size_t(50000));
        for (const auto& [text, ids] : ggmlCases()) {
            QCOMPARE(strings.encode(text), ids);
            QCOMPARE(pairs.encode(text), ids);
        }
        const json fx = json::parse(readAll(fixtures() + "/hard_strings.json"));
        for (const auto& c : fx["encode"]) {
            if (!c.contains("text")) continue;
            QCOMPARE(strings.encode(c["text"].get<std::string>()), idsOf(c["ids"]));
            QCOMPARE(pairs.encode(c["text"].get<std::string>()), idsOf(c["ids"]));
        }
    }

    void tinyTokenizersInEveryEncoding() {
        const json expected = json::parse(readAll(fixtures() + "/tiny_expected.json"));
        for (const char* dir : {"tiny_strings", "tiny_pairs", "tiny_vocab_merges"}) {
            auto tok = mustLoad(BpeTokenizer::load(fixtures() + "/" + dir));
            QCOMPARE(tok.mergeCount(), size_t(16));
            for (const auto& c : expected) QCOMPARE(tok.encode(c["text"].get<std::string>()), idsOf(c["ids"]));
        }
        // A tokenizer.json path works as well as its folder.
        auto direct = mustLoad(BpeTokenizer::load(fixtures() + "/tiny_pairs/tokenizer.json"));
        QCOMPARE(direct.encode("hello world"), idsOf(expected[0]["ids"]));
        QCOMPARE(direct.source(), fixtures() + "/tiny_pairs/tokenizer.json");
    }

    void tokenAccessors() {
        auto tok = mustLoad(BpeTokenizer::load(gpt2Dir()));
        const auto ids = tok.encode(" the");
        QCOMPARE(ids.size(), size_t(1));
        QCOMPARE(tok.tokenString(ids[0]), std::string("\xc4\xa0the"));  // "Ġthe"
        QCOMPARE(tok.tokenText(ids[0]), std::string(" the"));
        QCOMPARE(tok.tokenText(50256), std::string("<|endoftext|>"));
        QCOMPARE(tok.tokenText(-1), std::string());
        QCOMPARE(tok.tokenString(50257), std::string());
        QCOMPARE(tok.decode({-5, 1000000}), std::string());  // unknown ids are skipped
    }

    void mergesTextErrorsNameTheLine() {
        const std::string vocab = readAll(fixtures() + "/tiny_vocab_merges/vocab.json");
        const auto expectError = [&](const std::string& merges, const std::string& needle) {
            auto r = BpeTokenizer::fromVocabAndMerges(vocab, merges);
            QVERIFY2(!r, ("accepted: " + merges).c_str());
            QVERIFY2(r.error().message.find(needle) != std::string::npos, r.error().message.c_str());
        };
        expectError("#version: 0.2\nh e\nl l l\n", "line 3 is not exactly two tokens");
        expectError("h e\n\ni n\n", "line 2 is not exactly two tokens");
        expectError("h  e\n", "line 1 is not exactly two tokens");
        expectError("#version: 0.2\n", "zero merges");
        expectError("", "zero merges");
        expectError("h e\nq zz\n", "merge at line 2: 'zz' is not in the vocabulary");
        expectError("x y\n", "'xy' (the concatenation) is not in the vocabulary");
        expectError("#version: 0.2\nh e\n#version: 0.2\n", "line 3");  // only the first line may be a version
        QVERIFY(BpeTokenizer::fromVocabAndMerges(vocab, "#version: 0.2\r\nh e\r\n"));  // CRLF
        QVERIFY(BpeTokenizer::fromVocabAndMerges(vocab, "h e"));                       // no final newline
        auto bad = BpeTokenizer::fromVocabAndMerges("{\"a\": 0,", "h e\n");
        QVERIFY(!bad);
        QVERIFY(bad.error().message.find("invalid JSON") != std::string::npos);
    }

    void malformedCorpusIsRejectedWithReason() {
        const std::string dir = std::string(SCALPEL_SOURCE_DIR) + "/tests/corpus/tokenizer/";
        const std::vector<std::pair<std::string, std::string>> expected = {
            {"bad_invalid_json.json", "invalid JSON"},
            {"bad_invalid_utf8.json", "invalid JSON"},
            {"bad_unknown_merge_token.json", "'zzz' is not in the vocabulary"},
            {"bad_merge_result_missing.json", "'xy' (the concatenation) is not in the vocabulary"},
            {"bad_zero_merges.json", "zero merges"},
            {"bad_duplicate_ids.json", "duplicate id"},
            {"bad_wordpiece_model.json", "unsupported tokenizer model WordPiece"},
            {"bad_merge_arity_pair.json", "model.merges[3] is not a pair of two strings (has 3 elements)"},
            {"bad_merge_arity_string.json", "model.merges[2] is not exactly two tokens"},
            {"bad_negative_id.json", "vocab id -5 of 'a' is out of range"},
            {"bad_missing_byte_symbol.json", "lacks the byte symbol"},
            {"bad_added_token_id_mismatch.json", "added token '<|endoftext|>' has id 5"},
            {"bad_no_model.json", "no \"model\" object"},
            {"bad_pre_tokenizer_type_number.json", "unsupported pre_tokenizer '{\"type\":5}'"},
            {"bad_split_pre_tokenizer.json", "unsupported pre_tokenizer '{\"pretokenizers\""},
            {"bad_nfc_normalizer.json", "unsupported normalizer '{\"type\":\"NFC\"}'"},
            {"bad_id_not_integer.json", "vocab id of 'line\\x0abreak' is not an integer"},
        };
        size_t seen = 0;
        for (const auto& entry : std::filesystem::directory_iterator(dir))
            if (entry.path().filename().string().starts_with("bad_")) ++seen;
        QCOMPARE(seen, expected.size());  // every corpus file has its expectation here
        for (const auto& [file, needle] : expected) {
            auto r = BpeTokenizer::load(dir + file);
            QVERIFY2(!r, file.c_str());
            QCOMPARE(r.error().file, dir + file);
            QVERIFY2(r.error().message.find(needle) != std::string::npos, (file + ": " + r.error().message).c_str());
            QVERIFY(r.error().what().find('\n') == std::string::npos);
        }
        QVERIFY(BpeTokenizer::load(dir + "seed_pairs.json"));
        QVERIFY(BpeTokenizer::load(dir + "seed_strings.json"));
        QVERIFY(!BpeTokenizer::load(dir + "does_not_exist.json"));
        auto emptyDir = BpeTokenizer::load(std::string(SCALPEL_SOURCE_DIR) + "/tests/corpus");
        QVERIFY(!emptyDir);
        QVERIFY(emptyDir.error().message.find("no tokenizer.json") != std::string::npos);
    }

    void randomBytesNeverCrashAndValidTextRoundTrips() {
        auto tok = mustLoad(BpeTokenizer::load(gpt2Dir()));
        std::mt19937 rng(1234);
        for (int round = 0; round < 300; ++round) {
            std::string bytes(rng() % 64, '\0');
            for (auto& c : bytes) c = static_cast<char>(rng());
            const auto ids = tok.encode(bytes);
            QCOMPARE(tok.decode(ids), bpe::replaceInvalidUtf8(bytes));
            // Random code points from all planes, valid UTF-8: exact round trip.
            std::string text;
            for (int k = 0; k < 20; ++k) {
                char32_t cp = rng() % 0x110000;
                if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0x20;
                bpe::appendUtf8(text, rng() % 3 ? cp % 0x3000 : cp);
            }
            QCOMPARE(tok.decode(tok.encode(text)), text);
        }
    }

    void tinyShakespeareIsFastAndRoundTrips() {
        auto tok = mustLoad(BpeTokenizer::load(gpt2Dir()));
        const std::string text = readAll(sharedReal() + "/text/tinyshakespeare.txt");
        QCOMPARE(text.size(), size_t(1115394));
        QElapsedTimer timer;
        timer.start();
        const auto ids = tok.encode(text);
        const qint64 ms = timer.elapsed();
        qInfo("encoded %zu bytes into %zu tokens in %lld ms", text.size(), ids.size(), static_cast<long long>(ms));
        QVERIFY2(ms < 5000, "encoding 1.1 MB took over 5 s");  // generous: the test machine is shared
        QCOMPARE(tok.decode(ids), text);
        // A hostile single "word" of 200 000 letters stays fast (the merge queue is O(n log n)).
        const std::string word(200000, 'a');
        timer.restart();
        QCOMPARE(tok.decode(tok.encode(word)), word);
        QVERIFY(timer.elapsed() < 5000);
    }
};

QTEST_GUILESS_MAIN(TestTokenizer)
#include "test_tokenizer.moc"
