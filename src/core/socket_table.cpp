#include "core/socket_table.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "core/error.hpp"

namespace nanoport::core {

namespace {

std::error_code bad_handle() { return std::make_error_code(std::errc::bad_file_descriptor); }

std::atomic<std::size_t> global_capacity{0};  // 0: not chosen; guarded by global_created
std::atomic<bool> global_created{false};

std::size_t capacity_from_environment() {
    if (const char* text = std::getenv("NANOPORT_MAX_SOCKETS")) {
        char* end = nullptr;
        const unsigned long long n = std::strtoull(text, &end, 10);
        if (end != text && *end == '\0' && n >= 1 && n <= socket_table::max_capacity) {
            return static_cast<std::size_t>(n);
        }
    }
    return 0;
}

}  // namespace

// --- ref ---------------------------------------------------------------------------

socket_table::ref::ref(ref&& other) noexcept
    : slot_(std::exchange(other.slot_, nullptr)), socket_(std::exchange(other.socket_, nullptr)) {}

socket_table::ref& socket_table::ref::operator=(ref&& other) noexcept {
    if (this != &other) {
        reset();
        slot_ = std::exchange(other.slot_, nullptr);
        socket_ = std::exchange(other.socket_, nullptr);
    }
    return *this;
}

socket_table::ref::~ref() { reset(); }

void socket_table::ref::reset() noexcept {
    if (slot_) release(*slot_);
    slot_ = nullptr;
    socket_ = nullptr;
}

void socket_table::release(slot& s) noexcept {
    const std::uint32_t left = s.state.fetch_sub(one_ref, std::memory_order_acq_rel) - one_ref;
    // The last ref of a closing slot: close() is waiting for exactly this.
    if (left == closing_bit) s.state.notify_all();
}

// --- table -------------------------------------------------------------------------

socket_table::socket_table(std::size_t capacity)
    : capacity_(std::clamp<std::size_t>(capacity, 1, max_capacity)),
      slots_(std::make_unique<slot[]>(capacity_)) {}

socket_table::~socket_table() {
    for (std::size_t i = 0; i < capacity_; ++i) {
        if (slots_[i].live.load(std::memory_order_acquire)) (void)close(static_cast<int>(i));
    }
}

socket_table& socket_table::global() {
    // Made once, never destroyed: see the header.
    static socket_table* const table = [] {
        std::size_t capacity = capacity_from_environment();
        if (capacity == 0) capacity = global_capacity.load(std::memory_order_acquire);
        if (capacity == 0) capacity = default_capacity;
        global_created.store(true, std::memory_order_release);
        return new socket_table(capacity);
    }();
    return *table;
}

bool socket_table::set_global_capacity(std::size_t capacity) {
    if (global_created.load(std::memory_order_acquire)) return false;
    global_capacity.store(std::clamp<std::size_t>(capacity, 1, max_capacity),
                          std::memory_order_release);
    return true;
}

std::error_code socket_table::open(std::unique_ptr<socket> s, int& handle) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (terminated()) return errc::terminated;
    std::size_t i = lowest_free_;
    while (i < capacity_ && slots_[i].owner) ++i;
    if (i == capacity_) return std::make_error_code(std::errc::too_many_files_open);
    lowest_free_ = i + 1;
    s->set_default_name(std::to_string(i));
    slot& sl = slots_[i];
    sl.live.store(s.get(), std::memory_order_release);
    sl.owner = std::move(s);
    handle = static_cast<int>(i);
    return {};
}

std::error_code socket_table::hold(int handle, ref& out) {
    if (handle < 0 || static_cast<std::size_t>(handle) >= capacity_) return bad_handle();
    slot& sl = slots_[static_cast<std::size_t>(handle)];
    socket* s = sl.live.load(std::memory_order_acquire);
    if (!s) return bad_handle();
    // One locked add, no compare-exchange loop: a ref counted on a closing
    // slot only delays its close until the release just below.
    if (sl.state.fetch_add(one_ref, std::memory_order_acq_rel) & closing_bit) {
        release(sl);
        return bad_handle();
    }
    // The slot may have been closed and reused between the two loads; with
    // the ref counted it cannot change any more, so check it still holds s.
    if (sl.live.load(std::memory_order_acquire) != s) {
        release(sl);
        return bad_handle();
    }
    if (terminated()) {
        release(sl);
        return errc::terminated;
    }
    out = ref(&sl, s);
    return {};
}

std::error_code socket_table::close(int handle) {
    if (handle < 0 || static_cast<std::size_t>(handle) >= capacity_) return bad_handle();
    slot& sl = slots_[static_cast<std::size_t>(handle)];
    socket* s;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        s = sl.live.load(std::memory_order_acquire);
        if (!s) return bad_handle();
        if (sl.state.fetch_or(closing_bit, std::memory_order_acq_rel) & closing_bit) {
            return bad_handle();  // another thread is closing it
        }
    }
    // Wake the calls inside it (they return EBADF and drop their refs), then
    // wait for the refs, then for the endpoints.
    s->begin_close();
    for (;;) {
        const std::uint32_t v = sl.state.load(std::memory_order_acquire);
        if (v == closing_bit) break;
        sl.state.wait(v, std::memory_order_acquire);
    }
    s->wait_closed();

    std::unique_ptr<socket> dead;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        dead = std::move(sl.owner);
        sl.live.store(nullptr, std::memory_order_release);
        sl.state.fetch_and(~closing_bit, std::memory_order_acq_rel);
        lowest_free_ = std::min(lowest_free_, static_cast<std::size_t>(handle));
    }
    return {};  // dead goes here, outside the lock
}

void socket_table::terminate() {
    std::lock_guard<std::mutex> lock(mutex_);
    terminated_.store(true, std::memory_order_release);
    // Under the lock no socket can be freed (close frees under it too).
    for (std::size_t i = 0; i < capacity_; ++i) {
        if (slots_[i].owner) slots_[i].owner->terminate();
    }
}

}  // namespace nanoport::core
