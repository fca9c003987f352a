// Helpers for the C API tests (tests/api/*_test.cpp): free TCP ports,
// unique ipc/inproc names, sockets with finite timeouts and sockets closed
// at the end of a test, joining two sockets over inproc, filling a pipe,
// text messages, waiting (bounded, without sleeping to settle) until a
// thread is blocked inside a socket or a system call, and until a statistic
// moves. Helpers that REQUIRE end the test case on failure by throwing, so
// call them on the test case's own thread; ones that CHECK let it go on.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <string>
#include <thread>

#include "core/socket_table.hpp"
#include "nanomsg/nn.h"
#include "nanomsg/pair.h"
#include "support/addresses.hpp"

namespace nanoport::test {

inline std::string tcp_address(int port) { return "tcp://127.0.0.1:" + std::to_string(port); }

// Binds s to a free loopback TCP port; returns the address (empty on failure).
template <typename Bind>
std::string bind_free_tcp(int s, Bind bind) {
    for (int attempt = 0; attempt < 20; ++attempt) {
        const std::string address = tcp_address(free_tcp_port());
        if (bind(s, address.c_str()) >= 0) return address;
    }
    return {};
}

// A name no other test process uses at the same time.
inline std::string unique_name(const std::string& stem) {
    static std::atomic<int> counter{0};
    return stem + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

inline std::string ipc_address(const std::string& stem) {
    return "ipc:///tmp/nanoport-" + unique_name(stem) + ".ipc";
}

// Waits until a thread sleeps inside a blocking call on handle s (peeking at
// the core behind the C API). False after 20 s.
inline bool wait_until_blocked(int s) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < until) {
        core::socket_table::ref sock;
        if (core::socket_table::global().hold(s, sock)) return false;
        if (sock->sleeping_callers() > 0) return true;
        sock.reset();
        std::this_thread::yield();
    }
    return false;
}

