// readHdf5 / parseHdf5 against fixtures written by h5py (tests/fixtures/gen_hdf5.py) and
// against the real Keras files in ../shared/real/keras (expected values computed by h5py).
#include <QtTest>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "data/hdf5_reader.h"
#include "data/readers.h"

using namespace scalpel;
using nlohmann::json;

namespace {

const std::string kFixtures = std::string(SCALPEL_SOURCE_DIR) + "/tests/fixtures/hdf5/";
const std::string kCorpus = std::string(SCALPEL_SOURCE_DIR) + "/tests/corpus/hdf5/";
const std::string kShared = std::string(SCALPEL_SHARED_DIR) + "/real/keras/";

json expected() {
    std::ifstream in(kFixtures + "expected.json");
    return json::parse(in);
}

bool isIntegerDType(DType t) {
    return t == DType::I8 || t == DType::U8 || t == DType::I16 || t == DType::U16 || t == DType::I32 ||
           t == DType::U32 || t == DType::I64 || t == DType::U64 || t == DType::BOOL;
}

// Integers compared bit-exactly from the raw little-endian bytes (doubles cannot hold
// every 64-bit value); floats exactly too, since every stored value converts to double
// without rounding.
void checkValues(const TensorFile& f, const TensorEntry& e, const json& want) {
    const std::string what = e.info.name;
    if (isIntegerDType(e.info.dtype)) {
        auto raw = f.raw(e);
        QVERIFY2(raw.ok(), raw.ok() ? "" : raw.error().what().c_str());
        size_t width = size_t(dtypeBits(e.info.dtype) / 8);
        QCOMPARE(raw->size(), want.size() * width);
        bool isSigned = e.info.dtype == DType::I8 || e.info.dtype == DType::I16 || e.info.dtype == DType::I32 ||
                        e.info.dtype == DType::I64;
        for (size_t i = 0; i < want.size(); ++i) {
            uint64_t u = 0;
            std::memcpy(&u, raw->data() + i * width, width);
            if (isSigned) {
                int64_t s = width == 8 ? int64_t(u) : int64_t(u << (64 - 8 * width)) >> (64 - 8 * width);
                QVERIFY2(s == want[i].get<int64_t>(), (what + " index " + std::to_string(i)).c_str());
            } else {
                QVERIFY2(u == want[i].get<uint64_t>(), (what + " index " + std::to_string(i)).c_str());
            }
        }
        return;
    }
    auto values = f.toDouble(e);
    QVERIFY2(values.ok(), values.ok() ? "" : values.error().what().c_str());
    QCOMPARE(values->size(), want.size());
    for (size_t i = 0; i < want.size(); ++i)
        QVERIFY2((*values)[i] == want[i].get<double>(),
                 (what + " index " + std::to_string(i) + ": " + std::to_string((*values)[i])).c_str());
}

void checkFile(const TensorFile& f, const json& want) {
    QCOMPARE(f.format, want["format"].get<std::string>());
    QCOMPARE(f.tensors.size(), want["tensors"].size());
    for (size_t i = 0; i < f.tensors.size(); ++i) {
        const auto& e = f.tensors[i];
        const auto& w = want["tensors"][i];
        QCOMPARE(e.info.name, w["name"].get<std::string>());
        QCOMPARE(e.info.shape, w["shape"].get<std::vector<int64_t>>());
        if (w.contains("note")) {
            QVERIFY2(!e.info.note.empty(), e.info.name.c_str());
            auto raw = f.raw(e);
            QVERIFY(!raw.ok());
            QVERIFY(raw.error().message.find(e.info.name) != std::string::npos);
            continue;
        }
        QVERIFY2(e.info.note.empty(), (e.info.name + ": " + e.info.note).c_str());
        QCOMPARE(std::string(dtypeName(e.info.dtype)), w["dtype"].get<std::string>());
        checkValues(f, e, w["values"]);
    }
    for (auto& [key, value] : want["metadata"].items()) {
        QVERIFY2(f.metadata.count(key), key.c_str());
        std::string text = value.is_string() ? value.get<std::string>() : value.dump();
        QCOMPARE(f.metadata.at(key), text);
    }
}

std::string readBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

class TestHdf5 : public QObject {
    Q_OBJECT
private slots:
    void fixtureFiles_data() {
        QTest::addColumn<QString>("name");
        for (const char* n : {"plain.h5", "userblock.h5", "keras_model.h5", "keras_weights.h5"})
            QTest::newRow(n) << QString(n);
    }
    void fixtureFiles() {
        QFETCH(QString, name);
        auto f = readHdf5(kFixtures + name.toStdString());
        QVERIFY2(f.ok(), f.ok() ? "" : f.error().what().c_str());
        checkFile(*f, expected()[name.toStdString()]);
    }

    // The in-memory path used by the fuzzer lists the same tensors with the same bytes.
    void parseFromBytesMatchesFile() {
        std::string path = kFixtures + "plain.h5";
        TensorFile f = parseHdf5(MappedFile::fromBytes(path, readBytes(path)));
        checkFile(f, expected()["plain.h5"]);
    }

    void kerasOrderDiffersFromNameOrder() {
        // The fixture stores kernel after bias by name; Keras order (weight_names) wins.
        auto f = readHdf5(kFixtures + "keras_weights.h5");
        QVERIFY(f.ok());
        QCOMPARE(f->tensors[0].info.name, std::string("dense/kernel:0"));
        QCOMPARE(f->metadata.at("keras_layout"), std::string("save_weights"));
    }

