#pragma once
// Read-only memory map of a whole file, with bounds-checked access.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "data/result.h"

namespace scalpel {

class MappedFile {
public:
    static Result<std::shared_ptr<const MappedFile>> open(const std::string& path);
    // Wraps bytes already in memory (inflated zip members, tests, fuzzing).
    static std::shared_ptr<const MappedFile> fromBytes(std::string path, std::string bytes);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const std::string& path() const { return path_; }
    uint64_t size() const { return size_; }
    std::span<const uint8_t> all() const { return {data_, size_}; }
    // Bytes [offset, offset+length); throws FormatError (naming `what`) if out of range.
    std::span<const uint8_t> slice(uint64_t offset, uint64_t length, const char* what = "data") const;

private:
    MappedFile() = default;
    std::string path_;
    const uint8_t* data_ = nullptr;
    uint64_t size_ = 0;
    bool mapped_ = false;
    std::string owned_;
};

}  // namespace scalpel
