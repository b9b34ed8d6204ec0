#include "data/hdf5_strings.h"

#include <cstring>

#include "data/hdf5_handle.h"
#include "data/hdf5_io.h"

namespace scalpel {

Result<std::vector<std::string>> readStringDataset(const std::string& file, const std::string& datasetPath) {
    return catchError(file, [&]() -> std::vector<std::string> {
        silenceHdf5Errors();
        auto h5 = openHdf5File(file);
        const std::string what = "dataset '" + datasetPath + "'";
        if (!linkExists(h5->get(), datasetPath)) fail("no " + what);
        Hid ds = checkHid(H5Dopen2(h5->get(), datasetPath.c_str(), H5P_DEFAULT), what + ": cannot open");
        Hid type = checkHid(H5Dget_type(ds.get()), what + ": cannot read its datatype");
        Hid space = checkHid(H5Dget_space(ds.get()), what + ": cannot read its dataspace");
        if (H5Tget_class(type.get()) != H5T_STRING) fail(what + " does not hold strings");
        hssize_t n = H5Sget_simple_extent_npoints(space.get());
        if (n < 0) fail(what + ": invalid dataspace");
        std::vector<std::string> out;
        if (n == 0) return out;
        htri_t variable = H5Tis_variable_str(type.get());
        if (variable < 0) fail(what + ": " + hdf5ErrorText());
        size_t width = H5Tget_size(type.get());
        // A variable-length string costs at least a 16-byte heap reference, a fixed one its width:
        // a count beyond what the file stores is corrupt (and would allocate without bound).
        uint64_t perElement = variable ? 16 : width;
        uint64_t stored = H5Dget_storage_size(ds.get());
        if (perElement == 0 || uint64_t(n) > stored / perElement)
            fail(what + " claims " + std::to_string(n) + " strings but stores only " + std::to_string(stored) + " bytes");
        if (variable) {
            Hid mem = checkHid(H5Tcopy(H5T_C_S1), "string type");
            checkStatus(H5Tset_size(mem.get(), H5T_VARIABLE), "string type");
            checkStatus(H5Tset_cset(mem.get(), H5Tget_cset(type.get())), "string type");
            std::vector<char*> ptrs(size_t(n), nullptr);
            checkStatus(H5Dread(ds.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), what + ": read failed");
            for (char* p : ptrs) out.emplace_back(p ? p : "");
            H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, ptrs.data());
            return out;
        }
        std::vector<char> buf(size_t(n) * width);
        checkStatus(H5Dread(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()), what + ": read failed");
        for (hssize_t i = 0; i < n; ++i) {
            const char* s = buf.data() + size_t(i) * width;
            out.emplace_back(s, strnlen(s, width));
        }
        return out;
    });
}

}  // namespace scalpel
