#include "core/socket.hpp"

#include <algorithm>
#include <cassert>
#include <thread>

#include <asio/post.hpp>

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <ctime>
#endif

#include "aio/log.hpp"
#include "aio/worker.hpp"
#include "core/error.hpp"
#include "nanomsg/nn.h"
#include "nanomsg/pipeline.h"
#include "nanomsg/pubsub.h"
#include "nanoport/extensions.h"

namespace nanoport::core {

namespace {

std::error_code would_block() {
    return std::make_error_code(std::errc::resource_unavailable_try_again);
}

// How long receive() watches for an answer over inproc before sleeping.
constexpr std::chrono::nanoseconds reply_spin{20'000};

// Adds n to a counter that only threads inside the ctx write: the ctx lock
// orders the writers, so a plain load and store will do, without the locked
// read-modify-write of fetch_add (which, once per message on both sides,
// was the costliest instruction of nn_send). Readers outside see a value
// that is whole, if not the latest.
void count_inside_ctx(std::atomic<std::uint64_t>& counter, std::uint64_t n) noexcept {
    counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

}  // namespace

// --- wake_signal ---------------------------------------------------------------

#if defined(__linux__)

namespace {

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
              std::atomic<std::uint32_t>::is_always_lock_free);

std::uint32_t* futex_word(std::atomic<std::uint32_t>& a) noexcept {
    return reinterpret_cast<std::uint32_t*>(&a);
}

}  // namespace

void wake_signal::wake() {
    generation_.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) == 0) return;
    ::syscall(SYS_futex, futex_word(generation_), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

bool wake_signal::wait(std::uint32_t seen, const deadline& until, std::chrono::nanoseconds spin_for) {
    if (spin(seen, spin_for, until)) return true;
    // FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC time, the clock
    // of steady_clock.
    timespec limit{};
    if (until) {
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(until->time_since_epoch());
        limit.tv_sec = static_cast<time_t>(ns.count() / 1'000'000'000);
        limit.tv_nsec = static_cast<long>(ns.count() % 1'000'000'000);
    }
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    bool woke = true;
    while (generation_.load(std::memory_order_seq_cst) == seen) {
        if (until && std::chrono::steady_clock::now() >= *until) {
            woke = false;
            break;
        }
        // Returns at once if the generation is no longer `seen`; else when
        // woken, at the deadline, or on a signal: the loop sorts them out.
        ::syscall(SYS_futex, futex_word(generation_), FUTEX_WAIT_BITSET_PRIVATE, seen,
                  until ? &limit : nullptr, nullptr, FUTEX_BITSET_MATCH_ANY);
    }
    sleepers_.fetch_sub(1, std::memory_order_seq_cst);
    return woke;
}

#else

void wake_signal::wake() {
    generation_.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) == 0) return;
    // Taking the lock orders this wake after a sleeper's check-then-wait.
    { std::lock_guard<std::mutex> lock(mutex_); }
    cv_.notify_all();
}

bool wake_signal::wait(std::uint32_t seen, const deadline& until, std::chrono::nanoseconds spin_for) {
    if (spin(seen, spin_for, until)) return true;
    std::unique_lock<std::mutex> lock(mutex_);
    const auto moved = [&] { return generation_.load(std::memory_order_seq_cst) != seen; };
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    bool woke = true;
    if (!until) {
        cv_.wait(lock, moved);
    } else {
        woke = cv_.wait_until(lock, *until, moved);
    }
    sleepers_.fetch_sub(1, std::memory_order_seq_cst);
    return woke;
}

#endif

namespace {

void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

// Spinning on one CPU only takes it from the thread that would wake us.
// Known from the start: hardware_concurrency() reads a file under /sys, and
// a descriptor that came and went inside the first blocking call of some
// thread would trouble a program that counts its own descriptors (the load
// tests do).
const bool several_cpus = std::thread::hardware_concurrency() > 1;

}  // namespace

bool wake_signal::spin(std::uint32_t seen, std::chrono::nanoseconds limit, const deadline& until) {
    if (limit.count() <= 0 || !several_cpus) return false;
    auto end = std::chrono::steady_clock::now() + limit;
    if (until && *until < end) end = *until;
    for (;;) {
        for (int i = 0; i < 64; ++i) {
            if (generation_.load(std::memory_order_seq_cst) != seen) return true;
            cpu_relax();
        }
        if (std::chrono::steady_clock::now() >= end) return false;
    }
}

// --- ctx_guard -------------------------------------------------------------------

// Holds the socket's ctx for a user call; wait() lets go of it while sleeping.
class socket::ctx_guard {
public:
    explicit ctx_guard(aio::fsm_ctx& c) : ctx_(c) { ctx_.enter(); }
    ~ctx_guard() { ctx_.leave(); }
    ctx_guard(const ctx_guard&) = delete;
    ctx_guard& operator=(const ctx_guard&) = delete;

    // Leaves the ctx, sleeps until s moves past `seen` or the deadline, enters
    // again. seen must have been read inside the ctx.
    bool wait(wake_signal& s, std::uint32_t seen, const wake_signal::deadline& until,
              std::chrono::nanoseconds spin_for = {}) {
        ctx_.leave();
        struct reenter {
            aio::fsm_ctx& c;
            ~reenter() { c.enter(); }
        } on_exit{ctx_};
        return s.wait(seen, until, spin_for);
    }

private:
    aio::fsm_ctx& ctx_;
};

// --- socket ----------------------------------------------------------------------

bool protocol_sends(int protocol_number) noexcept {
    return protocol_number != NN_PULL && protocol_number != NN_SUB;
}

bool protocol_receives(int protocol_number) noexcept {
    return protocol_number != NN_PUSH && protocol_number != NN_PUB;
}

socket::socket(int domain, int protocol_number, std::unique_ptr<protocols::protocol> protocol,
               aio::pool& workers, endpoint_maker make_endpoint)
    : domain_(domain), protocol_number_(protocol_number), protocol_(std::move(protocol)),
      workers_(workers), make_endpoint_(make_endpoint) {
    protocol_->attach(*this);
    can_send_ = protocol_->can_send();
    can_receive_ = protocol_->can_receive();
}

aio::worker& socket::timer_worker() {
    if (!timer_worker_) timer_worker_ = &workers_.choose_worker();
    return *timer_worker_;
}

void socket::readiness_changed() {
    refresh_readiness();
    check_closed();  // a stopped protocol may have become idle
}

void socket::pipe_flushed(transport::pipe&) { flush_signal_.wake(); }

bool socket::all_flushed() const {
    return std::all_of(pipes_.begin(), pipes_.end(), [](const transport::pipe* p) { return p->flushed(); });
}

socket::~socket() {
    // Endpoints left means wait_closed() was skipped: a worker might still
    // enter the ctx. That is a bug in the caller, not a runtime condition.
    assert(endpoints_.empty() && stopping_.empty() && stopped_.empty());
    assert(!reaper_.event.active());
    if (timer_worker_) aio::pool::release(*timer_worker_);
}

std::uint16_t socket::protocol_id() const { return protocol_->id(); }

bool socket::accepts_peer(std::uint16_t peer_id) const { return protocol_->accepts_peer(peer_id); }

transport::pipe_options socket::current_options() const { return options_.pipe_view(); }
transport::tls_settings socket::current_tls() const { return options_.tls; }

std::error_code socket::usable() const {
    if (state_ != state::active) return std::make_error_code(std::errc::bad_file_descriptor);
    if (terminated_) return errc::terminated;
    return {};
}

wake_signal::deadline socket::deadline_after(int timeout_ms) const {
    if (timeout_ms < 0) return std::nullopt;
    return std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
}

void socket::refresh_readiness() {
    const bool can_send = protocol_->can_send();
    if (can_send != can_send_) {
        can_send_ = can_send;
        if (can_send) send_signal_.wake();  // blocked senders care only about not-ready -> ready
        if (!fds_forced_) send_fd_.set(can_send);
    }
    const bool can_receive = protocol_->can_receive();
    if (can_receive != can_receive_) {
        can_receive_ = can_receive;
        if (can_receive) receive_signal_.wake();
        if (!fds_forced_) receive_fd_.set(can_receive);
    }
    // NN_STAT_CURRENT_SND_PRIORITY changes exactly when the writable pipes do.
    stats_.send_priority.store(protocol_->current_send_priority(), std::memory_order_relaxed);
    // A protocol drops messages only inside a call that ends here.
    stats_.protocol_dropped.store(protocol_->dropped(), std::memory_order_relaxed);
}

// --- endpoints -------------------------------------------------------------------

std::error_code socket::add_endpoint(const std::string& url, bool bind, int& id) {
    ctx_guard in(ctx_);
    if (std::error_code ec = usable()) return ec;
    std::unique_ptr<transport::endpoint> e;
    if (std::error_code ec = make_endpoint_(*this, url, bind, e)) return ec;
    id = next_endpoint_id_++;
    endpoints_.emplace(id, std::move(e));
    return {};
}

std::error_code socket::remove_endpoint(int id) {
    ctx_guard in(ctx_);
    if (std::error_code ec = usable()) return ec;
    auto it = endpoints_.find(id);
    if (it == endpoints_.end()) return std::make_error_code(std::errc::invalid_argument);
    transport::endpoint* e = it->second.get();
    stopping_.push_back(std::move(it->second));
    endpoints_.erase(it);
    e->close();  // endpoint_stopped follows, maybe from inside this call
    return {};
}

void socket::endpoint_stopped(transport::endpoint& e) {
    const auto owns = [&](const std::unique_ptr<transport::endpoint>& p) { return p.get() == &e; };
    auto it = std::find_if(stopping_.begin(), stopping_.end(), owns);
    if (it != stopping_.end()) {
        stopped_.push_back(std::move(*it));
        stopping_.erase(it);
    } else {
        // An endpoint that stopped by itself, unasked.
        auto found = std::find_if(endpoints_.begin(), endpoints_.end(),
                                  [&](const auto& entry) { return owns(entry.second); });
        if (found == endpoints_.end()) return;
        stopped_.push_back(std::move(found->second));
        endpoints_.erase(found);
    }
    // Destroyed by the reaper once the caller (the endpoint itself) has returned.
    if (!reaper_.event.active()) ctx_.raise(reaper_.event, reaper_, 0, 0);
}

void socket::reaper::handle(int, int, aio::worker_op*) { socket_.reap(); }

void socket::reap() {
    std::vector<std::unique_ptr<transport::endpoint>> dead;
    dead.swap(stopped_);
    dead.clear();
    check_closed();
}

void socket::check_closed() {
    if (state_ == state::closing && endpoints_closing_ && endpoints_.empty() && stopping_.empty() &&
        stopped_.empty() && !reaper_.event.active() && protocol_->idle()) {
        state_ = state::closed;
        closed_signal_.wake();
    }
}

// --- close and terminate -----------------------------------------------------------

void socket::begin_close() {
    ctx_guard in(ctx_);
    if (state_ != state::active) return;
    state_ = state::closing;
    send_signal_.wake();
    receive_signal_.wake();
    fds_forced_ = true;
    send_fd_.set(true);
    receive_fd_.set(true);

    protocol_->stop();
    // The endpoints (and with them the pipes) stay until wait_closed() has
    // let the pipes flush what was sent (NN_LINGER).
}

void socket::close_endpoints() {
    endpoints_closing_ = true;
    std::vector<transport::endpoint*> closing;
    for (auto& entry : endpoints_) {
        closing.push_back(entry.second.get());
        stopping_.push_back(std::move(entry.second));
    }
    endpoints_.clear();
    // endpoint_stopped may run inside close(): it only moves entries between
    // the lists, and destroying waits for the reaper, so these stay valid.
    for (transport::endpoint* e : closing) e->close();
    check_closed();
}

void socket::wait_closed() {
    ctx_guard in(ctx_);
    // Linger: messages already accepted by send() get up to NN_LINGER to
    // leave (negative: as long as it takes), unless nn_term cut it short.
    if (!endpoints_closing_) {
        const wake_signal::deadline until = deadline_after(options_.linger_ms);
        while (!terminated_ && !all_flushed()) {
            if (!in.wait(flush_signal_, flush_signal_.generation(), until)) break;
        }
        close_endpoints();
    }
    while (state_ != state::closed) {
        in.wait(closed_signal_, closed_signal_.generation(), std::nullopt);
    }
    // The observer's last events (the pipes' removal) are delivered, and no
    // worker is inside deliver_pipe_events() when this returns.
    while (delivering_events_) {
        in.wait(delivered_signal_, delivered_signal_.generation(), std::nullopt);
    }
}

void socket::terminate() {
    ctx_guard in(ctx_);
    terminated_ = true;
    send_signal_.wake();
    receive_signal_.wake();
    flush_signal_.wake();
    fds_forced_ = true;
    send_fd_.set(true);
    receive_fd_.set(true);
}

// --- send and receive ----------------------------------------------------------------

std::error_code socket::send(aio::message& m, int flags,
                             std::optional<std::chrono::milliseconds> timeout) {
    ctx_guard in(ctx_);
    const wake_signal::deadline until =
        deadline_after(timeout ? option_milliseconds(*timeout) : options_.send_timeout_ms);
    for (;;) {
        if (std::error_code ec = usable()) return ec;
        const std::size_t bytes = m.size();
        const std::error_code ec = protocol_->send(m);
        refresh_readiness();
        if (!ec) {
            sent_last_ = true;
            count_inside_ctx(stats_.messages_sent, 1);
            count_inside_ctx(stats_.bytes_sent, bytes);
            return {};
        }
        if (ec != std::errc::resource_unavailable_try_again) return ec;
        if (flags & dont_wait) return would_block();
        // can_send_ is false now (or the protocol is inconsistent, and the
        // deadline still ends the wait): the next rise moves the generation.
        if (!in.wait(send_signal_, send_signal_.generation(), until)) {
            return std::make_error_code(std::errc::timed_out);
        }
    }
}

std::error_code socket::receive(aio::message& m, int flags,
                                std::optional<std::chrono::milliseconds> timeout) {
    ctx_guard in(ctx_);
    const wake_signal::deadline until =
        deadline_after(timeout ? option_milliseconds(*timeout) : options_.receive_timeout_ms);
    for (;;) {
        if (std::error_code ec = usable()) return ec;
        const std::error_code ec = protocol_->receive(m);
        refresh_readiness();
        if (!ec) {
            sent_last_ = false;
            count_inside_ctx(stats_.messages_received, 1);
            count_inside_ctx(stats_.bytes_received, m.size());
            return {};
        }
        if (ec != std::errc::resource_unavailable_try_again) return ec;
        if (flags & dont_wait) return would_block();
        // An answer to what this socket just sent, over inproc only: it
        // comes from a thread that is running now, usually within
        // microseconds, and watching for it beats sleeping (a REQ/REP round
        // trip over inproc: 24 -> 4 us on 2 cores). Not over tcp, ipc, ...:
        // there a worker must wake to bring it, and a spinning caller would
        // take the CPU that worker needs. Not in a stream of receives either
        // (PULL): a receiver that sleeps lets messages pile up and takes them
        // in batches, which a spinning one would not.
        const bool answer_soon = sent_last_ && io_pipes_ == 0 && !pipes_.empty();
        if (!in.wait(receive_signal_, receive_signal_.generation(), until,
                     answer_soon ? reply_spin : std::chrono::nanoseconds{})) {
            return std::make_error_code(std::errc::timed_out);
        }
    }
}

// --- options -------------------------------------------------------------------

std::error_code socket::set_option(int level, int option, std::span<const std::byte> value) {
    ctx_guard in(ctx_);
    if (std::error_code ec = usable()) return ec;
    if (level > NN_SOL_SOCKET) return protocol_->set_option(level, option, value);
    if (level == NN_SOL_SOCKET) {
        switch (option) {
            case NN_DOMAIN:
            case NN_PROTOCOL:
            case NN_SNDFD:
            case NN_RCVFD:
                // Read-only. nanomsg checks the size of any int option first.
                if (value.size() != sizeof(int))
                    return std::make_error_code(std::errc::invalid_argument);
                return std::make_error_code(std::errc::no_protocol_option);
            default:
                break;
        }
    }
    const std::error_code ec = core::set_option(options_, level, option, value);
    if (!ec && level == NN_SOL_SOCKET && option == NN_MAXTTL) {
        // Protocols that route by backtrace (REQ/REP, SURVEYOR/RESPONDENT)
        // keep their own copy of the TTL; the others do not know the option.
        (void)protocol_->set_option(level, option, value);
    }
    return ec;
}

std::error_code socket::get_option(int level, int option, std::span<std::byte> value,
                                   std::size_t& size) {
    if (level == NN_SOL_SOCKET && (option == NN_SNDFD || option == NN_RCVFD)) {
        int fd = -1;
        if (std::error_code ec = readiness_fd(option == NN_SNDFD, fd)) return ec;
        put_int(fd, value, size);
        return {};
    }
    ctx_guard in(ctx_);
    if (std::error_code ec = usable()) return ec;
    if (level > NN_SOL_SOCKET) return protocol_->get_option(level, option, value, size);
    if (level == NN_SOL_SOCKET) {
        switch (option) {
            case NN_DOMAIN:
                put_int(domain_, value, size);
                return {};
            case NN_PROTOCOL:
                put_int(protocol_number_, value, size);
                return {};
            default:
                break;
        }
    }
    return core::get_option(options_, level, option, value, size);
}

std::error_code socket::readiness_fd(bool for_send, int& fd) {
    ctx_guard in(ctx_);
    if (std::error_code ec = usable()) return ec;
    if (for_send ? !protocol_sends(protocol_number_) : !protocol_receives(protocol_number_)) {
        return std::make_error_code(std::errc::no_protocol_option);
    }
    eventfd& e = for_send ? send_fd_ : receive_fd_;
    if (std::error_code ec = e.open(for_send ? can_send_ : can_receive_)) return ec;
    fd = e.fd();
    return {};
}

void socket::set_default_name(std::string name) {
    ctx_guard in(ctx_);
    options_.name = std::move(name);
}

// --- pipes -----------------------------------------------------------------------

std::error_code socket::pipe_added(transport::pipe& p) {
    const std::error_code ec = protocol_->add(p);
    if (!ec) {
        pipes_.insert(&p);
        if (!p.delivers_on_peer_thread()) ++io_pipes_;
        stats_.current_connections.fetch_add(1, std::memory_order_relaxed);
        if (observer_) queue_pipe_event(p, true);
    }
    refresh_readiness();
    return ec;
}

void socket::pipe_removed(transport::pipe& p) {
    if (pipes_.erase(&p) == 0) return;  // the protocol refused it: no remove() owed
    protocol_->remove(p);
    if (!p.delivers_on_peer_thread()) --io_pipes_;
    stats_.current_connections.fetch_sub(1, std::memory_order_relaxed);
    if (observer_) queue_pipe_event(p, false);
    refresh_readiness();
    flush_signal_.wake();  // a lingering close no longer waits for this pipe
}

void socket::set_pipe_observer(pipe_observer observer) {
    ctx_guard in(ctx_);
    observer_ = std::move(observer);
    if (!observer_) pending_events_.clear();
}

void socket::queue_pipe_event(const transport::pipe& p, bool added) {
    pending_events_.push_back(pipe_event{added, p.id(), p.describe()});
    if (delivering_events_) return;  // the running delivery takes it too
    delivering_events_ = true;
    asio::post(timer_worker().context(), [this] { deliver_pipe_events(); });
}

void socket::deliver_pipe_events() {
    std::vector<pipe_event> batch;
    for (;;) {
        pipe_observer observer;
        {
            ctx_guard in(ctx_);
            batch.clear();
            if (observer_) batch.swap(pending_events_);
            pending_events_.clear();
            if (batch.empty()) {
                delivering_events_ = false;
                delivered_signal_.wake();
                return;  // wait_closed() may free the socket from here on
            }
            observer = observer_;
        }
        for (const pipe_event& e : batch) {
            try {
                observer(e);
            } catch (...) {
                // A throwing callback must not take the worker down with it.
                aio::log("pipe event callback threw; the exception is ignored");
            }
        }
    }
}

std::vector<socket::pipe_snapshot> socket::pipe_statistics() {
    ctx_guard in(ctx_);
    std::vector<pipe_snapshot> out;
    out.reserve(pipes_.size());
    for (const transport::pipe* p : pipes_) out.push_back({p->id(), p->describe(), p->counters});
    std::sort(out.begin(), out.end(),
              [](const pipe_snapshot& a, const pipe_snapshot& b) { return a.id < b.id; });
    return out;
}

// A pipe the protocol refused closes itself; until it is gone its events are
// not the protocol's business.
void socket::pipe_readable(transport::pipe& p) {
    if (!pipes_.contains(&p)) return;
    protocol_->readable(p);
    refresh_readiness();
}

void socket::pipe_writable(transport::pipe& p) {
    if (!pipes_.contains(&p)) return;
    protocol_->writable(p);
    refresh_readiness();
}

// --- statistics ------------------------------------------------------------------

void socket::count_established() { stats_.established.fetch_add(1, std::memory_order_relaxed); }
void socket::count_accepted() { stats_.accepted.fetch_add(1, std::memory_order_relaxed); }
void socket::count_dropped() { stats_.dropped.fetch_add(1, std::memory_order_relaxed); }
void socket::count_broken() { stats_.broken.fetch_add(1, std::memory_order_relaxed); }
void socket::count_connect_error() {
    stats_.connect_errors.fetch_add(1, std::memory_order_relaxed);
}
void socket::count_bind_error() { stats_.bind_errors.fetch_add(1, std::memory_order_relaxed); }
void socket::count_accept_error() { stats_.accept_errors.fetch_add(1, std::memory_order_relaxed); }
void socket::count_connect_started() {
    stats_.connects_in_progress.fetch_add(1, std::memory_order_relaxed);
}
void socket::count_connect_finished() {
    stats_.connects_in_progress.fetch_sub(1, std::memory_order_relaxed);
}
void socket::count_failed_handshake() {
    stats_.failed_handshakes.fetch_add(1, std::memory_order_relaxed);
}
void socket::count_rejected_greeting() {
    stats_.rejected_greetings.fetch_add(1, std::memory_order_relaxed);
}
void socket::count_handshake_timeout() {
    stats_.handshake_timeouts.fetch_add(1, std::memory_order_relaxed);
}
void socket::count_oversized_message() {
    stats_.oversized_messages.fetch_add(1, std::memory_order_relaxed);
}
void socket::count_malformed_frame() {
    stats_.malformed_frames.fetch_add(1, std::memory_order_relaxed);
}
void socket::count_tls_failure() {
    stats_.tls_failures.fetch_add(1, std::memory_order_relaxed);
}
void socket::count_ws_protocol_error() {
    stats_.ws_protocol_errors.fetch_add(1, std::memory_order_relaxed);
}
void socket::count_refused_connection() {
    stats_.refused_connections.fetch_add(1, std::memory_order_relaxed);
}
void socket::pending_connections_changed(int delta) {
    // Two's complement: adding the converted -1 subtracts one.
    stats_.pending_connections.fetch_add(static_cast<std::uint64_t>(delta), std::memory_order_relaxed);
}
void socket::endpoint_error_state(bool in_error) {
    if (in_error) {
        stats_.endpoints_in_error.fetch_add(1, std::memory_order_relaxed);
    } else {
        stats_.endpoints_in_error.fetch_sub(1, std::memory_order_relaxed);
    }
}

// What each statistic means, and who counts it (nanomsg 1.1.5's meanings;
// tests/api/c_api_stats_test.cpp moves each one):
//   101 ESTABLISHED  connects of ours that succeeded (dialer: the OS connect,
//                    before the SP handshake, as nanomsg; inproc: paired)
//   102 ACCEPTED     connections a listener accepted (inproc: paired)
//   103 DROPPED      established connections closed because their endpoint
//                    or this socket closed (nn_shutdown, nn_close)
//   104 BROKEN       established connections ended by the peer or an error
//   105..107         failed connects (including name resolution), binds,
//                    accepts
//   201 CURRENT_CONNECTIONS     pipes the protocol holds now
//   202 INPROGRESS_CONNECTIONS  OS connects in flight now (dialers)
//   203 CURRENT_EP_ERRORS       endpoints now in an error state: a dialer
//                    whose last attempt failed, a listener whose last accept
//                    failed (until one succeeds or the endpoint closes)
//   301..304         messages and body bytes sent / received by the user
//   401 CURRENT_SND_PRIORITY    see protocol::current_send_priority (0: none;
//                    nanomsg reports (uint64_t)-1 there once a pipe has gone,
//                    which reads as its error value)
//   1001..1010       nanoport's own, on hostile or broken peers: see
//                    nanoport/extensions.h (the transports count them
//                    through socket_hooks; 1008 is the protocol's count)
std::optional<std::uint64_t> socket::statistic(int id) const noexcept {
    const auto read = [](const std::atomic<std::uint64_t>& c) {
        return c.load(std::memory_order_relaxed);
    };
    switch (id) {
        case NN_STAT_ESTABLISHED_CONNECTIONS:
            return read(stats_.established);
        case NN_STAT_ACCEPTED_CONNECTIONS:
            return read(stats_.accepted);
        case NN_STAT_DROPPED_CONNECTIONS:
            return read(stats_.dropped);
        case NN_STAT_BROKEN_CONNECTIONS:
            return read(stats_.broken);
        case NN_STAT_CONNECT_ERRORS:
            return read(stats_.connect_errors);
        case NN_STAT_BIND_ERRORS:
            return read(stats_.bind_errors);
        case NN_STAT_ACCEPT_ERRORS:
            return read(stats_.accept_errors);
        case NN_STAT_CURRENT_CONNECTIONS:
            return read(stats_.current_connections);
        case NN_STAT_INPROGRESS_CONNECTIONS:
            return read(stats_.connects_in_progress);
        case NN_STAT_CURRENT_EP_ERRORS:
            return read(stats_.endpoints_in_error);
        case NN_STAT_CURRENT_SND_PRIORITY:
            return static_cast<std::uint64_t>(stats_.send_priority.load(std::memory_order_relaxed));
        case NN_STAT_MESSAGES_SENT:
            return read(stats_.messages_sent);
        case NN_STAT_MESSAGES_RECEIVED:
            return read(stats_.messages_received);
        case NN_STAT_BYTES_SENT:
            return read(stats_.bytes_sent);
        case NN_STAT_BYTES_RECEIVED:
            return read(stats_.bytes_received);
        case NANOPORT_STAT_FAILED_HANDSHAKES:
            return read(stats_.failed_handshakes);
        case NANOPORT_STAT_REJECTED_GREETINGS:
            return read(stats_.rejected_greetings);
        case NANOPORT_STAT_HANDSHAKE_TIMEOUTS:
            return read(stats_.handshake_timeouts);
        case NANOPORT_STAT_OVERSIZED_MESSAGES:
            return read(stats_.oversized_messages);
        case NANOPORT_STAT_MALFORMED_FRAMES:
            return read(stats_.malformed_frames);
        case NANOPORT_STAT_REFUSED_CONNECTIONS:
            return read(stats_.refused_connections);
        case NANOPORT_STAT_PENDING_CONNECTIONS:
            return read(stats_.pending_connections);
        case NANOPORT_STAT_DROPPED_MESSAGES:
            return read(stats_.protocol_dropped);
        case NANOPORT_STAT_TLS_FAILURES:
            return read(stats_.tls_failures);
        case NANOPORT_STAT_WS_PROTOCOL_ERRORS:
            return read(stats_.ws_protocol_errors);
        default:
            return std::nullopt;
    }
}

}  // namespace nanoport::core
