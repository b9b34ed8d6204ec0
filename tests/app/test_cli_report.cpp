// `scalpel report --session`: headless (DISPLAY and QT_QPA_PLATFORM removed from the
// environment), HTML and PDF from the demo session, the CSV numbers checked by brute force
// against the dump, and clear errors for bad sessions and outputs.
#include <QtTest>
#include <QTemporaryDir>
#include <cmath>
#include <fstream>
#include <sstream>

#include "data/activation_dump.h"
#include "run_process.h"

namespace {
const std::string kSession = std::string(SCALPEL_SOURCE_DIR) + "/resources/demo/ioi.scalpel";

ProcessResult report(std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/bin/env", "-u", "DISPLAY", "-u", "WAYLAND_DISPLAY", "-u", "QT_QPA_PLATFORM",
                                     SCALPEL_EXE, "report"};
    argv.insert(argv.end(), args.begin(), args.end());
    return runProcess(argv, 120);
}

// Cell (row label, column index) of a report CSV: first column is the row label.
double csvCell(const std::string& csv, const std::string& row, int col) {
    std::istringstream in(csv);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(row + ",", 0) != 0) continue;
        std::istringstream fields(line);
        std::string f;
        for (int i = 0; i <= col + 1 && std::getline(fields, f, ','); ++i)
            if (i == col + 1) return std::stod(f);
    }
    return NAN;
}
}  // namespace

class TestCliReport : public QObject {
    Q_OBJECT
private slots:
    void htmlAndPdfWithoutDisplay() {
        QTemporaryDir dir;
        const std::string html = dir.filePath("r/report.html").toStdString();
        auto r = report({"--session", kSession, "--out", html, "--json"});
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        const std::string text = slurp(html);
        for (const char* s : {"<svg", "Provenance", "h.0.attn.c_attn.weight", "hook_resid_pre", "Agreement with activation patching",
                              "unchanged"})
            QVERIFY2(text.find(s) != std::string::npos, s);
        QVERIFY(r.out.find("\"sections\"") != std::string::npos);

        // The activation CSV holds the heatmap's numbers: L2 norm over features of
        // blocks.3.hook_resid_pre at token 14, recomputed here from the dump.
        const std::string csv = slurp(dir.filePath("r/report_doc2_activations.csv").toStdString());
        auto site = scalpel::readDataset(std::string(SCALPEL_SOURCE_DIR) + "/resources/demo/results/ioi_activations.h5",
                                         "/sites/blocks.3.hook_resid_pre");
        QVERIFY(bool(site));
        const int64_t F = site->shape[2];
        double sq = 0;
        for (int64_t f = 0; f < F; ++f) sq += std::pow(double(site->values[size_t(14 * F + f)]), 2);
        // The CSV has %.17g digits of the float32 L2 norm (accumulated in double): 1e-6 relative.
        QVERIFY(std::abs(csvCell(csv, "L3", 14) - std::sqrt(sq)) < 1e-6 * std::sqrt(sq));

        const std::string pdf = dir.filePath("r/report.pdf").toStdString();
        r = report({"--session", kSession, "--out", pdf});
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        const std::string bytes = slurp(pdf);
        QVERIFY(bytes.rfind("%PDF-", 0) == 0 && bytes.find("%%EOF") != std::string::npos);
    }

    void errorsNameTheProblem() {
        QTemporaryDir dir;
        auto r = report({"--session", dir.filePath("none.scalpel").toStdString(), "--out", dir.filePath("r.html").toStdString()});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.find("none.scalpel") != std::string::npos, r.err.c_str());
        r = report({"--session", kSession, "--out", dir.filePath("r.txt").toStdString()});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.find(".html or .pdf") != std::string::npos, r.err.c_str());
        // A session whose file is gone: the report says which file, and writes nothing.
        const std::string session = dir.filePath("s.scalpel").toStdString();
        std::ofstream(session) << "{\"scalpel_session\":1,\"current\":-1,\"documents\":[{\"kind\":\"activation-dump\","
                                  "\"path\":\"gone.h5\",\"size\":1,\"sha256\":\""
                               << std::string(64, '0') << "\"}]}";
        const std::string out = dir.filePath("x/report.html").toStdString();
        r = report({"--session", session, "--out", out});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.find("gone.h5") != std::string::npos, r.err.c_str());
        QVERIFY(!QFile::exists(QString::fromStdString(out)));
    }
};

QTEST_APPLESS_MAIN(TestCliReport)
#include "test_cli_report.moc"
