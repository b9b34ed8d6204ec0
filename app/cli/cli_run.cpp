// scalpel run: a GPT-2 model on text or token ids, logits and hook sites to an activation dump.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "analysis/engine/dump_runner.h"
#include "app/cli/cli.h"
#include "app/cli/cli_args.h"
#include "analysis/engine/model_folder.h"
#include "data/bpe_tokenizer.h"
#include "data/tensor_file.h"

namespace scalpel::cli {

namespace {
const char* kRunUsage =
    "usage: scalpel run --model PATH (--text TEXT... | --tokens FILE) [--sites PATTERN...] --out DUMP.h5\n"
    "                   [--no-bos] [--last-logits] [--json]\n"
    "  --model PATH      Hugging Face GPT-2 folder (config.json + model.safetensors or pytorch_model.bin)\n"
    "  --text TEXT...    texts tokenized with the folder's tokenizer; one batch row each (equal token counts)\n"
    "  --tokens FILE     integer NPY [batch, seq] (or [seq]), or a JSON list of id lists\n"
    "  --sites P...      hook names or glob patterns, e.g. 'blocks.*.hook_resid_pre' 'blocks.3.attn.hook_z'\n"
    "                    (default: blocks.*.hook_resid_pre blocks.*.hook_attn_out blocks.*.hook_mlp_out);\n"
    "                    'none' writes logits only. `--sites list` prints every site name.\n"
    "  --no-bos          do not prepend the model's bos_token_id to --text (TransformerLens prepends it)\n"
    "  --last-logits     skip the /logits dataset (it is [batch, seq, vocab]); the summary still names\n"
    "                    the most likely next token\n"
    "  --json            print a JSON summary on stdout\n"
    "  (--model FILE.onnx or a Keras FILE.h5 runs a graph model: `scalpel run --model FILE.onnx --help`)\n";

int bad(const std::string& message) {
    std::fprintf(stderr, "scalpel run: %s\n", message.c_str());
    return kBadInput;
}

// --tokens: JSON list of lists, or any integer tensor file with one rank-1/2 tensor.
Result<engine::TokenBatch> readTokens(const std::string& path) {
    engine::TokenBatch t;
    if (path.ends_with(".json")) {
        std::ifstream in(path);
        if (!in) return Error{path, "cannot open"};
        return catchError(path, [&] {
            nlohmann::json j;
            try {
                j = nlohmann::json::parse(in);
            } catch (const nlohmann::json::exception& e) {
                fail(std::string("not valid JSON: ") + e.what());
            }
            if (!j.is_array() || j.empty()) fail("expected a JSON list of token-id lists");
            t.batch = static_cast<int64_t>(j.size());
            for (size_t b = 0; b < j.size(); ++b) {
                if (!j[b].is_array() || j[b].empty()) fail("row " + std::to_string(b) + " is not a non-empty list of ids");
                if (b == 0) t.seq = static_cast<int64_t>(j[b].size());
                if (static_cast<int64_t>(j[b].size()) != t.seq)
                    fail("row " + std::to_string(b) + " has " + std::to_string(j[b].size()) + " ids, row 0 has " +
                         std::to_string(t.seq) + ": a batch needs equal lengths");
                for (const auto& v : j[b]) {
                    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > INT32_MAX)
                        fail("row " + std::to_string(b) + ": " + v.dump() + " is not a token id");
                    t.ids.push_back(static_cast<int32_t>(v.get<int64_t>()));
                }
            }
            return t;
        });
    }
    auto file = openTensorFile(path);
    if (!file) return file.error();
    if (file->tensors.size() != 1) return Error{path, "expected exactly one tensor of token ids, found " + std::to_string(file->tensors.size())};
    const auto& e = file->tensors.front();
    const DType dt = e.info.dtype;
    const bool integer = dt == DType::U8 || dt == DType::I8 || dt == DType::I16 || dt == DType::U16 || dt == DType::I32 ||
                         dt == DType::U32 || dt == DType::I64 || dt == DType::U64;
    if (!integer) return Error{path, e.info.name + ": token ids must be integers, found " + std::string(dtypeName(dt))};
    if (e.info.shape.empty() || e.info.shape.size() > 2 || e.info.numel() == 0)
        return Error{path, e.info.name + ": expected [batch, seq] or [seq], found " + e.info.shapeString()};
    auto values = file->toDouble(e);
    if (!values) return values.error();
    t.batch = e.info.shape.size() == 2 ? e.info.shape[0] : 1;
    t.seq = e.info.shape.back();
    for (double v : *values) t.ids.push_back(static_cast<int32_t>(std::max(-1.0, std::min(v, double(INT32_MAX)))));
    return t;
}

}  // namespace

