#pragma once
// Headless subcommands: `scalpel <command> ...`. Exit codes: 0 ok, 1 bad input (one-line
// reason on stderr), 2 usage error.
#include <string>
#include <vector>

namespace scalpel::cli {

constexpr int kOk = 0;
constexpr int kBadInput = 1;
constexpr int kUsage = 2;

// True when argv[1] names a subcommand (so main() stays headless).
bool isSubcommand(const std::string& word);
// Runs `args` (args[0] is the subcommand). Writes to stdout/stderr.
int run(const std::vector<std::string>& args);

int inspect(const std::vector<std::string>& args);
int tokenize(const std::vector<std::string>& args);
int clip(const std::vector<std::string>& args);
int runModel(const std::vector<std::string>& args);
// `scalpel run` on an ONNX or Keras .h5 model (cli_run_graph.cpp); runModel dispatches to it.
int runGraphModel(const std::vector<std::string>& args);
bool isGraphModelPath(const std::string& path);
int patch(const std::vector<std::string>& args);
// `scalpel explain`: LRP relevance maps of an ONNX or Keras classifier (cli_explain.cpp).
int explain(const std::vector<std::string>& args);

}  // namespace scalpel::cli
