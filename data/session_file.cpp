#include "data/session_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "data/sha256.h"
#include "data/strict_json.h"

namespace scalpel {
namespace fs = std::filesystem;

namespace {

const char* kKinds[] = {"tensor-file", "activation-dump", "patching-result", "clip", "graph-model", "graph-dump", "lrp-explain"};

bool knownKind(const std::string& k) {
    for (const char* known : kKinds)
        if (k == known) return true;
    return false;
}

bool isHexDigest(const std::string& s) {
    if (s.size() != 64) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

const nlohmann::json& field(const nlohmann::json& obj, const char* key, const std::string& where) {
    auto it = obj.find(key);
    if (it == obj.end()) throw FormatError(where + ": missing \"" + key + "\"");
    return *it;
}

}  // namespace

std::string sessionToText(const Session& session) {
    nlohmann::json docs = nlohmann::json::array();
    // null (a default-constructed json) is written as {} so that what is written always parses.
    auto object = [](const nlohmann::json& j) { return j.is_null() ? nlohmann::json::object() : j; };
    for (const auto& d : session.documents)
        docs.push_back({{"kind", d.kind},
                        {"path", d.path},
                        {"size", d.size},
                        {"sha256", d.sha256},
                        {"parameters", object(d.parameters)},
                        {"view", object(d.view)}});
    const nlohmann::json j = {{"scalpel_session", kSessionVersion}, {"documents", docs}, {"current", session.current}};
    return j.dump(2) + "\n";
}

Result<Session> parseSession(const std::string& text, const std::string& file) {
    try {
        if (text.size() > kMaxSessionBytes) throw FormatError("is " + std::to_string(text.size()) + " bytes; a session file is at most 16 MiB");
        const auto bytes = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size());
        if (auto bad = findInvalidUtf8(bytes)) throw FormatError("invalid UTF-8 at byte " + std::to_string(*bad));
        const nlohmann::json j = parseStrictJson(bytes, "session JSON");
        if (!j.is_object()) throw FormatError("is not a Scalpel session (the top level is not a JSON object)");
        auto version = j.find("scalpel_session");
        if (version == j.end()) throw FormatError("is not a Scalpel session (no \"scalpel_session\" version)");
        if (!version->is_number_integer() || version->get<int64_t>() != kSessionVersion)
            throw FormatError("session version " + version->dump() + " is not supported (this Scalpel reads version " +
                              std::to_string(kSessionVersion) + ")");
        Session s;
        const auto& docs = field(j, "documents", "session");
        if (!docs.is_array()) throw FormatError("\"documents\" is not an array");
        for (size_t i = 0; i < docs.size(); ++i) {
            const auto& d = docs[i];
            const std::string where = "document " + std::to_string(i);
            if (!d.is_object()) throw FormatError(where + " is not an object");
            SessionDocument doc;
            const auto& kind = field(d, "kind", where);
            if (!kind.is_string() || !knownKind(kind.get<std::string>()))
                throw FormatError(where + ": unknown kind " + kind.dump() +
                                  " (expected tensor-file, activation-dump, patching-result, clip, graph-model, graph-dump or lrp-explain)");
            doc.kind = kind.get<std::string>();
            const auto& path = field(d, "path", where);
            if (!path.is_string() || path.get<std::string>().empty()) throw FormatError(where + ": \"path\" must be a non-empty string");
            doc.path = path.get<std::string>();
            const auto& size = field(d, "size", where);
            if (!size.is_number_unsigned() && !(size.is_number_integer() && size.get<int64_t>() >= 0))
                throw FormatError(where + ": \"size\" must be a non-negative integer");
            doc.size = size.get<uint64_t>();
            const auto& sha = field(d, "sha256", where);
            if (!sha.is_string() || !isHexDigest(sha.get<std::string>()))
                throw FormatError(where + ": \"sha256\" must be 64 lower-case hex digits");
            doc.sha256 = sha.get<std::string>();
            for (const char* key : {"parameters", "view"}) {
                auto it = d.find(key);
                if (it == d.end()) continue;
                if (!it->is_object()) throw FormatError(where + ": \"" + key + "\" must be an object");
                (std::string(key) == "view" ? doc.view : doc.parameters) = *it;
            }
            s.documents.push_back(std::move(doc));
        }
        if (auto cur = j.find("current"); cur != j.end()) {
            if (!cur->is_number_integer()) throw FormatError("\"current\" must be an integer");
            const int64_t c = cur->get<int64_t>();
            if (c < -1 || c >= int64_t(s.documents.size()))
                throw FormatError("\"current\" = " + std::to_string(c) + " is not a document index");
            s.current = int(c);
        }
        return s;
    } catch (const FormatError& e) {
        return Error{file, e.what()};
    } catch (const std::exception& e) {
        return Error{file, std::string("invalid session: ") + e.what()};
    }
}

Result<Session> readSessionFile(const std::string& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return Error{path, "no such session file"};
    const auto size = fs::file_size(path, ec);
    if (ec) return Error{path, "cannot read its size"};
    if (size > kMaxSessionBytes) return Error{path, "is " + std::to_string(size) + " bytes; a session file is at most 16 MiB"};
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{path, "cannot be opened for reading"};
    std::ostringstream text;
    text << in.rdbuf();
    return parseSession(text.str(), path);
}

std::optional<Error> writeSessionFile(const std::string& path, const Session& session) {
    const std::string tmp = path + ".part";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) return Error{path, "cannot be written (check the folder exists and is writable)"};
        const std::string text = sessionToText(session);
        out.write(text.data(), std::streamsize(text.size()));
        if (!out.flush()) {
            std::error_code ec;
            fs::remove(tmp, ec);
            return Error{path, "write failed (disk full?)"};
        }
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) {
        fs::remove(tmp, ec);
        return Error{path, "cannot be replaced: " + ec.message()};
    }
    return std::nullopt;
}

std::string resolveSessionPath(const std::string& sessionFile, const std::string& stored) {
    const fs::path p(stored);
    if (p.is_absolute()) return p.lexically_normal().string();
    std::error_code ec;
    const fs::path base = fs::absolute(fs::path(sessionFile), ec).parent_path();
    return (base / p).lexically_normal().string();
}

std::string storeSessionPath(const std::string& sessionFile, const std::string& absolute) {
    std::error_code ec;
    const fs::path base = fs::absolute(fs::path(sessionFile), ec).parent_path();
    const fs::path target = fs::absolute(fs::path(absolute), ec).lexically_normal();
    const fs::path rel = target.lexically_relative(base);
    return (rel.empty() ? target : rel).generic_string();
}

std::vector<std::string> changedSessionFiles(const Session& session, const std::string& sessionFile) {
    std::vector<std::string> out;
    for (const auto& d : session.documents) {
        const std::string path = resolveSessionPath(sessionFile, d.path);
        auto fp = fingerprintFile(path);
        if (!fp) {
            out.push_back(path + ": missing (" + fp.error().message + ")");
        } else if (fp->size != d.size) {
            out.push_back(path + ": changed since the session was saved (" + std::to_string(d.size) + " bytes then, " +
                          std::to_string(fp->size) + " now)");
        } else if (fp->sha256 != d.sha256) {
            out.push_back(path + ": changed since the session was saved (same size, different contents)");
        }
    }
    return out;
}

}  // namespace scalpel
