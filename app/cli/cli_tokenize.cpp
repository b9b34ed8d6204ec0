// scalpel tokenize --tokenizer PATH [--json] TEXT...
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/cli.h"
#include "data/bpe_tokenizer.h"

namespace scalpel::cli {

namespace {
const char* kTokenizeUsage =
    "usage: scalpel tokenize --tokenizer PATH [--json] TEXT...\n"
    "  --tokenizer PATH  tokenizer.json, or a folder with tokenizer.json, vocab.json + merges.txt,\n"
    "                    or encoder.json + vocab.bpe\n"
    "  --json            one JSON object per TEXT: {\"text\", \"ids\", \"tokens\"}\n"
    "  Each TEXT is encoded separately; use '-' to read one text from standard input.\n";
}

int tokenize(const std::vector<std::string>& args) {
    bool json = false;
    std::string tokenizerPath;
    std::vector<std::string> texts;
    for (size_t i = 0; i < args.size(); ++i) {
        const auto& a = args[i];
        if (a == "--json") json = true;
        else if (a == "--tokenizer") {
            if (i + 1 >= args.size()) { std::fputs(kTokenizeUsage, stderr); return kUsage; }
            tokenizerPath = args[++i];
        } else if (a == "--help" || a == "-h") { std::fputs(kTokenizeUsage, stdout); return kOk; }
        else if (a == "-") texts.emplace_back(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
        else if (a == "--") { texts.insert(texts.end(), args.begin() + i + 1, args.end()); break; }
        else if (a.starts_with("--")) { std::fprintf(stderr, "scalpel tokenize: unknown option %s\n%s", a.c_str(), kTokenizeUsage); return kUsage; }
        else texts.push_back(a);
    }
    if (tokenizerPath.empty() || texts.empty()) { std::fputs(kTokenizeUsage, stderr); return kUsage; }
    auto tok = BpeTokenizer::load(tokenizerPath);
    if (!tok) {
        std::fprintf(stderr, "scalpel tokenize: %s\n", tok.error().what().c_str());
        return kBadInput;
    }
    for (const auto& text : texts) {
        auto ids = tok->encode(text);
        if (json) {
            nlohmann::json tokens = nlohmann::json::array();
            for (int32_t id : ids) tokens.push_back(tok->tokenString(id));
            nlohmann::json o = {{"text", text}, {"ids", ids}, {"tokens", tokens}};
            // Token strings of partial UTF-8 sequences are not valid UTF-8 on their own: replace, don't throw.
            std::cout << o.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        } else {
            for (size_t i = 0; i < ids.size(); ++i) std::printf("%s%d", i ? " " : "", ids[i]);
            std::printf("\n");
            for (size_t i = 0; i < ids.size(); ++i) std::printf("%s%s", i ? " | " : "", tok->tokenString(ids[i]).c_str());
            std::printf("\n");
        }
    }
    return kOk;
}

}  // namespace scalpel::cli
