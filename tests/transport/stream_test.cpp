// The tcp and ipc transports end to end, below the socket layer: two
// test_sockets connected through real listeners, dialers and stream_pipes,
// and raw OS sockets playing hostile peers.
#include "transport/stream/stream_pipe.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <thread>
#include <tuple>

#include "support/addresses.hpp"
#include "support/test_socket.hpp"

using namespace nanoport;
using namespace std::chrono_literals;
using test::test_socket;

namespace {

constexpr std::uint16_t pair_id = 16;
constexpr std::uint16_t pull_id = 81;

aio::message pattern_message(std::size_t size, unsigned seed) {
    aio::message m(size);
    std::minstd_rand gen(seed);
    for (auto& b : m.mutable_body()) b = std::byte(gen());
    return m;
}

bool same_bytes(const aio::message& a, const aio::message& b) {
    return a.size() == b.size() && std::equal(a.body().begin(), a.body().end(), b.body().begin());
}

// One transport's address factory, for tests that run over both.
struct transport_case {
    const char* name;
    std::string url;
};

std::vector<transport_case> both_transports(const test::ipc_path& ipc) {
    return {{"tcp", test::tcp_url()}, {"ipc", ipc.url()}};
}

// A raw client: a plain blocking OS socket connected to url.
int raw_connect(const std::string& url) {
    if (url.rfind("tcp://", 0) == 0) {
        const int port = std::stoi(url.substr(url.rfind(':') + 1));
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(static_cast<std::uint16_t>(port));
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
        return fd;
    }
    const std::string path = url.substr(6);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    return fd;
}

// Reads until the peer closes; true if it closed (EOF or reset) within the deadline.
bool closed_by_peer(int fd, int deadline_ms = 10000) {
    timeval tv{deadline_ms / 1000, (deadline_ms % 1000) * 1000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[256];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n == 0) return true;
        if (n < 0) {
            if (errno == ECONNRESET) return true;
            // io_uring's task-work notification interrupts a read with
            // SO_RCVTIMEO set on a thread that submitted to a ring: retry.
            if (errno == EINTR) continue;
            MESSAGE("read from the raw client socket failed: " << std::string(std::strerror(errno)));
            return false;
        }
    }
}

void write_all(int fd, const void* data, std::size_t n) {
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
        const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
        REQUIRE(w > 0);
        p += w;
        n -= static_cast<std::size_t>(w);
    }
}

const unsigned char pair_greeting[8] = {0, 'S', 'P', 0, 0, 16, 0, 0};

// A bound server socket plus a connected client socket, paired.
struct connected_pair {
    connected_pair(aio::pool& pool, const std::string& url) : server(pool, pair_id), client(pool, pair_id) {
        REQUIRE_FALSE(server.endpoint(url, true, listener));
        REQUIRE_FALSE(client.endpoint(url, false, dialer));
        REQUIRE(server.wait([&] { return server.added == 1; }));
        REQUIRE(client.wait([&] { return client.added == 1; }));
    }
    ~connected_pair() {
        if (dialer) client.close_endpoint(dialer);
        if (listener) server.close_endpoint(listener);
    }
    test_socket server, client;
    std::unique_ptr<transport::endpoint> listener, dialer;
};

}  // namespace

TEST_CASE("messages of 0 B, 1 B, 1 KiB, 100 KiB and 1 MiB cross tcp and ipc byte-exact, in order, both ways") {
    aio::pool pool(2);
    test::ipc_path ipc;
    for (const auto& t : both_transports(ipc)) {
        CAPTURE(t.name);
        connected_pair cp(pool, t.url);
        cp.server.options.receive_max_size = -1;
        cp.client.options.receive_max_size = -1;
        const std::vector<std::size_t> sizes = {0, 1, 1024, 100 * 1024, 1 << 20, 3, 0};
        for (test_socket* from : {&cp.client, &cp.server}) {
            test_socket* to = from == &cp.client ? &cp.server : &cp.client;
            for (std::size_t i = 0; i < sizes.size(); ++i) {
                REQUIRE(from->wait([&] { return !from->writable_pipes.empty(); }));
                REQUIRE(from->send(pattern_message(sizes[i], static_cast<unsigned>(i))));
            }
            REQUIRE(to->wait([&] { return to->received.size() == sizes.size(); }));
            to->inside([&] {
                for (std::size_t i = 0; i < sizes.size(); ++i) {
                    CHECK(same_bytes(to->received[i], pattern_message(sizes[i], static_cast<unsigned>(i))));
                }
                to->received.clear();
            });
        }
    }
}

