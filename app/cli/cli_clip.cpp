// scalpel clip: Schur-complement decomposition of paired CLIP embeddings (specs/clip_schur.md).
#include <chrono>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "analysis/clip/clip_inputs.h"
#include "analysis/clip/clip_result_file.h"
#include "app/cli/cli.h"
#include "app/cli/cli_args.h"

namespace scalpel::cli {

namespace {
const char* kClipUsage =
    "usage: scalpel clip --embeddings FILE [--text-key PATH --image-key PATH] [--prompt-key PATH] [--kernel gaussian|cosine|cosine-code]\n"
    "                    [--sigma S] [--route auto|exact|rff] [--rff-dim D] [--seed N | --rff-omegas FILE[:PATH]]\n"
    "                    [--cutoff R] [--l2-normalise] [--nullify [--nullify-form paper|authors]] --out RESULT.h5 [--json]\n"
    "  --embeddings FILE   NPY/NPZ/HDF5 with paired rows: text [n, d] and image [n, d]\n"
    "  --text-key/--image-key   tensor names or HDF5 dataset paths (default: text, image)\n"
    "  --prompt-key PATH   per-row prompt ids (1-D numbers, or an HDF5 string dataset of prompt texts);\n"
    "                      without it, rows with identical text embeddings form one prompt\n"
    "  --kernel            gaussian (default, sigma 3.5), cosine (x/|x|), cosine-code (the authors' column cosine)\n"
    "  --route             auto: random Fourier features on the cheaper side (Gram when n < 2D);\n"
    "                      exact: exact kernel through n x n Gram matrices; rff: features, m x m covariances\n"
    "  --rff-dim D         random Fourier frequencies (default 2500, m = 2D features)\n"
    "  --seed N            frequencies from Scalpel's documented generator (default 0)\n"
    "  --rff-omegas F[:P]  a d x D frequency matrix from a file, to reproduce another implementation\n"
    "  --cutoff R          keep eigen-directions of C_TT with eigenvalue > R * lambda_max (default m * 2^-23)\n"
    "  --nullify           also write prompt-nullified image embeddings (paper's least-squares form by default)\n"
    "  --json              print one JSON object with the scores on stdout\n";

int bad(const std::string& message) {
    std::fprintf(stderr, "scalpel clip: %s\n", message.c_str());
    return kBadInput;
}
}  // namespace

int clip(const std::vector<std::string>& args) {
    ArgParser p("clip", kClipUsage);
    std::string embeddings, textKey, imageKey, promptKey, kernel = "gaussian", route = "auto", omegas, out, nullifyForm = "paper";
    double sigma = 3.5, cutoff = -1;
    long long rffDim = 2500, seed = 0;
    bool json = false, nullify = false, l2 = false, seedGiven = false;
    p.value("--embeddings", embeddings).value("--text-key", textKey).value("--image-key", imageKey).value("--prompt-key", promptKey);
    p.value("--kernel", kernel).value("--route", route).value("--rff-omegas", omegas).value("--out", out);
    p.value("--nullify-form", nullifyForm).number("--sigma", sigma).number("--cutoff", cutoff);
    p.integer("--rff-dim", rffDim).integer("--seed", seed, &seedGiven);
    p.flag("--json", json).flag("--nullify", nullify).flag("--l2-normalise", l2);
    if (int rc = p.parse(args); rc >= 0) return rc;
    if (embeddings.empty() || out.empty()) return p.usageError("--embeddings and --out are required");
    if (seedGiven && !omegas.empty()) return p.usageError("--seed and --rff-omegas exclude each other");

    clip::Options o;
    auto k = clip::parseKernel(kernel);
    if (!k) return p.usageError("unknown kernel '" + kernel + "'");
    auto r = clip::parseRoute(route);
    if (!r) return p.usageError("unknown route '" + route + "'");
    if (nullifyForm != "paper" && nullifyForm != "authors") return p.usageError("unknown nullification form '" + nullifyForm + "'");
    if (rffDim <= 0 || rffDim > 1'000'000) return p.usageError("--rff-dim must be in 1..1000000");
    if (!(sigma > 0)) return p.usageError("--sigma must be > 0");
    o.kernel = *k;
    o.route = *r;
    o.sigma = sigma;
    o.rffDim = static_cast<int>(rffDim);
    o.seed = static_cast<uint64_t>(seed);
    o.l2Normalise = l2;
    if (cutoff >= 0) o.cutoff = cutoff;

    auto pairs = clip::loadEmbeddingPairs(embeddings, textKey, imageKey, promptKey);
    if (!pairs) return bad(pairs.error().what());
    clip::ClipRunInfo info{embeddings, pairs->textKey, pairs->imageKey, "seed " + std::to_string(seed), joinArgs("clip", args)};
    if (!omegas.empty()) {
        auto omega = clip::loadMatrix(omegas);
        if (!omega) return bad(omega.error().what());
        o.omega = std::move(*omega);
        o.rffDim = static_cast<int>(o.omega->cols());
        info.omegaSource = omegas;
    }

    try {
        const auto start = std::chrono::steady_clock::now();
        ProgressToken progress([start](double f, const std::string& stage) {
            double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            std::fprintf(stderr, "[%3d%%] %7.2f s  %s\n", static_cast<int>(f * 100), elapsed, stage.c_str());
        });
        clip::Decomposition d = clip::decompose(pairs->text, pairs->image, o, pairs->promptIds, progress);
        std::optional<clip::Nullification> nul;
        if (nullify)
            nul = clip::nullify(pairs->text, pairs->image,
                                nullifyForm == "paper" ? clip::NullifyForm::Paper : clip::NullifyForm::Authors);
        const double computeSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (auto err = clip::writeClipResult(out, d, o, nul, info)) return bad(err->what());
        for (const auto& w : d.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
        if (json) {
            auto summary = nlohmann::json::parse(clip::clipSummaryJson(d, o, nul));
            summary["compute_seconds"] = computeSeconds;  // decomposition (and nullification) only, no I/O
            std::cout << summary.dump(2) << "\n";
        } else {
            std::printf("SCE (non-text diversity)   %.10g\ntext score                 %.10g\n", d.sce, d.textScore);
            std::printf("trace schur / text / image %.6g / %.6g / %.6g\n", d.traceSchur, d.traceText, d.traceImage);
            std::printf("kernel %s on the %s side, n %lld, d %lld, m %lld, rank kept %lld\nresult: %s\n", d.kernel.c_str(),
                        d.side.c_str(), static_cast<long long>(d.n), static_cast<long long>(d.d), static_cast<long long>(d.m),
                        static_cast<long long>(d.rankKept), out.c_str());
        }
    } catch (const std::invalid_argument& e) {
        return bad(embeddings + ": " + e.what());
    }
    return kOk;
}

}  // namespace scalpel::cli
