// SHA-256 against Python's hashlib (digests pasted from `hashlib.sha256(data).hexdigest()` for
// the same bytes; lengths straddle the 55/56/64-byte padding boundaries) and the session file
// format: canonical text round trip, validation of hostile input, path storage and
// changed-file detection.
#include <QtTest>
#include <QTemporaryDir>
#include <fstream>

#include "data/session_file.h"
#include "data/sha256.h"

using namespace scalpel;

namespace {
std::vector<uint8_t> pattern(size_t n) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = uint8_t((i * 7 + 1) & 0xFF);
    return v;
}
void writeBytes(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}
const std::string kDigest(64, 'a');
}  // namespace

class TestSessionFile : public QObject {
    Q_OBJECT
private slots:
    void sha256MatchesHashlib() {
        QCOMPARE(sha256Hex({}), std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        const std::string abc = "abc";
        QCOMPARE(sha256Hex({reinterpret_cast<const uint8_t*>(abc.data()), 3}),
                 std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        const std::pair<size_t, const char*> cases[] = {
            {55, "16fa57a0a3423a715d594516339f36189d6b5f93754a9714fef202616a9fabfe"},
            {56, "c37b44e5f1b18554b36966f4f8e08bfbf3164c4b6c10374d12d89850892073c5"},
            {63, "bbba992d2c85af960fb2987a1fd05e0aa82a3db3c740dd8982a9e273b75e36a3"},
            {64, "66bd4633ed6f71c4ecfa4763bf7ba1c8ec7612de9aa6c0578a7b675207c71e0b"},
            {65, "9f7dc47107b750a1f3d35db5d9547f24ef40da5b731b9540d4f43710a154f6c9"}};
        for (const auto& [n, hex] : cases) {
            const auto bytes = pattern(n);
            QCOMPARE(sha256Hex(bytes), std::string(hex));
            // Fed in uneven pieces, the digest is the same.
            Sha256 h;
            for (size_t i = 0; i < n; i += 13) h.update({bytes.data() + i, std::min<size_t>(13, n - i)});
            QCOMPARE(h.hexDigest(), std::string(hex));
        }
    }

    void fingerprintOfAFile() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("a.bin").toStdString();
        writeBytes(path, std::string(1000000, 'a'));  // spans the reader's 1 MiB pieces' edge cases
        auto fp = fingerprintFile(path);
        QVERIFY(fp);
        QCOMPARE(fp->size, uint64_t(1000000));
        QCOMPARE(fp->sha256, std::string("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
        auto missing = fingerprintFile(dir.filePath("none").toStdString());
        QVERIFY(!missing);
        QVERIFY(missing.error().what().find("none") != std::string::npos);
    }

    void canonicalTextRoundTrips() {
        Session s;
        SessionDocument d;
        d.kind = "activation-dump";
        d.path = "results/dump.h5";
        d.size = 123;
        d.sha256 = kDigest;
        d.view = {{"family", "hook_resid_pre"}, {"lock", {3, 14}}, {"zoom", {2.5, -10.25, 0.1}}, {"name", "ü ✓"}};
        s.documents.push_back(d);
        d.kind = "clip";
        d.parameters = {{"sigma", 3.5}, {"cutoff", nullptr}};
        d.view = nlohmann::json::object();
        s.documents.push_back(d);
        s.current = 1;
        const std::string text = sessionToText(s);
        auto back = parseSession(text, "s.scalpel");
        QVERIFY2(back, back ? "" : back.error().what().c_str());
        QCOMPARE(sessionToText(*back), text);  // byte-identical
        QCOMPARE(back->current, 1);
        QCOMPARE(back->documents[0].view["zoom"][2].get<double>(), 0.1);  // doubles keep every digit
        QVERIFY(text.back() == '\n');
    }

    void rejectsBadSessions_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        const QString doc = R"({"kind":"tensor-file","path":"a","size":1,"sha256":"%1"})";
        auto session = [](const QString& docs, const QString& extra = {}) {
            return QStringLiteral(R"({"scalpel_session":1,"documents":[%1]%2})").arg(docs, extra);
        };
        QTest::newRow("not json") << "{" << "session JSON";
        QTest::newRow("not object") << "[1]" << "not a Scalpel session";
        QTest::newRow("no version") << R"({"documents":[]})" << "no \"scalpel_session\"";
        QTest::newRow("future version") << R"({"scalpel_session":7,"documents":[]})" << "version 7 is not supported";
        QTest::newRow("unknown kind") << session(R"({"kind":"x","path":"a","size":1,"sha256":""})") << "unknown kind";
        QTest::newRow("bad digest") << session(doc.arg("xyz")) << "64 lower-case hex";
        QTest::newRow("negative size") << session(QString(doc).replace("\"size\":1", "\"size\":-4").arg(QString(kDigest.c_str())))
                                       << "non-negative integer";
        QTest::newRow("empty path") << session(QString(doc).replace("\"path\":\"a\"", "\"path\":\"\"").arg(QString(kDigest.c_str())))
                                    << "non-empty string";
        QTest::newRow("view not object") << session(QString(doc).replace("}", ",\"view\":3}").arg(QString(kDigest.c_str())))
                                         << "\"view\" must be an object";
        QTest::newRow("current out of range") << session(doc.arg(QString(kDigest.c_str())), ",\"current\":5") << "not a document index";
        QTest::newRow("duplicate key") << R"({"scalpel_session":1,"scalpel_session":1,"documents":[]})" << "twice";
        QTest::newRow("bad utf8") << QString::fromLatin1("{\"scalpel_session\":1,\"documents\":[],\"x\":\"\xff\"}") << "UTF-8";
    }
    void rejectsBadSessions() {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        std::string bytes = text.toStdString();
        if (QString(QTest::currentDataTag()) == "bad utf8") bytes = text.toLatin1().toStdString();
        auto r = parseSession(bytes, "bad.scalpel");
        QVERIFY(!r);
        const std::string what = r.error().what();
        QVERIFY2(what.find("bad.scalpel") == 0, what.c_str());
        QVERIFY2(what.find(expected.toStdString()) != std::string::npos, what.c_str());
    }

    void pathsAreStoredRelative() {
        QCOMPARE(storeSessionPath("/w/s/demo.scalpel", "/w/s/results/a.h5"), std::string("results/a.h5"));
        QCOMPARE(storeSessionPath("/w/s/demo.scalpel", "/w/m/model.safetensors"), std::string("../m/model.safetensors"));
        QCOMPARE(resolveSessionPath("/w/s/demo.scalpel", "../m/model.safetensors"), std::string("/w/m/model.safetensors"));
        QCOMPARE(resolveSessionPath("/w/s/demo.scalpel", "/abs/x.h5"), std::string("/abs/x.h5"));
    }

    void changedFilesAreNamed() {
        QTemporaryDir dir;
        const std::string a = dir.filePath("a.bin").toStdString(), b = dir.filePath("b.bin").toStdString(),
                          c = dir.filePath("c.bin").toStdString(), session = dir.filePath("s.scalpel").toStdString();
        writeBytes(a, "same");
        writeBytes(b, "before");
        writeBytes(c, "gone");
        Session s;
        for (const auto& p : {a, b, c}) {
            auto fp = fingerprintFile(p);
            QVERIFY(fp);
            s.documents.push_back({"tensor-file", storeSessionPath(session, p), fp->size, fp->sha256, {}, {}});
        }
        QVERIFY(!writeSessionFile(session, s));
        QVERIFY(changedSessionFiles(*readSessionFile(session), session).empty());
        writeBytes(b, "after!");  // same size, other bytes
        std::filesystem::remove(c);
        const auto changed = changedSessionFiles(*readSessionFile(session), session);
        QCOMPARE(changed.size(), size_t(2));
        QVERIFY(changed[0].find("b.bin") != std::string::npos && changed[0].find("different contents") != std::string::npos);
        QVERIFY(changed[1].find("c.bin") != std::string::npos && changed[1].find("missing") != std::string::npos);
        writeBytes(b, "longer than before");
        QVERIFY(changedSessionFiles(s, session)[0].find("bytes then") != std::string::npos);
    }
};

QTEST_APPLESS_MAIN(TestSessionFile)
#include "test_session_file.moc"
