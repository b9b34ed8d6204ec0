// NPY and NPZ readers: tensors listed from the header, bytes loaded lazily and turned
// into row-major little-endian on load.
#include "data/npy.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "data/readers.h"
#include "data/zip_archive.h"

namespace scalpel {
namespace {

// Fortran (column-major) element order to C (row-major): walk the output in row-major
// order while tracking the matching column-major input position incrementally.
void transposeFortran(const NpyHeader& h, const uint8_t* in, uint8_t* out) {
    const size_t rank = h.shape.size();
    const size_t item = h.itemSize;
    std::vector<uint64_t> stride(rank), index(rank, 0);
    uint64_t s = 1;
    for (size_t k = 0; k < rank; ++k) {
        stride[k] = s;
        s *= static_cast<uint64_t>(h.shape[k]);
    }
    uint64_t src = 0;
    for (uint64_t o = 0; o < h.numel; ++o) {
        std::memcpy(out + o * item, in + src * item, item);
        for (size_t k = rank; k-- > 0;) {
            if (++index[k] < static_cast<uint64_t>(h.shape[k])) {
                src += stride[k];
                break;
            }
            src -= (index[k] - 1) * stride[k];
            index[k] = 0;
        }
    }
}

std::string stemOf(const std::string& path) {
    std::string stem = std::filesystem::path(path).stem().string();
    return stem.empty() ? "array" : stem;
}

TensorEntry makeEntry(std::string name, const NpyHeader& h) {
    TensorEntry e;
    e.info.name = std::move(name);
    e.info.dtype = h.dtype;
    e.info.shape = h.shape;
    return e;
}

}  // namespace

std::vector<uint8_t> npyToRowMajorLE(const NpyHeader& h, std::span<const uint8_t> data) {
    if (data.size() != h.dataSize)
        fail("NPY data is " + std::to_string(data.size()) + " bytes, expected " + std::to_string(h.dataSize));
    std::vector<uint8_t> out(data.size());
    if (h.fortranOrder && h.shape.size() > 1 && h.numel > 0)
        transposeFortran(h, data.data(), out.data());
    else if (!data.empty())
        std::memcpy(out.data(), data.data(), data.size());
    if (h.bigEndian) {
        // Complex numbers are two floats, each swapped on its own.
        const bool complex = h.dtype == DType::C64 || h.dtype == DType::C128;
        const size_t unit = complex ? h.itemSize / 2 : h.itemSize;
        for (size_t i = 0; i + unit <= out.size(); i += unit) std::reverse(out.begin() + i, out.begin() + i + unit);
    }
    return out;
}

TensorFile parseNpy(std::shared_ptr<const MappedFile> file) {
    const NpyHeader h = parseNpyHeader(file->all());
    TensorFile tf;
    tf.path = file->path();
    tf.format = "npy";
    tf.metadata["npy_version"] = std::to_string(h.major) + "." + std::to_string(h.minor);
    tf.metadata["descr"] = h.descr;
    tf.metadata["fortran_order"] = h.fortranOrder ? "True" : "False";
    TensorEntry e = makeEntry(stemOf(file->path()), h);
    e.load = [file, h] { return npyToRowMajorLE(h, file->slice(h.dataOffset, h.dataSize, "NPY data")); };
    tf.tensors.push_back(std::move(e));
    return tf;
}

TensorFile parseNpz(std::shared_ptr<const MappedFile> file) {
    auto zip = std::make_shared<const ZipArchive>(file);
    TensorFile tf;
    tf.path = file->path();
    tf.format = "npz";
    for (const ZipMember& m : zip->members()) {
        if (m.name.ends_with('/')) continue;  // directory entry
        if (!m.name.ends_with(".npy")) {
            tf.warnings.push_back("skipped zip member '" + m.name + "': not a .npy array");
            continue;
        }
        std::string name = m.name.substr(0, m.name.size() - 4);
        if (tf.find(name)) fail("NPZ holds two members named '" + m.name + "'");
        try {
            if (m.method == 0) {
                // Stored (np.savez): parsed and later read straight from the map; the
                // CRC is checked on load, when the bytes are read anyway.
                const NpyHeader h = parseNpyHeader(zip->storedBytes(m));
                TensorEntry e = makeEntry(name, h);
                const ZipMember* member = &m;  // stable: members() never changes
                e.load = [zip, member, h] {
                    auto bytes = zip->storedBytes(*member);
                    uint32_t crc = 0;
                    for (size_t done = 0; done < bytes.size();) {
                        uInt chunk = static_cast<uInt>(std::min<size_t>(bytes.size() - done, size_t(1) << 30));
                        crc = static_cast<uint32_t>(crc32(crc, bytes.data() + done, chunk));
                        done += chunk;
                    }
                    if (crc != member->crc32)
                        fail("NPZ member '" + member->name + "': CRC-32 mismatch; the data is corrupt");
                    return npyToRowMajorLE(h, bytes.subspan(h.dataOffset, h.dataSize));
                };
                tf.tensors.push_back(std::move(e));
            } else {
                // Deflated (np.savez_compressed): inflated once here to read the header and
                // to verify the stream and CRC up front, then again on load (nothing is
                // kept in memory between the two).
                const std::vector<uint8_t> bytes = zip->read(m);
                const NpyHeader h = parseNpyHeader(bytes);
                TensorEntry e = makeEntry(name, h);
                const ZipMember* member = &m;
                e.load = [zip, member, h] {
                    std::vector<uint8_t> all = zip->read(*member);
                    if (all.size() < h.dataOffset + h.dataSize)
                        fail("NPZ member '" + member->name + "' changed size since it was opened");
                    return npyToRowMajorLE(h, std::span<const uint8_t>(all).subspan(h.dataOffset, h.dataSize));
                };
                tf.tensors.push_back(std::move(e));
            }
        } catch (const NpyUnsupportedDtype& e) {
            // A string or object array next to numeric ones: list it, keep the rest.
            TensorEntry entry;
            entry.info.name = name;
            entry.info.dtype = DType::RAW8;
            entry.info.note = e.what();
            entry.load = [msg = std::string(e.what())]() -> std::vector<uint8_t> { fail(msg); };
            tf.tensors.push_back(std::move(entry));
        } catch (const FormatError& e) {
            fail("NPZ member '" + m.name + "': " + e.what());
        }
    }
    return tf;
}

Result<TensorFile> readNpy(const std::string& path) {
    auto file = MappedFile::open(path);
    if (!file) return file.error();
    return catchError(path, [&] { return parseNpy(*file); });
}

Result<TensorFile> readNpz(const std::string& path) {
    auto file = MappedFile::open(path);
    if (!file) return file.error();
    return catchError(path, [&] { return parseNpz(*file); });
}

}  // namespace scalpel
