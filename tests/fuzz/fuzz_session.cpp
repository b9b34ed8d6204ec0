// Session files are user input: parsing any bytes must return a session or an error, never crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "data/session_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto s = scalpel::parseSession(text, "fuzz.scalpel");
    if (s) {
        // What parses must print and parse again.
        auto again = scalpel::parseSession(scalpel::sessionToText(*s), "again.scalpel");
        if (!again) __builtin_trap();
    }
    return 0;
}
