#pragma once
// Glob matching of hook-site names ('*' any run, '?' one character), shared by the transformer
// engine and graph models.
#include <string_view>

namespace scalpel {

bool globMatch(std::string_view pattern, std::string_view text);

}  // namespace scalpel
