// PyTorch checkpoints (formats.md §2, §3) against files written by torch.save 1.13 and
// the expectations torch itself reported (tests/fixtures/gen_pytorch.py): names, dtypes,
// shapes and the exact row-major little-endian bytes of every small tensor.
#include <QtTest>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>

#include "data/pytorch_checkpoint.h"
#include "data/readers.h"

using namespace scalpel;

namespace {

QString fixtureDir() { return QString(SCALPEL_SOURCE_DIR) + "/tests/fixtures/pytorch/"; }
QString corpusDir() { return QString(SCALPEL_SOURCE_DIR) + "/tests/corpus/pytorch/"; }
// Helpers' worktrees are not beside shared/: the environment variable overrides.
QString sharedDir() { return qEnvironmentVariable("SCALPEL_SHARED_DIR", SCALPEL_SHARED_DIR); }

QJsonObject expected() {
    QFile f(fixtureDir() + "expected.json");
    if (!f.open(QIODevice::ReadOnly)) qFatal("missing expected.json");
    return QJsonDocument::fromJson(f.readAll()).object();
}

std::optional<DType> dtypeOf(const QString& s) {
    static const std::map<QString, DType> names = {
        {"F32", DType::F32}, {"F64", DType::F64}, {"F16", DType::F16}, {"BF16", DType::BF16},
        {"I64", DType::I64}, {"I32", DType::I32}, {"I16", DType::I16}, {"I8", DType::I8},
        {"U8", DType::U8}, {"BOOL", DType::BOOL}, {"C64", DType::C64}};
    auto it = names.find(s);
    return it == names.end() ? std::nullopt : std::optional<DType>(it->second);
}

const TensorEntry* findTensor(const TensorFile& f, const QString& name) {
    for (const auto& t : f.tensors)
        if (QString::fromStdString(t.info.name) == name) return &t;
    return nullptr;
}

bool anyWarningContains(const TensorFile& f, const QString& text) {
    for (const auto& w : f.warnings)
        if (QString::fromStdString(w).contains(text)) return true;
    return false;
}

// Compares a file with its expectations: same tensor set, dtypes, shapes; exact bytes where
// recorded; for float32 tensors the sum (double accumulation on both sides: any order gives
// the same value to ~1e-12 relative for these few thousand terms, far below float32 noise).
void checkAgainst(const TensorFile& f, const QJsonObject& exp) {
    QCOMPARE(QString::fromStdString(f.format), exp["format"].toString());
    const QJsonArray tensors = exp["tensors"].toArray();
    QCOMPARE(f.tensors.size(), size_t(tensors.size()));
    for (const auto& v : tensors) {
        QJsonObject t = v.toObject();
        const QString name = t["name"].toString();
        const TensorEntry* e = findTensor(f, name);
        QVERIFY2(e, qPrintable("missing tensor " + name));
        QVERIFY2(e->info.note.empty(), qPrintable(name + ": " + QString::fromStdString(e->info.note)));
        QCOMPARE(e->info.dtype, *dtypeOf(t["dtype"].toString()));
        std::vector<int64_t> shape;
        for (const auto& d : t["shape"].toArray()) shape.push_back(d.toInteger());
        QCOMPARE(e->info.shape, shape);
        std::vector<uint8_t> bytes = e->load();
        if (t.contains("hex")) {
            QByteArray got(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size()));
            QCOMPARE(got.toHex(), t["hex"].toString().toLatin1());
        }
        if (t.contains("sum")) {
            QCOMPARE(bytes.size() % 4, size_t(0));
            double sum = 0, mag = 0;
            for (size_t k = 0; k < bytes.size(); k += 4) {
                float x;
                std::memcpy(&x, bytes.data() + k, 4);
                sum += x;
                mag += std::fabs(x);
            }
            QVERIFY2(std::fabs(sum - t["sum"].toDouble()) <= 1e-9 * mag + 1e-12,
                     qPrintable(name + QString(": sum %1 vs %2").arg(sum, 0, 'g', 17).arg(t["sum"].toDouble(), 0, 'g', 17)));
        }
    }
}

}  // namespace

