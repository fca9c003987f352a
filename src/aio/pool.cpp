#include "aio/pool.hpp"

#include <cstdlib>
#include <limits>
#include <thread>

namespace nanoport::aio {

namespace {

std::mutex default_mutex;
unsigned configured_size = 0;  // guarded by default_mutex; 0 = not set
pool* default_instance = nullptr;  // guarded by default_mutex; never destroyed

unsigned size_from_environment() {
    if (const char* env = std::getenv("NANOPORT_WORKERS")) {
        char* end = nullptr;
        const unsigned long n = std::strtoul(env, &end, 10);
        if (end != env && *end == '\0' && n >= 1 && n <= 1024) return static_cast<unsigned>(n);
    }
    const unsigned cores = std::thread::hardware_concurrency();
    return cores ? cores : 1;
}

}  // namespace

pool::pool(unsigned n) {
    if (n == 0) n = 1;
    workers_.reserve(n);
    for (unsigned i = 0; i < n; ++i) workers_.push_back(std::make_unique<worker>(i));
}

pool::~pool() = default;

worker& pool::choose_worker() {
    const unsigned n = size();
    const unsigned start = next_.fetch_add(1, std::memory_order_relaxed) % n;
    worker* best = nullptr;
    unsigned best_load = std::numeric_limits<unsigned>::max();
    for (unsigned k = 0; k < n; ++k) {
        worker& w = *workers_[(start + k) % n];
        const unsigned load = w.load();
        if (load < best_load) {
            best = &w;
            best_load = load;
        }
    }
    best->load_.fetch_add(1, std::memory_order_relaxed);
    return *best;
}

void pool::release(worker& w) noexcept { w.load_.fetch_sub(1, std::memory_order_relaxed); }

pool& pool::default_pool() {
    std::lock_guard<std::mutex> lock(default_mutex);
    if (!default_instance) {
        const unsigned n = configured_size ? configured_size : size_from_environment();
        // Deliberately never destroyed: worker threads must outlive every
        // socket, including ones a program leaks or closes from atexit.
        default_instance = new pool(n);
    }
    return *default_instance;
}

bool pool::set_default_size(unsigned n) {
    std::lock_guard<std::mutex> lock(default_mutex);
    if (default_instance) return false;
    configured_size = n;
    return true;
}

unsigned pool::default_size() {
    std::lock_guard<std::mutex> lock(default_mutex);
    if (default_instance) return default_instance->size();
    return configured_size ? configured_size : size_from_environment();
}

}  // namespace nanoport::aio
