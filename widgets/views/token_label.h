#pragma once
// Token texts as axis labels: spaces made visible (middle dot), control characters escaped,
// long tokens shortened. Shared by the activation and patching views.
#include <string>

namespace scalpel {

inline std::string tokenAxisLabel(const std::string& text) {
    std::string out;
    for (unsigned char c : text) {
        if (c == ' ') out += "\xC2\xB7";
        else if (c == '\n') out += "\\n";
        else if (c < 0x20) out += '?';
        else out += char(c);
    }
    if (out.size() > 24) {
        out.resize(21);
        out.append("...");
    }
    return out;
}

}  // namespace scalpel
