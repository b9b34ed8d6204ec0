// safetensors single-file reader (formats.md §1). Every rule of the reference
// implementation's validation is enforced, so a file Scalpel opens is one the reference
// library would open, and a polyglot or truncated file is rejected with the reason.
#include "data/safetensors.h"

#include <algorithm>
#include <cstring>

#include "data/readers.h"
#include "data/strict_json.h"

namespace scalpel {

namespace {

using Json = nlohmann::json;

struct Slot {
    size_t index;  // position in TensorFile::tensors
    uint64_t begin, end;
};

std::string quoted(const std::string& name) { return "tensor '" + name + "'"; }

uint64_t readU64LE(std::span<const uint8_t> b) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | b[size_t(i)];
    return v;
}

std::vector<int64_t> parseShape(const Json& shape, const std::string& what) {
    if (!shape.is_array()) fail(what + ": \"shape\" must be an array of integers, found " + shape.dump());
    if (shape.size() > 64) fail(what + ": rank " + std::to_string(shape.size()) + " exceeds the limit of 64");
    std::vector<int64_t> dims;
    for (const auto& d : shape) {
        if (d.is_number_integer() && !d.is_number_unsigned())
            fail(what + ": negative dimension " + d.dump() + " in shape " + shape.dump());
        if (!d.is_number_unsigned()) fail(what + ": shape entry " + d.dump() + " is not a non-negative integer");
        uint64_t v = d.get<uint64_t>();
        if (v > uint64_t(INT64_MAX)) fail(what + ": dimension " + d.dump() + " is too large");
        dims.push_back(static_cast<int64_t>(v));
    }
    return dims;
}

std::pair<uint64_t, uint64_t> parseOffsets(const Json& offs, const std::string& what) {
    if (!offs.is_array() || offs.size() != 2 || !offs[0].is_number_unsigned() || !offs[1].is_number_unsigned())
        fail(what + ": \"data_offsets\" must be [begin, end] with non-negative integers, found " + offs.dump());
    uint64_t b = offs[0].get<uint64_t>(), e = offs[1].get<uint64_t>();
    if (e < b) fail(what + ": data_offsets [" + std::to_string(b) + ", " + std::to_string(e) + "] end before they begin");
    return {b, e};
}

void readMetadata(const Json& meta, TensorFile& out) {
    if (meta.is_null()) return;
    if (!meta.is_object()) fail("\"__metadata__\" must be an object of strings, found " + std::string(meta.type_name()));
    for (const auto& [k, v] : meta.items()) {
        if (!v.is_string())
            fail("\"__metadata__\" value for key '" + k + "' must be a string, found " + std::string(v.type_name()));
        out.metadata[k] = v.get<std::string>();
    }
}

TensorInfo parseInfo(const std::string& name, const Json& entry, std::pair<uint64_t, uint64_t>& offsets) {
    const std::string what = quoted(name);
    if (!entry.is_object()) fail(what + ": expected an object with dtype, shape, data_offsets, found " + std::string(entry.type_name()));
    for (const char* key : {"dtype", "shape", "data_offsets"})
        if (!entry.contains(key)) fail(what + ": missing \"" + key + "\"");
    const Json& dt = entry["dtype"];
    if (!dt.is_string()) fail(what + ": \"dtype\" must be a string, found " + dt.dump());
    std::string dtName = dt.get<std::string>();
    auto dtype = dtypeFromName(dtName);
    // RAW8 and the complex spellings other than C64 are Scalpel's own, not safetensors dtypes.
    if (!dtype || *dtype == DType::RAW8 || *dtype == DType::C32 || *dtype == DType::C128)
        fail(what + ": unknown dtype \"" + dtName + "\"");
    TensorInfo info;
    info.name = name;
    info.dtype = *dtype;
    info.shape = parseShape(entry["shape"], what);
    offsets = parseOffsets(entry["data_offsets"], what);

    uint64_t numel = checkedNumel(info.shape, what);
    uint64_t bits = static_cast<uint64_t>(dtypeBits(info.dtype));
    if (numel > UINT64_MAX / bits) fail(what + ": shape " + info.shapeString() + " x " + dtName + " overflows 64-bit byte count");
    if (numel * bits % 8 != 0)
        fail(what + ": " + std::to_string(numel) + " elements of " + dtName +
             " do not fill whole bytes (misaligned slice)");
    uint64_t bytes = numel * bits / 8;
    if (offsets.second - offsets.first != bytes)
        fail(what + ": data_offsets [" + std::to_string(offsets.first) + ", " + std::to_string(offsets.second) +
             "] span " + std::to_string(offsets.second - offsets.first) + " bytes, but shape " +
             info.shapeString() + " of " + dtName + " needs " + std::to_string(bytes));
    return info;
}

// Sorted by begin, the tensors must tile [0, bufferSize) exactly: no hole, no overlap.
void checkTiling(std::vector<Slot>& slots, const std::vector<TensorEntry>& tensors, uint64_t bufferStart,
                 uint64_t fileSize) {
    std::sort(slots.begin(), slots.end(), [](const Slot& a, const Slot& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    uint64_t expected = 0;
    for (const Slot& s : slots) {
        const std::string& name = tensors[s.index].info.name;
        if (s.begin < expected)
            fail(quoted(name) + ": data_offsets begin at " + std::to_string(s.begin) +
                 " and overlap the previous tensor, which ends at " + std::to_string(expected));
        if (s.begin > expected)
            fail(quoted(name) + ": data_offsets begin at " + std::to_string(s.begin) + ", expected " +
                 std::to_string(expected) + " (a hole in the data buffer)");
        expected = s.end;
    }
    uint64_t bufferSize = fileSize - bufferStart;
    if (expected != bufferSize)
        fail("the tensors cover " + std::to_string(expected) + " bytes of the data buffer, but the file holds " +
             std::to_string(bufferSize) + " bytes after the header (" +
             (expected > bufferSize ? "file truncated" : "trailing bytes") + ")");
}

}  // namespace

bool looksLikeSafetensors(const MappedFile& file) {
    auto b = file.all();
    return b.size() >= 9 && b[4] == 0 && b[5] == 0 && b[6] == 0 && b[7] == 0 && b[8] == '{';
}

TensorFile parseSafetensors(std::shared_ptr<const MappedFile> file) {
    const uint64_t size = file->size();
    if (size < 8) fail("file is " + std::to_string(size) + " bytes, too small for the 8-byte header length");
    const uint64_t n = readU64LE(file->slice(0, 8, "header length"));
    if (n > kSafetensorsMaxHeader)
        fail("header length " + std::to_string(n) + " exceeds the limit of " + std::to_string(kSafetensorsMaxHeader) + " bytes");
    if (n > size - 8)
        fail("header length " + std::to_string(n) + " runs past the end of the file (" + std::to_string(size) + " bytes)");
    auto header = file->slice(8, n, "JSON header");
    if (auto bad = findInvalidUtf8(header))
        fail("JSON header is not valid UTF-8 at byte offset " + std::to_string(8 + *bad));
    if (header.empty() || header[0] != '{') fail("JSON header at offset 8 does not start with '{'");
    std::vector<std::string> order;  // tensors are listed in header order
    Json j = parseStrictJson(header, "JSON header", &order);
    if (!j.is_object()) fail("JSON header is not an object");

    TensorFile out;
    out.path = file->path();
    out.format = "safetensors";
    std::vector<Slot> slots;
    for (const std::string& name : order) {
        const Json& entry = j.at(name);
        if (name == "__metadata__") {
            readMetadata(entry, out);
            continue;
        }
        if (out.tensors.size() >= kSafetensorsMaxTensors)
            fail("more than " + std::to_string(kSafetensorsMaxTensors) + " tensors in the header");
        std::pair<uint64_t, uint64_t> offs;
        TensorEntry e;
        e.info = parseInfo(name, entry, offs);
        slots.push_back({out.tensors.size(), offs.first, offs.second});
        const uint64_t start = 8 + n + offs.first, length = offs.second - offs.first;
        e.load = [file, start, length, name]() {
            auto bytes = file->slice(start, length, ("data of tensor '" + name + "'").c_str());
            return std::vector<uint8_t>(bytes.begin(), bytes.end());
        };
        out.tensors.push_back(std::move(e));
    }
    checkTiling(slots, out.tensors, 8 + n, size);
    return out;
}

Result<TensorFile> readSafetensors(const std::string& path) {
    auto file = MappedFile::open(path);
    if (!file) return file.error();
    return catchError(path, [&] { return parseSafetensors(*file); });
}

}  // namespace scalpel
