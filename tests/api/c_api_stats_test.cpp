// nn_get_statistic: each statistic moves in a scenario made to move it, as
// nanomsg's tests/stats.c does. Connection statistics are driven over tcp (a
// real dialer and listener); priorities over inproc.
//
// One accept-error scenario lowers RLIMIT_NOFILE for a moment, so this file
// is a test process of its own.
#include "nanomsg/nn.h"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>

#include <dirent.h>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aio/worker.hpp"
#include "api/c_api_support.hpp"
#include "nanomsg/pair.h"
#include "nanomsg/pipeline.h"
#include "nanomsg/pubsub.h"
#include "nanomsg/reqrep.h"

using namespace nanoport::test;

namespace {

// A socket with finite timeouts and a fast reconnect, closed at the end.
struct test_socket : socket_guard {
    explicit test_socket(int protocol) : socket_guard(protocol) {
        set_timeouts(s);
        set_socket_option(s, NN_RECONNECT_IVL, 10);
    }
};

std::uint64_t statistic(int s, int id) { return nn_get_statistic(s, id); }

// A PULL bound to a free tcp port and a PUSH connected to it, both with their
// pipe up.
struct tcp_pipeline {
    tcp_pipeline() {
        address = bind_free_tcp(pull.s, nn_bind);
        REQUIRE_FALSE(address.empty());
        REQUIRE(nn_connect(push.s, address.c_str()) > 0);
        REQUIRE(wait_for_statistic_equal(push.s, NN_STAT_CURRENT_CONNECTIONS, 1));
        REQUIRE(wait_for_statistic_equal(pull.s, NN_STAT_CURRENT_CONNECTIONS, 1));
    }
    test_socket pull{NN_PULL};
    test_socket push{NN_PUSH};
    std::string address;
};

// A raw tcp listener on loopback whose accept queue is full: it listens with
// a backlog of 0 and one connection waits in it, never accepted. A further
// connect to it stays pending (the kernel drops its SYNs) until accept_one().
class full_listener {
public:
    full_listener() {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(listener_ >= 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof sa;
        REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
        REQUIRE(::getsockname(listener_, reinterpret_cast<sockaddr*>(&sa), &len) == 0);
        REQUIRE(::listen(listener_, 0) == 0);
        address = tcp_address(ntohs(sa.sin_port));
        // Fill the queue: one connection that completes.
        filler_ = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(filler_ >= 0);
        REQUIRE(::connect(filler_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    }
    ~full_listener() {
        for (int fd : {filler_, accepted_, peer_, listener_}) {
            if (fd >= 0) ::close(fd);
        }
    }
    // Takes the waiting connection off the queue: room for the next one.
    void accept_one() {
        accepted_ = ::accept(listener_, nullptr, nullptr);
        REQUIRE(accepted_ >= 0);
    }
    // Accepts the next connection (within 20 s) and answers it with the SP
    // header of `protocol`, so that the dialer behind it keeps it as a pipe.
    void accept_sp_peer(std::uint16_t protocol) {
        pollfd p{listener_, POLLIN, 0};
        REQUIRE(::poll(&p, 1, 20000) == 1);
        peer_ = ::accept(listener_, nullptr, nullptr);
        REQUIRE(peer_ >= 0);
        const unsigned char header[8] = {0,    'S', 'P', 0, static_cast<unsigned char>(protocol >> 8),
                                         static_cast<unsigned char>(protocol & 0xff), 0, 0};
        REQUIRE(::write(peer_, header, sizeof header) == static_cast<ssize_t>(sizeof header));
    }
    std::string address;

private:
    int listener_ = -1;
    int filler_ = -1;
    int accepted_ = -1;
    int peer_ = -1;
};

// Observed with the io_uring backend (Linux 6.18): while descriptors_exhausted
// holds the process at its lowered RLIMIT_NOFILE, a queued accept still
// completes with a new descriptor after the first EMFILE, so these two cases
// cannot make accepts keep failing there. They run on epoll.
const bool accept_ignores_lowered_limit =
    std::string_view(nanoport::aio::worker::backend()) == "io_uring";

// Runs out of file descriptors for a while (RLIMIT_NOFILE lowered to just
// above the highest one open, every free one below taken), so that accept()
// fails with EMFILE. connect_client() uses the one descriptor it keeps back;
// release_one() gives one back so that the next accept succeeds. Everything
// is restored on destruction.
class descriptors_exhausted {
public:
    // No REQUIRE in here: the destructor must run to restore the limit.
    descriptors_exhausted() {
        if (::getrlimit(RLIMIT_NOFILE, &saved_) != 0) return;
        int highest = 2;
        if (DIR* d = ::opendir("/proc/self/fd")) {
            while (dirent* e = ::readdir(d)) {
                if (e->d_name[0] != '.') highest = std::max(highest, std::atoi(e->d_name));
            }
            ::closedir(d);
        }
        rlimit lowered = saved_;
        lowered.rlim_cur = static_cast<rlim_t>(highest + 2);
        if (::setrlimit(RLIMIT_NOFILE, &lowered) != 0) return;
        lowered_ = true;
        for (;;) {
            const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                exhausted_ = errno == EMFILE && !taken_.empty();
                break;
            }
            taken_.push_back(fd);
        }
    }
    ~descriptors_exhausted() {
        if (client_ >= 0) ::close(client_);
        for (int fd : taken_) ::close(fd);
        if (lowered_) ::setrlimit(RLIMIT_NOFILE, &saved_);
    }
    // Connects a plain tcp socket to port (it waits in the accept queue).
    void connect_client(int port) {
        release_one();
        client_ = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(client_ >= 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sa.sin_port = htons(static_cast<std::uint16_t>(port));
        REQUIRE(::connect(client_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    }
    void release_one() {
        REQUIRE_FALSE(taken_.empty());
        ::close(taken_.back());
        taken_.pop_back();
    }
    // Gives the process its descriptors back in one step (the limit goes
    // back up), so that no accept sees a moment with only one free.
    void restore_limit() {
        REQUIRE(lowered_);
        REQUIRE(::setrlimit(RLIMIT_NOFILE, &saved_) == 0);
        lowered_ = false;
    }
    bool exhausted() const { return exhausted_; }

private:
    rlimit saved_{};
    bool lowered_ = false;
    bool exhausted_ = false;
    std::vector<int> taken_;
    int client_ = -1;
};

int port_of(const std::string& tcp_address) {
    return std::stoi(tcp_address.substr(tcp_address.rfind(':') + 1));
}

}  // namespace

TEST_CASE("NN_STAT_ESTABLISHED_CONNECTIONS counts the connects that succeeded") {
    test_socket server(NN_PULL), client(NN_PUSH);
    const std::string address = bind_free_tcp(server.s, nn_bind);
    REQUIRE_FALSE(address.empty());
    CHECK(statistic(client.s, NN_STAT_ESTABLISHED_CONNECTIONS) == 0);
    REQUIRE(nn_connect(client.s, address.c_str()) > 0);
    CHECK(wait_for_statistic_equal(client.s, NN_STAT_ESTABLISHED_CONNECTIONS, 1));
    CHECK(statistic(server.s, NN_STAT_ESTABLISHED_CONNECTIONS) == 0);
}

TEST_CASE("NN_STAT_ACCEPTED_CONNECTIONS counts the connections a listener accepted") {
    test_socket server(NN_PULL), a(NN_PUSH), b(NN_PUSH);
    const std::string address = bind_free_tcp(server.s, nn_bind);
    REQUIRE_FALSE(address.empty());
    REQUIRE(nn_connect(a.s, address.c_str()) > 0);
    REQUIRE(nn_connect(b.s, address.c_str()) > 0);
    CHECK(wait_for_statistic_equal(server.s, NN_STAT_ACCEPTED_CONNECTIONS, 2));
    CHECK(statistic(a.s, NN_STAT_ACCEPTED_CONNECTIONS) == 0);
}

TEST_CASE("NN_STAT_DROPPED_CONNECTIONS counts connections closed by nn_shutdown") {
    test_socket server(NN_PULL), client(NN_PUSH);
    int endpoint = -1;
    const std::string address =
        bind_free_tcp(server.s, [&](int s, const char* a) { return endpoint = nn_bind(s, a); });
    REQUIRE_FALSE(address.empty());
    REQUIRE(nn_connect(client.s, address.c_str()) > 0);
    REQUIRE(wait_for_statistic_equal(server.s, NN_STAT_CURRENT_CONNECTIONS, 1));
    CHECK(statistic(server.s, NN_STAT_DROPPED_CONNECTIONS) == 0);
    REQUIRE(nn_shutdown(server.s, endpoint) == 0);
    CHECK(wait_for_statistic_equal(server.s, NN_STAT_DROPPED_CONNECTIONS, 1));
    CHECK(statistic(server.s, NN_STAT_BROKEN_CONNECTIONS) == 0);
}

TEST_CASE("NN_STAT_DROPPED_CONNECTIONS counts inproc pipes closed by nn_shutdown") {
    test_socket server(NN_PAIR), client(NN_PAIR);
    const std::string address = "inproc://" + unique_name("dropped");
    const int endpoint = nn_connect(client.s, address.c_str());
    REQUIRE(endpoint > 0);
    REQUIRE(nn_bind(server.s, address.c_str()) > 0);
    REQUIRE(wait_for_statistic_equal(client.s, NN_STAT_CURRENT_CONNECTIONS, 1));
    REQUIRE(nn_shutdown(client.s, endpoint) == 0);
    CHECK(wait_for_statistic_equal(client.s, NN_STAT_DROPPED_CONNECTIONS, 1));
    CHECK(wait_for_statistic_equal(server.s, NN_STAT_BROKEN_CONNECTIONS, 1));
    CHECK(statistic(server.s, NN_STAT_DROPPED_CONNECTIONS) == 0);
}

TEST_CASE("NN_STAT_BROKEN_CONNECTIONS counts connections the peer closed") {
    tcp_pipeline p;
    CHECK(statistic(p.push.s, NN_STAT_BROKEN_CONNECTIONS) == 0);
    p.pull.close();
    CHECK(wait_for_statistic_equal(p.push.s, NN_STAT_BROKEN_CONNECTIONS, 1));
    CHECK(statistic(p.push.s, NN_STAT_DROPPED_CONNECTIONS) == 0);
}

TEST_CASE("NN_STAT_CONNECT_ERRORS counts each failed attempt to reach a closed tcp port") {
    test_socket client(NN_PUSH);
    closed_tcp_port closed;
    REQUIRE(closed.port() > 0);
    const std::string address = tcp_address(closed.port());
    REQUIRE(nn_connect(client.s, address.c_str()) > 0);
    // It keeps trying (every NN_RECONNECT_IVL), and each refusal counts.
    CHECK(wait_for_statistic_at_least(client.s, NN_STAT_CONNECT_ERRORS, 3));
    CHECK(statistic(client.s, NN_STAT_ESTABLISHED_CONNECTIONS) == 0);
}

TEST_CASE("NN_STAT_BIND_ERRORS counts the binds that failed") {
    test_socket first(NN_PAIR), second(NN_PAIR);
    const std::string address = bind_free_tcp(first.s, nn_bind);
    REQUIRE_FALSE(address.empty());
    CHECK(nn_bind(second.s, address.c_str()) == -1);
    CHECK(nn_errno() == EADDRINUSE);
    CHECK(statistic(second.s, NN_STAT_BIND_ERRORS) == 1);
    const std::string name = "inproc://" + unique_name("bind-errors");
    REQUIRE(nn_bind(first.s, name.c_str()) > 0);
    CHECK(nn_bind(second.s, name.c_str()) == -1);
    CHECK(statistic(second.s, NN_STAT_BIND_ERRORS) == 2);
    CHECK(statistic(first.s, NN_STAT_BIND_ERRORS) == 0);
}

TEST_CASE("NN_STAT_ACCEPT_ERRORS counts accepts that failed for want of descriptors" *
          doctest::skip(accept_ignores_lowered_limit)) {
    test_socket server(NN_PULL);
    const std::string address = bind_free_tcp(server.s, nn_bind);
    REQUIRE_FALSE(address.empty());
    {
        descriptors_exhausted exhausted;
        REQUIRE(exhausted.exhausted());
        exhausted.connect_client(port_of(address));
        // The listener retries every 100 ms; each EMFILE counts.
        CHECK(wait_for_statistic_at_least(server.s, NN_STAT_ACCEPT_ERRORS, 2));
        CHECK(statistic(server.s, NN_STAT_ACCEPTED_CONNECTIONS) == 0);
        exhausted.release_one();
        CHECK(wait_for_statistic_equal(server.s, NN_STAT_ACCEPTED_CONNECTIONS, 1));
    }
}

TEST_CASE("NN_STAT_CURRENT_CONNECTIONS follows connections as they come and go") {
    test_socket server(NN_PULL), a(NN_PUSH), b(NN_PUSH);
    const std::string address = bind_free_tcp(server.s, nn_bind);
    REQUIRE_FALSE(address.empty());
    CHECK(statistic(server.s, NN_STAT_CURRENT_CONNECTIONS) == 0);
    REQUIRE(nn_connect(a.s, address.c_str()) > 0);
    CHECK(wait_for_statistic_equal(server.s, NN_STAT_CURRENT_CONNECTIONS, 1));
    REQUIRE(nn_connect(b.s, address.c_str()) > 0);
    CHECK(wait_for_statistic_equal(server.s, NN_STAT_CURRENT_CONNECTIONS, 2));
    a.close();
    CHECK(wait_for_statistic_equal(server.s, NN_STAT_CURRENT_CONNECTIONS, 1));
    CHECK(statistic(b.s, NN_STAT_CURRENT_CONNECTIONS) == 1);
}

TEST_CASE("NN_STAT_INPROGRESS_CONNECTIONS counts a tcp connect while it is pending") {
    full_listener listener;
    test_socket client(NN_PUSH);
    CHECK(statistic(client.s, NN_STAT_INPROGRESS_CONNECTIONS) == 0);
    REQUIRE(nn_connect(client.s, listener.address.c_str()) > 0);
    CHECK(wait_for_statistic_equal(client.s, NN_STAT_INPROGRESS_CONNECTIONS, 1));
    CHECK(statistic(client.s, NN_STAT_ESTABLISHED_CONNECTIONS) == 0);
    // Room in the queue: the kernel's next SYN (about a second later)
    // connects, and an SP header answers it, so that the connection stays.
    listener.accept_one();
    listener.accept_sp_peer(NN_PULL);
    CHECK(wait_for_statistic_equal(client.s, NN_STAT_CURRENT_CONNECTIONS, 1));
    CHECK(statistic(client.s, NN_STAT_INPROGRESS_CONNECTIONS) == 0);
    CHECK(statistic(client.s, NN_STAT_ESTABLISHED_CONNECTIONS) == 1);
}

TEST_CASE("NN_STAT_INPROGRESS_CONNECTIONS no longer counts a pending connect after nn_shutdown") {
    full_listener listener;
    test_socket client(NN_PUSH);
    const int endpoint = nn_connect(client.s, listener.address.c_str());
    REQUIRE(endpoint > 0);
    REQUIRE(wait_for_statistic_equal(client.s, NN_STAT_INPROGRESS_CONNECTIONS, 1));
    REQUIRE(nn_shutdown(client.s, endpoint) == 0);
    CHECK(wait_for_statistic_equal(client.s, NN_STAT_INPROGRESS_CONNECTIONS, 0));
    CHECK(statistic(client.s, NN_STAT_ESTABLISHED_CONNECTIONS) == 0);
}

TEST_CASE("NN_STAT_CURRENT_EP_ERRORS counts a dialer whose attempts fail until one succeeds") {
    test_socket client(NN_PUSH), server(NN_PULL);
    closed_tcp_port closed;
    REQUIRE(closed.port() > 0);
    const std::string address = tcp_address(closed.port());
    CHECK(statistic(client.s, NN_STAT_CURRENT_EP_ERRORS) == 0);
    REQUIRE(nn_connect(client.s, address.c_str()) > 0);
    CHECK(wait_for_statistic_equal(client.s, NN_STAT_CURRENT_EP_ERRORS, 1));
    // One endpoint in error, however often it has failed.
    REQUIRE(wait_for_statistic_at_least(client.s, NN_STAT_CONNECT_ERRORS, 3));
    CHECK(statistic(client.s, NN_STAT_CURRENT_EP_ERRORS) == 1);
    closed.release();
    REQUIRE(nn_bind(server.s, address.c_str()) > 0);
    CHECK(wait_for_statistic_equal(client.s, NN_STAT_CURRENT_EP_ERRORS, 0));
    CHECK(statistic(client.s, NN_STAT_ESTABLISHED_CONNECTIONS) >= 1);
}

TEST_CASE("NN_STAT_CURRENT_EP_ERRORS no longer counts a failing dialer after nn_shutdown") {
    test_socket client(NN_PUSH);
    closed_tcp_port closed_first, closed_second;
    REQUIRE(closed_first.port() > 0);
    REQUIRE(closed_second.port() > 0);
    const std::string first = tcp_address(closed_first.port());
    const std::string second = tcp_address(closed_second.port());
    const int a = nn_connect(client.s, first.c_str());
    REQUIRE(a > 0);
    REQUIRE(nn_connect(client.s, second.c_str()) > 0);
    CHECK(wait_for_statistic_equal(client.s, NN_STAT_CURRENT_EP_ERRORS, 2));
    REQUIRE(nn_shutdown(client.s, a) == 0);
    CHECK(statistic(client.s, NN_STAT_CURRENT_EP_ERRORS) == 1);
}

TEST_CASE("NN_STAT_CURRENT_EP_ERRORS counts a listener whose accepts fail until one succeeds" *
          doctest::skip(accept_ignores_lowered_limit)) {
    test_socket server(NN_PULL);
    const std::string address = bind_free_tcp(server.s, nn_bind);
    REQUIRE_FALSE(address.empty());
    CHECK(statistic(server.s, NN_STAT_CURRENT_EP_ERRORS) == 0);
    {
        descriptors_exhausted exhausted;
        REQUIRE(exhausted.exhausted());
        exhausted.connect_client(port_of(address));
        CHECK(wait_for_statistic_equal(server.s, NN_STAT_CURRENT_EP_ERRORS, 1));
        // Descriptors for the connection waiting and for the accept after it
        // (Linux takes a descriptor before it looks for a connection), at
        // once: released one by one, a retry in between could take the
        // connection with the first and fail again on the next accept.
        exhausted.restore_limit();
        CHECK(wait_for_statistic_equal(server.s, NN_STAT_CURRENT_EP_ERRORS, 0));
    }
    CHECK(statistic(server.s, NN_STAT_ACCEPTED_CONNECTIONS) == 1);
}

TEST_CASE("NN_STAT_MESSAGES_SENT counts the messages sent") {
    tcp_pipeline p;
    for (int i = 0; i < 3; ++i) REQUIRE(nn_send(p.push.s, "abc", 3, 0) == 3);
    CHECK(statistic(p.push.s, NN_STAT_MESSAGES_SENT) == 3);
    CHECK(statistic(p.pull.s, NN_STAT_MESSAGES_SENT) == 0);
}

TEST_CASE("NN_STAT_MESSAGES_RECEIVED counts the messages received") {
    tcp_pipeline p;
    for (int i = 0; i < 3; ++i) REQUIRE(nn_send(p.push.s, "abc", 3, 0) == 3);
    char buf[8];
    for (int i = 0; i < 2; ++i) REQUIRE(nn_recv(p.pull.s, buf, sizeof buf, 0) == 3);
    CHECK(statistic(p.pull.s, NN_STAT_MESSAGES_RECEIVED) == 2);  // the third is not received yet
    CHECK(statistic(p.push.s, NN_STAT_MESSAGES_RECEIVED) == 0);
}

TEST_CASE("NN_STAT_BYTES_SENT counts the body bytes sent") {
    tcp_pipeline p;
    REQUIRE(nn_send(p.push.s, "abc", 3, 0) == 3);
    REQUIRE(nn_send(p.push.s, "defghij", 7, 0) == 7);
    REQUIRE(nn_send(p.push.s, nullptr, 0, 0) == 0);
    CHECK(statistic(p.push.s, NN_STAT_BYTES_SENT) == 10);
}

TEST_CASE("NN_STAT_BYTES_RECEIVED counts the body bytes received") {
    tcp_pipeline p;
    REQUIRE(nn_send(p.push.s, "abc", 3, 0) == 3);
    REQUIRE(nn_send(p.push.s, "defghij", 7, 0) == 7);
    char buf[2];  // truncated receives still count the whole message
    REQUIRE(nn_recv(p.pull.s, buf, sizeof buf, 0) == 3);
    REQUIRE(nn_recv(p.pull.s, buf, sizeof buf, 0) == 7);
    CHECK(statistic(p.pull.s, NN_STAT_BYTES_RECEIVED) == 10);
}

TEST_CASE("NN_STAT_CURRENT_SND_PRIORITY is the best priority a PUSH can send at now") {
    test_socket push(NN_PUSH), low(NN_PULL), high(NN_PULL);
    const std::string low_address = bind_inproc(low.s, "prio-low");
    const std::string high_address = bind_inproc(high.s, "prio-high");
    CHECK(statistic(push.s, NN_STAT_CURRENT_SND_PRIORITY) == 0);  // no pipe

    REQUIRE(set_int_option(push.s, NN_SOL_SOCKET, NN_SNDPRIO, 9) == 0);
    REQUIRE(nn_connect(push.s, low_address.c_str()) > 0);
    CHECK(wait_for_statistic_equal(push.s, NN_STAT_CURRENT_SND_PRIORITY, 9));

    REQUIRE(set_int_option(push.s, NN_SOL_SOCKET, NN_SNDPRIO, 2) == 0);
    const int high_endpoint = nn_connect(push.s, high_address.c_str());
    REQUIRE(high_endpoint > 0);
    CHECK(wait_for_statistic_equal(push.s, NN_STAT_CURRENT_SND_PRIORITY, 2));

    REQUIRE(nn_shutdown(push.s, high_endpoint) == 0);
    CHECK(wait_for_statistic_equal(push.s, NN_STAT_CURRENT_SND_PRIORITY, 9));
    low.close();
    CHECK(wait_for_statistic_equal(push.s, NN_STAT_CURRENT_SND_PRIORITY, 0));
}

TEST_CASE(
    "NN_STAT_CURRENT_SND_PRIORITY falls back to a worse priority while the better pipe is full") {
    test_socket push(NN_PUSH), low(NN_PULL), high(NN_PULL);
    REQUIRE(set_int_option(push.s, NN_SOL_SOCKET, NN_SNDBUF, 1024) == 0);
    REQUIRE(set_int_option(high.s, NN_SOL_SOCKET, NN_RCVBUF, 1024) == 0);
    const std::string low_address = bind_inproc(low.s, "full-low");
    const std::string high_address = bind_inproc(high.s, "full-high");
    REQUIRE(set_int_option(push.s, NN_SOL_SOCKET, NN_SNDPRIO, 5) == 0);
    REQUIRE(nn_connect(push.s, low_address.c_str()) > 0);
    REQUIRE(set_int_option(push.s, NN_SOL_SOCKET, NN_SNDPRIO, 1) == 0);
    REQUIRE(nn_connect(push.s, high_address.c_str()) > 0);
    REQUIRE(wait_for_statistic_equal(push.s, NN_STAT_CURRENT_SND_PRIORITY, 1));

    // Fill the better pipe (nobody reads it): sends move to the worse one.
    const std::string payload(256, 'x');
    int sent = 0;
    while (statistic(push.s, NN_STAT_CURRENT_SND_PRIORITY) == 1 && sent < 1000) {
        REQUIRE(nn_send(push.s, payload.data(), payload.size(), NN_DONTWAIT) ==
                static_cast<int>(payload.size()));
        ++sent;
    }
    CHECK(statistic(push.s, NN_STAT_CURRENT_SND_PRIORITY) == 5);

    // The better pipe drains: it is preferred again.
    char buf[512];
    for (int i = 0; i < sent; ++i) REQUIRE(nn_recv(high.s, buf, sizeof buf, 0) == 256);
    CHECK(wait_for_statistic_equal(push.s, NN_STAT_CURRENT_SND_PRIORITY, 1));
}

TEST_CASE("NN_STAT_CURRENT_SND_PRIORITY follows a REQ's pipes too") {
    test_socket req(NN_REQ), rep(NN_REP);
    const std::string address = bind_inproc(rep.s, "prio-req");
    REQUIRE(set_int_option(req.s, NN_SOL_SOCKET, NN_SNDPRIO, 3) == 0);
    REQUIRE(nn_connect(req.s, address.c_str()) > 0);
    CHECK(wait_for_statistic_equal(req.s, NN_STAT_CURRENT_SND_PRIORITY, 3));
}

TEST_CASE("NN_STAT_CURRENT_SND_PRIORITY stays 0 for a socket type that does not load-balance") {
    test_socket pub(NN_PUB), sub(NN_SUB);
    const std::string address = bind_inproc(sub.s, "prio-pub");
    REQUIRE(set_int_option(pub.s, NN_SOL_SOCKET, NN_SNDPRIO, 3) == 0);
    REQUIRE(nn_connect(pub.s, address.c_str()) > 0);
    REQUIRE(wait_for_statistic_equal(pub.s, NN_STAT_CURRENT_CONNECTIONS, 1));
    CHECK(statistic(pub.s, NN_STAT_CURRENT_SND_PRIORITY) == 0);
}

TEST_CASE("nn_get_statistic of an unknown statistic is EINVAL") {
    test_socket s(NN_PAIR);
    CHECK(nn_get_statistic(s.s, 999) == UINT64_MAX);
    CHECK(nn_errno() == EINVAL);
    CHECK(nn_get_statistic(s.s, 0) == UINT64_MAX);
    CHECK(nn_errno() == EINVAL);
}

TEST_CASE("nn_get_statistic of a handle that is not open is EBADF") {
    CHECK(nn_get_statistic(12345, NN_STAT_MESSAGES_SENT) == UINT64_MAX);
    CHECK(nn_errno() == EBADF);
    const int s = nn_socket(AF_SP, NN_PAIR);
    REQUIRE(s >= 0);
    REQUIRE(nn_close(s) == 0);
    CHECK(nn_get_statistic(s, NN_STAT_MESSAGES_SENT) == UINT64_MAX);
    CHECK(nn_errno() == EBADF);
}
