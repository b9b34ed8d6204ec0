#include "data/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace scalpel {

Result<std::shared_ptr<const MappedFile>> MappedFile::open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error{path, std::string("cannot open: ") + std::strerror(errno)};
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        int e = errno;
        ::close(fd);
        return Error{path, std::string("cannot stat: ") + std::strerror(e)};
    }
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        return Error{path, "is a directory, expected a file"};
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return Error{path, "not a regular file"};
    }
    auto file = std::shared_ptr<MappedFile>(new MappedFile());
    file->path_ = path;
    file->size_ = static_cast<uint64_t>(st.st_size);
    if (file->size_ > 0) {
        void* p = ::mmap(nullptr, file->size_, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            int e = errno;
            ::close(fd);
            return Error{path, std::string("cannot map: ") + std::strerror(e)};
        }
        file->data_ = static_cast<const uint8_t*>(p);
        file->mapped_ = true;
    }
    ::close(fd);
    return std::shared_ptr<const MappedFile>(std::move(file));
}

std::shared_ptr<const MappedFile> MappedFile::fromBytes(std::string path, std::string bytes) {
    auto file = std::shared_ptr<MappedFile>(new MappedFile());
    file->path_ = std::move(path);
    file->owned_ = std::move(bytes);
    file->data_ = reinterpret_cast<const uint8_t*>(file->owned_.data());
    file->size_ = file->owned_.size();
    return file;
}

MappedFile::~MappedFile() {
    if (mapped_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

std::span<const uint8_t> MappedFile::slice(uint64_t offset, uint64_t length, const char* what) const {
    if (offset > size_ || length > size_ - offset) {
        fail(std::string(what) + " at offset " + std::to_string(offset) + " with length " +
             std::to_string(length) + " runs past the end of the file (" + std::to_string(size_) +
             " bytes); the file is truncated or corrupt");
    }
    return {data_ + offset, static_cast<size_t>(length)};
}

}  // namespace scalpel
