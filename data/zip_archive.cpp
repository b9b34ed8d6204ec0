// ZIP reader following PKWARE's APPNOTE: end-of-central-directory record (EOCD),
// ZIP64 EOCD locator/record, central directory, then each member's local header to
// find where its bytes start. Nothing is trusted: every offset and size is checked
// against the file before use, and inflation never outgrows the declared size.
#include "data/zip_archive.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>

namespace scalpel {
namespace {

constexpr uint32_t kLocalSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEocdSig = 0x06054b50;
constexpr uint32_t kZip64EocdSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr uint64_t kEocdSize = 22;
constexpr uint64_t kZip64EocdSize = 56;
constexpr uint64_t kZip64LocatorSize = 20;
constexpr uint64_t kCentralSize = 46;
constexpr uint64_t kLocalSize = 30;
constexpr uint64_t kMaxComment = 0xffff;
constexpr uint64_t kMaxMembers = 1'000'000;
// Deflate cannot expand better than ~1032:1 (a 258-byte match in ~2 bits); a larger
// declared ratio is a lie (zip bomb or corruption). The slack covers tiny members.
constexpr uint64_t kMaxDeflateRatio = 1032;
constexpr uint64_t kRatioSlack = 4096;

uint16_t le16(const uint8_t* p) { return uint16_t(p[0] | (p[1] << 8)); }
uint32_t le32(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }
uint64_t le64(const uint8_t* p) { return uint64_t(le32(p)) | uint64_t(le32(p + 4)) << 32; }

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

std::string methodName(uint16_t m) {
    switch (m) {
        case 0: return "stored";
        case 8: return "deflate";
        case 9: return "deflate64";
        case 12: return "bzip2";
        case 14: return "lzma";
        case 93: return "zstd";
        case 95: return "xz";
        default: return "unknown";
    }
}

struct Eocd {
    uint64_t offset = 0;     // of the classic EOCD record
    uint64_t entries = 0;
    uint64_t cdSize = 0;
    uint64_t cdOffset = 0;
    uint64_t cdLimit = 0;    // the central directory must end before this (EOCD or ZIP64 EOCD)
};

// The EOCD sits in the last 22 + 65535 (max comment) bytes. Prefer a record whose
// comment reaches exactly the end of the file, so that a comment containing the
// signature bytes cannot fool us; fall back to any record that fits.
uint64_t findEocd(const MappedFile& f) {
    const uint64_t size = f.size();
    if (size < kEocdSize) fail("file of " + std::to_string(size) + " bytes is too small to be a zip archive");
    const uint8_t* d = f.all().data();
    const uint64_t lowest = size > kEocdSize + kMaxComment ? size - kEocdSize - kMaxComment : 0;
    uint64_t fallback = UINT64_MAX;
    for (uint64_t off = size - kEocdSize + 1; off-- > lowest;) {
        if (le32(d + off) != kEocdSig) continue;
        uint64_t end = off + kEocdSize + le16(d + off + 20);
        if (end == size) return off;
        if (end < size && fallback == UINT64_MAX) fallback = off;
    }
    if (fallback != UINT64_MAX) return fallback;
    fail("no end-of-central-directory record in the last " + std::to_string(size - lowest) +
         " bytes: not a zip archive, or truncated");
}

Eocd readEocd(const MappedFile& f) {
    Eocd e;
    e.offset = findEocd(f);
    const uint8_t* p = f.all().data() + e.offset;
    uint16_t disk = le16(p + 4), cdDisk = le16(p + 6);
    e.entries = le16(p + 10);
    e.cdSize = le32(p + 12);
    e.cdOffset = le32(p + 16);
    e.cdLimit = e.offset;

    // ZIP64: a locator 20 bytes before the EOCD points at the ZIP64 EOCD record, whose
    // 64-bit fields replace the saturated (0xffff / 0xffffffff) classic ones.
    if (e.offset >= kZip64LocatorSize && le32(p - kZip64LocatorSize) == kZip64LocatorSig) {
        const uint8_t* loc = p - kZip64LocatorSize;
        uint64_t recOff = le64(loc + 8);
        if (recOff > e.offset - kZip64LocatorSize || e.offset - kZip64LocatorSize - recOff < kZip64EocdSize)
            fail("ZIP64 end-of-central-directory locator at offset " + std::to_string(e.offset - kZip64LocatorSize) +
                 " points to offset " + std::to_string(recOff) + ", outside the archive");
        const uint8_t* r = f.all().data() + recOff;
        if (le32(r) != kZip64EocdSig)
            fail("no ZIP64 end-of-central-directory record at offset " + std::to_string(recOff) +
                 " (found signature " + hex(le32(r)) + ")");
        disk = static_cast<uint16_t>(std::min<uint32_t>(le32(r + 16), 0xffff));
        cdDisk = static_cast<uint16_t>(std::min<uint32_t>(le32(r + 20), 0xffff));
        e.entries = le64(r + 32);
        e.cdSize = le64(r + 40);
        e.cdOffset = le64(r + 48);
        e.cdLimit = recOff;
    } else if (e.entries == 0xffff || e.cdSize == 0xffffffff || e.cdOffset == 0xffffffff) {
        // Saturated fields without a ZIP64 record: only plausible by coincidence; keep
        // the values and let the bounds checks below decide.
    }
    if (disk != 0 || cdDisk != 0) fail("multi-disk (split or spanned) zip archives are not supported");
    if (e.entries > kMaxMembers)
        fail("zip archive declares " + std::to_string(e.entries) + " members; the limit is " + std::to_string(kMaxMembers));
    if (e.cdOffset > e.cdLimit || e.cdSize > e.cdLimit - e.cdOffset)
        fail("central directory at offset " + std::to_string(e.cdOffset) + " with size " + std::to_string(e.cdSize) +
             " runs past the end-of-central-directory record at offset " + std::to_string(e.cdLimit) +
             " (file of " + std::to_string(f.size()) + " bytes): truncated or corrupt archive");
    if (e.entries > e.cdSize / kCentralSize)
        fail("central directory of " + std::to_string(e.cdSize) + " bytes cannot hold the " +
             std::to_string(e.entries) + " members the archive declares");
    return e;
}

// Rejects names that would escape an extraction folder; Scalpel never extracts, but
// such names only occur in hostile or broken archives, so they are refused outright.
void checkName(const std::string& name) {
    auto bad = [&](const char* why) { fail("zip member '" + name + "' " + why); };
    if (name.empty()) bad("has an empty name");
    if (name.find('\0') != std::string::npos) bad("has a NUL byte in its name");
    if (name[0] == '/' || name[0] == '\\') bad("has an absolute path");
    if (name.size() >= 2 && name[1] == ':' && std::isalpha(static_cast<unsigned char>(name[0])))
        bad("has an absolute path (drive letter)");
    size_t start = 0;
    while (start <= name.size()) {
        size_t end = name.find_first_of("/\\", start);
        if (end == std::string::npos) end = name.size();
        if (name.compare(start, end - start, "..") == 0 && end - start == 2) bad("points outside the archive");
        start = end + 1;
    }
}

// Reads the ZIP64 extended-information extra field (id 0x0001): it holds, in this
// order, only those of uncompressed size, compressed size and local header offset
// whose 32-bit central-directory field is saturated.
void applyZip64Extra(std::span<const uint8_t> extra, bool needUncomp, bool needComp, bool needOffset,
                     ZipMember& m, uint64_t& localOffset) {
    if (!needUncomp && !needComp && !needOffset) return;
    size_t pos = 0;
    while (pos + 4 <= extra.size()) {
        uint16_t id = le16(extra.data() + pos), len = le16(extra.data() + pos + 2);
        if (len > extra.size() - pos - 4) break;
        if (id == 0x0001) {
            const uint8_t* p = extra.data() + pos + 4;
            size_t have = len;
            auto take = [&](const char* what) {
                if (have < 8) fail("zip member '" + m.name + "': ZIP64 extra field too short for the " + what);
                uint64_t v = le64(p);
                p += 8;
                have -= 8;
                return v;
            };
            if (needUncomp) m.uncompressedSize = take("uncompressed size");
            if (needComp) m.compressedSize = take("compressed size");
            if (needOffset) localOffset = take("local header offset");
            return;
        }
        pos += 4 + size_t(len);
    }
    fail("zip member '" + m.name + "' has saturated 32-bit sizes but no ZIP64 extra field");
}

}  // namespace

ZipArchive::ZipArchive(std::shared_ptr<const MappedFile> file, uint64_t maxInflate)
    : file_(std::move(file)), maxInflate_(maxInflate) {
    const MappedFile& f = *file_;
    const Eocd eocd = readEocd(f);
    const uint8_t* base = f.all().data();
    const uint64_t size = f.size();
    std::vector<uint64_t> localOffsets;
    members_.reserve(static_cast<size_t>(eocd.entries));
    localOffsets.reserve(static_cast<size_t>(eocd.entries));

    uint64_t pos = eocd.cdOffset;
    const uint64_t cdEnd = eocd.cdOffset + eocd.cdSize;
    for (uint64_t i = 0; i < eocd.entries; ++i) {
        const std::string where = "central directory entry " + std::to_string(i) + " at offset " + std::to_string(pos);
        if (cdEnd - pos < kCentralSize) fail(where + " runs past the end of the central directory (truncated archive)");
        const uint8_t* c = base + pos;
        if (le32(c) != kCentralSig) fail(where + ": expected signature 0x2014b50, found " + hex(le32(c)));
        ZipMember m;
        uint16_t flags = le16(c + 8);
        m.method = le16(c + 10);
        m.crc32 = le32(c + 16);
        m.compressedSize = le32(c + 20);
        m.uncompressedSize = le32(c + 24);
        uint64_t nameLen = le16(c + 28), extraLen = le16(c + 30), commentLen = le16(c + 32);
        uint64_t localOffset = le32(c + 42);
        if (cdEnd - pos - kCentralSize < nameLen + extraLen + commentLen)
            fail(where + ": name, extra field and comment run past the end of the central directory");
        m.name.assign(reinterpret_cast<const char*>(c + kCentralSize), nameLen);
        applyZip64Extra({c + kCentralSize + nameLen, static_cast<size_t>(extraLen)}, m.uncompressedSize == 0xffffffff,
                        m.compressedSize == 0xffffffff, localOffset == 0xffffffff, m, localOffset);
        checkName(m.name);
        if (flags & 1) m.method = 0xffff;  // encrypted: listed, never readable (see read())
        pos += kCentralSize + nameLen + extraLen + commentLen;

        // The local header repeats name and extra field, possibly with a different
        // extra length (padding for alignment), so the data offset comes from it.
        if (localOffset > size || size - localOffset < kLocalSize)
            fail("zip member '" + m.name + "': local header offset " + std::to_string(localOffset) +
                 " is past the end of the file (" + std::to_string(size) + " bytes)");
        const uint8_t* l = base + localOffset;
        if (le32(l) != kLocalSig)
            fail("zip member '" + m.name + "': expected local header signature 0x4034b50 at offset " +
                 std::to_string(localOffset) + ", found " + hex(le32(l)));
        uint64_t dataOffset = localOffset + kLocalSize + le16(l + 26) + le16(l + 28);
        if (dataOffset > size || m.compressedSize > size - dataOffset)
            fail("zip member '" + m.name + "': " + std::to_string(m.compressedSize) + " bytes of data at offset " +
                 std::to_string(dataOffset) + " run past the end of the file (" + std::to_string(size) + " bytes)");
        m.dataOffset = dataOffset;
        if (m.method == 0 && m.uncompressedSize != m.compressedSize)
            fail("zip member '" + m.name + "' is stored but its sizes differ (compressed " +
                 std::to_string(m.compressedSize) + ", uncompressed " + std::to_string(m.uncompressedSize) + ")");
        if (m.method == 8 && m.uncompressedSize > kRatioSlack &&
            (m.uncompressedSize - kRatioSlack) / kMaxDeflateRatio > m.compressedSize)
            fail("zip member '" + m.name + "' declares " + std::to_string(m.uncompressedSize) + " bytes from " +
                 std::to_string(m.compressedSize) + " compressed bytes, beyond deflate's 1032:1 limit (zip bomb or corrupt)");
        members_.push_back(std::move(m));
        localOffsets.push_back(localOffset);
    }

    // Overlapping members (the "overlapping zip bomb" trick, or corruption) never
    // occur in archives written by a real zip writer.
    std::vector<size_t> order(members_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return localOffsets[a] < localOffsets[b]; });
    for (size_t k = 1; k < order.size(); ++k) {
        const ZipMember& prev = members_[order[k - 1]];
        if (prev.dataOffset + prev.compressedSize > localOffsets[order[k]])
            fail("zip members '" + prev.name + "' and '" + members_[order[k]].name + "' overlap (zip bomb or corrupt archive)");
    }
}

