#include <cstdio>
#include <functional>
#include <map>

#include "app/cli/cli.h"

namespace scalpel::cli {

namespace {
struct Command {
    std::function<int(const std::vector<std::string>&)> fn;
    const char* summary;
};

const std::map<std::string, Command>& commands() {
    static const std::map<std::string, Command> table = {
        {"inspect", {inspect, "list the tensors of a checkpoint or tensor file"}},
        {"tokenize", {tokenize, "encode text with a GPT-2 BPE tokenizer"}},
        {"clip", {clip, "Schur-complement decomposition of paired CLIP embeddings (SCE)"}},
        {"patch", {patch, "activation/attribution patching, RelP and integrated gradients on a GPT-2 circuit"}},
        {"explain", {explain, "LRP relevance maps (zennit-style rules and composites) of an ONNX/Keras classifier"}},
        {"run", {runModel, "run a GPT-2 model on text or token ids, or an ONNX/Keras model on inputs, and dump hook sites"}},
    };
    return table;
}

void printUsage(std::FILE* out) {
    std::fprintf(out, "usage: scalpel [FILE...]            open the workbench\n"
                      "       scalpel <command> [options]   run headless\n\ncommands:\n");
    for (const auto& [name, cmd] : commands()) std::fprintf(out, "  %-10s %s\n", name.c_str(), cmd.summary);
    std::fprintf(out, "  %-10s %s\n", "report", "HTML/PDF report of a saved session (.scalpel): figures, parameters, CSVs");
    std::fprintf(out, "\n`scalpel <command> --help` for options; docs/cli.md for details.\n");
}
}  // namespace

bool isSubcommand(const std::string& word) {
    return commands().count(word) || word == "help" || word == "--help" || word == "-h" || word == "--version";
}

int run(const std::vector<std::string>& args) {
    if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
        printUsage(stdout);
        return args.empty() ? kUsage : kOk;
    }
    if (args[0] == "--version") {
        std::printf("scalpel %s\n", SCALPEL_VERSION_STRING);
        return kOk;
    }
    auto it = commands().find(args[0]);
    if (it == commands().end()) {
        std::fprintf(stderr, "scalpel: unknown command '%s'\n", args[0].c_str());
        printUsage(stderr);
        return kUsage;
    }
    return it->second.fn(std::vector<std::string>(args.begin() + 1, args.end()));
}

}  // namespace scalpel::cli
