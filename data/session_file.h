#pragma once
// Session files (.scalpel, docs/formats.md §Sessions): the documents a workbench had open,
// each with its file's size and SHA-256, the method parameters that produced it and the view
// settings and selections. JSON, written canonically (sorted keys, two-space indent, one
// trailing newline) so that save -> load -> save gives identical bytes. Paths are stored
// relative to the session file's folder, with '/' separators, so a session travels with its
// files. Plain data: the GUI and `scalpel report --session` interpret the view settings.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/result.h"

namespace scalpel {

inline constexpr int kSessionVersion = 1;
inline constexpr uint64_t kMaxSessionBytes = uint64_t(16) << 20;  // a session is small; refuse anything huge

struct SessionDocument {
    std::string kind;      // tensor-file | activation-dump | patching-result | clip | graph-model | graph-dump | lrp-explain
    std::string path;      // as stored: relative to the session folder (or absolute elsewhere)
    uint64_t size = 0;     // bytes, when saved
    std::string sha256;    // hex, when saved
    nlohmann::json parameters = nlohmann::json::object();  // method parameters (clip: the whole request)
    nlohmann::json view = nlohmann::json::object();        // view settings and selections
};

struct Session {
    std::vector<SessionDocument> documents;
    int current = -1;  // index of the document shown in front; -1: none
};

// The canonical text of a session.
std::string sessionToText(const Session& session);
// Parses and validates (types, known kinds, hex digests, version). `file` names the session in errors.
Result<Session> parseSession(const std::string& text, const std::string& file);
Result<Session> readSessionFile(const std::string& path);
// Writes through a temporary file and a rename, so a failed save never leaves half a session.
std::optional<Error> writeSessionFile(const std::string& path, const Session& session);

// Absolute path of a stored document path, resolved against the session file's folder.
std::string resolveSessionPath(const std::string& sessionFile, const std::string& stored);
// A document path as stored: relative to the session's folder with '/' separators.
std::string storeSessionPath(const std::string& sessionFile, const std::string& absolute);

// What differs between the files on disk and the fingerprints in the session: one line per
// document whose file is missing, has another size or other contents. Empty: all unchanged.
std::vector<std::string> changedSessionFiles(const Session& session, const std::string& sessionFile);

}  // namespace scalpel
