// pool: the engine's N workers. Every pipe and endpoint is bound to one worker
// for its life by choose_worker(), which picks the least-loaded worker (ties go
// round robin) and counts the binding until release().
//
// The process has one default pool, started on first use. Its size is the
// number of cores (at least 1) unless set before first use by the environment
// variable NANOPORT_WORKERS or by set_default_size(). Tests may build private
// pools of any size.
//
// Threads: everything here is thread-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "aio/worker.hpp"

namespace nanoport::aio {

class pool {
public:
    // Starts n workers (n >= 1). Throws engine_error if a port cannot be created.
    explicit pool(unsigned n);
    ~pool();
    pool(const pool&) = delete;
    pool& operator=(const pool&) = delete;

    unsigned size() const noexcept { return static_cast<unsigned>(workers_.size()); }
    worker& at(unsigned i) noexcept { return *workers_[i]; }

    // Binds a new object to the least-loaded worker.
    worker& choose_worker();
    // Ends a binding made by choose_worker().
    static void release(worker& w) noexcept;

    // The process-wide pool, started on first call. Throws engine_error.
    static pool& default_pool();
    // Sets the default pool's size. Returns false (and changes nothing) once
    // the default pool has started. 0 means "number of cores".
    static bool set_default_size(unsigned n);
    // The size the default pool has or will have.
    static unsigned default_size();

private:
    std::vector<std::unique_ptr<worker>> workers_;
    std::atomic<unsigned> next_{0};
};

}  // namespace nanoport::aio
