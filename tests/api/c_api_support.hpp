// Helpers for the C API tests: free TCP ports, unique ipc/inproc names, and
// waiting (without sleeping) until a thread is blocked inside a socket.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "core/socket_table.hpp"
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

}  // namespace nanoport::test
