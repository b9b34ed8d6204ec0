#include "data/prompt_pairs.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace scalpel {

namespace {

std::string at(int line) { return "line " + std::to_string(line) + ": "; }

std::vector<int32_t> tokens(const nlohmann::json& v, const char* field, int line, const BpeTokenizer* tok,
                            std::optional<int32_t> bos) {
    std::vector<int32_t> ids;
    if (v.is_string()) {
        if (!tok) fail(at(line) + "\"" + field + "\" is text but the model has no tokenizer: give token ids");
        if (bos) ids.push_back(*bos);
        const auto e = tok->encode(v.get<std::string>());
        ids.insert(ids.end(), e.begin(), e.end());
    } else if (v.is_array()) {
        for (const auto& x : v) {
            if (!x.is_number_integer() || x.get<int64_t>() < 0 || x.get<int64_t>() > INT32_MAX)
                fail(at(line) + "\"" + field + "\" holds " + x.dump() + ", not a token id");
            ids.push_back(int32_t(x.get<int64_t>()));
        }
    } else {
        fail(at(line) + "\"" + field + "\" must be a string or a list of token ids");
    }
    if (ids.empty()) fail(at(line) + "\"" + field + "\" is empty");
    return ids;
}

int32_t oneToken(const nlohmann::json& v, const char* field, int line, const BpeTokenizer* tok) {
    if (v.is_number_integer()) {
        if (v.get<int64_t>() < 0 || v.get<int64_t>() > INT32_MAX) fail(at(line) + "\"" + field + "\" is not a token id");
        return int32_t(v.get<int64_t>());
    }
    if (!v.is_string()) fail(at(line) + "\"" + field + "\" must be a one-token string or a token id");
    if (!tok) fail(at(line) + "\"" + field + "\" is text but the model has no tokenizer: give a token id");
    const auto ids = tok->encode(v.get<std::string>());
    if (ids.size() != 1)
        fail(at(line) + "\"" + field + "\" " + v.dump() + " is " + std::to_string(ids.size()) +
             " tokens; it must be exactly one (mind the leading space, e.g. \" Mary\")");
    return ids[0];
}

}  // namespace

Result<PromptPairs> parsePromptPairs(const std::string& text, const std::string& name, const BpeTokenizer* tok,
                                     std::optional<int32_t> bos) {
    return catchError(name, [&] {
        PromptPairs out;
        std::istringstream in(text);
        std::string row;
        int line = 0;
        while (std::getline(in, row)) {
            ++line;
            const auto first = row.find_first_not_of(" \t\r");
            if (first == std::string::npos || row[first] == '#') continue;
            nlohmann::json j;
            try {
                j = nlohmann::json::parse(row);
            } catch (const nlohmann::json::exception& e) {
                fail(at(line) + "not valid JSON (" + e.what() + ")");
            }
            if (!j.is_object()) fail(at(line) + "expected a JSON object with clean, corrupt, answer, wrong");
            for (const char* f : {"clean", "corrupt", "answer", "wrong"})
                if (!j.contains(f)) fail(at(line) + "missing \"" + f + "\"");
            auto clean = tokens(j["clean"], "clean", line, tok, bos);
            auto corrupt = tokens(j["corrupt"], "corrupt", line, tok, bos);
            if (clean.size() != corrupt.size())
                fail(at(line) + "clean is " + std::to_string(clean.size()) + " tokens but corrupt is " +
                     std::to_string(corrupt.size()) + ": a corruption must keep the token count");
            if (!out.clean.empty() && clean.size() != out.clean.front().size())
                fail(at(line) + "prompts are " + std::to_string(clean.size()) + " tokens but line " +
                     std::to_string(out.lines.front()) + "'s are " + std::to_string(out.clean.front().size()) +
                     ": every pair of a batch must have the same length");
            out.answer.push_back(oneToken(j["answer"], "answer", line, tok));
            out.wrong.push_back(oneToken(j["wrong"], "wrong", line, tok));
            out.clean.push_back(std::move(clean));
            out.corrupt.push_back(std::move(corrupt));
            out.lines.push_back(line);
        }
        if (out.clean.empty()) fail("no prompt pairs (one JSON object per line expected)");
        return out;
    });
}

Result<PromptPairs> readPromptPairs(const std::string& path, const BpeTokenizer* tok, std::optional<int32_t> bos) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return Error{path, "cannot open (" + ec.message() + ")"};
    if (size > (uintmax_t(256) << 20)) return Error{path, "larger than 256 MiB: not a prompt file"};
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{path, "cannot open"};
    std::ostringstream s;
    s << in.rdbuf();
    return parsePromptPairs(s.str(), path, tok, bos);
}

}  // namespace scalpel
