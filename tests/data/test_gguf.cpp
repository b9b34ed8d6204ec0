// GGUF header reader: the real llama.cpp GPT-2 vocabulary file, a small file written by
// tests/fixtures/gen_safetensors.py from the spec (values from numpy/torch), and the corpus.
#include <QtTest>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "data/gguf.h"
#include "data/readers.h"

using namespace scalpel;

namespace {
const std::string kFix = SCALPEL_SOURCE_DIR "/tests/fixtures/safetensors/";
const std::string kCorpus = SCALPEL_SOURCE_DIR "/tests/corpus/gguf/";
}  // namespace

class TestGguf : public QObject {
    Q_OBJECT
private slots:
    void realVocabFileOpens() {
        const std::string path = SCALPEL_SHARED_DIR "/real/gguf/ggml-vocab-gpt-2.gguf";
        if (!std::filesystem::exists(path)) QSKIP("shared/real not present");
        auto r = readGguf(path);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().what().c_str());
        QCOMPARE(r->format, std::string("gguf"));
        QVERIFY(r->tensors.empty());
        // Values as written by llama.cpp's convert script for GPT-2 (12 layers, 768 wide,
        // 50257 tokens, 50000 merges; layer_norm_epsilon is the f32 nearest 1e-5).
        const auto& m = r->metadata;
        QCOMPARE(m.at("general.architecture"), std::string("gpt2"));
        QCOMPARE(m.at("gpt2.block_count"), std::string("12"));
        QCOMPARE(m.at("gpt2.embedding_length"), std::string("768"));
        QCOMPARE(m.at("gpt2.context_length"), std::string("1024"));
        QCOMPARE(m.at("gpt2.attention.layer_norm_epsilon"), std::string("1e-05"));
        QCOMPARE(m.at("tokenizer.ggml.model"), std::string("gpt2"));
        QCOMPARE(m.at("tokenizer.ggml.tokens"), std::string("[array of 50257 string]"));
        QCOMPARE(m.at("tokenizer.ggml.token_type"), std::string("[array of 50257 i32]"));
        QCOMPARE(m.at("tokenizer.ggml.merges"), std::string("[array of 50000 string]"));
        QCOMPARE(m.at("tokenizer.ggml.eos_token_id"), std::string("50256"));
        QCOMPARE(m.at("gguf.version"), std::string("3"));
        QCOMPARE(m.size(), size_t(16 + 1));  // 16 key/values + gguf.version
    }

    void smallFileMatchesGenerator() {
        auto r = readGguf(kFix + "small.gguf");
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().what().c_str());
        std::ifstream in(kFix + "small_gguf_expected.json");
        auto j = nlohmann::json::parse(in);
        for (const auto& [k, v] : j["metadata"].items()) {
            QVERIFY2(r->metadata.count(k), k.c_str());
            QCOMPARE(r->metadata.at(k), v.get<std::string>());
        }
        QCOMPARE(r->tensors.size(), j["tensors"].size());
        for (const auto& [name, exp] : j["tensors"].items()) {
            const TensorEntry* e = r->find(name);
            QVERIFY2(e, name.c_str());
            QCOMPARE(std::string(dtypeName(e->info.dtype)), exp["dtype"].get<std::string>());
            // GGUF dims are fastest-first; the numpy shape is reversed ([3, 2] -> [2, 3]).
            QCOMPARE(e->info.shape, exp["shape"].get<std::vector<int64_t>>());
            if (exp.contains("raw")) {
                QCOMPARE(*r->raw(*e), exp["raw"].get<std::vector<uint8_t>>());
                QVERIFY(!r->toFloat(*e).ok());  // quantised blocks are not decoded
            } else {
                // Exact: the stored F16/BF16/F32/I32 values widen to double without rounding.
                QCOMPARE(*r->toDouble(*e), exp["values"].get<std::vector<double>>());
            }
        }
        QCOMPARE(r->metadata.at("gguf.tensor.w.q8"),
                 std::string("quantised Q8_0 (ggml type 8), logical shape [32]: shown raw only"));
    }

    void typeTable() {
        QCOMPARE(ggmlTypeInfo(12)->blockBytes, 144u);  // Q4_K: 2 halves + 12 scale bytes + 128 nibble bytes
        QCOMPARE(ggmlTypeInfo(30)->dtype.value(), DType::BF16);
        QVERIFY(!ggmlTypeInfo(4));  // Q4_2, removed from ggml
        QVERIFY(!ggmlTypeInfo(1000));
    }

    void malformedCorpus_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("reason");
        auto row = [](const char* f, const char* why) { QTest::newRow(f) << QString(f) << QString(why); };
        row("bad_truncated.gguf", "run past the end of the data section");
        row("bad_truncated_header.gguf", "too small for the 24-byte GGUF header");
        row("bad_huge_string.gguf", "metadata key at offset 24 claims 4611686018427387904 bytes");
        row("bad_huge_tensor_count.gguf", "tensor count 1152921504606846976 is more than the file can hold");
        row("bad_huge_kv_count.gguf", "metadata count 1099511627776 is more than");
        row("bad_huge_array.gguf", "claims 2305843009213693952 string elements");
        row("bad_bad_alignment.gguf", "general.alignment at offset");
        row("bad_alignment_type.gguf", "general.alignment must be u32, found i32");
        row("bad_misaligned_offset.gguf", "tensor 'w': data offset 4 is not a multiple of the alignment 32");
        row("bad_tensor_past_end.gguf", "tensor 'w': data [0, +16) run past the end of the data section (12 bytes");
        row("bad_offset_past_end.gguf", "tensor 'w': data [9223372036854775808, +16) run past");
        row("bad_overlap.gguf", "tensor 'v' overlaps the data of tensor 'w'");
        row("bad_big_endian.gguf", "possibly big-endian");
        row("bad_version1.gguf", "GGUF version 1 is not supported");
        row("bad_bool_value.gguf", "key 'b': bool at offset");
        row("bad_unknown_value_type.gguf", "key 'k' at offset 24 has unknown value type 77");
        row("bad_duplicate_key.gguf", "key 'general.architecture' at offset");
        row("bad_duplicate_tensor.gguf", "tensor 'w' is listed twice");
        row("bad_too_many_dims.gguf", "n_dims is 5, at most 4 allowed");
        row("bad_dim_overflow.gguf", "shape overflows");
        row("bad_deep_nesting.gguf", "arrays nested deeper than 8");
        row("bad_q_block_mismatch.gguf", "33 values are not a whole number of Q8_0 (ggml type 8) blocks of 32");
    }

    void malformedCorpus() {
        QFETCH(QString, file);
        QFETCH(QString, reason);
        const std::string path = kCorpus + file.toStdString();
        auto r = readGguf(path);
        QVERIFY2(!r.ok(), "malformed file was accepted");
        QCOMPARE(r.error().file, path);
        QVERIFY2(r.error().message.find(reason.toStdString()) != std::string::npos, r.error().message.c_str());
    }

    void everyCorpusBadFileIsCovered() {
        int bad = 0;
        for (const auto& e : std::filesystem::directory_iterator(kCorpus))
            if (e.path().filename().string().rfind("bad_", 0) == 0) ++bad;
        QCOMPARE(bad, 22);
    }

    void seedsOpen() {
        for (const char* seed : {"seed_small.gguf", "seed_vocab_only.gguf"}) {
            auto r = readGguf(kCorpus + seed);
            QVERIFY2(r.ok(), r.ok() ? seed : r.error().what().c_str());
        }
    }
};

QTEST_APPLESS_MAIN(TestGguf)
#include "test_gguf.moc"