TEST_CASE("with NN_IPV4ONLY off, IPv6 loopback and the any-address work") {
    aio::pool pool(2);
    const int port = test::free_tcp_port();
    test_socket server(pool, pair_id), client(pool, pair_id);
    server.options.ipv4_only = false;
    client.options.ipv4_only = false;
    std::unique_ptr<transport::endpoint> listener, dialer;
    // "*" with IPv6 allowed is dual-stack: an IPv6 client reaches it.
    REQUIRE_FALSE(server.endpoint("tcp://*:" + std::to_string(port), true, listener));
    REQUIRE_FALSE(client.endpoint("tcp://[::1]:" + std::to_string(port), false, dialer));
    REQUIRE(client.wait([&] { return client.added == 1; }));
    REQUIRE(client.send(pattern_message(77, 5)));
    REQUIRE(server.wait([&] { return server.received.size() == 1; }));
    client.close_endpoint(dialer);
    server.close_endpoint(listener);
}

TEST_CASE("with NN_IPV4ONLY on, connecting to an IPv6 literal is EINVAL") {
    aio::pool pool(1);
    test_socket client(pool, pair_id);
    std::unique_ptr<transport::endpoint> dialer;
    CHECK(client.endpoint("tcp://[::1]:5555", false, dialer) == std::errc::invalid_argument);
}

TEST_CASE("an unknown local interface is ENODEV") {
    aio::pool pool(1);
    test_socket s(pool, pair_id);
    std::unique_ptr<transport::endpoint> e;
    CHECK(s.endpoint("tcp://no-such-interface0:5555", true, e) == std::errc::no_such_device);
    CHECK(s.endpoint("tcp://no-such-interface0;127.0.0.1:5555", false, e) == std::errc::no_such_device);
}

TEST_CASE("a stream of many small messages arrives complete and in order") {
    aio::pool pool(2);
    test::ipc_path ipc;
    for (const auto& t : both_transports(ipc)) {
        CAPTURE(t.name);
        connected_pair cp(pool, t.url);
        constexpr int count = 50000;
        int sent = 0;
        while (sent < count) {
            REQUIRE(cp.client.wait([&] { return !cp.client.writable_pipes.empty(); }));
            while (sent < count && cp.client.send(pattern_message(16, static_cast<unsigned>(sent)))) ++sent;
        }
        REQUIRE(cp.server.wait([&] { return cp.server.received.size() == count; }, 60s));
        cp.server.inside([&] {
            // Every one, all held at once: a message is a slice of a read
            // buffer, and later reads must not have written over it.
            int intact = 0;
            int sharing = 0;  // messages in the same read buffer as the one before
            for (int i = 0; i < count; ++i) {
                const aio::message& m = cp.server.received[static_cast<std::size_t>(i)];
                if (same_bytes(m, pattern_message(16, static_cast<unsigned>(i)))) ++intact;
                if (i > 0 && m.body_chunk().get() ==
                                 cp.server.received[static_cast<std::size_t>(i - 1)].body_chunk().get()) {
                    ++sharing;
                }
            }
            CHECK(intact == count);
            // No allocation per message: nearly all share a buffer with the
            // one before (each buffer holds hundreds of them).
            CHECK(sharing > count * 9 / 10);
        });
    }
}

TEST_CASE("a mixed stream of small, medium, big and huge messages arrives intact while all are held") {
    aio::pool pool(2);
    test::ipc_path ipc;
    // 16 B and 300 B are copied into the sender's stage; 5000 B and up are
    // written from their bodies. On the receiving side 70 KiB fits a read
    // buffer, 200 KiB is read straight into its own body.
    const std::vector<std::size_t> sizes = {16, 5000, 70 * 1024, 0, 200 * 1024, 300, 16, 16};
    for (const auto& t : both_transports(ipc)) {
        CAPTURE(t.name);
        connected_pair cp(pool, t.url);
        cp.server.options.receive_max_size = -1;
        constexpr int count = 800;
        int sent = 0;
        while (sent < count) {
            REQUIRE(cp.client.wait([&] { return !cp.client.writable_pipes.empty(); }));
            while (sent < count &&
                   cp.client.send(pattern_message(sizes[static_cast<std::size_t>(sent) % sizes.size()],
                                                  static_cast<unsigned>(sent)))) {
                ++sent;
            }
        }
        REQUIRE(cp.server.wait([&] { return cp.server.received.size() == count; }, 60s));
        cp.server.inside([&] {
            int intact = 0;
            for (int i = 0; i < count; ++i) {
                const std::size_t size = sizes[static_cast<std::size_t>(i) % sizes.size()];
                if (same_bytes(cp.server.received[static_cast<std::size_t>(i)],
                               pattern_message(size, static_cast<unsigned>(i)))) {
                    ++intact;
                }
            }
            CHECK(intact == count);
        });
    }
}

