# Compiler flags shared by every Scalpel target.
# Portable by default: x86-64-v3 (AVX2/FMA) on x86-64, the compiler default elsewhere.
# -march=native is opt-in because binaries built with it crash on older CPUs and
# GCC 12 mis-tunes for some recent cores.
add_library(scalpel_flags INTERFACE)
target_compile_options(scalpel_flags INTERFACE -Wall -Wextra)
if(SCALPEL_HOST_TUNING)
  target_compile_options(scalpel_flags INTERFACE -march=native)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set(SCALPEL_X86_BASELINE "x86-64-v3" CACHE STRING "x86-64 ISA level baseline (x86-64, x86-64-v2, x86-64-v3, x86-64-v4)")
  target_compile_options(scalpel_flags INTERFACE -march=${SCALPEL_X86_BASELINE})
endif()
if(SCALPEL_SANITIZE)
  target_compile_options(scalpel_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(scalpel_flags INTERFACE -fsanitize=address,undefined)
endif()
if(SCALPEL_FUZZ)
  # Coverage instrumentation on all project code (not only the fuzz entry points), so libFuzzer
  # sees the parsers' branches; the fuzz targets add -fsanitize=fuzzer at link time.
  target_compile_options(scalpel_flags INTERFACE -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  target_link_options(scalpel_flags INTERFACE -fsanitize=address,undefined)
endif()
