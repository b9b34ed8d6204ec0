#pragma once
// Minimal read-only ZIP reader (PyTorch checkpoints, NPZ, .keras). Stored members are
// served straight from the memory map; deflated ones are inflated with zlib under a
// size limit. Every header field is bounds-checked; names escaping the archive
// ("../", absolute paths) are rejected.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "data/mapped_file.h"

namespace scalpel {

struct ZipMember {
    std::string name;
    uint16_t method = 0;            // 0 stored, 8 deflate
    uint64_t compressedSize = 0;
    uint64_t uncompressedSize = 0;
    uint64_t dataOffset = 0;        // of the member's bytes, via the local header
    uint32_t crc32 = 0;
};

class ZipArchive {
public:
    // Throws FormatError. Limits: at most 1e6 members, inflated member <= maxInflate bytes.
    explicit ZipArchive(std::shared_ptr<const MappedFile> file, uint64_t maxInflate = uint64_t(4) << 30);

    const std::vector<ZipMember>& members() const { return members_; }
    const ZipMember* find(std::string_view name) const;
    const MappedFile& file() const { return *file_; }
    std::shared_ptr<const MappedFile> fileHandle() const { return file_; }

    // Stored members: a view into the mapped file. Throws for deflated members.
    std::span<const uint8_t> storedBytes(const ZipMember& m) const;
    // Any member as bytes (inflates deflated ones, checking the declared size).
    std::vector<uint8_t> read(const ZipMember& m) const;

    static bool looksLikeZip(std::span<const uint8_t> head);

private:
    std::shared_ptr<const MappedFile> file_;
    std::vector<ZipMember> members_;
    uint64_t maxInflate_;
};

}  // namespace scalpel
