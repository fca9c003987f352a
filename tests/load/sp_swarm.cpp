// sp_swarm: many SP REQ connections to one REP listener, from one process,
// for the load tests (tests/load/connections_test.cpp starts it).
//
// It speaks the SP wire protocol by hand over raw non-blocking sockets and one
// epoll set, and links nothing of nanoport. That is on purpose: a connection
// costs this side one descriptor and a few dozen bytes, so 10,000 of them fit
// in one small process and the memory the test measures is the server's only;
// and a bug shared by both ends of nanoport cannot hide itself.
//
//   sp_swarm tcp|ipc ADDRESS hold  COUNT ROUNDS DEADLINE_S
//   sp_swarm tcp|ipc ADDRESS churn COUNT IN_FLIGHT DEADLINE_S
//
// ADDRESS is host:port (tcp, IPv4) or a path (ipc).
//
// hold: opens COUNT connections and keeps every one open. Each sends a
// request as soon as its greeting is out and waits for the reply; when all
// are answered it prints "answered N" and starts the next round, in which
// every connection sends again at once. After ROUNDS rounds it prints
// "holding COUNT" and waits for its stdin to close, then closes everything,
// prints "closed" and exits 0.
//
// churn: COUNT times, connects, sends a request, checks the reply and closes,
// with IN_FLIGHT connections under way at once. Every other connection is
// closed with a reset (SO_LINGER 0), the others with a FIN, so the server
// sees both ways a peer goes. tcp connections come from 127.0.0.2 ..
// 127.0.0.17 in turn: the FIN-closed ones sit in TIME_WAIT on this side for a
// minute, and sixteen source addresses give them sixteen times the ports.
// Prints "progress K" every 1000 connections and "done K" at the end.
//
// Any protocol error or failed connect is reported on stderr with exit 1;
// passing DEADLINE_S ends the process with exit 2 (alarm), so it never
// outlives a test that lost track of it.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr std::uint16_t sp_req = 48;
constexpr std::uint16_t sp_rep = 49;
constexpr std::size_t greeting_size = 8;
constexpr std::size_t body_size = 8;  // the connection's index, big-endian

bool use_ipc = false;
sockaddr_in tcp_peer{};
sockaddr_un ipc_peer{};
int epoll_fd = -1;

[[noreturn]] void fail(const char* what, long index, int error) {
    std::fprintf(stderr, "sp_swarm: connection %ld: %s: %s\n", index, what,
                 error ? std::strerror(error) : "protocol error");
    std::exit(1);
}

void put_u32(unsigned char* p, std::uint32_t v) {
    p[0] = static_cast<unsigned char>(v >> 24);
    p[1] = static_cast<unsigned char>(v >> 16);
    p[2] = static_cast<unsigned char>(v >> 8);
    p[3] = static_cast<unsigned char>(v);
}

void put_u64(unsigned char* p, std::uint64_t v) {
    put_u32(p, static_cast<std::uint32_t>(v >> 32));
    put_u32(p + 4, static_cast<std::uint32_t>(v));
}

// Frame of one REQ message on the wire: [ipc type byte] length, request id
// (top bit set: the last word of the backtrace), body.
std::size_t frame_size() { return (use_ipc ? 1 : 0) + 8 + 4 + body_size; }

std::size_t write_request(unsigned char* p, std::uint32_t request_id, std::uint64_t index) {
    unsigned char* start = p;
    if (use_ipc) *p++ = 1;  // ipc: a normal message
    put_u64(p, 4 + body_size);
    put_u32(p + 8, request_id | 0x80000000u);
    put_u64(p + 12, index);
    return static_cast<std::size_t>(p + 12 + body_size - start);
}

// One connection. Its whole exchange is a few dozen bytes, so each step is
// straight-line: the greeting and the request go out in one write, and what
// comes back is collected in `in` until a reply frame is complete.
struct connection {
    int fd = -1;
    long index = 0;
    std::uint32_t request_id = 0;
    bool connected = false;
    bool greeted = false;  // the peer's greeting was read and checked
    unsigned char in[64];
    std::size_t have = 0;
};

