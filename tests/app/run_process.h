#pragma once
// Runs a child process with a wall-clock limit and reports its exit code, output and peak
// memory (ru_maxrss from wait4), which QProcess cannot give.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

struct ProcessResult {
    int exitCode = -1;        // -1 when killed by a signal or the time limit
    int signal = 0;
    bool timedOut = false;
    double seconds = 0;
    long maxRssKiB = 0;
    std::string out, err;
};

inline std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline ProcessResult runProcess(const std::vector<std::string>& argv, double limitSeconds = 30) {
    ProcessResult r;
    char outName[] = "/tmp/scalpel_test_outXXXXXX";
    char errName[] = "/tmp/scalpel_test_errXXXXXX";
    int outFd = mkstemp(outName), errFd = mkstemp(errName);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, outFd, 1);
    posix_spawn_file_actions_adddup2(&actions, errFd, 2);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    auto start = std::chrono::steady_clock::now();
    if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ) != 0) {
        r.err = "cannot start " + argv[0];
        return r;
    }
    posix_spawn_file_actions_destroy(&actions);
    int status = 0;
    struct rusage usage {};
    for (;;) {
        pid_t done = wait4(pid, &status, WNOHANG, &usage);
        if (done == pid) break;
        if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > limitSeconds) {
            kill(pid, SIGKILL);
            wait4(pid, &status, 0, &usage);
            r.timedOut = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.maxRssKiB = usage.ru_maxrss;
    if (WIFEXITED(status)) r.exitCode = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
    close(outFd);
    close(errFd);
    r.out = slurp(outName);
    r.err = slurp(errName);
    unlink(outName);
    unlink(errName);
    return r;
}
