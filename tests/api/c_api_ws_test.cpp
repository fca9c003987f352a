// ws:// and wss:// through the C API, nanoport on both ends: every
// protocol pair's first exchange, messages of every size class (the 7-bit,
// 16-bit and 64-bit frame lengths), NN_WS_MSG_TYPE text and binary, the
// path checked (a dialer to another path never connects and the listener
// counts it), NN_RCVMAXSIZE enforced, and wss with a verified certificate.
#include <doctest/doctest.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "api/c_api_support.hpp"
#include "nanomsg/nn.h"
#include "nanomsg/pipeline.h"
#include "nanomsg/pubsub.h"
#include "nanomsg/reqrep.h"
#include "nanomsg/ws.h"
#include "nanoport/extensions.h"
#include "support/tls_certs.hpp"

using namespace nanoport::test;

namespace {

// Binds s to a free port at scheme://127.0.0.1:PORT<path>; returns the address.
std::string bind_free(int s, const std::string& scheme, const std::string& path) {
    for (int attempt = 0; attempt < 20; ++attempt) {
        const std::string address =
            scheme + "://127.0.0.1:" + std::to_string(free_tcp_port()) + path;
        if (nn_bind(s, address.c_str()) >= 0) return address;
        REQUIRE(nn_errno() == EADDRINUSE);
    }
    FAIL("no free port");
    return {};
}

std::vector<char> pattern(std::size_t size) {
    std::vector<char> v(size);
    for (std::size_t i = 0; i < size; ++i) v[i] = static_cast<char>(i * 31 + 7);
    return v;
}

void send_and_check(int from, int to, std::size_t size) {
    const std::vector<char> body = pattern(size);
    REQUIRE(nn_send(from, body.data(), body.size(), 0) == static_cast<int>(size));
    void* got = nullptr;
    const int n = nn_recv(to, &got, NN_MSG, 0);
    REQUIRE(n == static_cast<int>(size));
    if (size > 0) CHECK(std::memcmp(got, body.data(), size) == 0);
    nn_freemsg(got);
}

}  // namespace

TEST_CASE("ws: PAIR both ways, every frame length form") {
    socket_guard a, b;
    set_timeouts(a.s);
    set_timeouts(b.s);
    const int unlimited = -1;
    REQUIRE(nn_setsockopt(a.s, NN_SOL_SOCKET, NN_RCVMAXSIZE, &unlimited, sizeof unlimited) == 0);
    REQUIRE(nn_setsockopt(b.s, NN_SOL_SOCKET, NN_RCVMAXSIZE, &unlimited, sizeof unlimited) == 0);
    const std::string address = bind_free(a.s, "ws", "/pair/path");
    REQUIRE(nn_connect(b.s, address.c_str()) > 0);
    for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{125}, std::size_t{126},
                             std::size_t{65535}, std::size_t{65536}, std::size_t{3} << 20}) {
        CAPTURE(size);
        send_and_check(b.s, a.s, size);  // masked, dialer to listener
        send_and_check(a.s, b.s, size);  // unmasked, listener to dialer
    }
}

TEST_CASE("ws: REQ/REP, PUSH/PULL and PUB/SUB") {
    SUBCASE("reqrep") {
        socket_guard rep(NN_REP), req(NN_REQ);
        set_timeouts(rep.s);
        set_timeouts(req.s);
        const std::string address = bind_free(rep.s, "ws", "/rr");
        REQUIRE(nn_connect(req.s, address.c_str()) > 0);
        for (int i = 0; i < 20; ++i) {
            send_text(req.s, "q" + std::to_string(i));
            CHECK(receive_text(rep.s) == "q" + std::to_string(i));
            send_text(rep.s, "a" + std::to_string(i));
            CHECK(receive_text(req.s) == "a" + std::to_string(i));
        }
    }
    SUBCASE("pipeline, the listener pushing") {
        socket_guard push(NN_PUSH), pull(NN_PULL);
        set_timeouts(push.s);
        set_timeouts(pull.s);
        const std::string address = bind_free(push.s, "ws", "/jobs");
        REQUIRE(nn_connect(pull.s, address.c_str()) > 0);
        for (int i = 0; i < 1000; ++i) send_text(push.s, std::to_string(i));
        for (int i = 0; i < 1000; ++i) CHECK(receive_text(pull.s) == std::to_string(i));
    }
    SUBCASE("pubsub with a prefix") {
        socket_guard pub(NN_PUB), sub(NN_SUB);
        set_timeouts(sub.s);
        REQUIRE(nn_setsockopt(sub.s, NN_SUB, NN_SUB_SUBSCRIBE, "a", 1) == 0);
        const std::string address = bind_free(pub.s, "ws", "/");
        REQUIRE(nn_connect(sub.s, address.c_str()) > 0);
        REQUIRE(wait_for_statistic_equal(pub.s, NN_STAT_CURRENT_CONNECTIONS, 1));
        send_text(pub.s, "b-skipped");
        send_text(pub.s, "a-kept");
        CHECK(receive_text(sub.s) == "a-kept");
    }
}