int open_connection(connection& c, long index, long ordinal) {
    c = connection{};
    c.index = index;
    const int fd = ::socket(use_ipc ? AF_UNIX : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) fail("socket", index, errno);
    int rc;
    if (use_ipc) {
        rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&ipc_peer), sizeof ipc_peer);
    } else {
        // Rotate the source address; the port is picked at connect time.
        const int one = 1;
        ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        sockaddr_in local{};
        local.sin_family = AF_INET;
        local.sin_addr.s_addr = htonl(0x7f000002u + static_cast<std::uint32_t>(ordinal % 16));
        if (::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) < 0) {
            fail("bind", index, errno);
        }
        rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&tcp_peer), sizeof tcp_peer);
    }
    if (rc < 0 && errno != EINPROGRESS) {
        // A full unix listen queue answers EAGAIN; the caller retries later.
        if (use_ipc && errno == EAGAIN) {
            ::close(fd);
            return -1;
        }
        fail("connect", index, errno);
    }
    c.fd = fd;
    c.connected = rc == 0;
    epoll_event ev{};
    ev.events = EPOLLIN | (c.connected ? 0u : EPOLLOUT);
    ev.data.ptr = &c;
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) fail("epoll_ctl", index, errno);
    return 0;
}

void send_request(connection& c, bool with_greeting) {
    unsigned char out[greeting_size + 32];
    std::size_t n = 0;
    if (with_greeting) {
        const unsigned char greeting[greeting_size] = {0, 'S', 'P', 0, 0, sp_req, 0, 0};
        std::memcpy(out, greeting, greeting_size);
        n = greeting_size;
    }
    ++c.request_id;
    n += write_request(out + n, c.request_id, static_cast<std::uint64_t>(c.index));
    // A fresh socket's send buffer takes a few dozen bytes whole.
    const ssize_t sent = ::send(c.fd, out, n, MSG_NOSIGNAL);
    if (sent != static_cast<ssize_t>(n)) fail("send", c.index, sent < 0 ? errno : 0);
}

void on_connected(connection& c) {
    int error = 0;
    socklen_t len = sizeof error;
    ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0) fail("connect", c.index, error);
    c.connected = true;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &c;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c.fd, &ev);
    send_request(c, true);
}

// Reads what is there; true once the reply to the current request is in
// and checked. EOF or an error before that is a failure.
bool on_readable(connection& c) {
    const ssize_t n = ::recv(c.fd, c.in + c.have, sizeof c.in - c.have, 0);
    if (n == 0) fail("peer closed", c.index, 0);
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) return false;
        fail("recv", c.index, errno);
    }
    c.have += static_cast<std::size_t>(n);
    if (!c.greeted) {
        if (c.have < greeting_size) return false;
        const unsigned char expected[greeting_size] = {0, 'S', 'P', 0, 0, sp_rep, 0, 0};
        if (std::memcmp(c.in, expected, greeting_size) != 0) fail("greeting", c.index, 0);
        c.greeted = true;
        c.have -= greeting_size;
        std::memmove(c.in, c.in + greeting_size, c.have);
    }
    if (c.have < frame_size()) return false;
    if (c.have > frame_size()) fail("more than one reply", c.index, 0);
    unsigned char expected[32];
    write_request(expected, c.request_id, static_cast<std::uint64_t>(c.index));
    if (std::memcmp(c.in, expected, frame_size()) != 0) fail("reply does not match", c.index, 0);
    c.have = 0;
    return true;
}

