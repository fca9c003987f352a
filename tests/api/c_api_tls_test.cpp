// tls+tcp:// through the C API: certificates from tests/support/tls_certs.sh,
// nanoport on both ends. What must hold: a verified connection carries
// messages both ways (large ones too); a server the dialer cannot trust
// (unknown CA, expired, another name) never gets a message and is counted
// in NANOPORT_STAT_TLS_FAILURES, unless verification is turned off; client
// certificates when the listener asks for them; bad settings fail nn_bind /
// nn_connect at once; a peer that does not speak TLS costs the listener one
// connection, nothing more.
#include <doctest/doctest.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "api/c_api_support.hpp"
#include "nanomsg/nn.h"
#include "nanomsg/reqrep.h"
#include "nanoport/extensions.h"
#include "support/tls_certs.hpp"

using namespace nanoport::test;

namespace {

const tls_certs& certs() {
    static const tls_certs made;
    return made;
}

int set_string(int s, int option, const std::string& value) {
    return nn_setsockopt(s, NANOPORT_TLS, option, value.data(), value.size());
}

void use_server_cert(int s, const std::string& name = "server") {
    REQUIRE(set_string(s, NANOPORT_TLS_CERT_FILE, certs().file(name + ".pem")) == 0);
    REQUIRE(set_string(s, NANOPORT_TLS_KEY_FILE, certs().file(name + ".key")) == 0);
}

std::string tls_address(int port) { return "tls+tcp://127.0.0.1:" + std::to_string(port); }

// Binds s to a free port over tls+tcp; returns the address.
std::string bind_tls(int s) {
    for (int attempt = 0; attempt < 20; ++attempt) {
        const std::string address = tls_address(free_tcp_port());
        if (nn_bind(s, address.c_str()) >= 0) return address;
        REQUIRE(nn_errno() == EADDRINUSE);
    }
    FAIL("no free port");
    return {};
}

// One request and its reply, both ways intact.
void round_trip(int req, int rep, const std::string& text) {
    send_text(req, text);
    CHECK(receive_text(rep) == text);
    send_text(rep, "re: " + text);
    CHECK(receive_text(req) == "re: " + text);
}

// The dialer never gets through: a request times out, and the dialer's
// socket counts TLS failures.
void check_refused(int req) {
    CHECK(wait_for_statistic_at_least(req, NANOPORT_STAT_TLS_FAILURES, 1));
    const int short_ms = 300;
    CHECK(nn_setsockopt(req, NN_SOL_SOCKET, NN_RCVTIMEO, &short_ms, sizeof short_ms) == 0);
    CHECK(nn_send(req, "x", 1, 0) == 1);
    char buf[8];
    CHECK(nn_recv(req, buf, sizeof buf, 0) == -1);
    CHECK(nn_errno() == ETIMEDOUT);
}

}  // namespace

TEST_CASE("tls+tcp: a verified connection carries requests and replies") {
    socket_guard rep(NN_REP), req(NN_REQ);
    set_timeouts(rep.s);
    set_timeouts(req.s);
    use_server_cert(rep.s);
    const int unlimited = -1;
    REQUIRE(nn_setsockopt(rep.s, NN_SOL_SOCKET, NN_RCVMAXSIZE, &unlimited, sizeof unlimited) == 0);
    const std::string address = bind_tls(rep.s);
    REQUIRE(set_string(req.s, NANOPORT_TLS_CA_FILE, certs().file("ca.pem")) == 0);
    REQUIRE(nn_connect(req.s, address.c_str()) > 0);
    round_trip(req.s, rep.s, "hello over TLS");
    CHECK(nn_get_statistic(req.s, NANOPORT_STAT_TLS_FAILURES) == 0);
    CHECK(nn_get_statistic(rep.s, NANOPORT_STAT_TLS_FAILURES) == 0);

    SUBCASE("a message of 1 MiB arrives whole") {
        std::vector<char> big(1 << 20);
        for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 + 3);
        REQUIRE(nn_send(req.s, big.data(), big.size(), 0) == static_cast<int>(big.size()));
        void* got = nullptr;
        const int n = nn_recv(rep.s, &got, NN_MSG, 0);
        REQUIRE(n == static_cast<int>(big.size()));
        CHECK(std::memcmp(got, big.data(), big.size()) == 0);
        nn_freemsg(got);
    }
}

