#pragma once
// Keeps freed heap memory in the process instead of returning it to the kernel. The engine
// allocates and frees buffers of hundreds of MB per pass (logits, tapes, gradients); with
// glibc's defaults every such buffer is a fresh mmap whose pages the kernel faults in and
// zeroes again on each pass, which cost ~30 % of a GPT-2 backward (docs/benchmarks.md).
// Called once at start-up by the headless processes (CLI subcommands, benchmarks), never by the
// library or the long-running workbench, which keeps glibc's defaults.
namespace scalpel {

void keepFreedMemory();

}  // namespace scalpel
