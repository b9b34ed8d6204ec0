#include "analysis/engine/model_folder.h"

#include <filesystem>

namespace scalpel::engine {

Result<std::optional<BpeTokenizer>> tokenizerBeside(const std::string& modelPath) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path folder = fs::is_directory(modelPath, ec) ? fs::path(modelPath) : fs::path(modelPath).parent_path();
    for (const char* name : {"tokenizer.json", "vocab.json", "encoder.json"})
        if (fs::exists(folder / name, ec)) {
            auto t = BpeTokenizer::load(folder.string());
            if (!t) return t.error();
            return std::optional<BpeTokenizer>(std::move(*t));
        }
    return std::optional<BpeTokenizer>();
}

}  // namespace scalpel::engine
