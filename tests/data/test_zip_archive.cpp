// ZipArchive against archives written by Python's zipfile (stored, deflated, ZIP64
// local extras), a hand-made all-ZIP64 archive, a real PyTorch checkpoint, and the
// malformed corpus. Expected listings/bytes come from tests/fixtures/gen_zip.py.
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "data/mapped_file.h"
#include "data/zip_archive.h"

using namespace scalpel;

namespace {

std::string fixtureDir() { return std::string(SCALPEL_SOURCE_DIR) + "/tests/fixtures/zip/"; }
std::string corpusDir() { return std::string(SCALPEL_SOURCE_DIR) + "/tests/corpus/zip/"; }
// Worktrees may sit elsewhere than main; SCALPEL_SHARED_DIR in the environment overrides.
std::string sharedDir() { return qEnvironmentVariable("SCALPEL_SHARED_DIR", SCALPEL_SHARED_DIR).toStdString(); }

std::shared_ptr<const MappedFile> openOrFail(const std::string& path) {
    auto f = MappedFile::open(path);
    if (!f) qFatal("cannot open %s: %s", path.c_str(), f.error().what().c_str());
    return *f;
}

std::vector<uint8_t> fromHex(const std::string& h) {
    std::vector<uint8_t> out;
    for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(uint8_t(std::stoi(h.substr(i, 2), nullptr, 16)));
    return out;
}

// Message of the FormatError thrown by opening `bytes` and reading every member, or "".
std::string errorOf(std::shared_ptr<const MappedFile> f) {
    try {
        ZipArchive zip(f);
        for (const auto& m : zip.members()) (void)zip.read(m);
    } catch (const FormatError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

class TestZipArchive : public QObject {
    Q_OBJECT

    nlohmann::json expected_;

    void checkAgainstExpected(const ZipArchive& zip, const nlohmann::json& exp) {
        QCOMPARE(zip.members().size(), exp.size());
        for (size_t i = 0; i < exp.size(); ++i) {
            const ZipMember& m = zip.members()[i];
            const auto& e = exp[i];
            QCOMPARE(m.name, e["name"].get<std::string>());
            QCOMPARE(int(m.method), e["method"].get<int>());
            QCOMPARE(m.compressedSize, e["compressed_size"].get<uint64_t>());
            QCOMPARE(m.uncompressedSize, e["uncompressed_size"].get<uint64_t>());
            QCOMPARE(m.crc32, e["crc32"].get<uint32_t>());
            QCOMPARE(m.dataOffset, e["data_offset"].get<uint64_t>());
            QCOMPARE(zip.find(m.name), &m);
            std::vector<uint8_t> bytes = zip.read(m);  // verifies size and CRC itself
            QCOMPARE(uint64_t(bytes.size()), m.uncompressedSize);
            if (!e["hex"].is_null()) QVERIFY(bytes == fromHex(e["hex"].get<std::string>()));
            if (m.method == 0) {
                auto span = zip.storedBytes(m);
                QVERIFY(std::equal(span.begin(), span.end(), bytes.begin(), bytes.end()));
            } else {
                QVERIFY_THROWS_EXCEPTION(FormatError, (void)zip.storedBytes(m));
            }
        }
    }

private slots:
    void initTestCase() {
        std::ifstream in(fixtureDir() + "expected.json");
        QVERIFY(in.good());
        expected_ = nlohmann::json::parse(in);
    }

    void fixtures_data() {
        QTest::addColumn<QString>("file");
        for (const char* f : {"stored.zip", "deflated.zip", "zip64_local_stored.zip", "zip64_local_deflated.zip",
                              "zip64_full.zip", "commented.zip"})
            QTest::newRow(f) << QString(f);
    }
    void fixtures() {
        QFETCH(QString, file);
        auto f = openOrFail(fixtureDir() + file.toStdString());
        QVERIFY(ZipArchive::looksLikeZip(f->all().first(4)));
        ZipArchive zip(f);
        checkAgainstExpected(zip, expected_.at(file.toStdString()));
    }

    void zip64LocalExtraShiftsData() {
        // force_zip64 writes a 20-byte ZIP64 extra in each local header; the data offset
        // must come from the local header, not from the central directory.
        const auto& exp = expected_.at("zip64_local_stored.zip");
        QCOMPARE(exp[0]["local_extra_len"].get<int>(), 20);
        ZipArchive zip(openOrFail(fixtureDir() + "zip64_local_stored.zip"));
        QCOMPARE(zip.members()[0].dataOffset, uint64_t(30 + 5 + 20));  // "a.bin"
    }

    void realPytorchCheckpoint() {
        std::string path = sharedDir() + "/real/pytorch/california_model.pt";
        if (!std::ifstream(path).good()) QSKIP("shared real files not found (set SCALPEL_SHARED_DIR)");
        ZipArchive zip(openOrFail(path));
        checkAgainstExpected(zip, expected_.at("real:california_model.pt"));
        // PyTorch pads local extras so that every record starts on a 64-byte boundary.
        for (const auto& m : zip.members()) QCOMPARE(m.dataOffset % 64, uint64_t(0));
    }

    void inflateLimit() {
        ZipArchive zip(openOrFail(fixtureDir() + "deflated.zip"), /*maxInflate=*/100);
        const ZipMember* m = zip.find("a.bin");
        QVERIFY(m);
        try {
            (void)zip.read(*m);
            QFAIL("expected a size-limit error");
        } catch (const FormatError& e) {
            QVERIFY2(std::string(e.what()).find("above the limit of 100 bytes") != std::string::npos, e.what());
        }
        QCOMPARE(zip.read(*zip.find("empty.bin")).size(), size_t(0));
    }

    void emptyAndTiny() {
        std::string eocd("PK\x05\x06", 4);
        eocd += std::string(18, '\0');
        ZipArchive empty(MappedFile::fromBytes("empty.zip", eocd));
        QCOMPARE(empty.members().size(), size_t(0));
        QVERIFY(ZipArchive::looksLikeZip(MappedFile::fromBytes("e", eocd)->all()));
        QVERIFY(!ZipArchive::looksLikeZip(MappedFile::fromBytes("x", "PK")->all()));
        QVERIFY(!ZipArchive::looksLikeZip(MappedFile::fromBytes("x", "\x93NUMPY")->all()));
        QVERIFY(errorOf(MappedFile::fromBytes("tiny.zip", "PK\x03\x04")).find("too small") != std::string::npos);
        QVERIFY(errorOf(MappedFile::fromBytes("junk.zip", std::string(5000, 'x'))).find("no end-of-central-directory") !=
                std::string::npos);
    }

    void seeds() {
        for (const char* f : {"seed_mixed.npz", "seed_zip64.npz", "seed_zipfile_deflated.npz"}) {
            std::string err = errorOf(openOrFail(corpusDir() + f));
            QVERIFY2(err.empty(), (std::string(f) + ": " + err).c_str());
        }
    }

    void malformed_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("needle");
        auto row = [](const char* f, const char* n) { QTest::newRow(f) << QString(f) << QString(n); };
        row("bad_truncated_central_directory.npz", "cannot hold the 3 members the archive declares");
        row("bad_truncated_file.npz", "no end-of-central-directory record");
        row("bad_eocd_past_end.npz", "central directory at offset 10000000");
        row("bad_cd_size_past_end.npz", "runs past the end-of-central-directory record");
        row("bad_zip_bomb.npz", "declares 1000000000000000 bytes");
        row("bad_dotdot_name.npz", "zip member '../evil.npy' points outside the archive");
        row("bad_absolute_name.npz", "zip member '/tmp/evil.npy' has an absolute path");
        row("bad_corrupt_deflate.npz", "corrupt deflate data");
        row("bad_crc_mismatch.npz", "CRC-32 mismatch (expected 0x12345678");
        row("bad_member_past_end.npz", "run past the end of the file");
        row("bad_bzip2_method.npz", "compression method 12 (bzip2)");
    }
    void malformed() {
        QFETCH(QString, file);
        QFETCH(QString, needle);
        std::string err = errorOf(openOrFail(corpusDir() + file.toStdString()));
        QVERIFY2(err.find(needle.toStdString()) != std::string::npos, ("got: '" + err + "'").c_str());
    }

    void everyBadFileIsCovered() {
        // A new bad_* file must get an expected message above (bad_npz_* are valid zips
        // with broken NPY members, covered by test_npy).
        int n = 0;
        for (const auto& e : std::filesystem::directory_iterator(corpusDir())) {
            std::string f = e.path().filename().string();
            if (f.starts_with("bad_") && !f.starts_with("bad_npz_")) ++n;
        }
        QCOMPARE(n, 11);
    }

    void truncationsNeverCrash() {
        // Every prefix of a valid ZIP64 archive either parses fully or fails cleanly.
        std::ifstream in(fixtureDir() + "zip64_full.zip", std::ios::binary);
        std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        int failures = 0;
        for (size_t n = 0; n < all.size(); ++n)
            if (!errorOf(MappedFile::fromBytes("cut.zip", all.substr(0, n))).empty()) ++failures;
        QCOMPARE(failures, int(all.size()));  // no prefix is a valid archive
        QVERIFY(errorOf(MappedFile::fromBytes("whole.zip", all)).empty());
    }
};

QTEST_APPLESS_MAIN(TestZipArchive)
#include "test_zip_archive.moc"
