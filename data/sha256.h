#pragma once
// SHA-256 (FIPS 180-4) of byte ranges and files: sessions record a fingerprint of every file
// they reference, so that loading one can say which files changed since it was saved.
#include <cstdint>
#include <span>
#include <string>

#include "data/result.h"

namespace scalpel {

class Sha256 {
public:
    Sha256();
    void update(std::span<const uint8_t> bytes);
    // Lower-case hex digest; the object must not be updated afterwards.
    std::string hexDigest();

private:
    void block(const uint8_t* p);
    uint32_t h_[8];
    uint8_t buffer_[64];
    size_t buffered_ = 0;
    uint64_t length_ = 0;  // bytes hashed so far
};

std::string sha256Hex(std::span<const uint8_t> bytes);

struct FileFingerprint {
    uint64_t size = 0;
    std::string sha256;  // lower-case hex
};

// Size and SHA-256 of a regular file, read in 1 MiB pieces. The error names the file.
Result<FileFingerprint> fingerprintFile(const std::string& path);

}  // namespace scalpel