TEST_CASE("ws: NN_WS_MSG_TYPE text frames carry UTF-8 text") {
    socket_guard a, b;
    set_timeouts(a.s);
    set_timeouts(b.s);
    REQUIRE(set_int_option(a.s, NN_WS, NN_WS_MSG_TYPE, NN_WS_MSG_TYPE_TEXT) == 0);
    REQUIRE(set_int_option(b.s, NN_WS, NN_WS_MSG_TYPE, NN_WS_MSG_TYPE_TEXT) == 0);
    const std::string address = bind_free(a.s, "ws", "/text");
    REQUIRE(nn_connect(b.s, address.c_str()) > 0);
    send_text(b.s, "h\xc3\xa9llo");
    CHECK(receive_text(a.s) == "h\xc3\xa9llo");
    send_text(a.s, "w\xe2\x82\xac");
    CHECK(receive_text(b.s) == "w\xe2\x82\xac");

    SUBCASE("invalid UTF-8 in a text message ends the connection, counted") {
        send_text(b.s, "\xc3(");
        CHECK(wait_for_statistic_at_least(a.s, NANOPORT_STAT_WS_PROTOCOL_ERRORS, 1));
        CHECK(wait_for_statistic_at_least(a.s, NN_STAT_BROKEN_CONNECTIONS, 1));
    }
}

TEST_CASE("ws: a dialer to another path is refused (404) and counted") {
    socket_guard a, b;
    set_timeouts(a.s);
    const std::string address = bind_free(a.s, "ws", "/right");
    const std::string wrong = address.substr(0, address.rfind('/')) + "/wrong";
    REQUIRE(nn_connect(b.s, wrong.c_str()) > 0);
    CHECK(wait_for_statistic_at_least(a.s, NANOPORT_STAT_WS_PROTOCOL_ERRORS, 1));
    CHECK(wait_for_statistic_at_least(b.s, NANOPORT_STAT_WS_PROTOCOL_ERRORS, 1));
    CHECK(nn_get_statistic(a.s, NN_STAT_CURRENT_CONNECTIONS) == 0);
}

TEST_CASE("ws: a peer of the wrong protocol is refused") {
    socket_guard pair, push(NN_PUSH);
    const std::string address = bind_free(pair.s, "ws", "/p");
    REQUIRE(nn_connect(push.s, address.c_str()) > 0);
    // The PUSH dialer asks for pull.sp.nanomsg.org; the PAIR answers 400.
    CHECK(wait_for_statistic_at_least(pair.s, NANOPORT_STAT_WS_PROTOCOL_ERRORS, 1));
    CHECK(nn_get_statistic(pair.s, NN_STAT_CURRENT_CONNECTIONS) == 0);
}

TEST_CASE("ws: NN_RCVMAXSIZE is enforced from the frame header") {
    socket_guard a, b;
    set_timeouts(a.s);
    set_timeouts(b.s);
    const int limit = 1000;
    REQUIRE(nn_setsockopt(a.s, NN_SOL_SOCKET, NN_RCVMAXSIZE, &limit, sizeof limit) == 0);
    const std::string address = bind_free(a.s, "ws", "/limit");
    REQUIRE(nn_connect(b.s, address.c_str()) > 0);
    send_and_check(b.s, a.s, 1000);
    const std::vector<char> big = pattern(1001);
    REQUIRE(nn_send(b.s, big.data(), big.size(), 0) == 1001);
    CHECK(wait_for_statistic_at_least(a.s, NANOPORT_STAT_OVERSIZED_MESSAGES, 1));
}