const ZipMember* ZipArchive::find(std::string_view name) const {
    for (const auto& m : members_)
        if (m.name == name) return &m;
    return nullptr;
}

std::span<const uint8_t> ZipArchive::storedBytes(const ZipMember& m) const {
    if (m.method != 0)
        fail("zip member '" + m.name + "' is compressed (" + methodName(m.method) + "); it cannot be mapped");
    return file_->slice(m.dataOffset, m.compressedSize, "zip member data");
}

std::vector<uint8_t> ZipArchive::read(const ZipMember& m) const {
    if (m.method == 0xffff) fail("zip member '" + m.name + "' is encrypted, which is not supported");
    if (m.method != 0 && m.method != 8)
        fail("zip member '" + m.name + "' uses compression method " + std::to_string(m.method) + " (" +
             methodName(m.method) + "); only stored (0) and deflate (8) are supported");
    if (m.uncompressedSize > maxInflate_)
        fail("zip member '" + m.name + "' is " + std::to_string(m.uncompressedSize) + " bytes, above the limit of " +
             std::to_string(maxInflate_) + " bytes");
    auto in = file_->slice(m.dataOffset, m.compressedSize, "zip member data");
    std::vector<uint8_t> out;
    if (m.method == 0) {
        out.assign(in.begin(), in.end());
    } else {
        // Grow the buffer as output actually arrives instead of trusting the declared
        // size up front; never write beyond it.
        const uint64_t declared = m.uncompressedSize;
        out.resize(static_cast<size_t>(std::min<uint64_t>(declared, in.size() * 4 + 65536)));
        z_stream z{};
        if (inflateInit2(&z, -15) != Z_OK) fail("zlib inflateInit2 failed");
        struct Guard { z_stream* z; ~Guard() { inflateEnd(z); } } guard{&z};
        uint64_t inPos = 0, outPos = 0;
        int rc = Z_OK;
        while (rc != Z_STREAM_END) {
            if (outPos == out.size()) {
                if (out.size() == declared) {
                    // Full: the stream must end now; probe with a 1-byte scratch buffer.
                    uint8_t probe;
                    z.next_out = &probe;
                    z.avail_out = 1;
                    z.next_in = const_cast<Bytef*>(in.data() + inPos);
                    z.avail_in = static_cast<uInt>(std::min<uint64_t>(in.size() - inPos, 1u << 30));
                    uInt before = z.avail_in;
                    rc = inflate(&z, Z_NO_FLUSH);
                    inPos += before - z.avail_in;
                    if (rc == Z_STREAM_END && z.avail_out == 1) break;
                    if (z.avail_out == 0)
                        fail("zip member '" + m.name + "' inflates to more than its declared " + std::to_string(declared) + " bytes");
                    if (rc == Z_OK) continue;
                    break;  // an error code, reported below
                }
                out.resize(static_cast<size_t>(std::min<uint64_t>(declared, uint64_t(out.size()) * 2)));
            }
            z.next_in = const_cast<Bytef*>(in.data() + inPos);
            z.avail_in = static_cast<uInt>(std::min<uint64_t>(in.size() - inPos, 1u << 30));
            z.next_out = out.data() + outPos;
            z.avail_out = static_cast<uInt>(std::min<uint64_t>(out.size() - outPos, 1u << 30));
            uInt availIn = z.avail_in, availOut = z.avail_out;
            rc = inflate(&z, Z_NO_FLUSH);
            inPos += availIn - z.avail_in;
            outPos += availOut - z.avail_out;
            // Z_BUF_ERROR: no progress possible, i.e. the input ended mid-stream.
            if (rc != Z_OK && rc != Z_STREAM_END) break;
        }
        if (rc != Z_STREAM_END) {
            std::string why = rc == Z_DATA_ERROR ? std::string("corrupt deflate data") +
                                                       (z.msg ? std::string(" (") + z.msg + ")" : std::string())
                                                 : rc == Z_BUF_ERROR ? "deflate stream is truncated"
                                                                     : "zlib error " + std::to_string(rc);
            fail("zip member '" + m.name + "': " + why + " after " + std::to_string(outPos) + " of " +
                 std::to_string(declared) + " bytes");
        }
        if (outPos != declared)
            fail("zip member '" + m.name + "' inflates to " + std::to_string(outPos) + " bytes, but declares " +
                 std::to_string(declared));
    }
    uint32_t crc = 0;
    for (uint64_t done = 0; done < out.size();) {
        uInt chunk = static_cast<uInt>(std::min<uint64_t>(out.size() - done, 1u << 30));
        crc = static_cast<uint32_t>(crc32(crc, out.data() + done, chunk));
        done += chunk;
    }
    if (crc != m.crc32)
        fail("zip member '" + m.name + "': CRC-32 mismatch (expected " + hex(m.crc32) + ", computed " + hex(crc) +
             "); the data is corrupt");
    return out;
}

bool ZipArchive::looksLikeZip(std::span<const uint8_t> head) {
    static const uint8_t kLocal[] = {'P', 'K', 3, 4}, kEmpty[] = {'P', 'K', 5, 6};
    return head.size() >= 4 && (std::memcmp(head.data(), kLocal, 4) == 0 || std::memcmp(head.data(), kEmpty, 4) == 0);
}

}  // namespace scalpel