TEST_CASE("a message sent shared to two pipes arrives intact on both and stays the sender's") {
    // What PUB, BUS and SURVEYOR do: one message, every pipe. A small body
    // is copied into each pipe's stage, a big one is kept shared (or written
    // directly, whole or in part); the sender's message is left as it was.
    aio::pool pool(2);
    test::ipc_path ipc;
    const std::vector<std::size_t> sizes = {16, 300, 0, 5000, 70 * 1024, 200 * 1024, 16, 1024 * 1024};
    for (const auto& t : both_transports(ipc)) {
        CAPTURE(t.name);
        test_socket server(pool, pair_id), one(pool, pair_id), two(pool, pair_id);
        one.options.receive_max_size = two.options.receive_max_size = -1;
        std::unique_ptr<transport::endpoint> listener, dial_one, dial_two;
        REQUIRE_FALSE(server.endpoint(t.url, true, listener));
        REQUIRE_FALSE(one.endpoint(t.url, false, dial_one));
        REQUIRE_FALSE(two.endpoint(t.url, false, dial_two));
        struct cleanup {  // also when a REQUIRE fails
            test_socket &server, &one, &two;
            std::unique_ptr<transport::endpoint>&listener, &dial_one, &dial_two;
            ~cleanup() {
                one.close_endpoint(dial_one);
                two.close_endpoint(dial_two);
                server.close_endpoint(listener);
            }
        } cleanup{server, one, two, listener, dial_one, dial_two};
        REQUIRE(server.wait([&] { return server.added == 2; }));
        constexpr int count = 400;
        for (int i = 0; i < count; ++i) {
            const std::size_t size = sizes[static_cast<std::size_t>(i) % sizes.size()];
            const aio::message m = pattern_message(size, static_cast<unsigned>(i));
            REQUIRE(server.wait([&] { return server.writable_pipes.size() == 2; }, 60s));
            server.inside([&] {
                for (transport::pipe* p : server.pipes) {
                    if (!p->send_shared(m)) {
                        server.writable_pipes.erase(
                            std::find(server.writable_pipes.begin(), server.writable_pipes.end(), p));
                    }
                }
            });
            CHECK(same_bytes(m, pattern_message(size, static_cast<unsigned>(i))));
        }
        for (test_socket* peer : {&one, &two}) {
            REQUIRE(peer->wait([&] { return peer->received.size() == count; }, 60s));
            peer->inside([&] {
                int intact = 0;
                for (int i = 0; i < count; ++i) {
                    const std::size_t size = sizes[static_cast<std::size_t>(i) % sizes.size()];
                    if (same_bytes(peer->received[static_cast<std::size_t>(i)],
                                   pattern_message(size, static_cast<unsigned>(i)))) {
                        ++intact;
                    }
                }
                CHECK(intact == count);
            });
        }
    }
}

TEST_CASE("a pipe reports full at NN_SNDBUF and writable again once drained") {
    aio::pool pool(2);
    const std::string url = test::tcp_url();
    test_socket server(pool, pair_id), client(pool, pair_id);
    server.holding = true;  // nobody reads: the server stops reading at RCVBUF
    server.options.receive_buffer = 64 * 1024;
    client.options.send_buffer = 64 * 1024;
    std::unique_ptr<transport::endpoint> listener, dialer;
    REQUIRE_FALSE(server.endpoint(url, true, listener));
    REQUIRE_FALSE(client.endpoint(url, false, dialer));
    REQUIRE(client.wait([&] { return client.added == 1; }));
    REQUIRE(server.wait([&] { return server.added == 1; }));
    int sent = 0;
    // Keep sending while writable; kernel buffers fill, then our queue does.
    while (client.send(pattern_message(4096, 1))) {
        ++sent;
        REQUIRE(sent < 100000);
        if (client.inside([&] { return client.writable_pipes.empty(); })) break;
    }
    CHECK(client.inside([&] { return client.writable_pipes.empty(); }));
    // The reader drains: the writer must be told it may go on.
    server.inside([&] {
        server.holding = false;
        for (auto* p : server.readable_pipes) server.drain(*p);
        server.readable_pipes.clear();
    });
    REQUIRE(client.wait([&] { return client.writable_events >= 1; }));
    REQUIRE(server.wait([&] { return static_cast<int>(server.received.size()) >= sent; }));
    client.close_endpoint(dialer);
    server.close_endpoint(listener);
}