// Waits until the thread with kernel id tid is inside one of the given system
// calls (SYS_poll, ...), read from /proc/self/task/<tid>/syscall. For calls
// that block outside any socket (nn_poll, select on NN_RCVFD). False after 20 s.
inline bool wait_until_in_syscall(pid_t tid, std::initializer_list<long> calls) {
    const std::string path = "/proc/self/task/" + std::to_string(tid) + "/syscall";
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < until) {
        std::ifstream in(path);
        long number = -1;
        if (in >> number) {
            for (long call : calls) {
                if (number == call) return true;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
}

// A thread that records its kernel id first, so that a test can wait until
// it sleeps in a given system call (wait_until_in_syscall): nn_poll and
// select block outside any socket, where wait_until_blocked cannot see them.
class traced_thread {
public:
    template <typename Body>
    explicit traced_thread(Body body)
        : thread_([this, body] {
              tid_.store(static_cast<pid_t>(::gettid()));
              body();
          }) {}
    ~traced_thread() {
        if (thread_.joinable()) thread_.join();
    }
    // Waits (bounded) until the thread sleeps in one of calls.
    bool wait_until_in(std::initializer_list<long> calls) {
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (tid_.load() == 0) {
            if (std::chrono::steady_clock::now() > until) return false;
            std::this_thread::yield();
        }
        return wait_until_in_syscall(tid_.load(), calls);
    }
    void join() { thread_.join(); }

private:
    std::atomic<pid_t> tid_{0};
    std::thread thread_;
};

// The system calls behind poll(2) and select(2), for wait_until_in_syscall.
inline const std::initializer_list<long> poll_calls = {
#ifdef SYS_poll
    SYS_poll,
#endif
    SYS_ppoll};
inline const std::initializer_list<long> select_calls = {
#ifdef SYS_select
    SYS_select,
#endif
    SYS_pselect6};

inline int set_int_option(int s, int level, int option, int value) {
    return nn_setsockopt(s, level, option, &value, sizeof value);
}

// Sets a socket-level (NN_SOL_SOCKET) int option; REQUIREs that s took it.
inline void set_socket_option(int s, int option, int value) {
    REQUIRE(set_int_option(s, NN_SOL_SOCKET, option, value) == 0);
}

// How long the helpers' sockets let nn_send and nn_recv block: finite, so
// that a broken test fails instead of hanging.
inline constexpr int test_timeout_ms = 10000;

// NN_SNDTIMEO's and NN_RCVTIMEO's default (block until the call can
// complete). A socket made with it has neither option set.
inline constexpr int no_timeout = -1;

// Gives s send and receive timeouts of ms (REQUIRE).
inline void set_timeouts(int s, int ms = test_timeout_ms) {
    set_socket_option(s, NN_SNDTIMEO, ms);
    set_socket_option(s, NN_RCVTIMEO, ms);
}

// A new socket (REQUIRE) whose sends and receives give up after timeout_ms,
// or, with no_timeout, block as long as it takes. The caller closes it.
inline int make_socket(int domain, int protocol, int timeout_ms = test_timeout_ms) {
    const int s = nn_socket(domain, protocol);
    REQUIRE(s >= 0);
    if (timeout_ms != no_timeout) set_timeouts(s, timeout_ms);
    return s;
}

// A socket (AF_SP and NN_PAIR unless given; no timeouts set) that is closed,
// the close CHECKed, when the guard goes out of scope or earlier by close().
struct socket_guard {
    socket_guard() : socket_guard(AF_SP, NN_PAIR) {}
    explicit socket_guard(int protocol) : socket_guard(AF_SP, protocol) {}
    socket_guard(int domain, int protocol) : s(nn_socket(domain, protocol)) { REQUIRE(s >= 0); }
    socket_guard(const socket_guard&) = delete;
    socket_guard& operator=(const socket_guard&) = delete;
    ~socket_guard() { close(); }
    void close() {
        if (s >= 0) CHECK(nn_close(s) == 0);
        s = -1;
    }
    int s;
};

// Binds s to a fresh inproc name made from stem (REQUIRE); returns the address.
inline std::string bind_inproc(int s, const std::string& stem) {
    const std::string address = "inproc://" + unique_name(stem);
    REQUIRE(nn_bind(s, address.c_str()) > 0);
    return address;
}

// Binds `bound` to a fresh inproc name and connects `connecting` to it
// (REQUIRE); returns the address.
inline std::string join_inproc(int bound, int connecting, const std::string& stem) {
    const std::string address = bind_inproc(bound, stem);
    REQUIRE(nn_connect(connecting, address.c_str()) > 0);
    return address;
}

// Two PAIR sockets made by make_socket with timeout_ms, a bound and b
// connected over inproc; both closed (CHECK) at the end.
struct connected_pair {
    explicit connected_pair(int timeout_ms = test_timeout_ms)
        : a(make_socket(AF_SP, NN_PAIR, timeout_ms)), b(make_socket(AF_SP, NN_PAIR, timeout_ms)) {
        join_inproc(a, b, "pair");
    }
    connected_pair(const connected_pair&) = delete;
    connected_pair& operator=(const connected_pair&) = delete;
    ~connected_pair() {
        CHECK(nn_close(a) == 0);
        CHECK(nn_close(b) == 0);
    }
    int a, b;
};

// A message header over count iovecs, with no control data.
inline nn_msghdr header_of(nn_iovec* iov, int count) {
    nn_msghdr hdr{};
    hdr.msg_iov = iov;
    hdr.msg_iovlen = count;
    return hdr;
}

// Sends payload again and again with NN_DONTWAIT until s refuses it with
// EAGAIN, its buffers and its peer's full (REQUIRE, within 1000 messages);
// returns how many went.
inline int fill_until_full(int s, const std::string& payload) {
    int sent = 0;
    while (nn_send(s, payload.data(), payload.size(), NN_DONTWAIT) ==
           static_cast<int>(payload.size())) {
        REQUIRE(++sent < 1000);
    }
    REQUIRE(nn_errno() == EAGAIN);
    return sent;
}

// Sends text as one message (REQUIRE that all of it went).
inline void send_text(int s, const std::string& text) {
    REQUIRE(nn_send(s, text.data(), text.size(), 0) == static_cast<int>(text.size()));
}

// Receives one message of up to 64 bytes as text (REQUIRE that one came).
inline std::string receive_text(int s) {
    char buf[64];
    const int n = nn_recv(s, buf, sizeof buf, 0);
    REQUIRE_MESSAGE(n >= 0, nn_strerror(nn_errno()));
    return std::string(buf, static_cast<std::size_t>(n));
}

// Waits until pred(nn_get_statistic(s, id)) holds. Statistics have no event
// to wait on, so this reads one every millisecond. False after 20 s.
template <typename Pred>
bool wait_for_statistic(int s, int id, Pred pred) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (;;) {
        if (pred(nn_get_statistic(s, id))) return true;
        if (std::chrono::steady_clock::now() >= until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

inline bool wait_for_statistic_equal(int s, int id, std::uint64_t value) {
    return wait_for_statistic(s, id, [value](std::uint64_t v) { return v == value; });
}

inline bool wait_for_statistic_at_least(int s, int id, std::uint64_t value) {
    return wait_for_statistic(s, id,
                              [value](std::uint64_t v) { return v != UINT64_MAX && v >= value; });
}

}  // namespace nanoport::test
