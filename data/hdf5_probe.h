#pragma once
// The HDF5 C library (1.10) can crash on hostile metadata (seen by our fuzzer: a corrupt
// attribute message crashes inside H5Aiterate2). Scalpel therefore walks a file's
// metadata once in a forked child first: if the child dies, the file is reported as
// corrupt instead of taking the application down.
#include <cstdint>
#include <functional>
#include <string>

namespace scalpel {

// The child also runs with its address space capped at `memoryBudget` bytes more than
// the parent's, so implausible sizes fail there before the parent repeats the work.
//
// Runs fn() in a forked child process. Returns normally when fn() returned; throws
// FormatError with fn()'s message when it threw, or saying so when the child crashed,
// ran out of its memory budget or ran longer than `timeoutSeconds`.
void probeInChildProcess(const std::function<void()>& fn, uint64_t memoryBudget = uint64_t(1) << 30,
                         int timeoutSeconds = 30);

}  // namespace scalpel