TEST_CASE("wss: a verified connection, and an untrusted one refused") {
    const tls_certs certs;
    socket_guard rep(NN_REP), req(NN_REQ);
    set_timeouts(rep.s);
    set_timeouts(req.s);
    const std::string cert = certs.file("server.pem"), key = certs.file("server.key");
    REQUIRE(nn_setsockopt(rep.s, NANOPORT_TLS, NANOPORT_TLS_CERT_FILE, cert.data(), cert.size()) == 0);
    REQUIRE(nn_setsockopt(rep.s, NANOPORT_TLS, NANOPORT_TLS_KEY_FILE, key.data(), key.size()) == 0);
    const std::string address = bind_free(rep.s, "wss", "/secure");

    SUBCASE("verified") {
        const std::string ca = certs.file("ca.pem");
        REQUIRE(nn_setsockopt(req.s, NANOPORT_TLS, NANOPORT_TLS_CA_FILE, ca.data(), ca.size()) == 0);
        REQUIRE(nn_connect(req.s, address.c_str()) > 0);
        send_text(req.s, "over wss");
        CHECK(receive_text(rep.s) == "over wss");
        send_text(rep.s, "back");
        CHECK(receive_text(req.s) == "back");
    }
    SUBCASE("untrusted") {
        const std::string ca = certs.file("other-ca.pem");
        REQUIRE(nn_setsockopt(req.s, NANOPORT_TLS, NANOPORT_TLS_CA_FILE, ca.data(), ca.size()) == 0);
        REQUIRE(nn_connect(req.s, address.c_str()) > 0);
        CHECK(wait_for_statistic_at_least(req.s, NANOPORT_STAT_TLS_FAILURES, 1));
        CHECK(nn_get_statistic(rep.s, NN_STAT_CURRENT_CONNECTIONS) == 0);
    }
}

TEST_CASE("ws: sockets share one port by path") {
    socket_guard a, b, to_a, to_b;
    for (int s : {a.s, b.s, to_a.s, to_b.s}) set_timeouts(s);
    const std::string address_a = bind_free(a.s, "ws", "/a");
    const std::string base = address_a.substr(0, address_a.rfind('/'));
    REQUIRE(nn_bind(b.s, (base + "/b").c_str()) > 0);

    SUBCASE("a path already served, or wss on the port, is EADDRINUSE") {
        socket_guard c;
        CHECK(nn_bind(c.s, (base + "/a").c_str()) == -1);
        CHECK(nn_errno() == EADDRINUSE);
        const std::string wss = "wss" + base.substr(2) + "/c";
        CHECK(nn_bind(c.s, wss.c_str()) == -1);
        CHECK((nn_errno() == EADDRINUSE || nn_errno() == EINVAL));  // EINVAL: no certificate
    }
    SUBCASE("each dialer reaches the socket of its path") {
        REQUIRE(nn_connect(to_a.s, (base + "/a").c_str()) > 0);
        REQUIRE(nn_connect(to_b.s, (base + "/b").c_str()) > 0);
        send_text(to_b.s, "for b");
        send_text(to_a.s, "for a");
        CHECK(receive_text(a.s) == "for a");
        CHECK(receive_text(b.s) == "for b");
        send_text(b.s, "from b");
        CHECK(receive_text(to_b.s) == "from b");
    }
    SUBCASE("when the socket that bound first closes, the other keeps the port") {
        a.close();
        REQUIRE(nn_connect(to_b.s, (base + "/b").c_str()) > 0);
        send_text(to_b.s, "still here");
        CHECK(receive_text(b.s) == "still here");
        // And the freed path can be bound again by a new socket.
        socket_guard c;
        set_timeouts(c.s);
        REQUIRE(nn_bind(c.s, (base + "/a").c_str()) > 0);
        REQUIRE(nn_connect(to_a.s, (base + "/a").c_str()) > 0);
        send_text(to_a.s, "new a");
        CHECK(receive_text(c.s) == "new a");
    }
    SUBCASE("an unknown path still gets 404, counted by the port's owner") {
        REQUIRE(nn_connect(to_a.s, (base + "/nobody").c_str()) > 0);
        CHECK(wait_for_statistic_at_least(a.s, NANOPORT_STAT_WS_PROTOCOL_ERRORS, 1));
    }
}
