// Helpers for the C API tests: free TCP ports, unique ipc/inproc names,
// waiting (bounded, without sleeping to settle) until a thread is blocked
// inside a socket or a system call, and until a statistic moves.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <string>
#include <thread>

#include "core/socket_table.hpp"
#include "nanomsg/nn.h"
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

inline int set_int_option(int s, int level, int option, int value) {
    return nn_setsockopt(s, level, option, &value, sizeof value);
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
