// Test support: wait for a condition that another thread makes true, with a
// deadline (a test never hangs, and never sleeps to let things settle).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>

namespace nanoport::test {

// notifier: a condition variable plus its mutex; notify() after changing shared state
// under lock(), wait_for() until a predicate holds or the deadline passes.
class notifier {
public:
    std::unique_lock<std::mutex> lock() { return std::unique_lock<std::mutex>(mutex_); }
    void notify() { cv_.notify_all(); }
    template <typename Pred>
    bool wait_for(Pred pred, std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
        std::unique_lock<std::mutex> lk(mutex_);
        return cv_.wait_for(lk, deadline, pred);
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
};

}  // namespace nanoport::test
