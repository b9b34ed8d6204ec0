#include "analysis/common/allocator_tuning.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace scalpel {

void keepFreedMemory() {
#if defined(__GLIBC__)
    mallopt(M_MMAP_MAX, 0);                 // large blocks from the heap, reusable after free
    mallopt(M_TRIM_THRESHOLD, 1 << 30);     // return memory to the kernel only above 1 GiB free
    mallopt(M_TOP_PAD, 64 << 20);
#endif
}

}  // namespace scalpel
