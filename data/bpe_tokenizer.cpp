// GPT-2 byte-level BPE (formats.md §6). Loading and validation of the vocabulary files lives
// in bpe_tokenizer_load.cpp; this file holds the model and encode/decode.
#include "data/bpe_tokenizer.h"

#include <algorithm>
#include <queue>

#include "data/bpe_text.h"
#include "data/bpe_tokenizer_impl.h"

namespace scalpel {

BpeTokenizer::BpeTokenizer() : impl_(std::make_unique<Impl>()) {}
BpeTokenizer::~BpeTokenizer() = default;
BpeTokenizer::BpeTokenizer(BpeTokenizer&&) noexcept = default;
BpeTokenizer& BpeTokenizer::operator=(BpeTokenizer&&) noexcept = default;

namespace {

// Merges one pre-token (already mapped to byte-symbol ids) in place. Pops the lowest rank,
// leftmost first, like Hugging Face's word.rs; a queue entry is stale when either symbol it
// joined has changed since. O(n log n), so one huge "word" cannot hang the encoder.
void mergeWord(const BpeTokenizer::Impl& m, std::vector<int32_t>& sym) {
    const size_t n = sym.size();
    if (n < 2) return;
    if (n <= 24) {
        // Short words (almost all of them): rescan for the lowest-rank, leftmost pair each
        // round. Same order as the queue below, without its allocations.
        for (;;) {
            size_t best = 0;
            const BpeTokenizer::Impl::Merge* bestMerge = nullptr;
            for (size_t i = 0; i + 1 < sym.size(); ++i) {
                const auto it = m.mergeRank.find(BpeTokenizer::Impl::pairKey(sym[i], sym[i + 1]));
                if (it != m.mergeRank.end() && (!bestMerge || it->second.rank < bestMerge->rank)) {
                    best = i;
                    bestMerge = &it->second;
                }
            }
            if (!bestMerge) return;
            sym[best] = bestMerge->merged;
            sym.erase(sym.begin() + static_cast<std::ptrdiff_t>(best) + 1);
        }
    }
    struct Cand {
        int32_t rank;
        uint32_t pos;
        int32_t left, right;
        bool operator>(const Cand& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
    };
    std::vector<uint32_t> next(n), prev(n);
    for (size_t i = 0; i < n; ++i) {
        next[i] = static_cast<uint32_t>(i + 1);
        prev[i] = static_cast<uint32_t>(i - 1);  // wraps for i = 0; never read there
    }
    std::priority_queue<Cand, std::vector<Cand>, std::greater<>> queue;
    const auto push = [&](uint32_t pos) {
        const uint32_t r = next[pos];
        if (r >= n) return;
        const auto it = m.mergeRank.find(BpeTokenizer::Impl::pairKey(sym[pos], sym[r]));
        if (it != m.mergeRank.end()) queue.push({it->second.rank, pos, sym[pos], sym[r]});
    };
    for (uint32_t i = 0; i + 1 < n; ++i) push(i);
    constexpr int32_t kDead = -1;
    while (!queue.empty()) {
        const Cand c = queue.top();
        queue.pop();
        const uint32_t r = next[c.pos];
        if (sym[c.pos] != c.left || r >= n || sym[r] != c.right) continue;  // stale
        sym[c.pos] = m.mergeRank.at(BpeTokenizer::Impl::pairKey(c.left, c.right)).merged;
        sym[r] = kDead;
        next[c.pos] = next[r];
        if (next[r] < n) prev[next[r]] = c.pos;
        if (c.pos > 0) push(prev[c.pos]);
        push(c.pos);
    }
    sym.erase(std::remove(sym.begin(), sym.end(), kDead), sym.end());
}

}  // namespace

void BpeTokenizer::Impl::encodeOrdinary(std::string_view text, std::vector<int32_t>& ids) const {
    std::string prefixed;
    if (addPrefixSpace && !text.empty() && text.front() != ' ') {
        // reserve+append rather than " " + string: avoids GCC 12's false -Wrestrict (PR 105651).
        prefixed.reserve(text.size() + 1);
        prefixed.append(1, ' ').append(text);
        text = prefixed;
    }
    std::vector<int32_t> sym;
    bpe::preTokenize(text, [&](size_t begin, size_t end) {
        const std::string_view word = text.substr(begin, end - begin);
        if (ignoreMerges) {
            // Llama-3 style: a whole pre-token that is itself in the vocabulary wins.
            std::string spelled;
            for (unsigned char b : word) bpe::appendUtf8(spelled, bpe::byteToSymbolTable()[b]);
            const auto it = vocab.find(spelled);
            if (it != vocab.end()) {
                ids.push_back(it->second);
                return;
            }
        }
        sym.clear();
        for (unsigned char b : word) sym.push_back(byteId[b]);
        mergeWord(*this, sym);
        ids.insert(ids.end(), sym.begin(), sym.end());
    });
}

std::vector<int32_t> BpeTokenizer::encode(std::string_view text) const {
    const Impl& m = *impl_;
    std::vector<int32_t> ids;
    ids.reserve(text.size() / 3 + 1);
    if (m.added.empty()) {
        m.encodeOrdinary(text, ids);
        return ids;
    }
    // Added tokens are split out first: at each step take the leftmost match, the longest
    // at that position. `nextAt[k]` caches where token k occurs next so the scan stays linear.
    std::vector<size_t> nextAt(m.added.size(), 0);
    std::vector<bool> stale(m.added.size(), true);
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t bestAt = std::string_view::npos, best = 0;
        for (size_t k = 0; k < m.added.size(); ++k) {
            if (stale[k] || (nextAt[k] != std::string_view::npos && nextAt[k] < pos)) {
                nextAt[k] = text.find(m.added[k].content, pos);
                stale[k] = false;
            }
            const size_t at = nextAt[k];
            if (at == std::string_view::npos) continue;
            if (at < bestAt || (at == bestAt && m.added[k].content.size() > m.added[best].content.size())) {
                bestAt = at;
                best = k;
            }
        }
        if (bestAt == std::string_view::npos) break;
        const AddedToken& tok = m.added[best];
        size_t before = bestAt, after = bestAt + tok.content.size();
        const auto isWs = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
        if (tok.lstrip)
            while (before > pos && isWs(text[before - 1])) --before;
        if (tok.rstrip)
            while (after < text.size() && isWs(text[after])) ++after;
        m.encodeOrdinary(text.substr(pos, before - pos), ids);
        ids.push_back(tok.id);
        pos = after;
    }
    if (pos < text.size()) m.encodeOrdinary(text.substr(pos), ids);
    return ids;
}

std::string BpeTokenizer::decode(const std::vector<int32_t>& ids) const {
    std::string bytes;
    for (int32_t id : ids)
        if (id >= 0 && static_cast<size_t>(id) < impl_->idBytes.size()) bytes += impl_->idBytes[id];
    return bpe::replaceInvalidUtf8(bytes);
}

std::string BpeTokenizer::tokenText(int32_t id) const {
    if (id < 0 || static_cast<size_t>(id) >= impl_->idBytes.size()) return {};
    return bpe::replaceInvalidUtf8(impl_->idBytes[id]);
}

std::string BpeTokenizer::tokenString(int32_t id) const {
    if (id < 0 || static_cast<size_t>(id) >= impl_->idString.size()) return {};
    return impl_->idString[id];
}

size_t BpeTokenizer::vocabSize() const { return impl_->idString.size(); }
size_t BpeTokenizer::mergeCount() const { return impl_->mergeCount; }
const std::string& BpeTokenizer::source() const { return impl_->source; }

}  // namespace scalpel
