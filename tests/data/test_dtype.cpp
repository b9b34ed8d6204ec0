// DType names, sizes and decoding against independent references: numpy float16 and
// torch.bfloat16 (all 65536 patterns, hashed by tests/fixtures/gen_safetensors.py), and the
// generator's closed-form F8 decoders (all 256 codes of each variant).
#include <QtTest>

#include <cmath>
#include <cstring>
#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/dtype.h"
#include "data/result.h"

using namespace scalpel;

namespace {

nlohmann::json loadExpected() {
    std::ifstream in(SCALPEL_SOURCE_DIR "/tests/fixtures/safetensors/expected.json");
    return nlohmann::json::parse(in);
}

double expectedValue(const nlohmann::json& v) {
    if (v.is_string()) {
        std::string s = v.get<std::string>();
        if (s == "nan") return std::nan("");
        return s == "inf" ? INFINITY : -INFINITY;
    }
    return v.get<double>();
}

// Same hash as fnv1a64_f32 in the generator: FNV-1a over float32 bits, NaN as 0x7fc00000.
uint64_t fnv1a64(const std::vector<float>& values) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (float f : values) {
        uint32_t bits;
        std::memcpy(&bits, &f, 4);
        if (std::isnan(f)) bits = 0x7fc00000u;
        for (int i = 0; i < 4; ++i) h = (h ^ ((bits >> (8 * i)) & 0xff)) * 0x100000001b3ULL;
    }
    return h;
}

std::vector<float> decodeAll16(DType t) {
    std::vector<uint8_t> bytes(2 * 65536);
    for (uint32_t i = 0; i < 65536; ++i) {
        bytes[2 * i] = uint8_t(i & 0xff);
        bytes[2 * i + 1] = uint8_t(i >> 8);
    }
    std::vector<float> out(65536);
    decodeToFloat(t, bytes, 65536, out.data());
    return out;
}

bool sameValue(double a, double b) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    return a == b && std::signbit(a) == std::signbit(b);
}

}  // namespace

class TestDType : public QObject {
    Q_OBJECT
private slots:
    void namesRoundTrip() {
        const char* safetensorsNames[] = {"BOOL", "U8", "I8", "I16", "U16", "I32", "U32", "I64", "U64", "F16", "BF16",
                                          "F32", "F64", "C64", "F8_E4M3", "F8_E5M2", "F8_E4M3FNUZ", "F8_E5M2FNUZ",
                                          "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4"};
        for (const char* n : safetensorsNames) {
            auto t = dtypeFromName(n);
            QVERIFY2(t.has_value(), n);
            QCOMPARE(std::string(dtypeName(*t)), std::string(n));
        }
        for (const char* n : {"C32", "C128", "RAW8"}) QCOMPARE(std::string(dtypeName(*dtypeFromName(n))), std::string(n));
        QVERIFY(!dtypeFromName("F12"));
        QVERIFY(!dtypeFromName("f32"));  // safetensors names are case-sensitive
        QVERIFY(!dtypeFromName(""));
    }

    void bitsAndSizes() {
        QCOMPARE(dtypeBits(DType::F4), 4);
        QCOMPARE(dtypeBits(DType::F6_E3M2), 6);
        QCOMPARE(dtypeBits(DType::BOOL), 8);
        QCOMPARE(dtypeBits(DType::BF16), 16);
        QCOMPARE(dtypeBits(DType::C64), 64);
        QCOMPARE(dtypeBits(DType::C128), 128);
        QCOMPARE(dtypeByteSize(DType::F32, 5).value(), uint64_t(20));
        QCOMPARE(dtypeByteSize(DType::F4, 4).value(), uint64_t(2));
        QVERIFY(!dtypeByteSize(DType::F4, 3));  // ends mid-byte
        QCOMPARE(dtypeByteSize(DType::F6_E2M3, 4).value(), uint64_t(3));
        QVERIFY(!dtypeByteSize(DType::F6_E2M3, 2));  // 12 bits
        QCOMPARE(dtypeByteSize(DType::F6_E2M3, 0).value(), uint64_t(0));
        QVERIFY(!dtypeByteSize(DType::C128, uint64_t(1) << 58));  // 2^65 bits overflows
        QCOMPARE(dtypeByteSize(DType::U8, uint64_t(1) << 60).value(), uint64_t(1) << 60);
        QVERIFY(dtypeIsComplex(DType::C32) && dtypeIsComplex(DType::C64) && !dtypeIsComplex(DType::F64));
        QVERIFY(!dtypeIsDecodable(DType::RAW8) && dtypeIsDecodable(DType::F4));
    }

