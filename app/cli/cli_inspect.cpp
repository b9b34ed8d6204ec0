// scalpel inspect PATH [--json] [--stats]
#include <cmath>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "analysis/common/tensor_stats.h"
#include "app/cli/cli.h"
#include "data/tensor_file.h"

namespace scalpel::cli {

namespace {
const char* kInspectUsage =
    "usage: scalpel inspect PATH [--json] [--stats]\n"
    "  PATH     safetensors, PyTorch checkpoint (zip or legacy), NPY, NPZ, Keras/HDF5, GGUF,\n"
    "           a sharded *.index.json, or a Hugging Face checkpoint folder\n"
    "  --json   one JSON object on stdout\n"
    "  --stats  min, max, mean, std (unbiased) over finite values, NaN and Inf counts\n";

// JSON has no NaN: non-finite statistics are written as null.
nlohmann::json number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
}  // namespace

int inspect(const std::vector<std::string>& args) {
    bool json = false, stats = false;
    std::string path;
    for (const auto& a : args) {
        if (a == "--json") json = true;
        else if (a == "--stats") stats = true;
        else if (a == "--help" || a == "-h") { std::fputs(kInspectUsage, stdout); return kOk; }
        else if (a.starts_with("-")) { std::fprintf(stderr, "scalpel inspect: unknown option %s\n%s", a.c_str(), kInspectUsage); return kUsage; }
        else if (path.empty()) path = a;
        else { std::fprintf(stderr, "scalpel inspect: only one PATH is accepted\n%s", kInspectUsage); return kUsage; }
    }
    if (path.empty()) { std::fputs(kInspectUsage, stderr); return kUsage; }

    auto file = openTensorFile(path);
    if (!file) {
        std::fprintf(stderr, "scalpel inspect: %s\n", file.error().what().c_str());
        return kBadInput;
    }
    nlohmann::json out = {{"path", path}, {"format", file->format}, {"tensors", nlohmann::json::array()}};
    out["metadata"] = file->metadata;
    out["warnings"] = file->warnings;
    uint64_t totalBytes = 0;
    for (const auto& e : file->tensors) {
        const auto& info = e.info;
        nlohmann::json t = {{"name", info.name}, {"dtype", dtypeName(info.dtype)}, {"shape", info.shape},
                            {"bytes", info.byteSize()}};
        totalBytes += info.byteSize();
        if (!info.note.empty()) t["note"] = info.note;
        if (stats && info.note.empty() && dtypeIsDecodable(info.dtype) && !dtypeIsComplex(info.dtype)) {
            auto values = file->toDouble(e);
            if (!values) {
                std::fprintf(stderr, "scalpel inspect: %s\n", values.error().what().c_str());
                return kBadInput;
            }
            TensorStats s = computeStats(std::span<const double>(*values));
            t["stats"] = {{"min", number(s.min)}, {"max", number(s.max)}, {"mean", number(s.mean)},
                          {"std", number(s.std)}, {"nan", s.nanCount}, {"inf", s.infCount}};
        }
        out["tensors"].push_back(std::move(t));
    }
    out["total_bytes"] = totalBytes;

    if (json) {
        std::cout << out.dump(2) << "\n";
        return kOk;
    }
    std::printf("%s: %s, %zu tensors, %llu bytes\n", path.c_str(), file->format.c_str(), file->tensors.size(),
                static_cast<unsigned long long>(totalBytes));
    for (const auto& w : file->warnings) std::printf("warning: %s\n", w.c_str());
    for (const auto& t : out["tensors"]) {
        std::string shape = "[";
        for (size_t i = 0; i < t["shape"].size(); ++i) shape += (i ? ", " : "") + std::to_string(t["shape"][i].get<int64_t>());
        shape += "]";
        std::printf("  %-48s %-8s %-20s %12llu", t["name"].get<std::string>().c_str(),
                    t["dtype"].get<std::string>().c_str(), shape.c_str(),
                    static_cast<unsigned long long>(t["bytes"].get<uint64_t>()));
        if (t.contains("stats")) {
            const auto& s = t["stats"];
            auto f = [](const nlohmann::json& v) { return v.is_null() ? std::string("nan") : std::to_string(v.get<double>()); };
            std::printf("  min %s max %s mean %s std %s nan %llu inf %llu", f(s["min"]).c_str(), f(s["max"]).c_str(),
                        f(s["mean"]).c_str(), f(s["std"]).c_str(), static_cast<unsigned long long>(s["nan"].get<uint64_t>()),
                        static_cast<unsigned long long>(s["inf"].get<uint64_t>()));
        }
        if (t.contains("note")) std::printf("  (%s)", t["note"].get<std::string>().c_str());
        std::printf("\n");
    }
    return kOk;
}

}  // namespace scalpel::cli
