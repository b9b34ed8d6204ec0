#include "analysis/patching/patching_inputs.h"

#include "analysis/engine/model_folder.h"
#include "data/prompt_pairs.h"

namespace scalpel::patching {

scalpel::Result<PatchingInputs> loadPatchingInputs(const PatchingRequest& req) {
    PatchingInputs in;
    auto weights = engine::loadGpt2(req.modelPath);
    if (!weights) return weights.error();
    in.weights = std::move(*weights);
    auto found = engine::tokenizerBeside(req.modelPath);
    if (!found) return found.error();
    const std::optional<BpeTokenizer>& tokenizer = *found;
    std::optional<int32_t> bos;
    if (req.bos && in.weights.config.bosTokenId) bos = int32_t(*in.weights.config.bosTokenId);

    PromptPairs pairs;
    if (req.promptsPath.empty()) {
        if (!tokenizer)
            return Error{req.modelPath, "built-in IOI prompts need the model's tokenizer files (vocab.json + merges.txt or tokenizer.json)"};
        if (req.ioiCount < 1) return Error{req.modelPath, "the number of IOI prompts must be positive"};
        try {
            pairs = tokenizeIoi(generateIoi(req.ioiCount, req.seed, req.corruption, *tokenizer), *tokenizer, bos);
        } catch (const std::invalid_argument& e) {
            return Error{req.modelPath, e.what()};
        }
        in.source = "ioi n=" + std::to_string(req.ioiCount) + " corruption=" +
                    (req.corruption == IoiCorruption::Abc ? "abc" : "s2swap") + " seed=" + std::to_string(req.seed);
    } else {
        auto r = readPromptPairs(req.promptsPath, tokenizer ? &*tokenizer : nullptr, bos);
        if (!r) return r.error();
        pairs = std::move(*r);
        in.source = req.promptsPath;
    }
    PromptBatch& b = in.batch;
    b.batch = int64_t(pairs.clean.size());
    b.seq = int64_t(pairs.clean.front().size());
    for (size_t i = 0; i < pairs.clean.size(); ++i) {
        b.clean.insert(b.clean.end(), pairs.clean[i].begin(), pairs.clean[i].end());
        b.corrupt.insert(b.corrupt.end(), pairs.corrupt[i].begin(), pairs.corrupt[i].end());
    }
    b.answer = pairs.answer;
    b.wrong = pairs.wrong;
    if (tokenizer)
        for (const auto& row : pairs.clean) {
            std::vector<std::string> texts;
            for (int32_t id : row) texts.push_back(tokenizer->tokenText(id));
            in.cleanTokens.push_back(std::move(texts));
        }
    return in;
}

}  // namespace scalpel::patching
