#pragma once
// RAII ownership of HDF5 hid_t handles, and turning HDF5 failures into FormatError.
// The HDF5 library reports errors on a (per-thread, in thread-safe builds) error stack
// and prints it to stderr by default; Scalpel silences the printing and instead puts the
// deepest message of the stack into the error it reports.
#include <hdf5.h>

#include <string>
#include <utility>

#include "data/result.h"

namespace scalpel {

class Hid {
public:
    Hid() = default;
    explicit Hid(hid_t id) : id_(id) {}
    ~Hid() { reset(); }
    Hid(Hid&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)) {}
    Hid& operator=(Hid&& o) noexcept {
        if (this != &o) {
            reset();
            id_ = std::exchange(o.id_, H5I_INVALID_HID);
        }
        return *this;
    }
    Hid(const Hid&) = delete;
    Hid& operator=(const Hid&) = delete;

    hid_t get() const { return id_; }
    bool valid() const { return id_ >= 0; }
    hid_t release() { return std::exchange(id_, H5I_INVALID_HID); }
    // Closes with the function matching the handle's kind (file, group, dataset, ...).
    void reset();

private:
    hid_t id_ = H5I_INVALID_HID;
};

// Disables HDF5's automatic error printing for the calling thread (idempotent, cheap).
// Every public entry point that calls HDF5 calls this first.
void silenceHdf5Errors();

// The most specific description on the current HDF5 error stack ("" when empty).
std::string hdf5ErrorText();

// Throws FormatError("<what>: <HDF5 reason>") when id < 0, else wraps it.
Hid checkHid(hid_t id, const std::string& what);
// Throws FormatError("<what>: <HDF5 reason>") when status < 0.
void checkStatus(herr_t status, const std::string& what);

}  // namespace scalpel
