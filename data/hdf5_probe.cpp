#include "data/hdf5_probe.h"

#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "data/result.h"

namespace scalpel {

namespace {

// Caps the child's address space at its current size plus `budget`, so a header that
// makes HDF5 allocate gigabytes fails in the child (the parent then reports the error
// and never repeats the allocation). Skipped under AddressSanitizer, which reserves
// terabytes of shadow memory.
void limitMemory(uint64_t budget) {
#if defined(__SANITIZE_ADDRESS__)
    (void)budget;
#else
    unsigned long long pages = 0;
    if (FILE* f = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(f, "%llu", &pages) != 1) pages = 0;
        std::fclose(f);
    }
    if (pages == 0) return;
    rlimit lim{};
    lim.rlim_cur = lim.rlim_max = rlim_t(pages * uint64_t(sysconf(_SC_PAGESIZE)) + budget);
    setrlimit(RLIMIT_AS, &lim);
#endif
}

void writeAll(int fd, const std::string& s) {
    size_t done = 0;
    while (done < s.size()) {
        ssize_t n = write(fd, s.data() + done, s.size() - done);
        if (n <= 0) return;
        done += size_t(n);
    }
}

}  // namespace

void probeInChildProcess(const std::function<void()>& fn, uint64_t memoryBudget, int timeoutSeconds) {
    // The child holds the write end of a pipe; its exit closes it, which wakes poll() at
    // once (no sleeping while a fast child has already finished).
    int fds[2];
    if (pipe(fds) != 0) return;  // cannot probe: read in-process
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        limitMemory(memoryBudget);
        int code = 0;
        try {
            fn();
        } catch (const std::exception& e) {
            writeAll(fds[1], e.what());  // the parent reports this message as is
            code = 1;
        } catch (...) {
            code = 1;
        }
        _exit(code);  // no atexit handlers, no HDF5 library shutdown in the child
    }
    close(fds[1]);
    // Read the child's message until it exits (end of file) or the time is up.
    std::string message;
    int ready = 1;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSeconds);
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            ready = 0;
            break;
        }
        pollfd p{fds[0], POLLIN, 0};
        ready = poll(&p, 1, int(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) break;
        char buf[512];
        ssize_t n = read(fds[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (message.size() < 4096) message.append(buf, size_t(n));
    }
    close(fds[0]);
    int status = 0;
    if (ready == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        fail("reading the HDF5 metadata took longer than " + std::to_string(timeoutSeconds) + " s (corrupt file?)");
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return;
    if (WIFSIGNALED(status))
        fail(std::string("the HDF5 library crashed reading this file's metadata (") + strsignal(WTERMSIG(status)) +
             "): the file is corrupt");
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        fail(message.empty() ? "reading the HDF5 metadata failed (out of memory: implausible sizes in the file?)"
                             : message);
}

}  // namespace scalpel
