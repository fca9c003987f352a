// Test support: fresh addresses, so tests run in parallel (ctest -j) without
// colliding. TCP ports are ones the kernel just handed out for 127.0.0.1;
// ipc paths live under /tmp with the process id and a counter in the name,
// and the files are removed by ipc_path's destructor.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>

namespace nanoport::test {

// A TCP port on 127.0.0.1 that was free a moment ago (-1 if none could be
// had). nanomsg addresses cannot say port 0, so tests pick one this way and
// retry with a new one on EADDRINUSE.
inline int free_tcp_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    socklen_t len = sizeof sa;
    int port = -1;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0) {
        port = ntohs(sa.sin_port);
    }
    ::close(fd);
    return port;
}

// A TCP port on 127.0.0.1 that refuses connections for as long as this
// object lives: it is bound but never listens, so no other process (another
// test running at the same time) can take it. release() frees it for a bind.
class closed_tcp_port {
public:
    closed_tcp_port() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd_ < 0) return;
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof sa;
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 &&
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len) == 0) {
            port_ = ntohs(sa.sin_port);
        }
    }
    ~closed_tcp_port() { release(); }
    closed_tcp_port(const closed_tcp_port&) = delete;
    closed_tcp_port& operator=(const closed_tcp_port&) = delete;
    int port() const { return port_; }  // -1 if none could be had
    void release() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_ = -1;
    int port_ = -1;
};

inline std::string tcp_url() { return "tcp://127.0.0.1:" + std::to_string(free_tcp_port()); }

// A unique ipc path, removed when this object goes.
class ipc_path {
public:
    ipc_path() {
        static std::atomic<int> counter{0};
        path_ = "/tmp/nanoport-test-" + std::to_string(::getpid()) + "-" +
                std::to_string(counter.fetch_add(1)) + ".ipc";
        ::unlink(path_.c_str());
    }
    ~ipc_path() { ::unlink(path_.c_str()); }
    const std::string& path() const { return path_; }
    std::string url() const { return "ipc://" + path_; }

private:
    std::string path_;
};

}  // namespace nanoport::test
