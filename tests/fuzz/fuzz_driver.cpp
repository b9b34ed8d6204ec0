// Stand-in for libFuzzer in ordinary builds: feeds every file of the given corpus
// folders to LLVMFuzzerTestOneInput, then `--iterations N` deterministic mutations of
// them (bit flips, truncations, byte insertions, overwrites with boundary integers).
// A crash, hang or sanitizer report fails the CTest smoke test.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<std::string> loadCorpus(const std::vector<std::string>& roots) {
    std::vector<std::string> inputs;
    for (const auto& root : roots) {
        std::error_code ec;
        std::vector<std::filesystem::path> files;
        if (std::filesystem::is_regular_file(root, ec)) files.push_back(root);
        for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
             !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
            if (it->is_regular_file()) files.push_back(it->path());
        std::sort(files.begin(), files.end());
        for (const auto& f : files) {
            std::ifstream in(f, std::ios::binary);
            inputs.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        }
    }
    if (inputs.empty()) inputs.emplace_back();
    return inputs;
}

void mutate(std::string& s, std::mt19937_64& rng) {
    static const uint64_t kInteresting[] = {0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fffffff,
                                            0xffffffff, 0x7fffffffffffffffULL, ~0ULL};
    int kind = static_cast<int>(rng() % 5);
    if (s.empty()) kind = 2;
    switch (kind) {
        case 0: {  // flip a bit
            size_t i = rng() % s.size();
            s[i] = static_cast<char>(s[i] ^ (1u << (rng() % 8)));
            break;
        }
        case 1:  // truncate
            s.resize(rng() % (s.size() + 1));
            break;
        case 2: {  // insert random bytes
            size_t at = s.empty() ? 0 : rng() % (s.size() + 1);
            std::string ins(1 + rng() % 8, '\0');
            for (auto& c : ins) c = static_cast<char>(rng());
            s.insert(at, ins);
            break;
        }
        case 3: {  // overwrite with a boundary integer
            uint64_t v = kInteresting[rng() % std::size(kInteresting)];
            size_t width = size_t(1) << (rng() % 4);
            if (s.size() < width) break;
            size_t at = rng() % (s.size() - width + 1);
            std::memcpy(&s[at], &v, width);
            break;
        }
        default: {  // overwrite a byte with an ASCII digit or brace (JSON headers)
            static const char kChars[] = "0123456789{}[],:\"-e. ";
            s[rng() % s.size()] = kChars[rng() % (sizeof kChars - 1)];
            break;
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    long iterations = 1000;
    std::vector<std::string> roots;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) iterations = std::atol(argv[++i]);
        else roots.emplace_back(argv[i]);
    }
    auto corpus = loadCorpus(roots);
    for (const auto& input : corpus)
        LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
    std::mt19937_64 rng(12345);
    for (long it = 0; it < iterations; ++it) {
        std::string s = corpus[rng() % corpus.size()];
        int rounds = 1 + static_cast<int>(rng() % 4);
        for (int r = 0; r < rounds; ++r) mutate(s, rng);
        LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
    }
    std::printf("fuzz smoke: %zu corpus inputs, %ld mutations, no crash\n", corpus.size(), iterations);
    return 0;
}