TEST_CASE("tls+tcp: the server name defaults to the address's host, and can be set") {
    socket_guard rep(NN_REP), req(NN_REQ);
    set_timeouts(rep.s);
    set_timeouts(req.s);
    use_server_cert(rep.s);
    const std::string address = bind_tls(rep.s);
    const std::string port = address.substr(address.rfind(':') + 1);
    REQUIRE(set_string(req.s, NANOPORT_TLS_CA_FILE, certs().file("ca.pem")) == 0);

    SUBCASE("a host name the certificate lists") {
        REQUIRE(nn_connect(req.s, ("tls+tcp://localhost:" + port).c_str()) > 0);
        round_trip(req.s, rep.s, "by name");
    }
    SUBCASE("a name the certificate does not list is refused") {
        REQUIRE(set_string(req.s, NANOPORT_TLS_SERVER_NAME, "wrong.example") == 0);
        REQUIRE(nn_connect(req.s, address.c_str()) > 0);
        check_refused(req.s);
    }
}

// A server with certificate `server` and a dialer given `ca` (none: the
// system's CAs): refused, or with verification off, served.
static void check_untrusted(const std::string& server, const std::string& ca, bool insecure) {
    socket_guard rep(NN_REP), req(NN_REQ);
    set_timeouts(rep.s);
    set_timeouts(req.s);
    use_server_cert(rep.s, server);
    const std::string address = bind_tls(rep.s);
    if (!ca.empty()) REQUIRE(set_string(req.s, NANOPORT_TLS_CA_FILE, ca) == 0);
    if (insecure) {
        REQUIRE(set_int_option(req.s, NANOPORT_TLS, NANOPORT_TLS_AUTH_MODE, NANOPORT_TLS_AUTH_NONE) == 0);
        REQUIRE(nn_connect(req.s, address.c_str()) > 0);
        round_trip(req.s, rep.s, "insecure");
        return;
    }
    REQUIRE(nn_connect(req.s, address.c_str()) > 0);
    check_refused(req.s);
    CHECK(nn_get_statistic(req.s, NANOPORT_STAT_FAILED_HANDSHAKES) >= 1);
}

TEST_CASE("tls+tcp: an untrusted server is refused by default, served with AUTH_NONE") {
    SUBCASE("signed by a CA the dialer was not given") {
        check_untrusted("stranger", certs().file("ca.pem"), false);
        check_untrusted("stranger", certs().file("ca.pem"), true);
    }
    SUBCASE("expired") {
        check_untrusted("expired", certs().file("ca.pem"), false);
        check_untrusted("expired", certs().file("ca.pem"), true);
    }
    SUBCASE("no CA file: the system's CAs do not know ours") {
        check_untrusted("server", "", false);
        check_untrusted("server", "", true);
    }
}

TEST_CASE("tls+tcp: client certificates, when the listener requires them") {
    socket_guard rep(NN_REP), req(NN_REQ);
    set_timeouts(rep.s);
    set_timeouts(req.s);
    use_server_cert(rep.s);
    REQUIRE(set_string(rep.s, NANOPORT_TLS_CA_FILE, certs().file("ca.pem")) == 0);
    REQUIRE(set_int_option(rep.s, NANOPORT_TLS, NANOPORT_TLS_AUTH_MODE, NANOPORT_TLS_AUTH_REQUIRED) == 0);
    const std::string address = bind_tls(rep.s);
    REQUIRE(set_string(req.s, NANOPORT_TLS_CA_FILE, certs().file("ca.pem")) == 0);

    SUBCASE("one signed by the listener's CA is accepted") {
        REQUIRE(set_string(req.s, NANOPORT_TLS_CERT_FILE, certs().file("client.pem")) == 0);
        REQUIRE(set_string(req.s, NANOPORT_TLS_KEY_FILE, certs().file("client.key")) == 0);
        REQUIRE(nn_connect(req.s, address.c_str()) > 0);
        round_trip(req.s, rep.s, "with a client certificate");
    }
    SUBCASE("none is refused") {
        REQUIRE(nn_connect(req.s, address.c_str()) > 0);
        CHECK(wait_for_statistic_at_least(rep.s, NANOPORT_STAT_TLS_FAILURES, 1));
    }
    SUBCASE("one from another CA is refused") {
        REQUIRE(set_string(req.s, NANOPORT_TLS_CERT_FILE, certs().file("stranger.pem")) == 0);
        REQUIRE(set_string(req.s, NANOPORT_TLS_KEY_FILE, certs().file("stranger.key")) == 0);
        REQUIRE(nn_connect(req.s, address.c_str()) > 0);
        CHECK(wait_for_statistic_at_least(rep.s, NANOPORT_STAT_TLS_FAILURES, 1));
    }
}

