#include "analysis/engine/dump_runner.h"

#include <filesystem>
#include <stdexcept>

namespace scalpel::engine {

namespace {

// [B*H*T, T] (rows b, h, query) -> [B, T, H*T] (rows b, query; columns h, key).
Act<float> patternByQuery(const Act<float>& p, int64_t B, int64_t H, int64_t T) {
    Act<float> out(B * T, H * T);
    for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < H; ++h) out.block(b * T, h * T, T, T) = p.middleRows((b * H + h) * T, T);
    return out;
}

void check(const std::optional<Error>& e) {
    if (e) throw FormatError(e->message);
}

}  // namespace

Result<DumpSummary> runToDump(const Gpt2Model<float>& model, const TokenBatch& tokens, const DumpRequest& request,
                              const std::string& outPath, const ProgressToken& progress) {
    ForwardOptions<float> opt;
    opt.cache = request.sites;
    opt.logits = request.logits ? LogitRows::All : LogitRows::Last;
    opt.progress = &progress;
    ForwardResult<float> run;
    try {
        run = model.forward(tokens, opt);
    } catch (const std::invalid_argument& e) {
        return Error{outPath, e.what()};
    }
    progress.report(0.8, "writing");
    const int64_t B = tokens.batch, T = tokens.seq;
    auto result = catchError(outPath, [&] {
        auto writer = ActivationDumpWriter::create(outPath, request.provenance);
        if (!writer) throw FormatError(writer.error().message);
        check(writer->setTokens(tokens.ids, B, T, request.tokenStrings));
        DumpSummary summary;
        for (const auto& site : request.sites) {
            const Act<float>& value = run.cache.at(site);
            Act<float> byQuery;
            const Act<float>* rows = &value;
            if (site.kind == SiteKind::Pattern) {
                byQuery = patternByQuery(value, B, model.dims().nHead, T);
                rows = &byQuery;
            }
            const std::array<int64_t, 3> shape{B, T, rows->cols()};
            check(writer->addSite(site.name(), std::span<const float>(rows->data(), static_cast<size_t>(rows->size())), shape));
            summary.sites.push_back(site.name());
            summary.shapes.push_back({shape.begin(), shape.end()});
        }
        const int64_t V = run.logits.cols();
        if (request.logits)
            check(writer->setLogits(std::span<const float>(run.logits.data(), static_cast<size_t>(run.logits.size())), {B, T, V}));
        for (int64_t b = 0; b < B; ++b) {
            Eigen::Index best = 0;
            run.logits.row(request.logits ? b * T + T - 1 : b).maxCoeff(&best);
            summary.argmaxLast.push_back(static_cast<int32_t>(best));
        }
        check(writer->close());
        return summary;
    });
    // Never leave a half-written dump behind.
    if (!result) {
        std::error_code ec;
        if (std::filesystem::is_regular_file(outPath, ec)) std::filesystem::remove(outPath, ec);
    }
    return result;
}

}  // namespace scalpel::engine
