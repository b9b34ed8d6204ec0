// Content sniffing (formats.md §0) and MappedFile bounds checks.
#include <QtTest>

#include <fstream>

#include "data/format_sniff.h"
#include "data/mapped_file.h"

using namespace scalpel;

namespace {
std::string writeTemp(const std::string& name, const std::string& bytes) {
    std::string path = QDir::tempPath().toStdString() + "/scalpel_sniff_" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
}
}  // namespace

class TestFormatSniff : public QObject {
    Q_OBJECT
private slots:
    void fixturesAreRecognisedByContent() {
        const std::string dir = std::string(SCALPEL_SOURCE_DIR) + "/tests/fixtures/checkpoints/";
        QCOMPARE(sniffFile(dir + "state.safetensors"), FileKind::Safetensors);
        QCOMPARE(sniffFile(dir + "state_zip.pt"), FileKind::PytorchZip);
        QCOMPARE(sniffFile(dir + "state_legacy.pt"), FileKind::PytorchLegacy);
        QCOMPARE(sniffFile(dir + "state.npz"), FileKind::Npz);
        QCOMPARE(sniffFile(dir), FileKind::Directory);
        QCOMPARE(sniffFile(std::string(SCALPEL_SHARED_DIR) + "/real/keras/ad01.h5"), FileKind::Hdf5);
        QCOMPARE(sniffFile(std::string(SCALPEL_SHARED_DIR) + "/real/gguf/ggml-vocab-gpt-2.gguf"), FileKind::Gguf);
    }

    void extensionIsIgnored() {
        // NPY bytes under a misleading name are still NPY.
        std::string npy = "\x93NUMPY\x01\x00";
        QCOMPARE(sniffFile(writeTemp("model.safetensors", npy)), FileKind::Npy);
        QCOMPARE(sniffFile(writeTemp("weights.bin", "{\"weight_map\": {}}")), FileKind::ShardIndexJson);
        QCOMPARE(sniffFile(writeTemp("t.json", " {\"model\": {\"type\": \"BPE\"}}")), FileKind::TokenizerJson);
        QCOMPARE(sniffFile(writeTemp("c.json", "{\"vocab_size\": 5}")), FileKind::ConfigJson);
        QCOMPARE(sniffFile(writeTemp("x.txt", "hello")), FileKind::Unknown);
    }

    void hdf5SignatureAfterUserblock() {
        std::string bytes(512, '\0');
        bytes += std::string("\x89HDF\r\n\x1a\n", 8);
        QCOMPARE(sniffFile(writeTemp("ub.h5", bytes)), FileKind::Hdf5);
    }

    void sliceIsBoundsChecked() {
        auto f = MappedFile::fromBytes("mem", "0123456789");
        QCOMPARE(f->slice(2, 3).size(), size_t(3));
        QVERIFY_THROWS_EXCEPTION(FormatError, f->slice(8, 3));
        QVERIFY_THROWS_EXCEPTION(FormatError, f->slice(~uint64_t(0), 2));  // offset + length overflows
        QVERIFY_THROWS_EXCEPTION(FormatError, f->slice(11, 0));
    }

    void missingFileIsAnError() {
        auto r = MappedFile::open("/nonexistent/x");
        QVERIFY(!r.ok());
        QVERIFY(r.error().what().find("/nonexistent/x") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestFormatSniff)
#include "test_format_sniff.moc"
