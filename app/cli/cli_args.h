#pragma once
// Small declarative option parser shared by the subcommands: --name VALUE, --flag, positional.
#include <string>
#include <vector>

namespace scalpel::cli {

class ArgParser {
public:
    ArgParser(std::string command, const char* usage) : command_(std::move(command)), usage_(usage) {}
    ArgParser& value(const char* name, std::string& target);
    ArgParser& number(const char* name, double& target);
    ArgParser& integer(const char* name, long long& target, bool* given = nullptr);
    ArgParser& flag(const char* name, bool& target);
    // --name A B C ...: the words up to the next option (repeatable; appends).
    ArgParser& values(const char* name, std::vector<std::string>& target);
    ArgParser& positional(std::vector<std::string>& target);
    // -1: parsed, continue; otherwise the exit code to return (0 for --help, 2 on usage errors).
    int parse(const std::vector<std::string>& args);
    int usageError(const std::string& message) const;

private:
    struct Option {
        std::string name;
        enum Kind { Value, Number, Integer, Flag, Values } kind;
        void* target;
        bool* given;
    };
    std::string command_;
    const char* usage_;
    std::vector<Option> options_;
    std::vector<std::string>* positional_ = nullptr;
};

// "scalpel <command> arg arg ..." for provenance records.
std::string joinArgs(const std::string& command, const std::vector<std::string>& args);

}  // namespace scalpel::cli