class TestPytorchCheckpoint : public QObject {
    Q_OBJECT
private slots:
    void fixtures_data() {
        QTest::addColumn<QString>("file");
        for (const QString& k : expected().keys())
            if (k != "real") QTest::newRow(qPrintable(k)) << k;
    }
    void fixtures() {
        QFETCH(QString, file);
        auto r = readPytorchCheckpoint((fixtureDir() + file).toStdString());
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().what().c_str());
        checkAgainst(*r, expected()[file].toObject());
        QJsonObject exp = expected()[file].toObject();
        if (exp.contains("weights_key")) {
            QCOMPARE(QString::fromStdString(r->metadata["weights_key"]), exp["weights_key"].toString());
            QVERIFY(anyWarningContains(*r, "sub-dict '" + exp["weights_key"].toString() + "'"));
        }
    }

    void sharedStorageAndViews() {
        auto r = readPytorchCheckpoint((fixtureDir() + "state_dict_zip.pt").toStdString());
        QVERIFY(r.ok());
        // Tied names: one storage, identical bytes; views are gathered from `base`.
        QCOMPARE(findTensor(*r, "tied_a")->load(), findTensor(*r, "tied_b")->load());
        auto base = findTensor(*r, "base")->load();
        auto t = findTensor(*r, "transposed")->load();
        float b[24], tr[24];
        std::memcpy(b, base.data(), sizeof b);
        std::memcpy(tr, t.data(), sizeof tr);
        for (int i = 0; i < 4; ++i)
            for (int j = 0; j < 6; ++j) QCOMPARE(tr[j * 4 + i], b[i * 6 + j]);
        QVERIFY(r->warnings.empty());
    }

    void nestedCheckpointNames() {
        auto r = readPytorchCheckpoint((fixtureDir() + "checkpoint_legacy.pt").toStdString());
        QVERIFY(r.ok());
        QVERIFY(findTensor(*r, "model.0.weight"));
        QVERIFY(findTensor(*r, "optimizer.state.0.exp_avg"));
        QCOMPARE(QString::fromStdString(r->metadata["epoch"]), QString("3"));
    }

    void moduleAndTorchScriptWarnings() {
        auto m = readPytorchCheckpoint((fixtureDir() + "module_zip.pt").toStdString());
        QVERIFY(m.ok());
        QVERIFY(anyWarningContains(*m, "full-module pickle"));
        QVERIFY(anyWarningContains(*m, "__main__.TinyNet"));
        auto s = readPytorchCheckpoint((fixtureDir() + "torchscript.pt").toStdString());
        QVERIFY(s.ok());
        QVERIFY(anyWarningContains(*s, "TorchScript archive"));
        QVERIFY(!anyWarningContains(*s, "full-module pickle"));
    }

    void realFiles() {
        const QJsonObject real = expected()["real"].toObject();
        QVERIFY(real.size() >= 3);
        const QString dir = sharedDir() + "/real/pytorch/";
        if (!QFileInfo::exists(dir)) QSKIP(qPrintable("shared folder not found: " + dir));
        for (const QString& name : real.keys()) {
            auto r = readPytorchCheckpoint((dir + name).toStdString());
            QVERIFY2(r.ok(), r.ok() ? "" : r.error().what().c_str());
            checkAgainst(*r, real[name].toObject());
        }
    }

    void malformed_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("message");
        QTest::newRow("short storage") << "bad_storage_short.pt" << "storage '0' holds 16 bytes, expected at least 24";
        QTest::newRow("view past end") << "bad_view_past_storage.pt" << "reaches element 7 but storage '0' has 6 elements";
        QTest::newRow("negative stride") << "bad_negative_stride.pt" << "negative stride -3 in dim 0";
        QTest::newRow("missing storage") << "bad_missing_storage.pt" << "storage record archive/data/7 is missing";
        QTest::newRow("huge shape") << "bad_huge_shape.pt" << "shape overflows";
        QTest::newRow("os.system") << "bad_os_system.pt" << "forbidden global os.system at offset 2";
        QTest::newRow("eval") << "bad_builtins_eval.pt" << "forbidden global builtins.eval at offset 2";
        QTest::newRow("OBJ opcode") << "bad_unsupported_opcode.pt" << "unsupported opcode 0x6f at offset";
        QTest::newRow("deep nesting") << "bad_deep_nesting.pt" << "nests deeper than 1000";
        QTest::newRow("legacy count") << "bad_legacy_count.pt" << "but the pickle declares";
        QTest::newRow("legacy huge count") << "bad_legacy_huge_count.pt" << "element count 4611686018427387904";
        QTest::newRow("legacy truncated") << "bad_legacy_truncated.pt" << "legacy storage bytes";
        QTest::newRow("truncated zip") << "bad_truncated_zip.pt" << "";
        QTest::newRow("path escape") << "bad_path_escape.pt" << "../x";
        QTest::newRow("absurd member size") << "bad_absurd_member_size.pt" << "";
    }
    void malformed() {
        QFETCH(QString, file);
        QFETCH(QString, message);
        auto start = std::chrono::steady_clock::now();
        auto r = readPytorchCheckpoint((corpusDir() + file).toStdString());
        if (r.ok())  // a lazily detected problem must still surface when reading
            for (const auto& t : r->tensors) {
                auto bytes = r->raw(t);
                if (!bytes.ok()) r = bytes.error();
                if (!r.ok()) break;
            }
        QVERIFY2(!r.ok(), qPrintable(file + " was accepted"));
        QString err = QString::fromStdString(r.error().what());
        QVERIFY2(err.contains(message) && !r.error().message.empty(), qPrintable("got: " + err));
        QVERIFY(err.startsWith(corpusDir() + file));  // names the file
        QVERIFY(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
    }

    void everyCorpusFileTerminates() {
        for (const auto& e : std::filesystem::directory_iterator(corpusDir().toStdString())) {
            auto name = e.path().filename().string();
            auto r = readPytorchCheckpoint(e.path().string());
            QVERIFY2(r.ok() == name.starts_with("seed_"), name.c_str());
        }
    }
};

QTEST_GUILESS_MAIN(TestPytorchCheckpoint)
#include "test_pytorch_checkpoint.moc"
