// NPY/NPZ readers against files written by numpy (tests/fixtures/gen_npy.py): every
// tensor's loaded bytes must equal numpy's own row-major little-endian bytes exactly.
// Plus closed-form Fortran transposes, header-literal edge cases and the malformed corpus.
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "data/npy.h"
#include "data/readers.h"

using namespace scalpel;

namespace {

std::string fixtureDir() { return std::string(SCALPEL_SOURCE_DIR) + "/tests/fixtures/npy/"; }
std::string corpusDir(const char* area) { return std::string(SCALPEL_SOURCE_DIR) + "/tests/corpus/" + area + "/"; }

std::vector<uint8_t> fromHex(const std::string& h) {
    std::vector<uint8_t> out;
    for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(uint8_t(std::stoi(h.substr(i, 2), nullptr, 16)));
    return out;
}

DType dtypeFromJson(const std::string& s) {
    static const std::map<std::string, DType> kMap = {
        {"BOOL", DType::BOOL}, {"U8", DType::U8},   {"I8", DType::I8},   {"I16", DType::I16}, {"U16", DType::U16},
        {"F16", DType::F16},   {"I32", DType::I32}, {"U32", DType::U32}, {"F32", DType::F32}, {"I64", DType::I64},
        {"U64", DType::U64},   {"F64", DType::F64}, {"C64", DType::C64}, {"C128", DType::C128}};
    return kMap.at(s);
}

// Hand-made NPY bytes with a v1 header padded to 64 bytes.
std::string makeNpy(const std::string& dict, const std::string& data) {
    std::string header = dict;
    size_t total = 10 + header.size() + 1;
    header += std::string((64 - total % 64) % 64, ' ') + "\n";
    std::string out("\x93NUMPY\x01\x00", 8);
    out += char(header.size() & 0xff);
    out += char(header.size() >> 8);
    return out + header + data;
}

// Parses and loads every tensor; returns the error message or "".
std::string errorOfBytes(const std::string& bytes, bool npz) {
    try {
        auto f = MappedFile::fromBytes("mem", bytes);
        TensorFile tf = npz ? parseNpz(f) : parseNpy(f);
        for (const auto& e : tf.tensors)
            if (e.info.note.empty()) (void)e.load();
    } catch (const FormatError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

class TestNpy : public QObject {
    Q_OBJECT
    nlohmann::json expected_;

private slots:
    void initTestCase() {
        std::ifstream in(fixtureDir() + "expected.json");
        QVERIFY(in.good());
        expected_ = nlohmann::json::parse(in);
        QVERIFY(expected_.size() > 40);
    }

    void fixtures_data() {
        QTest::addColumn<QString>("file");
        for (auto it = expected_.begin(); it != expected_.end(); ++it)
            QTest::newRow(it.key().c_str()) << QString::fromStdString(it.key());
    }
    void fixtures() {
        QFETCH(QString, file);
        const auto& exp = expected_.at(file.toStdString());
        const std::string path = fixtureDir() + file.toStdString();
        const bool npz = exp["format"] == "npz";
        auto r = npz ? readNpz(path) : readNpy(path);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().what().c_str());
        const TensorFile& tf = *r;
        QCOMPARE(tf.format, exp["format"].get<std::string>());
        QCOMPARE(tf.tensors.size(), exp["tensors"].size());
        if (!npz) {
            QCOMPARE(tf.metadata.at("descr"), exp["descr"].get<std::string>());
            QCOMPARE(tf.metadata.at("fortran_order"), std::string(exp["fortran"].get<bool>() ? "True" : "False"));
            QCOMPARE(tf.metadata.at("npy_version"), exp["version"].get<std::string>());
        }
        for (size_t i = 0; i < tf.tensors.size(); ++i) {
            const TensorEntry& e = tf.tensors[i];
            const auto& t = exp["tensors"][i];
            QCOMPARE(e.info.name, t["name"].get<std::string>());
            if (t.contains("note")) {
                QVERIFY2(e.info.note.find(t["note"].get<std::string>()) != std::string::npos, e.info.note.c_str());
                QVERIFY_THROWS_EXCEPTION(FormatError, (void)e.load());
                continue;
            }
            QVERIFY(e.info.note.empty());
            QCOMPARE(int(e.info.dtype), int(dtypeFromJson(t["dtype"])));
            QCOMPARE(e.info.shape, t["shape"].get<std::vector<int64_t>>());
            // Exact bytes: numpy's C-order little-endian rendering of the same array.
            QVERIFY(e.load() == fromHex(t["hex"].get<std::string>()));
        }
    }

    void headerDetails() {
        std::ifstream in(fixtureDir() + "fortran_3d_be_f8.npy", std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        NpyHeader h = parseNpyHeader({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
        QCOMPARE(h.descr, std::string(">f8"));
        QVERIFY(h.bigEndian && h.fortranOrder);
        QCOMPARE(h.shape, (std::vector<int64_t>{2, 3, 2}));
        QCOMPARE(h.numel, uint64_t(12));
        QCOMPARE(h.dataOffset % 64, uint64_t(0));  // numpy aligns the data to 64 bytes
        QCOMPARE(h.dataOffset + h.dataSize, uint64_t(bytes.size()));
    }

    void fortranClosedForm() {
        // Column-major 2x3 holding 0..5 is the matrix [[0,2,4],[1,3,5]].
        std::string data = {0, 1, 2, 3, 4, 5};
        auto f = MappedFile::fromBytes("f.npy", makeNpy("{'descr': '|u1', 'fortran_order': True, 'shape': (2, 3), }", data));
        auto v = parseNpy(f).tensors[0].load();
        QCOMPARE(v, (std::vector<uint8_t>{0, 2, 4, 1, 3, 5}));
        // 2x2x2 column-major holding 0..7: element (i,j,k) is i + 2j + 4k.
        data = {0, 1, 2, 3, 4, 5, 6, 7};
        f = MappedFile::fromBytes("g.npy", makeNpy("{'descr': '|i1', 'fortran_order': True, 'shape': (2, 2, 2)}", data));
        v = parseNpy(f).tensors[0].load();
        QCOMPARE(v, (std::vector<uint8_t>{0, 4, 2, 6, 1, 5, 3, 7}));
        // Big-endian complex: each half swapped separately. 1.0f = 3f800000, 2.0f = 40000000.
        std::string be("\x3f\x80\x00\x00\x40\x00\x00\x00", 8);
        f = MappedFile::fromBytes("c.npy", makeNpy("{'descr': '>c8', 'fortran_order': False, 'shape': ()}", be));
        v = parseNpy(f).tensors[0].load();
        QCOMPARE(v, (std::vector<uint8_t>{0, 0, 0x80, 0x3f, 0, 0, 0, 0x40}));
        QCOMPARE(parseNpy(f).tensors[0].info.shape.size(), size_t(0));
    }

    void literalEdgeCases() {
        const std::string four(16, '\0');
        // Accepted spellings.
        for (const char* dict : {"{'descr':'<f4','fortran_order':False,'shape':(4,)}",
                                 "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2,), }",
                                 "{\"shape\": (4,), \"descr\": '<f4', 'fortran_order': False,}",
                                 "{'descr': '<f\\x34', 'fortran_order': False, 'shape': (4,)}"}) {
            std::string err = errorOfBytes(makeNpy(dict, four), false);
            if (std::string(dict).find("\\x") != std::string::npos)
                QVERIFY2(err.find("unsupported escape") != std::string::npos, err.c_str());
            else
                QVERIFY2(err.empty(), (std::string(dict) + " -> " + err).c_str());
        }
        // Rejected: a repeated key, a list shape, fortran_order as an int.
        QVERIFY(errorOfBytes(makeNpy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (4,)}", four), false)
                    .find("repeats the key 'descr'") != std::string::npos);
        QVERIFY(errorOfBytes(makeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': [4]}", four), false)
                    .find("'shape' is not a tuple") != std::string::npos);
        QVERIFY(errorOfBytes(makeNpy("{'descr': '<f4', 'fortran_order': 0, 'shape': (4,)}", four), false)
                    .find("'fortran_order' is not True or False") != std::string::npos);
        QVERIFY(errorOfBytes(makeNpy("{'descr': '|f4', 'fortran_order': False, 'shape': (4,)}", four), false)
                    .find("no byte order") != std::string::npos);
    }

    void malformedNpy_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("needle");
        auto row = [](const char* f, const char* n) { QTest::newRow(f) << QString(f) << QString(n); };
        row("bad_truncated_data.npy", "runs past the end of the file (");
        row("bad_header_len_beyond_file.npy", "NPY header of 5000 bytes at offset 10 runs past the end");
        row("bad_object_dtype.npy", "descr '|O' is an object array");
        row("bad_structured_dtype.npy", "[('x', '<f4'), ('y', '<i2')] is structured");
        row("bad_unicode_dtype.npy", "descr '<U2' is a string array");
        row("bad_datetime_dtype.npy", "descr '<M8[D]' is a datetime");
        row("bad_void_dtype.npy", "descr '|V4' is a void");
        row("bad_float128_dtype.npy", "descr '<f16' is not a supported numeric type");
        row("bad_literal.npy", "unexpected character '_'");
        row("bad_unterminated_string.npy", "expected ',' or '}'");
        row("bad_negative_dim.npy", "negative dimension -1");
        row("bad_overflowing_shape.npy", "shape overflows");
        row("bad_huge_dim.npy", "integer does not fit in 64 bits");
        row("bad_huge_header_len.npy", "NPY header length 4294967280 exceeds the limit of 10000 bytes");
        row("bad_version.npy", "unsupported NPY format version 4.0");
        row("bad_missing_key.npy", "lacks one of the keys");
        row("bad_extra_key.npy", "unexpected key 'x'");
        row("bad_shape_not_tuple.npy", "'shape' is not a tuple");
        row("bad_deep_nesting.npy", "nesting deeper than 16 levels");
        row("bad_magic_only.npy", "8 bytes is truncated before its header");
        row("bad_trailing_text.npy", "unexpected text after the dictionary");
    }
    void malformedNpy() {
        QFETCH(QString, file);
        QFETCH(QString, needle);
        const std::string path = corpusDir("npy") + file.toStdString();
        auto r = readNpy(path);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().file, path);
        QVERIFY2(r.error().message.find(needle.toStdString()) != std::string::npos, r.error().message.c_str());
    }

    void everyBadFileIsCovered() {
        int n = 0;
        for (const auto& e : std::filesystem::directory_iterator(corpusDir("npy")))
            if (e.path().filename().string().starts_with("bad_")) ++n;
        QCOMPARE(n, 21);
    }

    void malformedNpz() {
        auto r = readNpz(corpusDir("zip") + "bad_npz_truncated_member.npz");
        QVERIFY(!r.ok());
        QVERIFY2(r.error().message.find("NPZ member 'short.npy': NPY data of 128 bytes") != std::string::npos,
                 r.error().message.c_str());
        r = readNpz(corpusDir("zip") + "bad_npz_member_bad_literal.npz");
        QVERIFY(!r.ok());
        QVERIFY2(r.error().message.find("NPZ member 'broken.npy': NPY header is not a valid dict literal") !=
                     std::string::npos,
                 r.error().message.c_str());
        // Zip-level corruption surfaces through readNpz too.
        r = readNpz(corpusDir("zip") + "bad_crc_mismatch.npz");
        QVERIFY(!r.ok() && r.error().message.find("CRC-32 mismatch") != std::string::npos);
        r = readNpz(fixtureDir() + "no_such_file.npz");
        QVERIFY(!r.ok());
    }

    void seeds() {
        for (const auto& e : std::filesystem::directory_iterator(corpusDir("npy"))) {
            std::string f = e.path().filename().string();
            if (!f.starts_with("seed_")) continue;
            auto r = readNpy(e.path().string());
            QVERIFY2(r.ok(), f.c_str());
            QCOMPARE(r->tensors[0].load().size(), size_t(r->tensors[0].info.byteSize()));
        }
    }

    void storedNpzCrcCheckedOnLoad() {
        // Flip one data byte of a stored member: header parsing still works, loading fails.
        std::ifstream in(fixtureDir() + "savez.npz", std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        auto clean = parseNpz(MappedFile::fromBytes("clean.npz", bytes));
        QVERIFY(clean.tensors.size() == 5);
        size_t at = bytes.find("\x93NUMPY") + 128 + 3;  // inside the first member's data
        bytes[at] = char(bytes[at] ^ 0x5a);
        auto tf = parseNpz(MappedFile::fromBytes("flipped.npz", bytes));
        QVERIFY_THROWS_EXCEPTION(FormatError, (void)tf.tensors[0].load());
    }

    void truncationsFailCleanly() {
        for (const char* name : {"fortran_3d_i2.npy", "savez_compressed.npz", "savez.npz"}) {
            std::ifstream in(fixtureDir() + name, std::ios::binary);
            std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            const bool npz = std::string(name).ends_with(".npz");
            QVERIFY(errorOfBytes(all, npz).empty());
            for (size_t n = 0; n < all.size(); n += npz ? 7 : 1)
                QVERIFY2(!errorOfBytes(all.substr(0, n), npz).empty(), (std::string(name) + " cut at " + std::to_string(n)).c_str());
        }
    }
};

QTEST_APPLESS_MAIN(TestNpy)
#include "test_npy.moc"
