#pragma once
// Progress reporting and cooperative cancellation for long computations. The core never
// touches Qt: the GUI's job runner and the CLI both adapt to this small interface.
#include <atomic>
#include <functional>
#include <stdexcept>
#include <string>

namespace scalpel {

// Thrown by ProgressToken::check() when the user cancelled; jobs catch it and discard
// partial results.
struct Cancelled : std::runtime_error {
    Cancelled() : std::runtime_error("cancelled") {}
};

class ProgressToken {
public:
    using Callback = std::function<void(double fraction, const std::string& stage)>;

    ProgressToken() = default;
    explicit ProgressToken(Callback cb, const std::atomic<bool>* cancelFlag = nullptr)
        : callback_(std::move(cb)), cancel_(cancelFlag) {}

    // fraction in [0, 1] of the whole job.
    void report(double fraction, const std::string& stage) const {
        if (callback_) callback_(fraction, stage);
        check();
    }
    void check() const {
        if (cancel_ && cancel_->load(std::memory_order_relaxed)) throw Cancelled();
    }
    bool cancelled() const { return cancel_ && cancel_->load(std::memory_order_relaxed); }

private:
    Callback callback_;
    const std::atomic<bool>* cancel_ = nullptr;
};

}  // namespace scalpel
