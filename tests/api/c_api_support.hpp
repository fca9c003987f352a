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

namespace nanoport::test {

// A TCP port that was free a moment ago: bind a plain socket to
// 127.0.0.1:0, read the port, close it. (nanomsg addresses cannot say port
// 0.) Callers retry with a new port on EADDRINUSE.
inline int free_tcp_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    int port = -1;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
        port = ntohs(a.sin_port);
    }
    ::close(fd);
    return port;
}

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