    void f16AllPatternsMatchNumpy() {
        auto values = decodeAll16(DType::F16);
        auto expected = std::stoull(loadExpected()["f16_all_fnv1a64"].get<std::string>());
        QCOMPARE(fnv1a64(values), expected);
        // Closed form as a second, readable reference: (-1)^s 2^(e-15) (1 + m/1024), subnormals
        // m * 2^-24, e = 31 Inf/NaN. Every half is exact in float32, so equality is exact.
        for (uint32_t h = 0; h < 65536; ++h) {
            uint32_t s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
            double v = e == 0 ? m * std::pow(2.0, -24) : e == 31 ? (m ? NAN : INFINITY) : (1 + m / 1024.0) * std::pow(2.0, int(e) - 15);
            if (s) v = -v;
            QVERIFY2(sameValue(values[h], v), qPrintable(QString::number(h, 16)));
            QVERIFY(sameValue(halfToFloat(uint16_t(h)), v));
        }
    }

    void bf16AllPatternsMatchTorch() {
        auto values = decodeAll16(DType::BF16);
        QCOMPARE(fnv1a64(values), std::stoull(loadExpected()["bf16_all_fnv1a64"].get<std::string>()));
        QCOMPARE(bfloat16ToFloat(0x3f80), 1.0f);
        QCOMPARE(bfloat16ToFloat(0xc040), -3.0f);
    }

    void f8AllCodesMatchClosedForm() {
        auto j = loadExpected();
        std::vector<uint8_t> bytes(256);
        for (int i = 0; i < 256; ++i) bytes[size_t(i)] = uint8_t(i);
        for (const char* name : {"F8_E4M3", "F8_E5M2", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "F8_E8M0"}) {
            std::string key = "t_" + QString(name).toLower().toStdString();
            const auto& exp = j[key]["values"];
            QCOMPARE(exp.size(), size_t(256));
            std::vector<double> d(256);
            std::vector<float> f(256);
            decodeToDouble(*dtypeFromName(name), bytes, 256, d.data());
            decodeToFloat(*dtypeFromName(name), bytes, 256, f.data());
            for (size_t i = 0; i < 256; ++i) {
                double e = expectedValue(exp[i]);
                QVERIFY2(sameValue(d[i], e), qPrintable(QString("%1 code 0x%2: got %3 expected %4").arg(name).arg(i, 0, 16).arg(d[i]).arg(e)));
                QVERIFY2(sameValue(f[i], float(e)), qPrintable(QString("%1 float code %2").arg(name).arg(i)));  // all exact in float
            }
        }
        // Spot values straight from the spec table, as a readable cross-check.
        auto one = [](DType t, uint8_t code) {
            double v;
            decodeToDouble(t, {&code, 1}, 1, &v);
            return v;
        };
        QCOMPARE(one(DType::F8_E4M3, 0x7e), 448.0);
        QCOMPARE(one(DType::F8_E5M2, 0x7b), 57344.0);
        QVERIFY(std::isnan(one(DType::F8_E4M3FNUZ, 0x80)));
        QVERIFY(one(DType::F8_E4M3, 0x80) == 0 && std::signbit(one(DType::F8_E4M3, 0x80)));
        QCOMPARE(one(DType::F8_E8M0, 0x7f), 1.0);
    }

