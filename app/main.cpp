// scalpel: `scalpel <command> ...` runs headless; otherwise the workbench opens.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "analysis/common/allocator_tuning.h"
#include "app/cli/cli.h"
#ifdef SCALPEL_GUI
#include "app/gui_main.h"
#include "app/session_report.h"
#endif

#ifdef SCALPEL_GUI
namespace {
bool hasDisplay() {
    const char* qpa = std::getenv("QT_QPA_PLATFORM");
    if (qpa && *qpa) return true;  // the user chose a platform (offscreen, xcb, wayland, ...)
    return (std::getenv("DISPLAY") && *std::getenv("DISPLAY")) ||
           (std::getenv("WAYLAND_DISPLAY") && *std::getenv("WAYLAND_DISPLAY"));
}
}  // namespace
#endif

namespace {
// `scalpel frobnicate`: a bare word that is not a file is a mistyped command (exit 2), not a
// file to open.
bool looksLikeMistypedCommand(const std::string& word) {
    std::error_code ec;
    return !word.empty() && word.find_first_of("/.") == std::string::npos && word[0] != '-' &&
           !std::filesystem::exists(word, ec);
}
}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    // `scalpel report` draws figures with Qt (offscreen), so it lives with the workbench code.
    if (!args.empty() && args[0] == "report") {
#ifdef SCALPEL_GUI
        return scalpel::reportCommand(argc, argv);
#else
        std::fprintf(stderr, "scalpel report: this build has no Qt drawing code (configure with -DSCALPEL_BUILD_GUI=ON)\n");
        return scalpel::cli::kUsage;
#endif
    }
    if (!args.empty() && (scalpel::cli::isSubcommand(args[0]) || looksLikeMistypedCommand(args[0]))) {
        scalpel::keepFreedMemory();  // a short-lived process: reuse big buffers across passes
        return scalpel::cli::run(args);
    }
#ifdef SCALPEL_GUI
    if (hasDisplay()) return scalpel::runGui(argc, argv);
    std::fprintf(stderr, "scalpel: no display found (DISPLAY/WAYLAND_DISPLAY unset); running headless.\n");
#endif
    // Headless: summarise what the workbench would show.
    if (args.empty()) {
        std::fprintf(stderr, "usage: scalpel FILE... (workbench) or scalpel <command> ...; see scalpel help\n");
        return scalpel::cli::kUsage;
    }
    int rc = scalpel::cli::kOk;
    for (const auto& file : args) rc = std::max(rc, scalpel::cli::run({"inspect", file, "--stats"}));
    return rc;
}