void close_connection(connection& c, bool reset) {
    if (reset) {
        const linger l{1, 0};
        ::setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    ::close(c.fd);  // also leaves the epoll set
    c.fd = -1;
}

void raise_fd_limit(long needed) {
    rlimit r{};
    ::getrlimit(RLIMIT_NOFILE, &r);
    if (r.rlim_cur >= static_cast<rlim_t>(needed)) return;
    r.rlim_cur = std::min<rlim_t>(r.rlim_max, static_cast<rlim_t>(needed));
    ::setrlimit(RLIMIT_NOFILE, &r);
    if (r.rlim_cur < static_cast<rlim_t>(needed)) {
        std::fprintf(stderr, "sp_swarm: need %ld descriptors, the hard limit is %llu\n", needed,
                     static_cast<unsigned long long>(r.rlim_max));
        std::exit(1);
    }
}

// Waits for events; the deadline is the alarm's.
int wait_events(epoll_event* events, int max) {
    for (;;) {
        const int n = ::epoll_wait(epoll_fd, events, max, -1);
        if (n >= 0) return n;
        if (errno != EINTR) fail("epoll_wait", -1, errno);
    }
}

int run_hold(long count, long rounds) {
    raise_fd_limit(count + 64);
    std::vector<connection> all(static_cast<std::size_t>(count));
    // Connections not answered yet are kept under the listen queue's length,
    // so the kernel never drops a SYN (a dropped SYN costs a one-second retry).
    constexpr long max_pending = 1024;
    long opened = 0, pending = 0, answered = 0;
    std::vector<epoll_event> events(512);
    while (answered < count) {
        while (opened < count && pending < max_pending) {
            if (open_connection(all[static_cast<std::size_t>(opened)], opened, opened) < 0) break;
            if (all[static_cast<std::size_t>(opened)].connected) {
                send_request(all[static_cast<std::size_t>(opened)], true);
            }
            ++opened;
            ++pending;
        }
        const int n = wait_events(events.data(), static_cast<int>(events.size()));
        for (int i = 0; i < n; ++i) {
            connection& c = *static_cast<connection*>(events[i].data.ptr);
            if (!c.connected) {
                on_connected(c);
            } else if (on_readable(c)) {
                --pending;
                ++answered;
            }
        }
    }
    std::printf("answered %ld\n", answered);
    std::fflush(stdout);
    for (long round = 1; round < rounds; ++round) {
        // Every connection has a request outstanding at once.
        for (connection& c : all) send_request(c, false);
        long replies = 0;
        while (replies < count) {
            const int n = wait_events(events.data(), static_cast<int>(events.size()));
            for (int i = 0; i < n; ++i) {
                if (on_readable(*static_cast<connection*>(events[i].data.ptr))) ++replies;
            }
        }
        answered += replies;
        std::printf("answered %ld\n", answered);
        std::fflush(stdout);
    }
    std::printf("holding %ld\n", count);
    std::fflush(stdout);
    char line[64];
    while (std::fgets(line, sizeof line, stdin)) {
    }
    for (connection& c : all) close_connection(c, false);
    std::printf("closed\n");
    return 0;
}

int run_churn(long count, long in_flight) {
    raise_fd_limit(in_flight + 64);
    std::vector<connection> slots(static_cast<std::size_t>(in_flight));
    std::vector<bool> busy(slots.size(), false);
    long started = 0, done = 0;
    std::vector<epoll_event> events(512);
    while (done < count) {
        for (std::size_t s = 0; s < slots.size() && started < count; ++s) {
            if (busy[s]) continue;
            if (open_connection(slots[s], started, started) < 0) break;
            if (slots[s].connected) send_request(slots[s], true);
            busy[s] = true;
            ++started;
        }
        const int n = wait_events(events.data(), static_cast<int>(events.size()));
        for (int i = 0; i < n; ++i) {
            connection& c = *static_cast<connection*>(events[i].data.ptr);
            if (c.fd < 0) continue;  // closed earlier in this batch
            if (!c.connected) {
                on_connected(c);
            } else if (on_readable(c)) {
                close_connection(c, c.index % 2 == 1);
                busy[static_cast<std::size_t>(&c - slots.data())] = false;
                ++done;
                if (done % 1000 == 0) {
                    std::printf("progress %ld\n", done);
                    std::fflush(stdout);
                }
            }
        }
    }
    std::printf("done %ld\n", done);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 7) {
        std::fprintf(stderr,
                     "usage: sp_swarm tcp|ipc ADDRESS hold COUNT ROUNDS DEADLINE_S\n"
                     "       sp_swarm tcp|ipc ADDRESS churn COUNT IN_FLIGHT DEADLINE_S\n");
        return 1;
    }
    const std::string transport = argv[1], address = argv[2], mode = argv[3];
    const long count = std::atol(argv[4]), extra = std::atol(argv[5]);
    ::alarm(static_cast<unsigned>(std::atol(argv[6])));
    ::signal(SIGALRM, [](int) {
        static const char message[] = "sp_swarm: deadline passed\n";
        (void)!::write(2, message, sizeof message - 1);
        ::_exit(2);
    });
    use_ipc = transport == "ipc";
    if (use_ipc) {
        ipc_peer.sun_family = AF_UNIX;
        std::snprintf(ipc_peer.sun_path, sizeof ipc_peer.sun_path, "%s", address.c_str());
    } else {
        const auto colon = address.rfind(':');
        tcp_peer.sin_family = AF_INET;
        tcp_peer.sin_port = htons(static_cast<std::uint16_t>(std::atoi(address.c_str() + colon + 1)));
        if (colon == std::string::npos ||
            ::inet_pton(AF_INET, address.substr(0, colon).c_str(), &tcp_peer.sin_addr) != 1) {
            std::fprintf(stderr, "sp_swarm: bad tcp address %s\n", address.c_str());
            return 1;
        }
    }
    epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (count <= 0 || extra <= 0) return 1;
    if (mode == "hold") return run_hold(count, extra);
    if (mode == "churn") return run_churn(count, extra);
    std::fprintf(stderr, "sp_swarm: unknown mode %s\n", mode.c_str());
    return 1;
}