    void f4LowNibbleFirst() {
        // 0x21: low nibble 1 (= 0.5) is element 0, high nibble 2 (= 1.0) is element 1 (PyTorch
        // float4_e2m1fn_x2). 0xF7: 7 (= 6.0), then 0xF (= -6.0).
        const uint8_t bytes[] = {0x21, 0xf7};
        double v[4];
        decodeToDouble(DType::F4, bytes, 4, v);
        QCOMPARE(v[0], 0.5);
        QCOMPARE(v[1], 1.0);
        QCOMPARE(v[2], 6.0);
        QCOMPARE(v[3], -6.0);
    }

    void f6LsbFirstBitStream() {
        // Codes 1, 2, 3, 63 packed LSB-first: 1 | 2<<6 | 3<<12 | 63<<18 = 0xFC3081.
        const uint8_t bytes[] = {0x81, 0x30, 0xfc};
        double e2m3[4], e3m2[4];
        decodeToDouble(DType::F6_E2M3, bytes, 4, e2m3);
        decodeToDouble(DType::F6_E3M2, bytes, 4, e3m2);
        // E2M3 bias 1: codes 1..3 are subnormals m/8; 63 = -(1 + 7/8) * 2^(3-1) = -7.5.
        QCOMPARE(e2m3[0], 0.125);
        QCOMPARE(e2m3[1], 0.25);
        QCOMPARE(e2m3[2], 0.375);
        QCOMPARE(e2m3[3], -7.5);
        // E3M2 bias 3: codes 1..3 are subnormals m/4 * 2^-2; 63 = -(1 + 3/4) * 2^(7-3) = -28.
        QCOMPARE(e3m2[0], 0.0625);
        QCOMPARE(e3m2[1], 0.125);
        QCOMPARE(e3m2[2], 0.1875);
        QCOMPARE(e3m2[3], -28.0);
    }

    void integersAndComplex() {
        const int64_t i64[] = {INT64_MIN, -1, 9007199254740993LL};
        double d[3];
        decodeToDouble(DType::I64, {reinterpret_cast<const uint8_t*>(i64), sizeof i64}, 3, d);
        QCOMPARE(d[0], -9223372036854775808.0);
        QCOMPARE(d[1], -1.0);
        QCOMPARE(d[2], 9007199254740992.0);  // 2^53 + 1 rounds to even in double
        const uint8_t flags[] = {0, 1, 2, 255};
        float f[4];
        decodeToFloat(DType::BOOL, flags, 4, f);
        QCOMPARE(f[0], 0.0f);
        QCOMPARE(f[1], 1.0f);
        QCOMPARE(f[2], 1.0f);  // any nonzero byte is true
        QCOMPARE(f[3], 1.0f);
        const uint16_t c32[] = {0x3c00, 0xc000};  // complex half (1, -2)
        decodeToFloat(DType::C32, {reinterpret_cast<const uint8_t*>(c32), 4}, 1, f);
        QCOMPARE(f[0], 1.0f);
        QCOMPARE(f[1], -2.0f);
        const double c128[] = {0.1, -1e300};
        decodeToDouble(DType::C128, {reinterpret_cast<const uint8_t*>(c128), 16}, 1, d);
        QCOMPARE(d[0], 0.1);
        QCOMPARE(d[1], -1e300);
    }

    void rejectsRawAndBadSizes() {
        const uint8_t b[4] = {};
        float f[4];
        QVERIFY_THROWS_EXCEPTION(FormatError, decodeToFloat(DType::RAW8, b, 4, f));
        QVERIFY_THROWS_EXCEPTION(FormatError, decodeToFloat(DType::F32, {b, 3}, 1, f));
        QVERIFY_THROWS_EXCEPTION(FormatError, decodeToFloat(DType::F4, {b, 2}, 3, f));
    }
};

QTEST_APPLESS_MAIN(TestDType)
#include "test_dtype.moc"
