// Opening HDF5 files, listing their datasets, and mapping HDF5 datatypes onto DType.
#include "data/hdf5_io.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>
#include <limits>

#include "data/mapped_file.h"

namespace scalpel {

static_assert(std::endian::native == std::endian::little, "Scalpel assumes a little-endian host");

namespace {

constexpr uint8_t kSignature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

uint64_t readLe(std::span<const uint8_t> b, size_t at, size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint64_t(b[at + i]) << (8 * i);
    return v;
}

std::string quoted(const std::string& name) { return "dataset '" + name + "'"; }

}  // namespace

void hdf5Precheck(std::span<const uint8_t> b) {
    // The signature sits at 0, or after a user block of 512, 1024, 2048, ... bytes.
    uint64_t sig = std::numeric_limits<uint64_t>::max();
    for (uint64_t off = 0; off + 8 <= b.size(); off = off ? off * 2 : 512)
        if (std::memcmp(b.data() + off, kSignature, 8) == 0) { sig = off; break; }
    if (sig == std::numeric_limits<uint64_t>::max())
        fail("no HDF5 signature at offset 0, 512, 1024, ... (file size " + std::to_string(b.size()) + " bytes)");
    auto need = [&](uint64_t end, const char* what) {
        if (end > b.size())
            fail(std::string("truncated HDF5 superblock at offset ") + std::to_string(sig) + ": " + what +
                 " needs " + std::to_string(end) + " bytes, file has " + std::to_string(b.size()));
    };
    need(sig + 9, "version byte");
    unsigned version = b[sig + 8];
    if (version > 3) fail("unsupported HDF5 superblock version " + std::to_string(version) + " at offset " + std::to_string(sig));
    size_t offsetsAt = version >= 2 ? sig + 9 : sig + 13;
    need(offsetsAt + 2, "sizes of offsets and lengths");
    unsigned sizeOffsets = b[offsetsAt], sizeLengths = b[offsetsAt + 1];
    for (unsigned s : {sizeOffsets, sizeLengths})
        if (s != 2 && s != 4 && s != 8 && s != 16 && s != 32)
            fail("corrupt HDF5 superblock at offset " + std::to_string(sig) + ": address/length size " +
                 std::to_string(s) + " is not 2, 4, 8, 16 or 32");
    // Addresses: base, (free space | extension), end-of-file, ... after the fixed fields.
    uint64_t fixed = version == 0 ? 24 : version == 1 ? 28 : 12;
    uint64_t eofAt = sig + fixed + 2 * uint64_t(sizeOffsets);
    need(eofAt + sizeOffsets, "end-of-file address");
    if (sizeOffsets != 8) return;  // Only 8-byte addresses are checked further (all common writers).
    // The stored end-of-file address counts the user block too (HDF5 compares it with the
    // physical size), so it must not exceed the file size.
    uint64_t eof = readLe(b, eofAt, 8);
    if (eof == ~uint64_t(0)) return;  // "undefined address"
    if (eof > b.size())
        fail("truncated HDF5 file: the superblock says it ends at byte " + std::to_string(eof) + ", file has " +
             std::to_string(b.size()) + " bytes");
}

std::shared_ptr<Hid> openHdf5File(const std::string& path) {
    silenceHdf5Errors();
    auto mapped = MappedFile::open(path);
    if (!mapped) fail(mapped.error().message);
    hdf5Precheck((*mapped)->all());
    return std::make_shared<Hid>(checkHid(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "cannot open HDF5 file"));
}

std::shared_ptr<Hid> openHdf5Image(const std::string& label, std::span<const uint8_t> bytes) {
    silenceHdf5Errors();
    hdf5Precheck(bytes);
    Hid fapl = checkHid(H5Pcreate(H5P_FILE_ACCESS), "creating a file access property list");
    checkStatus(H5Pset_fapl_core(fapl.get(), 1 << 16, /*backing_store=*/0), "selecting the in-memory driver");
    checkStatus(H5Pset_file_image(fapl.get(), const_cast<uint8_t*>(bytes.data()), bytes.size()),
                "handing the file image to HDF5");
    // The core driver refuses a name that exists on disk ("file already exists") and HDF5
    // treats two open files of the same name as one, so the image gets a unique, impossible
    // name; `label` is what error messages show (through the caller's Error.file).
    static std::atomic<uint64_t> counter{0};
    std::string name = "/nonexistent-scalpel-memory-image/" + std::to_string(counter++) + ".h5";
    (void)label;
    return std::make_shared<Hid>(checkHid(H5Fopen(name.c_str(), H5F_ACC_RDONLY, fapl.get()), "cannot open HDF5 file"));
}

bool linkExists(hid_t loc, const std::string& path) {
    // H5Lexists fails (rather than answering no) when an intermediate group is missing,
    // so check every prefix.
    size_t pos = 0;
    while (true) {
        size_t slash = path.find('/', pos);
        std::string prefix = path.substr(0, slash);
        if (!prefix.empty() && H5Lexists(loc, prefix.c_str(), H5P_DEFAULT) <= 0) {
            H5Eclear2(H5E_DEFAULT);
            return false;
        }
        if (slash == std::string::npos) return true;
        if (!prefix.empty() && H5Oexists_by_name(loc, prefix.c_str(), H5P_DEFAULT) <= 0) {
            H5Eclear2(H5E_DEFAULT);
            return false;
        }
        pos = slash + 1;
    }
}

namespace {

// Integer layout -> DType; nullopt for padded or odd-width integers.
std::optional<DType> integerDType(hid_t t) {
    size_t size = H5Tget_size(t);
    if (H5Tget_precision(t) != 8 * size || H5Tget_offset(t) != 0) return std::nullopt;
    bool isSigned = H5Tget_sign(t) == H5T_SGN_2;
    switch (size) {
        case 1: return isSigned ? DType::I8 : DType::U8;
        case 2: return isSigned ? DType::I16 : DType::U16;
        case 4: return isSigned ? DType::I32 : DType::U32;
        case 8: return isSigned ? DType::I64 : DType::U64;
        default: return std::nullopt;
    }
}

std::optional<DType> floatDType(hid_t t) {
    size_t spos, epos, esize, mpos, msize;
    if (H5Tget_fields(t, &spos, &epos, &esize, &mpos, &msize) < 0) return std::nullopt;
    size_t size = H5Tget_size(t);
    size_t bias = H5Tget_ebias(t);
    if (H5Tget_offset(t) != 0 || mpos != 0 || spos != 8 * size - 1 || epos != msize) return std::nullopt;
    if (size == 2 && esize == 5 && msize == 10 && bias == 15) return DType::F16;
    if (size == 2 && esize == 8 && msize == 7 && bias == 127) return DType::BF16;
    if (size == 4 && esize == 8 && msize == 23 && bias == 127) return DType::F32;
    if (size == 8 && esize == 11 && msize == 52 && bias == 1023) return DType::F64;
    return std::nullopt;
}

size_t swapUnitOf(hid_t atomic) {
    size_t size = H5Tget_size(atomic);
    return H5Tget_order(atomic) == H5T_ORDER_BE && size > 1 ? size : 0;
}

// h5py writes bool as an 8-bit enum {FALSE: 0, TRUE: 1}.
bool isBoolEnum(hid_t t) {
    if (H5Tget_size(t) != 1 || H5Tget_nmembers(t) != 2) return false;
    for (unsigned i = 0; i < 2; ++i) {
        uint8_t value = 0xff;
        if (H5Tget_member_value(t, i, &value) < 0) return false;
        if (value != i) return false;
    }
    return true;
}

const char* className(H5T_class_t c) {
    switch (c) {
        case H5T_STRING: return "string";
        case H5T_VLEN: return "variable-length";
        case H5T_COMPOUND: return "compound";
        case H5T_ARRAY: return "array-typed";
        case H5T_OPAQUE: return "opaque";
        case H5T_REFERENCE: return "reference";
        case H5T_BITFIELD: return "bitfield";
        case H5T_TIME: return "time";
        default: return "unsupported-type";
    }
}

void classifyType(hid_t t, Hdf5DatasetInfo& info) {
    H5T_class_t cls = H5Tget_class(t);
    std::optional<DType> dt;
    if (cls == H5T_INTEGER) {
        dt = integerDType(t);
        info.swapUnit = swapUnitOf(t);
    } else if (cls == H5T_FLOAT) {
        dt = floatDType(t);
        info.swapUnit = swapUnitOf(t);
    } else if (cls == H5T_ENUM) {
        Hid base(H5Tget_super(t));
        if (base.valid() && H5Tget_class(base.get()) == H5T_INTEGER) {
            dt = isBoolEnum(t) ? DType::BOOL : integerDType(base.get());
            info.swapUnit = swapUnitOf(base.get());
        }
    } else if (cls == H5T_COMPOUND && H5Tget_nmembers(t) == 2) {
        // h5py stores complex numbers as a compound {r, i} of two equal floats.
        Hid re(H5Tget_member_type(t, 0)), im(H5Tget_member_type(t, 1));
        char* n0 = H5Tget_member_name(t, 0);
        char* n1 = H5Tget_member_name(t, 1);
        bool named = n0 && n1 && std::string(n0) == "r" && std::string(n1) == "i";
        H5free_memory(n0);
        H5free_memory(n1);
        if (named && re.valid() && im.valid() && H5Tget_class(re.get()) == H5T_FLOAT &&
            H5Tequal(re.get(), im.get()) > 0) {
            auto part = floatDType(re.get());
            size_t half = H5Tget_size(re.get());
            if (part && H5Tget_member_offset(t, 0) == 0 && H5Tget_member_offset(t, 1) == half &&
                H5Tget_size(t) == 2 * half && (*part == DType::F32 || *part == DType::F64)) {
                dt = *part == DType::F32 ? DType::C64 : DType::C128;
                info.swapUnit = swapUnitOf(re.get());
            }
        }
        if (!dt) info.note = "compound dataset (not numeric)";
    } else {
        info.note = std::string(className(cls)) + " dataset (not numeric)";
    }
    H5Eclear2(H5E_DEFAULT);
    if (dt) info.dtype = *dt;
    else if (info.note.empty())
        info.note = "unsupported numeric layout (" + std::to_string(H5Tget_size(t)) + "-byte " +
                    (cls == H5T_FLOAT ? "float" : "integer") + " with non-standard bit fields)";
}

// A dataset compressed with a filter this HDF5 build lacks is listed, not readable.
std::string missingFilter(hid_t dataset) {
    Hid dcpl(H5Dget_create_plist(dataset));
    if (!dcpl.valid()) return "";
    int n = H5Pget_nfilters(dcpl.get());
    for (int i = 0; i < n; ++i) {
        unsigned flags = 0;
        size_t nelmts = 0;
        char name[64] = {};
        unsigned config = 0;
        H5Z_filter_t f = H5Pget_filter2(dcpl.get(), unsigned(i), &flags, &nelmts, nullptr, sizeof name, name, &config);
        if (f < 0 || H5Zfilter_avail(f) <= 0) {
            H5Eclear2(H5E_DEFAULT);
            return "compressed with HDF5 filter " + std::to_string(f) + (name[0] ? std::string(" (") + name + ")" : "") +
                   " which this HDF5 library does not provide";
        }
    }
    return "";
}

}  // namespace

Hdf5DatasetInfo describeDataset(hid_t ds, const std::string& name) {
    Hdf5DatasetInfo info;
    Hid space = checkHid(H5Dget_space(ds), quoted(name) + ": cannot read its dataspace");
    H5S_class_t cls = H5Sget_simple_extent_type(space.get());
    if (cls == H5S_NULL) {
        info.note = "empty dataset (null dataspace)";
        return info;
    }
    if (cls == H5S_SIMPLE) {
        int rank = H5Sget_simple_extent_ndims(space.get());
        if (rank < 0 || rank > 64) fail(quoted(name) + ": invalid rank " + std::to_string(rank));
        std::vector<hsize_t> dims(size_t(rank) + 1);
        checkStatus(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr), quoted(name) + ": cannot read its shape");
        for (int i = 0; i < rank; ++i) {
            if (dims[i] > uint64_t(std::numeric_limits<int64_t>::max())) fail(quoted(name) + ": dimension too large");
            info.shape.push_back(int64_t(dims[i]));
        }
    } else if (cls != H5S_SCALAR) {
        fail(quoted(name) + ": unknown dataspace class");
    }
    uint64_t numel = checkedNumel(info.shape, quoted(name));
    Hid type = checkHid(H5Dget_type(ds), quoted(name) + ": cannot read its datatype");
    classifyType(type.get(), info);
    if (!info.note.empty()) return info;
    if (!dtypeByteSize(info.dtype, numel)) fail(quoted(name) + ": byte size overflows");
    info.note = missingFilter(ds);
    return info;
}