    void realKeras_data() {
        QTest::addColumn<QString>("name");
        QTest::newRow("pretrainedResnet") << "pretrainedResnet.h5";
        QTest::newRow("ad01") << "ad01.h5";
    }
    void realKeras() {
        QFETCH(QString, name);
        std::string path = kShared + name.toStdString();
        if (!std::filesystem::exists(path)) QSKIP("shared real files not present");
        json want = expected()["real/" + name.toStdString()];
        QVERIFY(!want.is_null());
        auto f = readHdf5(path);
        QVERIFY2(f.ok(), f.ok() ? "" : f.error().what().c_str());
        QCOMPARE(f->format, std::string("keras-h5"));
        QCOMPARE(f->metadata.at("keras_version"), want["metadata"]["keras_version"].get<std::string>());
        QCOMPARE(f->metadata.at("backend"), want["metadata"]["backend"].get<std::string>());
        QVERIFY(json::parse(f->metadata.at("model_config")).contains("class_name"));
        QCOMPARE(f->tensors.size(), want["tensors"].size());
        for (size_t i = 0; i < f->tensors.size(); ++i) {
            const auto& e = f->tensors[i];
            const auto& w = want["tensors"][i];
            QCOMPARE(e.info.name, w["name"].get<std::string>());
            QCOMPARE(e.info.shape, w["shape"].get<std::vector<int64_t>>());
            QCOMPARE(std::string(dtypeName(e.info.dtype)), w["dtype"].get<std::string>());
            auto v = f->toDouble(e);
            QVERIFY2(v.ok(), v.ok() ? "" : v.error().what().c_str());
            double mn = INFINITY, mx = -INFINITY, sum = 0;
            for (double x : *v) {
                mn = std::min(mn, x);
                mx = std::max(mx, x);
                sum += x;
            }
            // min/max are exact float32 values. Sums of the same float32 values in double
            // differ only by summation order: bound by 1e-12 of the sum of magnitudes, and
            // allow float32 rounding (2^-24 relative) on top as promised by the fixture.
            double tol = 6e-8 * w["abs_sum"].get<double>() + 1e-12;
            QCOMPARE(mn, w["min"].get<double>());
            QCOMPARE(mx, w["max"].get<double>());
            QVERIFY2(std::abs(sum - w["sum"].get<double>()) <= tol, e.info.name.c_str());
            double n = double(v->size());
            QVERIFY2(std::abs(sum / n - w["mean"].get<double>()) <= tol / n, e.info.name.c_str());
        }
    }

    void corruptFilesGiveErrors_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("reason");
        QTest::newRow("signature only") << "bad_signature_only.h5" << "truncated HDF5 superblock";
        QTest::newRow("cut at 20") << "bad_truncated_20.h5" << "truncated HDF5 superblock";
        QTest::newRow("cut at 150") << "bad_truncated_150.h5" << "truncated HDF5 file";
        QTest::newRow("cut in half") << "bad_truncated_2620.h5" << "truncated HDF5 file";
        QTest::newRow("cut near end") << "bad_truncated_5233.h5" << "truncated HDF5 file";
        QTest::newRow("offset size") << "bad_superblock_offset_size.h5" << "address/length size 7";
        QTest::newRow("root address") << "bad_superblock_root_address.h5" << "cannot open HDF5 file";
        QTest::newRow("mismatched dump") << "bad_dump_mismatched_dims.h5"
                                         << "dataset '/sites/blocks.1.mlp.hook_post' has shape [2, 4, 4] but /tokens/ids has shape [2, 5]";
    }
    void corruptFilesGiveErrors() {
        QFETCH(QString, file);
        QFETCH(QString, reason);
        std::string path = kCorpus + file.toStdString();
        auto f = readHdf5(path);
        QVERIFY(!f.ok());
        QCOMPARE(f.error().file, path);
        QVERIFY2(f.error().message.find(reason.toStdString()) != std::string::npos, f.error().message.c_str());
        // The same bytes through the in-memory path fail the same way, without crashing.
        bool threw = false;
        try {
            (void)parseHdf5(MappedFile::fromBytes(path, readBytes(path)));
        } catch (const FormatError&) {
            threw = true;
        }
        QVERIFY(threw);
    }

    void everyCorpusBadFileFails() {
        int count = 0;
        for (const auto& entry : std::filesystem::directory_iterator(kCorpus)) {
            std::string name = entry.path().filename().string();
            if (!name.starts_with("bad_")) continue;
            ++count;
            auto f = readHdf5(entry.path().string());
            QVERIFY2(!f.ok(), name.c_str());
            QVERIFY(f.error().message.find('\n') == std::string::npos);
        }
        QVERIFY(count >= 8);
    }

    void notHdf5() {
        auto f = readHdf5(kFixtures + "expected.json");
        QVERIFY(!f.ok());
        QVERIFY2(f.error().message.find("no HDF5 signature") != std::string::npos, f.error().message.c_str());
        auto missing = readHdf5(kFixtures + "does_not_exist.h5");
        QVERIFY(!missing.ok());
    }
};

QTEST_GUILESS_MAIN(TestHdf5)
#include "test_hdf5.moc"
