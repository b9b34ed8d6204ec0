// safetensors reader against fixtures from tests/fixtures/gen_safetensors.py (values from
// numpy/torch or the generator's closed-form decoders) and the malformed corpus.
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "data/readers.h"
#include "data/safetensors.h"

using namespace scalpel;

namespace {

const std::string kFix = SCALPEL_SOURCE_DIR "/tests/fixtures/safetensors/";
const std::string kCorpus = SCALPEL_SOURCE_DIR "/tests/corpus/safetensors/";

nlohmann::json loadExpected() {
    std::ifstream in(kFix + "expected.json");
    return nlohmann::json::parse(in);
}

double expectedValue(const nlohmann::json& v) {
    if (v.is_string()) return v == "nan" ? std::nan("") : v == "inf" ? INFINITY : -INFINITY;
    return v.get<double>();
}

bool sameValue(double a, double b) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    return a == b && std::signbit(a) == std::signbit(b);
}

std::string readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

class TestSafetensors : public QObject {
    Q_OBJECT
private slots:
    void everyDtypeDecodesAsReference() {
        auto r = readSafetensors(kFix + "all_dtypes.safetensors");
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().what().c_str());
        QCOMPARE(r->format, std::string("safetensors"));
        QCOMPARE(r->metadata.at("producer"), std::string("gen_safetensors.py"));
        auto j = loadExpected();
        int checked = 0;
        for (const auto& [name, exp] : j.items()) {
            if (name.rfind("t_", 0) != 0) continue;
            const TensorEntry* e = r->find(name);
            QVERIFY2(e, name.c_str());
            QCOMPARE(std::string(dtypeName(e->info.dtype)), exp["dtype"].get<std::string>());
            QCOMPARE(e->info.shape, exp["shape"].get<std::vector<int64_t>>());
            auto d = r->toDouble(*e);
            auto f = r->toFloat(*e);
            QVERIFY(d.ok() && f.ok());
            QCOMPARE(d->size(), exp["values"].size());
            for (size_t i = 0; i < d->size(); ++i) {
                double want = expectedValue(exp["values"][i]);
                // Exact: every expected value is representable in double (fixtures avoid
                // int64 values above 2^53), and float results are compared after the same
                // float rounding of the reference.
                QVERIFY2(sameValue((*d)[i], want), qPrintable(QString("%1[%2]: %3 vs %4").arg(name.c_str()).arg(i).arg((*d)[i]).arg(want)));
                QVERIFY2(sameValue((*f)[i], float(want)), qPrintable(QString("%1[%2] float").arg(name.c_str()).arg(i)));
            }
            ++checked;
        }
        QCOMPARE(checked, 23);
        QCOMPARE(int(r->tensors.size()), checked);
    }

    void scalarsEmptyTensorsMetadataUnaligned() {
        auto r = readSafetensors(kFix + "misc.safetensors");
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().what().c_str());
        auto j = loadExpected()["misc"];
        QCOMPARE(r->metadata.at("note"), j["metadata"]["note"].get<std::string>());
        const TensorEntry* s = r->find("scalar");
        QVERIFY(s && s->info.shape.empty() && s->info.numel() == 1);
        QCOMPARE((*r->toFloat(*s))[0], j["scalar"].get<float>());
        for (const char* name : {"empty_a", "empty_b"}) {
            const TensorEntry* e = r->find(name);
            QVERIFY(e && e->info.numel() == 0);
            QVERIFY(r->raw(*e)->empty());
            QVERIFY(r->toDouble(*e)->empty());
        }
        QCOMPARE(r->find("empty_b")->info.shape, (std::vector<int64_t>{2, 0, 5}));
        QCOMPARE(*r->toDouble(*r->find("bytes3")), j["bytes3"].get<std::vector<double>>());
        QCOMPARE(*r->toDouble(*r->find("after_odd")), j["after_odd"].get<std::vector<double>>());
        // Tensors keep the header's order.
        QCOMPARE(r->tensors.front().info.name, std::string("scalar"));
    }

    void loadsLazilyAndOutlivesTheFileObject() {
        TensorEntry kept;
        {
            auto r = readSafetensors(kFix + "misc.safetensors");
            QVERIFY(r.ok());
            kept = *r->find("after_odd");
        }  // the TensorFile is gone; the entry's loader still holds the mapping
        auto bytes = kept.load();
        QCOMPARE(bytes.size(), size_t(8));
        float v[2];
        std::memcpy(v, bytes.data(), 8);
        QCOMPARE(v[1], -3.0f);
    }

    void parsesFromMemory() {
        auto bytes = readAll(kFix + "all_dtypes.safetensors");
        auto tf = parseSafetensors(MappedFile::fromBytes("mem", bytes));
        QCOMPARE(tf.tensors.size(), size_t(23));
        bytes.push_back('\0');  // one trailing byte breaks "8 + N + last_end = file size"
        QVERIFY_THROWS_EXCEPTION(FormatError, parseSafetensors(MappedFile::fromBytes("mem", bytes)));
    }

    void manyTensorsParseQuickly() {
        // 100k empty tensors: a quadratic key insertion would take minutes here.
        std::string header = "{";
        const int n = 100000;
        for (int i = 0; i < n; ++i)
            header += (i ? ",\"t" : "\"t") + std::to_string(i) + "\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}";
        header += "}";
        std::string bytes(8, '\0');
        uint64_t len = header.size();
        for (int i = 0; i < 8; ++i) bytes[size_t(i)] = char((len >> (8 * i)) & 0xff);
        QElapsedTimer timer;
        timer.start();
        auto tf = parseSafetensors(MappedFile::fromBytes("mem", bytes + header));
        QCOMPARE(int(tf.tensors.size()), n);
        QCOMPARE(tf.tensors[12345].info.name, std::string("t12345"));  // header order kept
        QVERIFY2(timer.elapsed() < 20000, qPrintable(QString::number(timer.elapsed())));
    }

    void shardedIndex() {
        auto r = readSafetensorsIndex(kFix + "sharded/model.safetensors.index.json");
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().what().c_str());
        QCOMPARE(r->format, std::string("safetensors-sharded"));
        auto j = loadExpected();
        QCOMPARE(r->metadata.at("total_size"), std::to_string(j["sharded_total_size"].get<uint64_t>()));
        QCOMPARE(r->metadata.at("shards"), std::string("2"));
        QCOMPARE(r->tensors.size(), j["sharded"].size());
        for (const auto& [name, exp] : j["sharded"].items()) {
            const TensorEntry* e = r->find(name);
            QVERIFY2(e, name.c_str());
            QCOMPARE(e->info.shape, exp["shape"].get<std::vector<int64_t>>());
            auto v = r->toFloat(*e);
            QVERIFY(v.ok());
            // torch's .float() of the stored F16/BF16/F32 values is exact, so equality is exact.
            QCOMPARE(*v, exp["values"].get<std::vector<float>>());
        }
        QVERIFY(r->warnings.empty());
    }

    void seedsOpen() {
        for (const char* seed : {"seed_small.safetensors", "seed_empty.safetensors", "seed_subbyte.safetensors"}) {
            auto r = readSafetensors(kCorpus + seed);
            QVERIFY2(r.ok(), r.ok() ? seed : r.error().what().c_str());
            for (const auto& e : r->tensors) QVERIFY2(r->toDouble(e).ok(), e.info.name.c_str());
        }
        QVERIFY(readSafetensors(kCorpus + "seed_empty.safetensors")->tensors.empty());
    }

    void malformedCorpus_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("reason");
        auto row = [](const char* f, const char* why) { QTest::newRow(f) << QString(f) << QString(why); };
        row("bad_too_small.safetensors", "too small for the 8-byte header length");
        row("bad_header_too_large.safetensors", "exceeds the limit of 100000000");
        row("bad_header_beyond_file.safetensors", "header length 4096 runs past the end of the file");
        row("bad_not_utf8.safetensors", "not valid UTF-8 at byte offset 11");
        row("bad_overlong_utf8.safetensors", "not valid UTF-8 at byte offset 10");
        row("bad_not_brace.safetensors", "does not start with '{'");
        row("bad_invalid_json.safetensors", "is not valid JSON");
        row("bad_not_object_entry.safetensors", "tensor 'a': expected an object");
        row("bad_shape_type.safetensors", "\"shape\" must be an array");
        row("bad_shape_float.safetensors", "shape entry 2.0 is not a non-negative integer");
        row("bad_missing_offsets.safetensors", "tensor 'a': missing \"data_offsets\"");
        row("bad_offsets_type.safetensors", "\"data_offsets\" must be [begin, end]");
        row("bad_metadata_not_string.safetensors", "value for key 'n' must be a string");
        row("bad_duplicate_name.safetensors", "has the key 'a' twice");
        row("bad_unknown_dtype.safetensors", "tensor 'a': unknown dtype \"F12\"");
        row("bad_scalpel_only_dtype.safetensors", "unknown dtype \"RAW8\"");
        row("bad_negative_dim.safetensors", "tensor 'a': negative dimension -2");
        row("bad_shape_overflow.safetensors", "tensor 'a': shape overflows");
        row("bad_byte_overflow.safetensors", "overflows 64-bit byte count");
        row("bad_length_mismatch.safetensors", "span 8 bytes, but shape [3] of F32 needs 12");
        row("bad_overlap.safetensors", "tensor 'b': data_offsets begin at 2 and overlap");
        row("bad_hole.safetensors", "tensor 'b': data_offsets begin at 8, expected 4 (a hole");
        row("bad_first_not_zero.safetensors", "begin at 4, expected 0");
        row("bad_offsets_reversed.safetensors", "end before they begin");
        row("bad_offset_out_of_range.safetensors", "cover 16 bytes of the data buffer, but the file holds 8");
        row("bad_offset_huge.safetensors", "begin at 18446744073709551615, expected 0");
        row("bad_truncated.safetensors", "file truncated");
        row("bad_trailing_bytes.safetensors", "trailing bytes");
        row("bad_misaligned_f4.safetensors", "3 elements of F4 do not fill whole bytes");
        row("bad_misaligned_f6.safetensors", "2 elements of F6_E2M3 do not fill whole bytes");
        row("bad_header_not_object.safetensors", "tensor 'a': expected an object");
        row("bad_index_missing_tensor.json", "tensor 'zz' is mapped to shard 'seed_small.safetensors', which does not contain it");
        row("bad_index_missing_shard.json", "cannot open shard 'no-such-shard.safetensors'");
        row("bad_index_escape.json", "must not leave the index folder");
        row("bad_index_duplicate_across_shards.json", "tensor 'a' is stored in both shard 'seed_small.safetensors' and shard 'seed_dup_shard.safetensors'");
        row("bad_index_weight_map_type.json", "\"weight_map\" must be an object");
    }

    void malformedCorpus() {
        QFETCH(QString, file);
        QFETCH(QString, reason);
        const std::string path = kCorpus + file.toStdString();
        auto r = file.endsWith(".json") ? readSafetensorsIndex(path) : readSafetensors(path);
        QVERIFY2(!r.ok(), "malformed file was accepted");
        QCOMPARE(r.error().file, path);
        const std::string msg = r.error().message;
        QVERIFY2(msg.find(reason.toStdString()) != std::string::npos, msg.c_str());
        QVERIFY(msg.find('\n') == std::string::npos);  // one line for the CLI
    }

    void everyCorpusBadFileIsCovered() {
        int bad = 0;
        for (const auto& e : std::filesystem::directory_iterator(kCorpus))
            if (e.path().filename().string().rfind("bad_", 0) == 0) ++bad;
        QCOMPARE(bad, 36);  // keep in step with malformedCorpus_data
    }
};

QTEST_APPLESS_MAIN(TestSafetensors)
#include "test_safetensors.moc"