TEST_CASE("tls+tcp: one file may hold the certificate and its key") {
    socket_guard rep(NN_REP), req(NN_REQ);
    set_timeouts(rep.s);
    set_timeouts(req.s);
    REQUIRE(set_string(rep.s, NANOPORT_TLS_CERT_FILE, certs().file("server-combined.pem")) == 0);
    const std::string address = bind_tls(rep.s);
    REQUIRE(set_string(req.s, NANOPORT_TLS_CA_FILE, certs().file("ca.pem")) == 0);
    REQUIRE(nn_connect(req.s, address.c_str()) > 0);
    round_trip(req.s, rep.s, "combined");
}

TEST_CASE("tls+tcp: bad settings fail nn_bind and nn_connect at once") {
    socket_guard s(NN_REP);
    const std::string address = tls_address(free_tcp_port());

    SUBCASE("a listener without a certificate") {
        CHECK(nn_bind(s.s, address.c_str()) == -1);
        CHECK(nn_errno() == EINVAL);
    }
    SUBCASE("a certificate file that does not exist") {
        REQUIRE(set_string(s.s, NANOPORT_TLS_CERT_FILE, certs().file("missing.pem")) == 0);
        CHECK(nn_bind(s.s, address.c_str()) == -1);
        CHECK(nn_errno() == ENOENT);
    }
    SUBCASE("a key that is not the certificate's") {
        REQUIRE(set_string(s.s, NANOPORT_TLS_CERT_FILE, certs().file("server.pem")) == 0);
        REQUIRE(set_string(s.s, NANOPORT_TLS_KEY_FILE, certs().file("client.key")) == 0);
        CHECK(nn_bind(s.s, address.c_str()) == -1);
        CHECK(nn_errno() == EINVAL);
    }
    SUBCASE("a CA file that is not PEM") {
        REQUIRE(set_string(s.s, NANOPORT_TLS_CA_FILE, NANOPORT_TLS_CERTS_SCRIPT) == 0);
        CHECK(nn_connect(s.s, address.c_str()) == -1);
        CHECK(nn_errno() == EINVAL);
    }
    SUBCASE("a CA file that does not exist") {
        REQUIRE(set_string(s.s, NANOPORT_TLS_CA_FILE, certs().file("missing-ca.pem")) == 0);
        CHECK(nn_connect(s.s, address.c_str()) == -1);
        CHECK(nn_errno() == ENOENT);
    }
    CHECK(nn_get_statistic(s.s, NN_STAT_CURRENT_CONNECTIONS) == 0);
}

TEST_CASE("tls+tcp: the options read back, and bad values are refused") {
    socket_guard s;
    REQUIRE(set_string(s.s, NANOPORT_TLS_CA_FILE, "/some/ca.pem") == 0);
    char buf[64] = {};
    size_t size = sizeof buf;
    REQUIRE(nn_getsockopt(s.s, NANOPORT_TLS, NANOPORT_TLS_CA_FILE, buf, &size) == 0);
    CHECK(size == std::strlen("/some/ca.pem"));
    CHECK(std::string(buf, size) == "/some/ca.pem");
    int mode = 0;
    size = sizeof mode;
    REQUIRE(nn_getsockopt(s.s, NANOPORT_TLS, NANOPORT_TLS_AUTH_MODE, &mode, &size) == 0);
    CHECK(mode == -1);
    CHECK(set_int_option(s.s, NANOPORT_TLS, NANOPORT_TLS_AUTH_MODE, 3) == -1);
    CHECK(nn_errno() == EINVAL);
    CHECK(nn_setsockopt(s.s, NANOPORT_TLS, NANOPORT_TLS_CA_FILE, "a\0b", 3) == -1);
    CHECK(nn_errno() == EINVAL);
    CHECK(nn_setsockopt(s.s, NANOPORT_TLS, 77, "x", 1) == -1);
    CHECK(nn_errno() == ENOPROTOOPT);
}

TEST_CASE("tls+tcp: a peer that does not speak TLS costs one connection") {
    socket_guard rep(NN_REP), plain(NN_REQ), req(NN_REQ);
    set_timeouts(rep.s);
    set_timeouts(req.s);
    use_server_cert(rep.s);
    const std::string address = bind_tls(rep.s);
    const std::string port = address.substr(address.rfind(':') + 1);
    // A plain SP greeting where a ClientHello belongs.
    REQUIRE(nn_connect(plain.s, ("tcp://127.0.0.1:" + port).c_str()) > 0);
    CHECK(wait_for_statistic_at_least(rep.s, NANOPORT_STAT_TLS_FAILURES, 1));
    REQUIRE(set_string(req.s, NANOPORT_TLS_CA_FILE, certs().file("ca.pem")) == 0);
    REQUIRE(nn_connect(req.s, address.c_str()) > 0);
    round_trip(req.s, rep.s, "still serving");
}