std::vector<uint8_t> readDatasetBytes(hid_t file, const std::string& path) {
    silenceHdf5Errors();
    Hid ds = checkHid(H5Dopen2(file, path.c_str(), H5P_DEFAULT), quoted(path) + ": cannot open");
    Hdf5DatasetInfo info = describeDataset(ds.get(), path);
    if (!info.note.empty()) fail(quoted(path) + " cannot be read: " + info.note);
    uint64_t bytes = *dtypeByteSize(info.dtype, checkedNumel(info.shape, quoted(path)));
    if (bytes == 0) return {};
    // A header may claim any shape. Compression (deflate tops out near 1:1032) is the only
    // way data can legitimately outgrow its storage, so refuse anything beyond 1:1100 once
    // it is large enough to matter; this bounds memory by ~1100x the file size.
    constexpr uint64_t kSmall = uint64_t(64) << 20;
    if (bytes > kSmall) {
        uint64_t stored = H5Dget_storage_size(ds.get());
        if (bytes / 1100 > stored)
            fail(quoted(path) + ": claims " + std::to_string(bytes) + " bytes of data but stores only " +
                 std::to_string(stored) + " (implausible compression ratio)");
    }
    if (bytes > std::numeric_limits<size_t>::max()) fail(quoted(path) + ": too large for this machine");
    std::vector<uint8_t> out(bytes);
    Hid memType = checkHid(H5Dget_type(ds.get()), quoted(path) + ": cannot read its datatype");
    // Reading in the file's own datatype makes HDF5 copy bytes without conversion; byte order
    // is fixed below, which works the same for integers, floats, enums and complex pairs.
    checkStatus(H5Dread(ds.get(), memType.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()),
                quoted(path) + ": read failed");
    if (info.swapUnit > 1)
        for (size_t i = 0; i + info.swapUnit <= out.size(); i += info.swapUnit)
            std::reverse(out.begin() + i, out.begin() + i + info.swapUnit);
    return out;
}

