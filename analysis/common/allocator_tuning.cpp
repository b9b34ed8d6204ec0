#include "analysis/common/allocator_tuning.h"

#include <cstdlib>  // defines __GLIBC__ (features.h); without a libc header first the block below compiled to nothing

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace scalpel {

void keepFreedMemory() {
#if defined(__GLIBC__)
    // Large blocks from the heap, reusable after free; memory goes back to the kernel only when
    // more than 1 GiB lies free at the heap top. For short-lived processes.
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_TOP_PAD, 64 << 20);
#endif
}

}  // namespace scalpel