TEST_CASE("over ipc, big messages sent into an idle pipe are in the peer's socket when send returns") {
    // Each is written on the sending thread (no hand-over to the worker),
    // also right after another send of that thread - when a small message
    // would be queued for the worker to coalesce.
    aio::pool pool(2);
    test::ipc_path ipc;
    test_socket server(pool, pair_id);
    std::unique_ptr<transport::endpoint> listener;
    REQUIRE_FALSE(server.endpoint(ipc.url(), true, listener));
    const int fd = raw_connect(ipc.url());
    struct cleanup {  // also when a REQUIRE fails
        test_socket& server;
        std::unique_ptr<transport::endpoint>& listener;
        int fd;
        ~cleanup() {
            ::close(fd);
            server.close_endpoint(listener);
        }
    } cleanup{server, listener, fd};
    write_all(fd, pair_greeting, 8);
    unsigned char greeting[8];
    REQUIRE(::recv(fd, greeting, 8, MSG_WAITALL) == 8);
    REQUIRE(server.wait([&] { return server.added == 1; }));
    // The smallest body that goes directly; two frames of it fit in an
    // empty unix socket's buffer.
    const std::size_t body = server.options.send_buffer / 4;
    const std::size_t frame = 9 + body;
    std::vector<unsigned char> got(2 * frame);
    for (unsigned seed = 1; seed <= 3; ++seed) {
        CAPTURE(seed);
        REQUIRE(server.wait([&] { return server.pipes.front()->flushed(); }));
        const aio::message first = pattern_message(body, 2 * seed);
        const aio::message second = pattern_message(body, 2 * seed + 1);
        // Still inside the ctx after each send, so a write handed to the
        // worker could not have completed: the pipe is idle only if the
        // message was written whole by send() itself.
        const auto [first_sent, idle_after_first, second_sent, idle_after_second] = server.inside([&] {
            transport::pipe& p = *server.pipes.front();
            const bool sent = p.send(aio::message(first));
            const bool idle = p.flushed();
            const bool sent_too = p.send(aio::message(second));
            return std::tuple(sent, idle, sent_too, p.flushed());
        });
        REQUIRE(first_sent);
        REQUIRE(idle_after_first);
        REQUIRE(second_sent);
        REQUIRE(idle_after_second);
        std::size_t n = 0;
        while (n < got.size()) {
            const ssize_t r = ::recv(fd, got.data() + n, got.size() - n, MSG_DONTWAIT);
            if (r <= 0) break;
            n += static_cast<std::size_t>(r);
        }
        REQUIRE(n == got.size());
        CHECK(got[0] == 1);  // the ipc type byte of a message
        CHECK(got[frame] == 1);
        CHECK(std::equal(first.body().begin(), first.body().end(),
                         reinterpret_cast<const std::byte*>(got.data() + 9)));
        CHECK(std::equal(second.body().begin(), second.body().end(),
                         reinterpret_cast<const std::byte*>(got.data() + frame + 9)));
    }
}