TensorEntry makeDatasetEntry(const std::shared_ptr<Hid>& file, const std::string& path, const std::string& name) {
    Hid ds = checkHid(H5Dopen2(file->get(), path.c_str(), H5P_DEFAULT), quoted(path) + ": cannot open");
    Hdf5DatasetInfo info = describeDataset(ds.get(), path);
    TensorEntry e;
    e.info.name = name;
    e.info.dtype = info.dtype;
    e.info.shape = info.shape;
    e.info.note = info.note;
    e.load = [file, path]() { return readDatasetBytes(file->get(), path); };
    return e;
}

namespace {
struct VisitState {
    std::vector<std::string> paths;
    bool tooMany = false;
};

herr_t visitObject(hid_t, const char* name, const H5O_info_t* info, void* data) {
    auto* st = static_cast<VisitState*>(data);
    if (info->type != H5O_TYPE_DATASET) return 0;
    if (st->paths.size() >= 1'000'000) {
        st->tooMany = true;
        return 1;  // stop
    }
    st->paths.emplace_back(name);
    return 0;
}
}  // namespace

std::vector<std::string> listDatasetPaths(hid_t file) {
    VisitState st;
    // H5Ovisit follows hard links only and visits every object once, so link cycles and
    // objects linked twice cannot make it loop.
    checkStatus(H5Ovisit2(file, H5_INDEX_NAME, H5_ITER_INC, visitObject, &st, H5O_INFO_BASIC),
                "cannot list the groups and datasets");
    if (st.tooMany) fail("more than 1000000 datasets");
    return st.paths;
}

}  // namespace scalpel
