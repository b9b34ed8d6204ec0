#include "app/report_exporter.h"

#include <cstdio>

#include <filesystem>
#include <fstream>

#include "widgets/plots/figure_export.h"

namespace scalpel {

std::string csvNumber(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

std::string csvField(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string htmlEscape(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string renderReportHtml(const Report& r) {
    std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>" + htmlEscape(r.title) +
                    "</title>\n<style>\n"
                    "body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:1120px;margin:24px auto;color:#222;"
                    "line-height:1.45}\n"
                    "h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;padding-bottom:3px;margin-top:28px}\n"
                    "figure{display:inline-block;margin:8px 12px 8px 0;vertical-align:top}"
                    "figcaption{font-size:13px;color:#555}\n"
                    "table{border-collapse:collapse;font-size:13px;margin:8px 0}"
                    "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}"
                    "th{background:#f2f2f2}td.n{text-align:right;font-family:monospace}\n"
                    "</style></head><body>\n<h1>" + htmlEscape(r.title) + "</h1>\n";
    for (const auto& s : r.sections) {
        h += "<section>\n<h2>" + htmlEscape(s.title) + "</h2>\n";
        for (const auto& p : s.paragraphs) h += "<p>" + htmlEscape(p) + "</p>\n";
        for (const auto& f : s.figures)
            h += "<figure>" + plots::inlineSvg(f.svg) + "<figcaption>" + htmlEscape(f.caption) + "</figcaption></figure>\n";
        for (const auto& t : s.tables) {
            h += "<table>";
            if (!t.caption.empty()) h += "<caption>" + htmlEscape(t.caption) + "</caption>";
            h += "<tr>";
            for (const auto& c : t.header) h += "<th>" + htmlEscape(c) + "</th>";
            h += "</tr>\n";
            for (const auto& row : t.rows) {
                h += "<tr>";
                for (size_t i = 0; i < row.size(); ++i) h += (i ? "<td class=\"n\">" : "<td>") + htmlEscape(row[i]) + "</td>";
                h += "</tr>\n";
            }
            h += "</table>\n";
        }
        h += "</section>\n";
    }
    if (!r.csvs.empty()) {
        h += "<section><h2>Data files</h2><ul>";
        for (const auto& c : r.csvs) {
            const std::string file = "report_" + c.name + ".csv";
            h += "<li><a href=\"" + htmlEscape(file) + "\">" + htmlEscape(file) + "</a></li>";
        }
        h += "</ul></section>\n";
    }
    return h + "</body></html>\n";
}

std::optional<std::string> writeReport(const std::string& dir, const Report& report) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return dir + ": cannot create the folder: " + ec.message();
    auto write = [&](const std::string& name, const std::string& text) -> std::optional<std::string> {
        const std::string path = (std::filesystem::path(dir) / name).string();
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << text;
        out.close();
        if (!out) return path + ": cannot write";
        return std::nullopt;
    };
    if (auto err = write("report.html", renderReportHtml(report))) return err;
    if (auto err = writeReportPdf((std::filesystem::path(dir) / "report.pdf").string(), report)) return err;
    for (const auto& c : report.csvs)
        if (auto err = write("report_" + c.name + ".csv", c.content)) return err;
    return std::nullopt;
}

}  // namespace scalpel