int runModel(const std::vector<std::string>& args) {
    // ONNX and Keras .h5 files are graph models (cli_run_graph.cpp); folders and checkpoints GPT-2.
    for (size_t i = 0; i + 1 < args.size(); ++i)
        if (args[i] == "--model" && isGraphModelPath(args[i + 1])) return runGraphModel(args);
    ArgParser p("run", kRunUsage);
    std::string modelPath, tokensPath, out;
    std::vector<std::string> texts, patterns;
    bool json = false, noBos = false, lastLogits = false;
    p.value("--model", modelPath).value("--tokens", tokensPath).value("--out", out);
    p.values("--text", texts).values("--sites", patterns);
    p.flag("--json", json).flag("--no-bos", noBos).flag("--last-logits", lastLogits);
    if (int rc = p.parse(args); rc >= 0) return rc;
    if (modelPath.empty()) return p.usageError("--model is required");
    const bool listSites = patterns.size() == 1 && patterns[0] == "list";
    if (!listSites) {
        if (out.empty()) return p.usageError("--out is required");
        if (texts.empty() == tokensPath.empty()) return p.usageError("give either --text or --tokens");
    }

    const auto t0 = std::chrono::steady_clock::now();
    auto weights = engine::loadGpt2(modelPath);
    if (!weights) return bad(weights.error().what());
    for (const auto& w : weights->warnings) std::fprintf(stderr, "scalpel run: warning: %s\n", w.c_str());
    const int nLayer = static_cast<int>(weights->blocks.size());
    if (listSites) {
        for (const auto& s : engine::allSites(nLayer)) std::printf("%s\n", s.name().c_str());
        return kOk;
    }

    // Sites: exact names or glob patterns; every pattern must match something.
    std::vector<engine::Site> sites;
    if (patterns.empty()) patterns = {"blocks.*.hook_resid_pre", "blocks.*.hook_attn_out", "blocks.*.hook_mlp_out"};
    if (!(patterns.size() == 1 && patterns[0] == "none"))
        for (const auto& pat : patterns) {
            const auto found = engine::matchSites(pat, nLayer);
            if (found.empty())
                return p.usageError("no hook site matches '" + pat + "' (the model has " + std::to_string(nLayer) +
                                    " blocks; `--sites list` prints the names)");
            for (const auto& s : found)
                if (std::find(sites.begin(), sites.end(), s) == sites.end()) sites.push_back(s);
        }
    std::sort(sites.begin(), sites.end(), [&](const engine::Site& a, const engine::Site& b) {
        const auto all = engine::allSites(nLayer);
        return std::find(all.begin(), all.end(), a) < std::find(all.begin(), all.end(), b);
    });

    // Tokens, and the tokenizer for display strings when the folder has one.
    auto found = engine::tokenizerBeside(modelPath);
    if (!found) return bad(found.error().what());
    std::optional<BpeTokenizer> tokenizer = std::move(*found);
    std::error_code ec;
    engine::TokenBatch tokens;
    if (!texts.empty()) {
        if (!tokenizer) return bad(modelPath + ": no tokenizer files (tokenizer.json or vocab.json + merges.txt) for --text; use --tokens");
        const auto bos = weights->config.bosTokenId;
        std::vector<std::vector<int32_t>> rows;
        for (const auto& text : texts) {
            auto ids = tokenizer->encode(text);
            if (!noBos && bos) ids.insert(ids.begin(), static_cast<int32_t>(*bos));
            rows.push_back(std::move(ids));
        }
        for (size_t i = 1; i < rows.size(); ++i)
            if (rows[i].size() != rows[0].size())
                return bad("text " + std::to_string(i + 1) + " has " + std::to_string(rows[i].size()) + " tokens, text 1 has " +
                           std::to_string(rows[0].size()) + ": a batch needs equal token counts (run them separately)");
        tokens.batch = static_cast<int64_t>(rows.size());
        tokens.seq = static_cast<int64_t>(rows[0].size());
        for (const auto& r : rows) tokens.ids.insert(tokens.ids.end(), r.begin(), r.end());
    } else {
        auto t = readTokens(tokensPath);
        if (!t) return bad(t.error().what());
        tokens = std::move(*t);
    }

    engine::DumpRequest request;
    request.sites = sites;
    request.logits = !lastLogits;
    if (tokenizer)
        for (int32_t id : tokens.ids) request.tokenStrings.push_back(tokenizer->tokenText(id));
    request.provenance.scalpelVersion = SCALPEL_VERSION_STRING;
    request.provenance.modelPath = std::filesystem::absolute(modelPath, ec).string();
    request.provenance.commandLine = joinArgs("run", args);
    const engine::Gpt2Model<float> model(std::move(*weights));
    auto summary = engine::runToDump(model, tokens, request, out);
    if (!summary) return bad(summary.error().what());
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    if (json) {
        nlohmann::json j = {{"model", modelPath}, {"out", out}, {"batch", tokens.batch}, {"seq", tokens.seq}, {"seconds", seconds}};
        j["sites"] = nlohmann::json::array();
        for (size_t i = 0; i < summary->sites.size(); ++i)
            j["sites"].push_back({{"name", summary->sites[i]}, {"shape", summary->shapes[i]}});
        if (!lastLogits) j["logits"] = {tokens.batch, tokens.seq, model.weights().wte.rows()};
        j["next_token"] = nlohmann::json::array();
        for (int32_t id : summary->argmaxLast) {
            nlohmann::json n = {{"id", id}};
            if (tokenizer) n["text"] = tokenizer->tokenText(id);
            j["next_token"].push_back(n);
        }
        std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    } else {
        std::printf("wrote %s: %lld x %lld tokens, %zu site(s)%s in %.2f s\n", out.c_str(), static_cast<long long>(tokens.batch),
                    static_cast<long long>(tokens.seq), summary->sites.size(), lastLogits ? "" : " + logits", seconds);
        for (size_t b = 0; b < summary->argmaxLast.size(); ++b) {
            const int32_t id = summary->argmaxLast[b];
            std::printf("  row %zu: next token %d%s%s%s\n", b, id, tokenizer ? " '" : "",
                        tokenizer ? tokenizer->tokenText(id).c_str() : "", tokenizer ? "'" : "");
        }
    }
    return kOk;
}

}  // namespace scalpel::cli
