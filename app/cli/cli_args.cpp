#include "app/cli/cli_args.h"

#include <cstdio>
#include <cstdlib>

#include "app/cli/cli.h"

namespace scalpel::cli {

ArgParser& ArgParser::value(const char* name, std::string& t) { options_.push_back({name, Option::Value, &t, nullptr}); return *this; }
ArgParser& ArgParser::number(const char* name, double& t) { options_.push_back({name, Option::Number, &t, nullptr}); return *this; }
ArgParser& ArgParser::integer(const char* name, long long& t, bool* given) {
    options_.push_back({name, Option::Integer, &t, given});
    return *this;
}
ArgParser& ArgParser::flag(const char* name, bool& t) { options_.push_back({name, Option::Flag, &t, nullptr}); return *this; }
ArgParser& ArgParser::values(const char* name, std::vector<std::string>& t) {
    options_.push_back({name, Option::Values, &t, nullptr});
    return *this;
}
ArgParser& ArgParser::positional(std::vector<std::string>& t) { positional_ = &t; return *this; }

int ArgParser::usageError(const std::string& message) const {
    std::fprintf(stderr, "scalpel %s: %s\n%s", command_.c_str(), message.c_str(), usage_);
    return kUsage;
}

int ArgParser::parse(const std::vector<std::string>& args) {
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--help" || a == "-h") {
            std::fputs(usage_, stdout);
            return kOk;
        }
        const Option* match = nullptr;
        for (const auto& o : options_)
            if (o.name == a) match = &o;
        if (!match) {
            if (!a.starts_with("-") && positional_) {
                positional_->push_back(a);
                continue;
            }
            return usageError("unknown option or argument '" + a + "'");
        }
        if (match->kind == Option::Flag) {
            *static_cast<bool*>(match->target) = true;
            continue;
        }
        if (i + 1 >= args.size()) return usageError(match->name + " needs a value");
        if (match->kind == Option::Values) {
            auto& list = *static_cast<std::vector<std::string>*>(match->target);
            while (i + 1 < args.size() && !args[i + 1].starts_with("--")) list.push_back(args[++i]);
            continue;
        }
        const std::string& v = args[++i];
        char* end = nullptr;
        switch (match->kind) {
            case Option::Value: *static_cast<std::string*>(match->target) = v; break;
            case Option::Number: {
                double d = std::strtod(v.c_str(), &end);
                if (v.empty() || *end) return usageError(match->name + " expects a number, got '" + v + "'");
                *static_cast<double*>(match->target) = d;
                break;
            }
            case Option::Integer: {
                long long n = std::strtoll(v.c_str(), &end, 10);
                if (v.empty() || *end) return usageError(match->name + " expects an integer, got '" + v + "'");
                *static_cast<long long*>(match->target) = n;
                break;
            }
            case Option::Flag:
            case Option::Values: break;
        }
        if (match->given) *match->given = true;
    }
    return -1;
}

std::string joinArgs(const std::string& command, const std::vector<std::string>& args) {
    std::string s = "scalpel " + command;
    for (const auto& a : args) s += " " + a;
    return s;
}

}  // namespace scalpel::cli
