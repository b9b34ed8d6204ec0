// The restricted pickle machine (formats.md §2): values decoded from pickles written by
// Python's own pickle module (tests/fixtures/gen_pytorch_corpus.py), refusal of hostile
// globals and opcodes, limits, and the strided gather against a brute-force reference.
#include <QtTest>

#include <fstream>
#include <iterator>
#include <random>

#include "data/pickle_machine.h"
#include "data/pytorch_checkpoint.h"

using namespace scalpel;
using pickle::Kind;
using pickle::Value;

namespace {

std::string corpus(const std::string& name) {
    std::ifstream in(std::string(SCALPEL_SOURCE_DIR) + "/tests/corpus/pickle/" + name, std::ios::binary);
    if (!in) qFatal("missing corpus file %s", name.c_str());
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::span<const uint8_t> bytesOf(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

// Runs a pickle and returns the FormatError message ("" when it parsed).
std::string errorOf(const std::string& bytes, const pickle::Limits& limits = {}) {
    try {
        (void)pickle::runPickle(bytesOf(bytes), 0, "test.pkl", limits);
    } catch (const FormatError& e) {
        return e.what();
    }
    return "";
}

const Value* dictGet(const Value* d, const std::string& key) {
    for (size_t k = 0; k + 1 < d->items.size(); k += 2)
        if (d->items[k]->kind == Kind::String && d->items[k]->text == key) return d->items[k + 1];
    return nullptr;
}

}  // namespace

class TestPickle : public QObject {
    Q_OBJECT
private slots:
    // seed_plain.pkl = pickle.dumps({"a": [1, -2, 2**40, -(2**40), 2**70, 2.5, None, True, "x", b"y",
    //                                -129, 65535], "b": (1, 2, 3), "s": {7}}, protocol=2)
    void plainValues() {
        auto p = pickle::runPickle(bytesOf(corpus("seed_plain.pkl")), 0, "seed_plain.pkl");
        QCOMPARE(p.root->kind, Kind::Dict);
        const Value* a = dictGet(p.root, "a");
        QVERIFY(a && a->kind == Kind::List);
        QCOMPARE(a->items.size(), size_t(12));
        QCOMPARE(a->items[0]->i, int64_t(1));
        QCOMPARE(a->items[1]->i, int64_t(-2));
        QCOMPARE(a->items[2]->i, int64_t(1) << 40);     // LONG1, positive
        QCOMPARE(a->items[3]->i, -(int64_t(1) << 40));  // LONG1, sign-extended
        QCOMPARE(a->items[4]->kind, Kind::BigInt);      // 2**70 does not fit int64
        QCOMPARE(a->items[4]->text.size(), size_t(9));
        QCOMPARE(a->items[5]->f, 2.5);                  // BINFLOAT, big-endian
        QCOMPARE(a->items[6]->kind, Kind::None);
        QVERIFY(a->items[7]->kind == Kind::Bool && a->items[7]->b);
        QCOMPARE(QString::fromStdString(a->items[8]->text), QString("x"));
        QCOMPARE(a->items[9]->kind, Kind::Bytes);       // _codecs.encode('y', 'latin1')
        QCOMPARE(QString::fromStdString(a->items[9]->text), QString("y"));
        QCOMPARE(a->items[10]->i, int64_t(-129));       // BININT
        QCOMPARE(a->items[11]->i, int64_t(65535));      // BININT2
        const Value* b = dictGet(p.root, "b");
        QVERIFY(b && b->kind == Kind::Tuple && b->items.size() == 3 && b->items[2]->i == 3);
        const Value* s = dictGet(p.root, "s");  // __builtin__.set, mapped from Python 2
        QVERIFY(s && s->kind == Kind::Set && s->items.size() == 1 && s->items[0]->i == 7);
        QVERIFY(p.warnings.empty());
    }

    // seed_protocol4.pkl = pickle.dumps({"a": [1, 2.5, "s", b"raw"*3], "t": (1,)}, protocol=4):
    // FRAME, SHORT_BINUNICODE, MEMOIZE, SHORT_BINBYTES.
    void protocol4DataOpcodes() {
        auto p = pickle::runPickle(bytesOf(corpus("seed_protocol4.pkl")), 0, "p4");
        const Value* a = dictGet(p.root, "a");
        QVERIFY(a && a->items.size() == 4);
        QCOMPARE(a->items[3]->kind, Kind::Bytes);
        QCOMPARE(QString::fromStdString(a->items[3]->text), QString("rawrawraw"));
        QCOMPARE(dictGet(p.root, "t")->items.size(), size_t(1));
    }

    void stateDictTensorReference() {
        auto p = pickle::runPickle(bytesOf(corpus("seed_state_dict.pkl")), 0, "sd");
        QCOMPARE(p.root->kind, Kind::OrderedDict);
        const Value* w = dictGet(p.root, "w");
        QVERIFY(w && w->kind == Kind::Tensor);
        QCOMPARE(w->tensor->size, (std::vector<int64_t>{2, 3}));
        QCOMPARE(w->tensor->stride, (std::vector<int64_t>{3, 1}));
        QCOMPARE(w->tensor->offset, int64_t(0));
        const Value* pid = w->tensor->storage;
        QCOMPARE(pid->kind, Kind::PersistentId);
        QCOMPARE(QString::fromStdString(pid->items[1]->text), QString("torch.FloatStorage"));
        QCOMPARE(QString::fromStdString(pid->items[2]->text), QString("0"));
        QCOMPARE(pid->items[4]->i, int64_t(6));
    }

    void hostileInputs_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("message");
        QTest::newRow("os.system") << "bad_os_system.pkl" << "forbidden global os.system at offset 2";
        QTest::newRow("posix.system") << "bad_posix_system.pkl" << "forbidden global posix.system at offset 2";
        QTest::newRow("builtins.eval") << "bad_builtins_eval.pkl" << "forbidden global builtins.eval at offset 2";
        QTest::newRow("py2 getattr") << "bad_py2_builtin_getattr.pkl" << "forbidden global builtins.getattr";
        QTest::newRow("stack global exec") << "bad_stack_global_exec.pkl" << "forbidden global builtins.exec";
        QTest::newRow("INST") << "bad_inst.pkl" << "unsupported opcode 0x69 at offset 3";
        QTest::newRow("OBJ") << "bad_obj.pkl" << "unsupported opcode 0x6f at offset";
        QTest::newRow("INT text opcode") << "bad_unsupported_opcode.pkl" << "unsupported opcode 0x49 at offset 5";
        QTest::newRow("truncated") << "bad_truncated.pkl" << "truncated pickle";
        QTest::newRow("nesting bomb") << "bad_nesting_bomb.pkl" << "nesting deeper than 1000";
        QTest::newRow("memo miss") << "bad_memo_bomb.pkl" << "memo index 4294967294 was never stored";
        QTest::newRow("underflow") << "bad_stack_underflow.pkl" << "stack underflow in APPEND";
        QTest::newRow("no STOP") << "bad_no_stop.pkl" << "no STOP opcode";
    }
    void hostileInputs() {
        QFETCH(QString, file);
        QFETCH(QString, message);
        QString err = QString::fromStdString(errorOf(corpus(file.toStdString())));
        QVERIFY2(err.contains(message), qPrintable("got: " + err));
    }

    void limits() {
        pickle::Limits small;
        small.maxMemo = 10;
        std::string memo = "\x80\x02N";
        for (int k = 0; k < 11; ++k) memo += std::string("q") + char(k);
        memo += ".";
        QVERIFY(errorOf(memo).empty());
        QVERIFY(QString::fromStdString(errorOf(memo, small)).contains("memo holds more than 10 entries"));
        small = {};
        small.maxOpcodes = 100;
        std::string many = "\x80\x02]" + std::string(120, ']') + std::string(120, 'a') + ".";
        QVERIFY(errorOf(many).empty());
        QVERIFY(QString::fromStdString(errorOf(many, small)).contains("exceeds 100 opcodes"));
        // A string length beyond the input is refused before any allocation.
        QVERIFY(QString::fromStdString(errorOf(std::string("\x80\x02X\xff\xff\xff\x7f", 7))).contains("truncated pickle"));
    }

    void unknownClassIsOpaque() {
        // argparse.Namespace() with BUILD state {'lr': 1}: kept inert, with a warning.
        static const char kBytes[] = "\x80\x02" "cargparse\nNamespace\n)\x81}X\x02\x00\x00\x00lrK\x01sb.";
        std::string bytes(kBytes, sizeof kBytes - 1);
        auto p = pickle::runPickle(bytesOf(bytes), 0, "ns");
        QCOMPARE(p.root->kind, Kind::Opaque);
        QCOMPARE(QString::fromStdString(p.root->text), QString("argparse.Namespace"));
        QCOMPARE(p.root->items.size(), size_t(1));  // the BUILD state
        QCOMPARE(p.warnings.size(), size_t(1));
        QVERIFY(QString::fromStdString(p.warnings[0]).contains("'argparse.Namespace'"));
    }

    void cyclesAreHarmless() {
        // l = []; l.append(l): the walker visits each container once.
        std::string bytes("\x80\x02]q\x00h\x00" "a.", 9);
        auto p = pickle::runPickle(bytesOf(bytes), 0, "cycle");
        QCOMPARE(p.root->items.size(), size_t(1));
        QCOMPARE(p.root->items[0], p.root);
        TensorFile f;
        pytorch::collectTensors(p, [](const std::string&) -> pytorch::StorageRecord { fail("unused"); }, "", f);
        QVERIFY(f.tensors.empty());
    }

    // gatherStrided against the definition: out[i0..ik] = storage[offset + sum(i_d * stride_d)].
    void gatherMatchesBruteForce() {
        std::mt19937 rng(7);
        std::vector<uint8_t> storage(4096);
        for (size_t k = 0; k < storage.size(); ++k) storage[k] = static_cast<uint8_t>(rng());
        for (int trial = 0; trial < 300; ++trial) {
            size_t rank = rng() % 4;
            uint64_t item = uint64_t(1) << (rng() % 4);
            std::vector<int64_t> size(rank), stride(rank);
            for (size_t d = 0; d < rank; ++d) {
                size[d] = 1 + rng() % 4;
                stride[d] = rng() % 7;
            }
            int64_t offset = rng() % 16;
            bool swap = rng() % 2;
            auto got = pytorch::gatherStrided(storage, item, offset, size, stride, swap ? item : 1);
            std::vector<uint8_t> want;
            std::vector<int64_t> idx(rank, 0);
            uint64_t numel = 1;
            for (auto s : size) numel *= s;
            for (uint64_t n = 0; n < numel; ++n) {
                uint64_t rem = n, src = offset;
                for (size_t d = rank; d-- > 0;) {
                    src += (rem % size[d]) * stride[d];
                    rem /= size[d];
                }
                for (uint64_t b = 0; b < item; ++b) want.push_back(storage[src * item + (swap ? item - 1 - b : b)]);
            }
            QCOMPARE(got, want);
        }
    }
};

QTEST_APPLESS_MAIN(TestPickle)
#include "test_pickle.moc"