TEST_CASE("a reader that keeps a small NN_RCVBUF busy gets every message, in order, intact") {
    // The queue fills at 8 KiB and reading pauses; each time the reader
    // takes it down to half, reading resumes on the reader's own thread (a
    // direct read) while the sender keeps writing.
    aio::pool pool(2);
    test::ipc_path ipc;
    const std::vector<std::size_t> sizes = {1000, 16, 3000, 0, 7000, 20000, 16, 5000};
    for (const auto& t : both_transports(ipc)) {
        CAPTURE(t.name);
        test_socket server(pool, pair_id), client(pool, pair_id);
        server.holding = true;
        server.options.receive_buffer = 8 * 1024;
        std::unique_ptr<transport::endpoint> listener, dialer;
        REQUIRE_FALSE(server.endpoint(t.url, true, listener));
        REQUIRE_FALSE(client.endpoint(t.url, false, dialer));
        REQUIRE(client.wait([&] { return client.added == 1; }));
        REQUIRE(server.wait([&] { return server.added == 1; }));
        constexpr int count = 3000;
        std::thread sender([&] {
            int sent = 0;
            while (sent < count) {
                if (!client.wait([&] { return !client.writable_pipes.empty(); })) break;
                while (sent < count &&
                       client.send(pattern_message(sizes[static_cast<std::size_t>(sent) % sizes.size()],
                                                   static_cast<unsigned>(sent)))) {
                    ++sent;
                }
            }
        });
        const auto until = std::chrono::steady_clock::now() + 60s;
        while (server.inside([&] { return server.received.size(); }) < count &&
               std::chrono::steady_clock::now() < until) {
            server.wait([&] { return !server.readable_pipes.empty(); }, 1s);
            server.inside([&] {
                const auto pipes = std::exchange(server.readable_pipes, {});
                for (transport::pipe* p : pipes) server.drain(*p);
            });
        }
        sender.join();
        server.inside([&] {
            REQUIRE(server.received.size() == count);
            int intact = 0;
            for (int i = 0; i < count; ++i) {
                const std::size_t size = sizes[static_cast<std::size_t>(i) % sizes.size()];
                if (same_bytes(server.received[static_cast<std::size_t>(i)],
                               pattern_message(size, static_cast<unsigned>(i)))) {
                    ++intact;
                }
            }
            CHECK(intact == count);
        });
        client.close_endpoint(dialer);
        server.close_endpoint(listener);
    }
}

TEST_CASE("incompatible protocols never exchange a message") {
    aio::pool pool(2);
    const std::string url = test::tcp_url();
    test_socket server(pool, pair_id), client(pool, pull_id);
    std::unique_ptr<transport::endpoint> listener, dialer;
    REQUIRE_FALSE(server.endpoint(url, true, listener));
    REQUIRE_FALSE(client.endpoint(url, false, dialer));
    // The dialer connects, is refused at the greeting, and tries again.
    REQUIRE(client.wait([&] { return client.established >= 3; }));
    CHECK(server.inside([&] { return server.added; }) == 0);
    CHECK(client.inside([&] { return client.added; }) == 0);
    client.close_endpoint(dialer);
    server.close_endpoint(listener);
}

TEST_CASE("hostile input closes only the offending connection") {
    aio::pool pool(2);
    test::ipc_path ipc;
    for (const auto& t : both_transports(ipc)) {
        CAPTURE(t.name);
        const bool is_ipc = std::string(t.name) == "ipc";
        connected_pair cp(pool, t.url);
        cp.server.options.handshake_timeout_ms = 300;

        SUBCASE("a garbage greeting") {
            const int fd = raw_connect(t.url);
            write_all(fd, "GET / HTTP/1.1\r\n\r\n", 18);
            CHECK(closed_by_peer(fd));
            ::close(fd);
        }
        SUBCASE("a greeting with non-zero reserved bytes") {
            const int fd = raw_connect(t.url);
            const unsigned char g[8] = {0, 'S', 'P', 0, 0, 16, 1, 0};
            write_all(fd, g, 8);
            CHECK(closed_by_peer(fd));
            ::close(fd);
        }
        SUBCASE("a length over NN_RCVMAXSIZE") {
            const int fd = raw_connect(t.url);
            write_all(fd, pair_greeting, 8);
            unsigned char frame[9] = {0x01, 0, 0, 0, 0x10, 0, 0, 0, 0};  // 2^36 bytes
            if (is_ipc) {
                write_all(fd, frame, 9);
            } else {
                write_all(fd, frame + 1, 8);
            }
            CHECK(closed_by_peer(fd));
            ::close(fd);
        }
        SUBCASE("a length of 2^63") {
            const int fd = raw_connect(t.url);
            write_all(fd, pair_greeting, 8);
            const unsigned char frame[9] = {0x01, 0x80, 0, 0, 0, 0, 0, 0, 0};
            write_all(fd, is_ipc ? frame : frame + 1, is_ipc ? 9 : 8);
            CHECK(closed_by_peer(fd));
            ::close(fd);
        }
        SUBCASE("a wrong ipc type byte, or a tcp frame cut off") {
            const int fd = raw_connect(t.url);
            write_all(fd, pair_greeting, 8);
            const unsigned char frame[9] = {0x02, 0, 0, 0, 0, 0, 0, 0, 1};
            if (is_ipc) {
                write_all(fd, frame, 9);
                CHECK(closed_by_peer(fd));
            } else {
                const unsigned char cut[10] = {0, 0, 0, 0, 0, 0, 0, 100, 'x', 'y'};
                write_all(fd, cut, sizeof cut);
                ::shutdown(fd, SHUT_WR);
                CHECK(closed_by_peer(fd));
            }
            ::close(fd);
        }
        SUBCASE("silence: the handshake deadline closes it") {
            const int fd = raw_connect(t.url);
            CHECK(closed_by_peer(fd));
            ::close(fd);
        }
        // Whatever the hostile peer got added was removed again; the
        // legitimate pipe is the one left, and it still works.
        REQUIRE(cp.server.wait([&] { return cp.server.added - cp.server.removed == 1; }));
        REQUIRE(cp.client.send(pattern_message(100, 9)));
        REQUIRE(cp.server.wait([&] { return cp.server.received.size() == 1; }));
        CHECK(cp.server.inside([&] { return cp.server.pipes.size(); }) == 1);
    }
}

