#include "analysis/patching/ioi_prompts.h"

#include <algorithm>
#include <map>
#include <random>
#include <stdexcept>

namespace scalpel::patching {

namespace {

// {A} and {B} are introduced together, {C} repeats the subject (S2).
const char* kTemplates[] = {
    "When {A} and {B} went to the {PLACE}, {C} gave a {OBJECT} to",
    "When {A} and {B} got a {OBJECT} at the {PLACE}, {C} decided to give it to",
    "Then, {A} and {B} went to the {PLACE}. {C} gave a {OBJECT} to",
    "Then, {A} and {B} had a lot of fun at the {PLACE}. {C} gave a {OBJECT} to",
    "Then, {A} and {B} were working at the {PLACE}. {C} decided to give a {OBJECT} to",
    "After {A} and {B} went to the {PLACE}, {C} gave a {OBJECT} to",
    "Afterwards, {A} and {B} went to the {PLACE}. {C} gave a {OBJECT} to",
    "While {A} and {B} were working at the {PLACE}, {C} gave a {OBJECT} to",
    "While {A} and {B} were commuting to the {PLACE}, {C} gave a {OBJECT} to",
    "Friends {A} and {B} found a {OBJECT} at the {PLACE}. {C} gave it to",
};
const char* kNames[] = {"Mary",  "John",  "Tom",    "James",   "Dan",     "Sarah",  "Anna",  "Paul",  "Mark",  "Kate",
                        "Lisa",  "Peter", "David",  "Michael", "Chris",   "Steve",  "Jack",  "Ben",   "Sam",   "Alex",
                        "Emma",  "Laura", "Rachel", "Amy",     "Matt",    "Andrew", "Robert", "Daniel", "George", "Henry",
                        "Frank", "Eric",  "Adam",   "Kevin",   "Jason",   "Ryan",   "Tim",   "Joe",   "Mike",  "Bill"};
const char* kPlaces[] = {"store", "park", "school", "hospital", "restaurant", "office", "garden", "station"};
const char* kObjects[] = {"drink", "ring", "bone", "computer", "book", "letter", "gift", "cake", "key", "ball"};

std::string fill(std::string t, const std::string& a, const std::string& b, const std::string& c, const std::string& place,
                 const std::string& object) {
    auto replace = [&](const std::string& key, const std::string& value) {
        for (size_t at; (at = t.find(key)) != std::string::npos;) t.replace(at, key.size(), value);
    };
    replace("{A}", a);
    replace("{B}", b);
    replace("{C}", c);
    replace("{PLACE}", place);
    replace("{OBJECT}", object);
    return t;
}

template <size_t N>
std::vector<std::string> oneToken(const char* (&words)[N], const BpeTokenizer& tok) {
    std::vector<std::string> out;
    for (const char* w : words)
        if (tok.encode(std::string(" ") + w).size() == 1) out.push_back(w);
    return out;
}

}  // namespace

std::vector<IoiPrompt> generateIoi(int n, uint64_t seed, IoiCorruption corruption, const BpeTokenizer& tok) {
    const auto names = oneToken(kNames, tok), places = oneToken(kPlaces, tok), objects = oneToken(kObjects, tok);
    if (names.size() < 5 || places.empty() || objects.empty())
        throw std::invalid_argument("the tokenizer has too few one-token names, places or objects for IOI prompts");
    // Token length of each template with one-token fillers: equal-length prompts form one batch.
    std::map<size_t, std::vector<std::string>> byLength;
    for (const char* t : kTemplates)
        byLength[tok.encode(fill(t, names[0], names[1], names[0], places[0], objects[0])).size()].push_back(t);
    std::mt19937_64 rng(seed);
    auto pick = [&](size_t n) { return size_t(std::uniform_int_distribution<size_t>(0, n - 1)(rng)); };
    std::vector<std::string> templates;
    {
        const char* first = kTemplates[pick(std::size(kTemplates))];
        for (auto& [len, group] : byLength)
            if (std::find(group.begin(), group.end(), first) != group.end()) templates = group;
    }
    std::vector<IoiPrompt> out;
    while (int(out.size()) < n) {
        const std::string& t = templates[pick(templates.size())];
        const size_t i = pick(names.size());
        size_t j = pick(names.size() - 1);
        if (j >= i) ++j;
        const std::string io = names[i], s = names[j];
        const std::string place = places[pick(places.size())], object = objects[pick(objects.size())];
        const bool abba = pick(2) == 0;
        const std::string a = abba ? io : s, b = abba ? s : io;
        IoiPrompt p;
        // Template names follow a space in the text ("When {A}"), so a name is the token " Name".
        p.clean = fill(t, a, b, s, place, object);
        if (corruption == IoiCorruption::S2Swap) {
            p.corrupt = fill(t, a, b, io, place, object);
        } else {
            std::vector<std::string> fresh;
            while (fresh.size() < 3) {
                const std::string& x = names[pick(names.size())];
                if (x != io && x != s && std::find(fresh.begin(), fresh.end(), x) == fresh.end()) fresh.push_back(x);
            }
            p.corrupt = fill(t, fresh[0], fresh[1], fresh[2], place, object);
        }
        p.answer = " " + io;
        p.wrong = " " + s;
        out.push_back(std::move(p));
    }
    return out;
}

PromptPairs tokenizeIoi(const std::vector<IoiPrompt>& prompts, const BpeTokenizer& tok, std::optional<int32_t> bos) {
    PromptPairs out;
    int line = 0;
    for (const auto& p : prompts) {
        auto encode = [&](const std::string& text) {
            std::vector<int32_t> ids;
            if (bos) ids.push_back(*bos);
            const auto e = tok.encode(text);
            ids.insert(ids.end(), e.begin(), e.end());
            return ids;
        };
        out.clean.push_back(encode(p.clean));
        out.corrupt.push_back(encode(p.corrupt));
        out.answer.push_back(tok.encode(p.answer).at(0));
        out.wrong.push_back(tok.encode(p.wrong).at(0));
        out.lines.push_back(++line);
        if (out.clean.back().size() != out.corrupt.back().size() || out.clean.back().size() != out.clean.front().size())
            throw std::invalid_argument("IOI prompt " + std::to_string(line) + " tokenizes to a different length");
    }
    return out;
}

}  // namespace scalpel::patching
