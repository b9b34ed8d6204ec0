#include "data/hdf5_handle.h"

namespace scalpel {

void Hid::reset() {
    if (id_ < 0) return;
    // Closing never throws; a failed close only leaves an entry on the error stack.
    switch (H5Iget_type(id_)) {
        case H5I_FILE: H5Fclose(id_); break;
        case H5I_GROUP: H5Gclose(id_); break;
        case H5I_DATASET: H5Dclose(id_); break;
        case H5I_DATASPACE: H5Sclose(id_); break;
        case H5I_DATATYPE: H5Tclose(id_); break;
        case H5I_ATTR: H5Aclose(id_); break;
        case H5I_GENPROP_LST: H5Pclose(id_); break;
        default: H5Idec_ref(id_); break;
    }
    id_ = H5I_INVALID_HID;
}

void silenceHdf5Errors() {
    // Thread-safe HDF5 builds keep the auto-print setting per thread.
    thread_local bool silenced = false;
    if (silenced) return;
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    // HDF5 keeps freed blocks on its own free lists (unbounded by default); a file that made
    // it allocate a large block once would pin that memory for the process lifetime.
    static const bool limited = H5set_free_list_limits(16 << 20, 4 << 20, 16 << 20, 4 << 20, 32 << 20, 8 << 20) >= 0;
    (void)limited;
    silenced = true;
}

namespace {
herr_t collectDeepest(unsigned, const H5E_error2_t* err, void* data) {
    // Walking downward visits the API call first and the root cause last: keep the last
    // non-empty description.
    if (err && err->desc && err->desc[0]) *static_cast<std::string*>(data) = err->desc;
    return 0;
}
}  // namespace

std::string hdf5ErrorText() {
    std::string deepest;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collectDeepest, &deepest);
    H5Eclear2(H5E_DEFAULT);
    return deepest.empty() ? "HDF5 library error" : deepest;
}

Hid checkHid(hid_t id, const std::string& what) {
    if (id < 0) fail(what + ": " + hdf5ErrorText());
    return Hid(id);
}

void checkStatus(herr_t status, const std::string& what) {
    if (status < 0) fail(what + ": " + hdf5ErrorText());
}

}  // namespace scalpel