TEST_CASE("a dialer reconnects after its peer's listener goes and comes back") {
    aio::pool pool(2);
    test::ipc_path ipc;
    for (const auto& t : both_transports(ipc)) {
        CAPTURE(t.name);
        test_socket server(pool, pair_id), client(pool, pair_id);
        client.options.reconnect_interval_ms = 20;
        std::unique_ptr<transport::endpoint> listener, dialer;
        REQUIRE_FALSE(server.endpoint(t.url, true, listener));
        REQUIRE_FALSE(client.endpoint(t.url, false, dialer));
        REQUIRE(client.wait([&] { return client.added == 1; }));
        REQUIRE(server.close_endpoint(listener));
        REQUIRE(client.wait([&] { return client.removed == 1; }));
        REQUIRE_FALSE(server.endpoint(t.url, true, listener));
        REQUIRE(client.wait([&] { return client.added == 2; }));
        REQUIRE(client.send(pattern_message(10, 4)));
        REQUIRE(server.wait([&] { return server.received.size() == 1; }));
        client.close_endpoint(dialer);
        server.close_endpoint(listener);
    }
}

TEST_CASE("binding an address in use is EADDRINUSE; a stale ipc file is replaced") {
    aio::pool pool(1);
    test_socket a(pool, pair_id), b(pool, pair_id);
    std::unique_ptr<transport::endpoint> first, second;
    const std::string url = test::tcp_url();
    REQUIRE_FALSE(a.endpoint(url, true, first));
    CHECK(b.endpoint(url, true, second) == std::errc::address_in_use);
    test::ipc_path ipc;
    std::unique_ptr<transport::endpoint> ipc_first, ipc_second;
    REQUIRE_FALSE(a.endpoint(ipc.url(), true, ipc_first));
    CHECK(b.endpoint(ipc.url(), true, ipc_second) == std::errc::address_in_use);
    a.close_endpoint(ipc_first);
    // A socket file whose owner died without removing it.
    {
        const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un sa{};
        sa.sun_family = AF_UNIX;
        std::memcpy(sa.sun_path, ipc.path().c_str(), ipc.path().size() + 1);
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
        ::close(fd);
    }
    CHECK_FALSE(b.endpoint(ipc.url(), true, ipc_second));
    b.close_endpoint(ipc_second);
    CHECK(::access(ipc.path().c_str(), F_OK) != 0);  // removed with its listener
    a.close_endpoint(first);
}

TEST_CASE("closing an endpoint with live pipes removes them and stops once") {
    aio::pool pool(2);
    const std::string url = test::tcp_url();
    test_socket server(pool, pair_id), client1(pool, pair_id), client2(pool, pair_id);
    std::unique_ptr<transport::endpoint> listener, d1, d2;
    REQUIRE_FALSE(server.endpoint(url, true, listener));
    REQUIRE_FALSE(client1.endpoint(url, false, d1));
    REQUIRE_FALSE(client2.endpoint(url, false, d2));
    REQUIRE(server.wait([&] { return server.added == 2; }));
    REQUIRE(server.close_endpoint(listener));
    CHECK(server.inside([&] { return server.removed; }) == 2);
    CHECK(server.inside([&] { return server.endpoints_stopped; }) == 1);
    client1.close_endpoint(d1);
    client2.close_endpoint(d2);
}
