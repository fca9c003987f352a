// Hostile peers of the ws://, wss:// and tls+tcp:// transports: raw clients
// that send a nanoport listener what no WebSocket or TLS peer should (bad
// HTTP upgrades, heads that never end, frames that break RFC 6455, lengths
// over NN_RCVMAXSIZE, invalid UTF-8, pings whose pongs are never read,
// requests for another socket's path on a shared port, bytes that are not
// TLS, TLS 1.0 and 1.1), and a raw server that answers a nanoport dialer's
// upgrade wrongly.
// What must hold after each: nanoport closed the connection (the raw end
// reads EOF or a reset within a deadline), the right statistic moved, and a
// well-behaved nanoport peer still connects and exchanges messages. The
// valid side of the WebSocket mapping is pinned too, byte for byte: ping
// and pong, fragments, the close handshake, and the frames nanoport sends.
//
// The raw side writes every byte itself (frames, masks, the accept key from
// SHA-1 and base64), so that nothing here leans on ws_wire, the codec under
// test. TLS clients are OpenSSL's C API over the raw socket, trusting the
// test CA from tests/support/tls_certs.sh.
//
// The listener is a PAIR: it takes one pipe at a time, so each attack
// starts once the previous connection is gone, and the nanoport peer that
// checks the listener afterwards closes again before the next attack.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>

#include <strings.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
// From the sanitizer runtime (sanitizer/allocator_interface.h, which GCC does
// not install): malloc's own statistics mean nothing under ASan.
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#else
#include <malloc.h>
#endif

#include "api/c_api_support.hpp"
#include "hostile/raw_peer.hpp"
#include "nanomsg/nn.h"
#include "nanomsg/pair.h"
#include "nanomsg/ws.h"
#include "nanoport/extensions.h"
#include "support/tls_certs.hpp"

namespace {

using namespace nanoport::hostile;
using namespace nanoport::test;
using clock_type = std::chrono::steady_clock;

constexpr milliseconds patience(5000);   // for anything a test waits on
constexpr int short_handshake_ms = 200;  // NANOPORT_HANDSHAKE_TIMEOUT where a test waits for it
constexpr std::uint16_t pair_id = 16;
const std::string ws_path = "/hostile";
const std::string pair_subprotocol = "pair.sp.nanomsg.org";

// RFC 6455 section 1.3's example key and the accept value it gives.
const std::string sample_key = "dGhlIHNhbXBsZSBub25jZQ==";
const std::string sample_accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

// Frame bits and opcodes (RFC 6455 section 5.2).
constexpr std::uint8_t fin = 0x80;
constexpr std::uint8_t op_continuation = 0x0;
constexpr std::uint8_t op_text = 0x1;
constexpr std::uint8_t op_binary = 0x2;
constexpr std::uint8_t op_close = 0x8;
constexpr std::uint8_t op_ping = 0x9;
constexpr std::uint8_t op_pong = 0xA;
constexpr std::array<std::uint8_t, 4> mask_key = {0x37, 0xfa, 0x21, 0x3d};

const tls_certs& certs() {
    static const tls_certs made;
    return made;
}

// The heap in use: as hostile_test.cpp reads it, plus the blocks malloc
// maps on their own (big ones, a growing output buffer say).
std::size_t heap_in_use() {
#if defined(__SANITIZE_ADDRESS__)
    return __sanitizer_get_current_allocated_bytes();
#else
    const struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
#endif
}

bytes bytes_of(std::string_view s) { return bytes(s.begin(), s.end()); }

bytes joined(std::initializer_list<bytes> parts) {
    bytes out;
    for (const bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

// --- the WebSocket wire, written out by hand ---------------------------------

// Sec-WebSocket-Accept for key: base64(SHA-1(key + RFC 6455's GUID)).
std::string accept_for(const std::string& key) {
    const std::string text = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
    unsigned char encoded[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
    const int n = EVP_EncodeBlock(encoded, digest, SHA_DIGEST_LENGTH);
    return std::string(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(n));
}

// A header field of an HTTP head, by name (case-insensitive); "" if absent.
std::string field_of(const std::string& head, const std::string& name) {
    std::size_t at = head.find("\r\n");
    while (at != std::string::npos && at + 2 < head.size()) {
        const std::size_t start = at + 2;
        const std::size_t end = head.find("\r\n", start);
        const std::string line = head.substr(start, end - start);
        const std::size_t colon = line.find(':');
        if (colon == name.size() && strncasecmp(line.c_str(), name.c_str(), colon) == 0) {
            const std::size_t value = line.find_first_not_of(' ', colon + 1);
            return value == std::string::npos ? std::string() : line.substr(value);
        }
        at = end;
    }
    return {};
}

// A client's upgrade request (RFC 6455 section 4.1) for a PAIR peer on
// ws_path, as a request line and fields that a case can change or drop.
struct upgrade_request {
    std::string request_line = "GET " + ws_path + " HTTP/1.1";
    std::vector<std::pair<std::string, std::string>> fields = {
        {"Host", "127.0.0.1"},           {"Upgrade", "websocket"},
        {"Connection", "Upgrade"},       {"Sec-WebSocket-Key", sample_key},
        {"Sec-WebSocket-Version", "13"}, {"Sec-WebSocket-Protocol", pair_subprotocol},
    };

    upgrade_request& line(std::string l) {
        request_line = std::move(l);
        return *this;
    }
    upgrade_request& set(const std::string& name, const std::string& value) {
        for (auto& f : fields) {
            if (f.first == name) {
                f.second = value;
                return *this;
            }
        }
        fields.emplace_back(name, value);
        return *this;
    }
    upgrade_request& drop(const std::string& name) {
        std::erase_if(fields, [&](const auto& f) { return f.first == name; });
        return *this;
    }
    std::string text() const {
        std::string out = request_line + "\r\n";
        for (const auto& f : fields) out += f.first + ": " + f.second + "\r\n";
        return out + "\r\n";
    }
};

// A frame header: first = FIN, RSV and opcode as given; the length in its
// shortest form; the mask bit and mask_key when masked.
bytes frame_head(std::uint8_t first, std::uint64_t length, bool masked = true) {
    bytes out{first};
    const std::uint8_t mask_bit = masked ? 0x80 : 0x00;
    if (length <= 125) {
        out.push_back(static_cast<std::uint8_t>(mask_bit | length));
    } else if (length <= 0xffff) {
        out.push_back(mask_bit | 126);
        out.push_back(static_cast<std::uint8_t>(length >> 8));
        out.push_back(static_cast<std::uint8_t>(length));
    } else {
        out.push_back(mask_bit | 127);
        for (int shift = 56; shift >= 0; shift -= 8)
            out.push_back(static_cast<std::uint8_t>(length >> shift));
    }
    if (masked) out.insert(out.end(), mask_key.begin(), mask_key.end());
    return out;
}

// A whole frame as a client sends it: payload masked with mask_key.
bytes client_frame(std::uint8_t first, const bytes& payload) {
    bytes out = frame_head(first, payload.size());
    for (std::size_t i = 0; i < payload.size(); ++i) out.push_back(payload[i] ^ mask_key[i % 4]);
    return out;
}

// A whole frame without a mask, as only a server may send it.
bytes unmasked_frame(std::uint8_t first, const bytes& payload) {
    bytes out = frame_head(first, payload.size(), false);
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

struct received_frame {
    std::uint8_t first = 0;  // FIN, RSV, opcode
    bool masked = false;
    bytes payload;  // unmasked
};

// Reads one frame from a connection (anything with read_exact).
template <typename Connection>
bool read_frame(Connection& c, received_frame& f, milliseconds deadline = patience) {
    bytes head;
    if (!c.read_exact(head, 2, deadline)) return false;
    f.first = head[0];
    f.masked = (head[1] & 0x80) != 0;
    std::uint64_t length = head[1] & 0x7f;
    if (length >= 126) {
        bytes extended;
        if (!c.read_exact(extended, length == 126 ? 2 : 8, deadline)) return false;
        length = 0;
        for (std::uint8_t b : extended) length = (length << 8) | b;
    }
    bytes mask(4, 0);
    if (f.masked && !c.read_exact(mask, 4, deadline)) return false;
    if (!c.read_exact(f.payload, static_cast<std::size_t>(length), deadline)) return false;
    if (f.masked) {
        for (std::size_t i = 0; i < f.payload.size(); ++i) f.payload[i] ^= mask[i % 4];
    }
    return true;
}

// --- TLS, as a client ----------------------------------------------------------

using ssl_context = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;

// A client context that trusts the test CA. max_version: the newest
// version to offer (0: any); TLS 1.0 and 1.1 are offered at all only at
// OpenSSL's security level 0.
ssl_context client_context(int max_version = 0) {
    ssl_context ctx(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
    REQUIRE(ctx);
    REQUIRE(SSL_CTX_load_verify_locations(ctx.get(), certs().file("ca.pem").c_str(), nullptr) == 1);
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    if (max_version != 0) {
        SSL_CTX_set_security_level(ctx.get(), 0);
        REQUIRE(SSL_CTX_set_cipher_list(ctx.get(), "DEFAULT:@SECLEVEL=0") == 1);
        REQUIRE(SSL_CTX_set_min_proto_version(ctx.get(), TLS1_VERSION) == 1);
        REQUIRE(SSL_CTX_set_max_proto_version(ctx.get(), max_version) == 1);
    }
    return ctx;
}

SSL_CTX* trusting_context() {
    static const ssl_context made = client_context();
    return made.get();
}

// The ClientHello a client of ctx sends first, taken from a memory BIO.
bytes client_hello(SSL_CTX* ctx) {
    SSL* ssl = SSL_new(ctx);
    REQUIRE(ssl);
    BIO* in = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl, in, out);
    SSL_set_connect_state(ssl);
    CHECK(SSL_do_handshake(ssl) == -1);  // waits for the ServerHello
    char* data = nullptr;
    const long size = BIO_get_mem_data(out, &data);
    bytes hello(data, data + size);
    SSL_free(ssl);
    ERR_clear_error();
    return hello;
}

bool wait_for(int fd, short events, clock_type::time_point until) {
    for (;;) {
        const auto left = std::chrono::duration_cast<milliseconds>(until - clock_type::now());
        if (left.count() < 0) return false;
        pollfd p{fd, events, 0};
        const int rc = ::poll(&p, 1, static_cast<int>(left.count()));
        if (rc > 0) return true;
        if (rc == 0 || errno != EINTR) return false;
    }
}

// A client connection to a listener on 127.0.0.1: plain TCP, or TLS over
// it after start_tls (then non-blocking, every wait bounded by poll).
class client {
public:
    client() = default;
    client(client&& o) noexcept : raw_(std::move(o.raw_)), ssl_(std::exchange(o.ssl_, nullptr)) {}
    client& operator=(client&&) = delete;
    ~client() {
        if (ssl_) SSL_free(ssl_);
    }

    bool connect(int port) { return raw_.connect("tcp://127.0.0.1:" + std::to_string(port)); }
    int fd() const { return raw_.fd(); }

    // The TLS handshake as a client of ctx (that checks 127.0.0.1 in the
    // server's certificate); true when it completed.
    bool start_tls(SSL_CTX* ctx, milliseconds deadline = patience) {
        ERR_clear_error();
        ssl_ = SSL_new(ctx);
        if (!ssl_) return false;
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), "127.0.0.1");
        ::fcntl(fd(), F_SETFL, ::fcntl(fd(), F_GETFL) | O_NONBLOCK);
        SSL_set_fd(ssl_, fd());
        const auto until = clock_type::now() + deadline;
        for (;;) {
            const int rc = SSL_connect(ssl_);
            if (rc == 1) return true;
            if (!wait_for_tls(rc, until)) break;
        }
        // Failed: what follows (wait_closed) reads the socket itself. The
        // thread's OpenSSL error queue still says why.
        SSL_free(ssl_);
        ssl_ = nullptr;
        return false;
    }

    bool send(const bytes& data) {
        if (!ssl_) return raw_.send(data);
        if (data.empty()) return true;
        const auto until = clock_type::now() + patience;
        for (;;) {
            ERR_clear_error();
            const int rc = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
            if (rc > 0) return true;
            if (!wait_for_tls(rc, until)) return false;
        }
    }
    bool send(std::string_view text) { return send(bytes_of(text)); }

    // Reads up to size bytes: how many came; 0 when the connection ended
    // (EOF, reset, a TLS alert); -1 when nothing came before until.
    long read_some(std::uint8_t* data, std::size_t size, clock_type::time_point until) {
        for (;;) {
            if (!ssl_) {
                if (!wait_for(fd(), POLLIN, until)) return -1;
                const ssize_t n = ::recv(fd(), data, size, 0);
                if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
                return n > 0 ? n : 0;
            }
            ERR_clear_error();
            const int n = SSL_read(ssl_, data, static_cast<int>(size));
            if (n > 0) return n;
            const int error = SSL_get_error(ssl_, n);
            if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) return 0;
            if (!wait_for(fd(), error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, until)) return -1;
        }
    }

    bool read_exact(bytes& out, std::size_t n, milliseconds deadline = patience) {
        out.resize(n);
        const auto until = clock_type::now() + deadline;
        for (std::size_t done = 0; done < n;) {
            const long got = read_some(out.data() + done, n - done, until);
            if (got <= 0) return false;
            done += static_cast<std::size_t>(got);
        }
        return true;
    }

    // An HTTP head, through its blank line.
    bool read_head(std::string& head, milliseconds deadline = patience) {
        head.clear();
        const auto until = clock_type::now() + deadline;
        while (head.size() < 16384) {
            std::uint8_t c;
            if (read_some(&c, 1, until) != 1) return false;
            head.push_back(static_cast<char>(c));
            if (head.ends_with("\r\n\r\n")) return true;
        }
        return false;
    }

    // True when the other side ends the connection within the deadline;
    // what it sends meanwhile is discarded.
    bool wait_closed(milliseconds deadline = patience) {
        const auto until = clock_type::now() + deadline;
        std::uint8_t sink[4096];
        for (;;) {
            const long got = read_some(sink, sizeof sink, until);
            if (got == 0) return true;
            if (got < 0) return false;
        }
    }

    // Ends our direction of the stream (no TLS close_notify).
    void shutdown_write() { ::shutdown(fd(), SHUT_WR); }

private:
    bool wait_for_tls(int rc, clock_type::time_point until) {
        const int error = SSL_get_error(ssl_, rc);
        if (error == SSL_ERROR_WANT_READ) return wait_for(fd(), POLLIN, until);
        if (error == SSL_ERROR_WANT_WRITE) return wait_for(fd(), POLLOUT, until);
        return false;
    }

    raw_peer raw_;
    SSL* ssl_ = nullptr;
};

// --- the nanoport side -----------------------------------------------------------

enum class scheme { ws, wss, tls_tcp };

std::string name_of(scheme s) {
    switch (s) {
        case scheme::ws:
            return "ws";
        case scheme::wss:
            return "wss";
        case scheme::tls_tcp:
            return "tls+tcp";
    }
    return "?";
}

// A nanoport PAIR listening on 127.0.0.1: on a free port, or on port (a ws
// port another listener has, to share it); with path for ws and wss; with
// the test server certificate for wss and tls+tcp. configure runs before the
// bind.
class listener {
public:
    explicit listener(scheme sc, const std::function<void(int)>& configure = {},
                      std::string path = ws_path, int port = 0)
        : scheme_(sc), path_(std::move(path)) {
        s_ = nn_socket(AF_SP, NN_PAIR);
        REQUIRE(s_ >= 0);
        set_timeouts(s_, static_cast<int>(patience.count()));
        if (tls()) {
            const std::string cert = certs().file("server.pem");
            const std::string key = certs().file("server.key");
            REQUIRE(nn_setsockopt(s_, NANOPORT_TLS, NANOPORT_TLS_CERT_FILE, cert.data(),
                                  cert.size()) == 0);
            REQUIRE(nn_setsockopt(s_, NANOPORT_TLS, NANOPORT_TLS_KEY_FILE, key.data(),
                                  key.size()) == 0);
        }
        if (configure) configure(s_);
        int rc = -1;
        for (int attempt = 0; attempt < 20 && rc < 0; ++attempt) {
            port_ = port != 0 ? port : free_tcp_port();
            const std::string authority = "127.0.0.1:" + std::to_string(port_);
            url_ = sc == scheme::tls_tcp ? "tls+tcp://" + authority
                                         : name_of(sc) + "://" + authority + path_;
            rc = nn_bind(s_, url_.c_str());
            if (rc < 0) REQUIRE((nn_errno() == EADDRINUSE && port == 0));
        }
        REQUIRE(rc >= 0);
    }
    ~listener() { close(); }
    void close() {
        if (s_ >= 0) nn_close(s_);
        s_ = -1;
    }
    listener(const listener&) = delete;
    listener& operator=(const listener&) = delete;

    int socket() const { return s_; }
    int port() const { return port_; }
    bool tls() const { return scheme_ != scheme::ws; }
    std::uint64_t stat(int id) const { return nn_get_statistic(s_, id); }

    // Waits (bounded) until statistic id reads value.
    bool counted(int id, std::uint64_t value) const {
        return wait_for_statistic_equal(s_, id, value);
    }

    // A client connected to the listener's port, TLS done for wss and tls+tcp.
    client connect_client() const {
        client c;
        REQUIRE(c.connect(port_));
        if (tls()) REQUIRE(c.start_tls(trusting_context()));
        return c;
    }

    // Once no connection is left, a nanoport PAIR (trusting the test CA)
    // connects, exchanges a message each way and leaves again.
    bool serves_a_nanoport_peer() {
        if (!counted(NN_STAT_CURRENT_CONNECTIONS, 0)) return false;
        socket_guard peer(NN_PAIR);
        set_timeouts(peer.s, static_cast<int>(patience.count()));
        if (tls()) {
            const std::string ca = certs().file("ca.pem");
            REQUIRE(nn_setsockopt(peer.s, NANOPORT_TLS, NANOPORT_TLS_CA_FILE, ca.data(),
                                  ca.size()) == 0);
        }
        if (nn_connect(peer.s, url_.c_str()) < 0) return false;
        const std::string text = "legitimate " + std::to_string(++round_);
        send_text(peer.s, text);
        if (receive_text(s_) != text) return false;
        send_text(s_, "re: " + text);
        if (receive_text(peer.s) != "re: " + text) return false;
        peer.close();
        return counted(NN_STAT_CURRENT_CONNECTIONS, 0);
    }

    // Nothing was delivered to the socket.
    bool nothing_received() const {
        char buf[16];
        return nn_recv(s_, buf, sizeof buf, NN_DONTWAIT) == -1 && nn_errno() == EAGAIN;
    }

    // The upgrade request of a PAIR peer for this listener's path.
    upgrade_request request() const { return upgrade_request().line("GET " + path_ + " HTTP/1.1"); }

    // A client that has upgraded to WebSocket as a PAIR peer (checking the
    // 101, its accept key and subprotocol) and that the socket took as its
    // pipe. first_frames go in the same write as the request.
    client upgraded_client(const bytes& first_frames = {}) {
        client c = connect_client();
        REQUIRE(c.send(joined({bytes_of(request().text()), first_frames})));
        std::string head;
        REQUIRE(c.read_head(head));
        CAPTURE(head);
        REQUIRE(head.starts_with("HTTP/1.1 101 "));
        CHECK(field_of(head, "Sec-WebSocket-Accept") == sample_accept);
        CHECK(field_of(head, "Sec-WebSocket-Protocol") == pair_subprotocol);
        CHECK(strcasecmp(field_of(head, "Upgrade").c_str(), "websocket") == 0);
        REQUIRE(counted(NN_STAT_CURRENT_CONNECTIONS, 1));
        return c;
    }

private:
    scheme scheme_;
    std::string path_;
    int s_ = -1;
    int port_ = -1;
    std::string url_;
    int round_ = 0;
};

void short_handshake(int s) {
    set_socket_option(s, NANOPORT_HANDSHAKE_TIMEOUT, short_handshake_ms);
}

// Receives one message of any size (REQUIRE that one came).
bytes receive_message(int s) {
    void* buf = nullptr;
    const int n = nn_recv(s, &buf, NN_MSG, 0);
    REQUIRE_MESSAGE(n >= 0, nn_strerror(nn_errno()));
    bytes out(static_cast<std::uint8_t*>(buf), static_cast<std::uint8_t*>(buf) + n);
    nn_freemsg(buf);
    return out;
}

// A raw server on a free loopback port, for a nanoport dialer to reach.
class fake_server {
public:
    fake_server() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof sa;
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
        REQUIRE(::listen(fd_, 8) == 0);
        REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len) == 0);
        port_ = ntohs(sa.sin_port);
    }
    ~fake_server() { ::close(fd_); }
    fake_server(const fake_server&) = delete;
    fake_server& operator=(const fake_server&) = delete;

    std::string url() const { return "ws://127.0.0.1:" + std::to_string(port_) + ws_path; }

    // The next connection a dialer makes, if it comes within the deadline.
    bool accept(raw_peer& out, milliseconds deadline = patience) {
        if (!wait_for(fd_, POLLIN, clock_type::now() + deadline)) return false;
        const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) return false;
        out = raw_peer::adopt(fd);
        return true;
    }

private:
    int fd_ = -1;
    int port_ = -1;
};

// The upgrade request a nanoport PAIR dialer sent; its key, or "" when the
// request was not what RFC 6455 and the SP mapping ask for.
std::string read_dialer_request(raw_peer& conn) {
    std::string head;
    if (!conn.read_until(head, "\r\n\r\n", 16384, patience)) return {};
    CAPTURE(head);
    CHECK(head.starts_with("GET " + ws_path + " HTTP/1.1\r\n"));
    CHECK(field_of(head, "Sec-WebSocket-Protocol") == pair_subprotocol);
    CHECK(field_of(head, "Sec-WebSocket-Version") == "13");
    return field_of(head, "Sec-WebSocket-Key");
}

std::string good_response(const std::string& key,
                          const std::string& subprotocol = pair_subprotocol) {
    return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Accept: " +
           accept_for(key) + "\r\nSec-WebSocket-Protocol: " + subprotocol + "\r\n\r\n";
}

}  // namespace

TEST_CASE("the test's own accept key matches RFC 6455's example") {
    CHECK(accept_for(sample_key) == sample_accept);
}

// --- ws: the HTTP upgrade ---------------------------------------------------------

TEST_CASE("ws: a bad upgrade request is answered with its HTTP error, closed and counted") {
    struct bad_request {
        std::string what;
        std::string text;
        const char* status;  // what the status line starts with
    };
    const std::vector<bad_request> cases = {
        {"POST", upgrade_request().line("POST " + ws_path + " HTTP/1.1").text(), "400 "},
        {"HTTP/1.0", upgrade_request().line("GET " + ws_path + " HTTP/1.0").text(), "400 "},
        {"no request target", upgrade_request().line("GET HTTP/1.1").text(), "400 "},
        {"no Upgrade", upgrade_request().drop("Upgrade").text(), "400 "},
        {"Upgrade: h2c", upgrade_request().set("Upgrade", "h2c").text(), "400 "},
        {"no Connection", upgrade_request().drop("Connection").text(), "400 "},
        {"Connection: keep-alive", upgrade_request().set("Connection", "keep-alive").text(),
         "400 "},
        {"no Sec-WebSocket-Key", upgrade_request().drop("Sec-WebSocket-Key").text(), "400 "},
        {"a key of 20 bytes",
         upgrade_request().set("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=").text(), "400 "},
        {"a key of 22 characters without padding",
         upgrade_request().set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ").text(), "400 "},
        {"a key that is not base64",
         upgrade_request().set("Sec-WebSocket-Key", "dGhlIHNhbXBs!!Bub25jZQ==").text(), "400 "},
        {"no Host", upgrade_request().drop("Host").text(), "400 "},
        {"a header line without a colon", "GET " + ws_path + " HTTP/1.1\r\nno colon here\r\n\r\n",
         "400 "},
        {"a control byte in a header", upgrade_request().set("X-Bad", "a\x01z").text(), "400 "},
        {"Sec-WebSocket-Version 8", upgrade_request().set("Sec-WebSocket-Version", "8").text(),
         "426 "},
        // 400 or 426: RFC 6455 leaves the choice.
        {"no Sec-WebSocket-Version", upgrade_request().drop("Sec-WebSocket-Version").text(), "4"},
        {"another path", upgrade_request().line("GET /elsewhere HTTP/1.1").text(), "404 "},
        {"PUB's subprotocol to a PAIR",
         upgrade_request().set("Sec-WebSocket-Protocol", "pub.sp.nanomsg.org").text(), "400 "},
        {"no subprotocol", upgrade_request().drop("Sec-WebSocket-Protocol").text(), "400 "},
    };
    listener l(scheme::ws);
    std::uint64_t refused = 0;
    for (const bad_request& c : cases) {
        CAPTURE(c.what);
        client raw = l.connect_client();
        REQUIRE(raw.send(c.text));
        std::string head;
        CHECK(raw.read_head(head));
        CAPTURE(head);
        CHECK(head.starts_with(std::string("HTTP/1.1 ") + c.status));
        CHECK(field_of(head, "Connection") == "close");
        if (std::string_view(c.status) == "426 ") {
            CHECK(field_of(head, "Sec-WebSocket-Version") == "13");
        }
        CHECK(raw.wait_closed());
        ++refused;
        CHECK(l.counted(NANOPORT_STAT_WS_PROTOCOL_ERRORS, refused));
        CHECK(l.counted(NANOPORT_STAT_FAILED_HANDSHAKES, refused));
        CHECK(l.nothing_received());
        CHECK(l.serves_a_nanoport_peer());
    }
    CHECK(l.stat(NANOPORT_STAT_HANDSHAKE_TIMEOUTS) == 0);
}

TEST_CASE("ws: a request head over 8 KiB without its blank line is closed and counted") {
    listener l(scheme::ws);
    client raw = l.connect_client();
    std::string head = "GET " + ws_path + " HTTP/1.1\r\n";
    while (head.size() < 9000) head += "X-Filler: " + std::string(100, 'a') + "\r\n";
    // The listener may close before it has all of it.
    (void)raw.send(head);
    CHECK(raw.wait_closed());
    CHECK(l.counted(NANOPORT_STAT_WS_PROTOCOL_ERRORS, 1));
    CHECK(l.counted(NANOPORT_STAT_FAILED_HANDSHAKES, 1));
    CHECK(l.stat(NANOPORT_STAT_HANDSHAKE_TIMEOUTS) == 0);
    CHECK(l.serves_a_nanoport_peer());
}

TEST_CASE("ws: a client that never completes its request is closed at the handshake deadline") {
    listener l(scheme::ws, short_handshake);
    client silent = l.connect_client();
    client partial = l.connect_client();
    REQUIRE(partial.send("GET " + ws_path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
    const auto start = clock_type::now();
    CHECK(silent.wait_closed());
    CHECK(partial.wait_closed());
    const auto took = clock_type::now() - start;
    CHECK(took >= milliseconds(short_handshake_ms - 50));
    CHECK(took < milliseconds(3000));
    CHECK(l.counted(NANOPORT_STAT_HANDSHAKE_TIMEOUTS, 2));
    CHECK(l.counted(NANOPORT_STAT_FAILED_HANDSHAKES, 2));
    CHECK(l.stat(NANOPORT_STAT_WS_PROTOCOL_ERRORS) == 0);
    CHECK(l.serves_a_nanoport_peer());
}

// --- ws: frames after a good upgrade ------------------------------------------------

TEST_CASE("ws: a frame that breaks RFC 6455 closes the connection and is counted") {
    struct bad_frames {
        std::string what;
        bytes data;
    };
    const bytes abc = bytes_of("abc");
    bytes ping_126 = client_frame(fin | op_ping, bytes(126, 'p'));
    const std::vector<bad_frames> cases = {
        {"an unmasked frame from a client", unmasked_frame(fin | op_binary, abc)},
        {"RSV1 set", client_frame(fin | 0x40 | op_binary, abc)},
        {"RSV2 set", client_frame(fin | 0x20 | op_binary, abc)},
        {"RSV3 set", client_frame(fin | 0x10 | op_binary, abc)},
        {"opcode 3", client_frame(fin | 0x3, abc)},
        {"opcode 0xB", client_frame(fin | 0xB, abc)},
        {"a fragmented ping", client_frame(op_ping, abc)},
        {"a ping of 126 bytes", ping_126},
        {"a close frame with a 1-byte body", client_frame(fin | op_close, {0x03})},
        {"a continuation without a message", client_frame(fin | op_continuation, abc)},
        {"a new message inside a fragmented one",
         joined({client_frame(op_binary, abc), client_frame(fin | op_binary, abc)})},
        {"a 64-bit length with its top bit set",
         joined({bytes{fin | op_binary, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 3},
                 bytes(mask_key.begin(), mask_key.end()), abc})},
    };
    for (scheme sc : {scheme::ws, scheme::wss}) {
        CAPTURE(name_of(sc));
        listener l(sc);
        std::uint64_t errors = 0;
        for (const bad_frames& c : cases) {
            CAPTURE(c.what);
            client raw = l.upgraded_client();
            (void)raw.send(c.data);  // the listener may close before it has all of it
            CHECK(raw.wait_closed());
            ++errors;
            CHECK(l.counted(NANOPORT_STAT_WS_PROTOCOL_ERRORS, errors));
            CHECK(l.nothing_received());
            CHECK(l.serves_a_nanoport_peer());
        }
        CHECK(l.stat(NANOPORT_STAT_FAILED_HANDSHAKES) == 0);
        CHECK(l.stat(NANOPORT_STAT_OVERSIZED_MESSAGES) == 0);
        if (sc == scheme::wss) CHECK(l.stat(NANOPORT_STAT_TLS_FAILURES) == 0);
    }
}

TEST_CASE("ws: a frame longer than NN_RCVMAXSIZE is refused from its header, before its payload") {
    constexpr int limit = 4096;
    listener l(scheme::ws, [](int s) { set_socket_option(s, NN_RCVMAXSIZE, limit); });
    struct oversized {
        std::string what;
        bytes data;  // headers, and only the payload that fits
    };
    const std::vector<oversized> cases = {
        {"one byte over, 16-bit length", frame_head(fin | op_binary, limit + 1)},
        {"2^32, 64-bit length", frame_head(fin | op_binary, std::uint64_t(1) << 32)},
        {"2^63 - 1", frame_head(fin | op_binary, ~std::uint64_t(0) >> 1)},
        {"a text frame", frame_head(fin | op_text, limit + 1)},
        {"a first fragment over the limit", frame_head(op_binary, limit + 1)},
        {"fragments that add up to one byte over",
         joined({client_frame(op_binary, bytes(limit - 100, 'x')),
                 client_frame(fin | op_ping, {}),  // control frames do not count
                 frame_head(fin | op_continuation, 101)})},
    };
    std::uint64_t refused = 0;
    for (const oversized& c : cases) {
        CAPTURE(c.what);
        client raw = l.upgraded_client();
        REQUIRE(raw.send(c.data));
        // Nothing more is sent: nanoport must not wait for the payload.
        CHECK(raw.wait_closed());
        ++refused;
        CHECK(l.counted(NANOPORT_STAT_OVERSIZED_MESSAGES, refused));
        CHECK(l.nothing_received());
        CHECK(l.serves_a_nanoport_peer());
    }
    CHECK(l.stat(NANOPORT_STAT_WS_PROTOCOL_ERRORS) == 0);

    // Exactly NN_RCVMAXSIZE still arrives, in one frame or in fragments.
    {
        bytes whole(limit);
        for (std::size_t i = 0; i < whole.size(); ++i) whole[i] = static_cast<std::uint8_t>(i * 13);
        client raw = l.upgraded_client();
        REQUIRE(raw.send(client_frame(fin | op_binary, whole)));
        CHECK(receive_message(l.socket()) == whole);
        const bytes first(whole.begin(), whole.begin() + 1000);
        const bytes rest(whole.begin() + 1000, whole.end());
        REQUIRE(raw.send(client_frame(op_binary, first)));
        REQUIRE(raw.send(client_frame(fin | op_continuation, rest)));
        CHECK(receive_message(l.socket()) == whole);
        CHECK(l.stat(NANOPORT_STAT_OVERSIZED_MESSAGES) == refused);
    }
}

TEST_CASE("ws: invalid UTF-8 in a text message closes the connection and is counted") {
    listener l(scheme::ws);
    const std::vector<bytes> invalid = {
        {0xff},                    // never in UTF-8
        {'a', 0x80, 'b'},          // a continuation byte first
        {0xc0, 0xaf},              // overlong '/'
        {0xed, 0xa0, 0x80},        // a surrogate
        {0xf4, 0x90, 0x80, 0x80},  // above U+10FFFF
        {'o', 'k', 0xe2, 0x82},    // cut off at the end
    };
    std::uint64_t errors = 0;
    for (const bytes& text : invalid) {
        CAPTURE(text.size());
        client raw = l.upgraded_client();
        REQUIRE(raw.send(client_frame(fin | op_text, text)));
        CHECK(raw.wait_closed());
        ++errors;
        CHECK(l.counted(NANOPORT_STAT_WS_PROTOCOL_ERRORS, errors));
        CHECK(l.nothing_received());
        CHECK(l.serves_a_nanoport_peer());
    }

    // Valid UTF-8 arrives, also when a character is split between fragments.
    {
        client raw = l.upgraded_client();
        const bytes text = bytes_of("h\xc3\xa9llo w\xc3\xb6rld \xf0\x9f\x99\x82");
        REQUIRE(raw.send(client_frame(fin | op_text, text)));
        CHECK(receive_message(l.socket()) == text);
        REQUIRE(raw.send(client_frame(op_text, bytes(text.begin(), text.begin() + 2))));
        REQUIRE(raw.send(client_frame(fin | op_continuation, bytes(text.begin() + 2, text.end()))));
        CHECK(receive_message(l.socket()) == text);
        CHECK(l.stat(NANOPORT_STAT_WS_PROTOCOL_ERRORS) == errors);
    }
}

TEST_CASE("ws: a masked ping is answered with an unmasked pong carrying its payload") {
    for (scheme sc : {scheme::ws, scheme::wss}) {
        CAPTURE(name_of(sc));
        listener l(sc);
        client raw = l.upgraded_client();
        for (const bytes& payload : {bytes{}, bytes_of("are you there?"), bytes(125, 0xa5)}) {
            CAPTURE(payload.size());
            REQUIRE(raw.send(client_frame(fin | op_ping, payload)));
            received_frame pong;
            REQUIRE(read_frame(raw, pong));
            CHECK(pong.first == (fin | op_pong));
            CHECK_FALSE(pong.masked);
            CHECK(pong.payload == payload);
        }
        CHECK(l.stat(NANOPORT_STAT_WS_PROTOCOL_ERRORS) == 0);
    }
}

TEST_CASE("ws: a ping flood from a peer that never reads its pongs holds bounded memory") {
    // Each ping asks for a pong; a peer that never reads them must not make
    // nanoport queue them without end: it has to stop reading (as it does
    // for messages nobody receives, NN_RCVBUF) or drop the connection.
    // Then what the flood costs is the kernel's socket buffers, not heap.
    // (NN_SNDBUF small: the natural bound for queued pongs is then small too.)
    listener l(scheme::ws, [](int s) { set_socket_option(s, NN_SNDBUF, 16 * 1024); });
    client raw = l.upgraded_client();
    bytes batch;
    while (batch.size() < 64 * 1024) {
        const bytes ping = client_frame(fin | op_ping, bytes(125, 'f'));
        batch.insert(batch.end(), ping.begin(), ping.end());
    }
    const std::size_t before = heap_in_use();
    // Writes whatever the listener takes for five seconds: a queue of pongs
    // would grow all that time, not only while the kernel's buffers fill.
    // The heap is read every 100 ms; the most it held counts.
    const auto until = clock_type::now() + milliseconds(5000);
    auto next_reading = clock_type::now();
    std::size_t sent = 0;
    std::size_t most = before;
    for (;;) {
        if (clock_type::now() >= next_reading) {
            most = std::max(most, heap_in_use());
            next_reading += milliseconds(100);
        }
        if (clock_type::now() >= until) break;
        if (!wait_for(raw.fd(), POLLOUT, std::min(until, next_reading))) continue;
        const ssize_t n = ::send(raw.fd(), batch.data(), batch.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno != EAGAIN) break;  // dropped: fine too
        if (n > 0) sent += static_cast<std::size_t>(n);
    }
    CAPTURE(sent);
    CAPTURE(before);
    CAPTURE(most);
    MESSAGE("ping flood: ", sent, " bytes of pings sent in 5 s, heap grew by up to ", most - before,
            " bytes");
    CHECK(most < before + 512 * 1024);
    raw.shutdown_write();
    CHECK(raw.wait_closed(milliseconds(10000)));
    CHECK(l.serves_a_nanoport_peer());
}

TEST_CASE("ws: a fragmented message with a ping between its fragments arrives whole") {
    listener l(scheme::ws);
    client raw = l.upgraded_client();
    REQUIRE(raw.send(joined({client_frame(op_binary, bytes_of("first, ")),
                             client_frame(fin | op_ping, bytes_of("between")),
                             client_frame(op_continuation, bytes_of("second, ")),
                             client_frame(fin | op_continuation, bytes_of("third"))})));
    CHECK(receive_message(l.socket()) == bytes_of("first, second, third"));
    received_frame pong;
    REQUIRE(read_frame(raw, pong));
    CHECK(pong.first == (fin | op_pong));
    CHECK(pong.payload == bytes_of("between"));
    // Empty fragments are fragments too.
    REQUIRE(raw.send(joined({client_frame(op_binary, {}), client_frame(op_continuation, {}),
                             client_frame(fin | op_continuation, bytes_of("x"))})));
    CHECK(receive_message(l.socket()) == bytes_of("x"));
    CHECK(l.nothing_received());
    CHECK(l.stat(NANOPORT_STAT_WS_PROTOCOL_ERRORS) == 0);
}

TEST_CASE("ws: a close frame is answered with a close frame and the connection ends") {
    listener l(scheme::ws);
    struct close_case {
        std::string what;
        bytes body;
        bytes answer;
    };
    const std::vector<close_case> cases = {
        {"status 1000 and a reason", bytes_of("\x03\xe8goodbye"), {0x03, 0xe8}},
        {"status 1001", {0x03, 0xe9}, {0x03, 0xe9}},
        {"no body", {}, {}},
    };
    for (const close_case& c : cases) {
        CAPTURE(c.what);
        client raw = l.upgraded_client();
        REQUIRE(raw.send(client_frame(fin | op_close, c.body)));
        received_frame answer;
        REQUIRE(read_frame(raw, answer));
        CHECK(answer.first == (fin | op_close));
        CHECK_FALSE(answer.masked);
        CHECK(answer.payload == c.answer);
        CHECK(raw.wait_closed());
        CHECK(l.serves_a_nanoport_peer());
    }
    CHECK(l.stat(NANOPORT_STAT_WS_PROTOCOL_ERRORS) == 0);
}

TEST_CASE("ws: a message from nanoport arrives as unmasked frames holding exactly its bytes") {
    for (scheme sc : {scheme::ws, scheme::wss}) {
        CAPTURE(name_of(sc));
        listener l(sc);
        client raw = l.upgraded_client();
        // Up to 64 KiB one frame, in each of the three length forms (an empty
        // message too); beyond, 64 KiB fragments (NNG refuses frames over 1 MiB).
        for (std::size_t size : {std::size_t(0), std::size_t(5), std::size_t(300),
                                 std::size_t(65536), std::size_t(200000)}) {
            CAPTURE(size);
            bytes message(size);
            for (std::size_t i = 0; i < size; ++i)
                message[i] = static_cast<std::uint8_t>(i * 7 + 1);
            REQUIRE(nn_send(l.socket(), message.data(), size, 0) == static_cast<int>(size));
            bytes got;
            for (std::size_t frames = 0;; ++frames) {
                received_frame f;
                REQUIRE(read_frame(raw, f));
                CHECK((f.first & 0x0f) == (frames == 0 ? op_binary : op_continuation));
                CHECK((f.first & 0x70) == 0);
                CHECK_FALSE(f.masked);
                CHECK(f.payload.size() <= 65536);
                got.insert(got.end(), f.payload.begin(), f.payload.end());
                if (f.first & fin) break;
                REQUIRE(frames < 10);
            }
            CHECK(got == message);
        }
    }
}

TEST_CASE("ws: with NN_WS_MSG_TYPE text, a message from nanoport is a text frame") {
    listener l(scheme::ws, [](int s) {
        const int type = NN_WS_MSG_TYPE_TEXT;
        REQUIRE(nn_setsockopt(s, NN_WS, NN_WS_MSG_TYPE, &type, sizeof type) == 0);
    });
    client raw = l.upgraded_client();
    send_text(l.socket(), "in text");
    received_frame f;
    REQUIRE(read_frame(raw, f));
    CHECK(f.first == (fin | op_text));
    CHECK_FALSE(f.masked);
    CHECK(f.payload == bytes_of("in text"));
}

TEST_CASE("ws: on a shared port, each request is judged by the socket of its path") {
    listener a(scheme::ws, {}, "/a");
    listener b(scheme::ws, {}, "/b", a.port());

    // Frames in the same write as a request for /b reach b, handed over
    // with the request.
    client raw = b.upgraded_client(client_frame(fin | op_binary, bytes_of("with the head")));
    CHECK(receive_message(b.socket()) == bytes_of("with the head"));
    raw.shutdown_write();
    CHECK(raw.wait_closed());

    // A bad request for /b is b's to answer and count.
    client bad = b.connect_client();
    REQUIRE(bad.send(b.request().set("Sec-WebSocket-Protocol", "pub.sp.nanomsg.org").text()));
    std::string head;
    CHECK(bad.read_head(head));
    CHECK(head.starts_with("HTTP/1.1 400 "));
    CHECK(bad.wait_closed());
    CHECK(b.counted(NANOPORT_STAT_WS_PROTOCOL_ERRORS, 1));

    // So is a bad frame after a good upgrade to /b.
    client unmasked = b.upgraded_client();
    (void)unmasked.send(unmasked_frame(fin | op_binary, bytes_of("unmasked")));
    CHECK(unmasked.wait_closed());
    CHECK(b.counted(NANOPORT_STAT_WS_PROTOCOL_ERRORS, 2));
    CHECK(b.nothing_received());

    // A path nobody serves, and a head that never ends, are the port
    // owner's (a's).
    client nobody = a.connect_client();
    REQUIRE(nobody.send(a.request().line("GET /nobody HTTP/1.1").text()));
    CHECK(nobody.read_head(head));
    CHECK(head.starts_with("HTTP/1.1 404 "));
    CHECK(nobody.wait_closed());
    client endless = a.connect_client();
    std::string filler = "GET /b HTTP/1.1\r\n";
    while (filler.size() < 9000) filler += "X-Filler: " + std::string(100, 'c') + "\r\n";
    (void)endless.send(filler);
    CHECK(endless.wait_closed());
    CHECK(a.counted(NANOPORT_STAT_WS_PROTOCOL_ERRORS, 2));
    CHECK(a.nothing_received());
    CHECK(a.serves_a_nanoport_peer());
    CHECK(b.serves_a_nanoport_peer());

    // Once a (which bound the port) is gone, b holds it and judges alone.
    a.close();
    client orphan = b.connect_client();
    REQUIRE(orphan.send(b.request().line("GET /a HTTP/1.1").text()));
    CHECK(orphan.read_head(head));
    CHECK(head.starts_with("HTTP/1.1 404 "));
    CHECK(orphan.wait_closed());
    CHECK(b.counted(NANOPORT_STAT_WS_PROTOCOL_ERRORS, 3));
    CHECK(b.serves_a_nanoport_peer());
}

// --- ws: the dialer's side -----------------------------------------------------------

TEST_CASE("ws: a dialer refuses a bad upgrade answer, counts it and dials again") {
    fake_server server;
    socket_guard dialer(NN_PAIR);
    set_timeouts(dialer.s, static_cast<int>(patience.count()));
    set_socket_option(dialer.s, NN_RECONNECT_IVL, 20);
    REQUIRE(nn_connect(dialer.s, server.url().c_str()) > 0);
    struct bad_answer {
        std::string what;
        std::function<std::string(const std::string& key)> response;
    };
    const std::vector<bad_answer> cases = {
        {"200 OK",
         [](const std::string&) {
             return std::string("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
         }},
        {"101 with a wrong Sec-WebSocket-Accept",
         [](const std::string&) { return good_response(sample_key); }},
        {"101 with REQ's subprotocol",
         [](const std::string& key) { return good_response(key, "req.sp.nanomsg.org"); }},
        {"101 without a subprotocol",
         [](const std::string& key) {
             std::string r = good_response(key);
             const std::size_t at = r.find("Sec-WebSocket-Protocol");
             return r.erase(at, r.find("\r\n", at) + 2 - at);
         }},
        {"101 without Upgrade",
         [](const std::string& key) {
             std::string r = good_response(key);
             const std::size_t at = r.find("Upgrade: websocket\r\n");
             return r.erase(at, std::strlen("Upgrade: websocket\r\n"));
         }},
        {"HTTP/1.0 101",
         [](const std::string& key) {
             std::string r = good_response(key);
             return r.replace(0, 8, "HTTP/1.0");
         }},
        {"not HTTP", [](const std::string&) { return std::string("SSH-2.0-OpenSSH_9\r\n\r\n"); }},
        {"a head over 8 KiB",
         [](const std::string&) {
             std::string r = "HTTP/1.1 101 Switching Protocols\r\n";
             while (r.size() < 9000) r += "X-Filler: " + std::string(100, 'b') + "\r\n";
             return r;
         }},
    };
    raw_peer conn;
    REQUIRE(server.accept(conn));
    std::uint64_t refused = 0;
    for (const bad_answer& c : cases) {
        CAPTURE(c.what);
        const std::string key = read_dialer_request(conn);
        REQUIRE(key.size() == 24);
        (void)conn.send(bytes_of(c.response(key)));  // the dialer may close first
        CHECK(conn.wait_closed(patience));
        ++refused;
        CHECK(wait_for_statistic_equal(dialer.s, NANOPORT_STAT_WS_PROTOCOL_ERRORS, refused));
        CHECK(wait_for_statistic_equal(dialer.s, NANOPORT_STAT_FAILED_HANDSHAKES, refused));
        raw_peer next;  // the dialer tries again
        REQUIRE(server.accept(next));
        conn = std::move(next);
    }
    CHECK(nn_get_statistic(dialer.s, NN_STAT_CURRENT_CONNECTIONS) == 0);

    // A good answer at last: the dialer is connected, and frames go both ways.
    const std::string key = read_dialer_request(conn);
    REQUIRE(conn.send(bytes_of(good_response(key))));
    REQUIRE(conn.send(unmasked_frame(fin | op_binary, bytes_of("from the server"))));
    CHECK(receive_message(dialer.s) == bytes_of("from the server"));
    send_text(dialer.s, "from the dialer");
    received_frame f;
    REQUIRE(read_frame(conn, f));
    CHECK(f.first == (fin | op_binary));
    CHECK(f.masked);  // a client masks every frame
    CHECK(f.payload == bytes_of("from the dialer"));
    CHECK(nn_get_statistic(dialer.s, NANOPORT_STAT_WS_PROTOCOL_ERRORS) == refused);
}

TEST_CASE("ws: a dialer closes on a masked frame from the server, counts it and dials again") {
    fake_server server;
    socket_guard dialer(NN_PAIR);
    set_timeouts(dialer.s, static_cast<int>(patience.count()));
    set_socket_option(dialer.s, NN_RECONNECT_IVL, 20);
    REQUIRE(nn_connect(dialer.s, server.url().c_str()) > 0);
    raw_peer conn;
    REQUIRE(server.accept(conn));
    const std::string key = read_dialer_request(conn);
    REQUIRE(conn.send(bytes_of(good_response(key))));
    REQUIRE(wait_for_statistic_equal(dialer.s, NN_STAT_CURRENT_CONNECTIONS, 1));
    REQUIRE(conn.send(client_frame(fin | op_binary, bytes_of("masked"))));
    CHECK(conn.wait_closed(patience));
    CHECK(wait_for_statistic_equal(dialer.s, NANOPORT_STAT_WS_PROTOCOL_ERRORS, 1));
    CHECK(wait_for_statistic_equal(dialer.s, NN_STAT_BROKEN_CONNECTIONS, 1));
    CHECK(nn_get_statistic(dialer.s, NANOPORT_STAT_FAILED_HANDSHAKES) == 0);
    raw_peer again;
    CHECK(server.accept(again));
    char buf[16];
    CHECK(nn_recv(dialer.s, buf, sizeof buf, NN_DONTWAIT) == -1);
}

TEST_CASE("ws: a dialer gives up on a server that never answers at the handshake deadline") {
    fake_server server;
    socket_guard dialer(NN_PAIR);
    short_handshake(dialer.s);
    set_socket_option(dialer.s, NN_RECONNECT_IVL, 20);
    REQUIRE(nn_connect(dialer.s, server.url().c_str()) > 0);
    raw_peer conn;
    REQUIRE(server.accept(conn));
    CHECK_FALSE(read_dialer_request(conn).empty());
    const auto start = clock_type::now();
    CHECK(conn.wait_closed(patience));
    CHECK(clock_type::now() - start < milliseconds(3000));
    CHECK(wait_for_statistic_equal(dialer.s, NANOPORT_STAT_HANDSHAKE_TIMEOUTS, 1));
    CHECK(wait_for_statistic_equal(dialer.s, NANOPORT_STAT_FAILED_HANDSHAKES, 1));
    CHECK(nn_get_statistic(dialer.s, NANOPORT_STAT_WS_PROTOCOL_ERRORS) == 0);
    raw_peer again;
    CHECK(server.accept(again));
}

// --- tls+tcp and wss: the TLS handshake ----------------------------------------------

TEST_CASE("tls+tcp and wss: bytes that are not a ClientHello cost one connection, counted") {
    std::mt19937 random(20261123);  // fixed: the same bytes every run
    bytes noise(512);
    for (std::uint8_t& b : noise) b = static_cast<std::uint8_t>(random());
    noise[0] = 0x42;  // not a TLS record type, whatever the seed gives
    struct not_tls {
        std::string what;
        bytes data;
    };
    const std::vector<not_tls> cases = {
        {"random bytes", noise},
        {"an SP greeting", greeting(pair_id)},
        {"a plain WebSocket upgrade", bytes_of(upgrade_request().text())},
        {"a TLS record header announcing 16 KiB, then other bytes",
         joined({bytes{0x16, 0x03, 0x01, 0x40, 0x00}, bytes(64, 0x00)})},
    };
    for (scheme sc : {scheme::tls_tcp, scheme::wss}) {
        CAPTURE(name_of(sc));
        listener l(sc);
        std::uint64_t failed = 0;
        for (const not_tls& c : cases) {
            CAPTURE(c.what);
            client raw;
            REQUIRE(raw.connect(l.port()));
            (void)raw.send(c.data);
            if (c.data[0] == 0x16) raw.shutdown_write();  // a record that never completes
            CHECK(raw.wait_closed());
            ++failed;
            CHECK(l.counted(NANOPORT_STAT_TLS_FAILURES, failed));
            CHECK(l.counted(NANOPORT_STAT_FAILED_HANDSHAKES, failed));
            CHECK(l.serves_a_nanoport_peer());
        }
        CHECK(l.stat(NANOPORT_STAT_HANDSHAKE_TIMEOUTS) == 0);
    }
}

TEST_CASE("tls+tcp and wss: a ClientHello cut off by the end of the stream is counted") {
    const bytes hello = client_hello(trusting_context());
    REQUIRE(hello.size() > 100);
    REQUIRE(hello[0] == 0x16);
    for (scheme sc : {scheme::tls_tcp, scheme::wss}) {
        CAPTURE(name_of(sc));
        listener l(sc);
        for (std::size_t cut : {std::size_t(3), hello.size() / 2, hello.size() - 1}) {
            CAPTURE(cut);
            client raw;
            REQUIRE(raw.connect(l.port()));
            REQUIRE(raw.send(bytes(hello.begin(), hello.begin() + static_cast<long>(cut))));
            raw.shutdown_write();
            CHECK(raw.wait_closed());
        }
        CHECK(l.counted(NANOPORT_STAT_TLS_FAILURES, 3));
        CHECK(l.counted(NANOPORT_STAT_FAILED_HANDSHAKES, 3));
        CHECK(l.stat(NANOPORT_STAT_HANDSHAKE_TIMEOUTS) == 0);
        CHECK(l.serves_a_nanoport_peer());
    }
}

TEST_CASE("tls+tcp and wss: a client that offers only TLS 1.0 or 1.1 is refused") {
    for (scheme sc : {scheme::tls_tcp, scheme::wss}) {
        CAPTURE(name_of(sc));
        listener l(sc);
        std::uint64_t failed = 0;
        for (int version : {TLS1_VERSION, TLS1_1_VERSION}) {
            CAPTURE(version);
            const ssl_context old = client_context(version);
            client raw;
            REQUIRE(raw.connect(l.port()));
            CHECK_FALSE(raw.start_tls(old.get()));
            // The server's protocol_version alert, not our own refusal to
            // offer anything: the ClientHello went out.
            const unsigned long error = ERR_peek_last_error();
            CAPTURE(ERR_reason_error_string(error));
            CHECK(ERR_GET_REASON(error) == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION);
            CHECK(raw.wait_closed());
            ++failed;
            CHECK(l.counted(NANOPORT_STAT_TLS_FAILURES, failed));
            CHECK(l.counted(NANOPORT_STAT_FAILED_HANDSHAKES, failed));
        }
        CHECK(l.serves_a_nanoport_peer());
        // And a TLS 1.2 client is served.
        const ssl_context tls12 = client_context(TLS1_2_VERSION);
        client modern;
        REQUIRE(modern.connect(l.port()));
        CHECK(modern.start_tls(tls12.get()));
        CHECK(l.stat(NANOPORT_STAT_TLS_FAILURES) == failed);
    }
}

TEST_CASE("tls+tcp and wss: a client that never starts TLS is closed at the handshake deadline") {
    for (scheme sc : {scheme::tls_tcp, scheme::wss}) {
        CAPTURE(name_of(sc));
        listener l(sc, short_handshake);
        client silent;
        REQUIRE(silent.connect(l.port()));
        const auto start = clock_type::now();
        CHECK(silent.wait_closed());
        const auto took = clock_type::now() - start;
        CHECK(took >= milliseconds(short_handshake_ms - 50));
        CHECK(took < milliseconds(3000));
        CHECK(l.counted(NANOPORT_STAT_HANDSHAKE_TIMEOUTS, 1));
        CHECK(l.counted(NANOPORT_STAT_FAILED_HANDSHAKES, 1));
        CHECK(l.serves_a_nanoport_peer());
    }
}

TEST_CASE("tls+tcp: behind a good TLS handshake the SP rules still hold") {
    listener l(scheme::tls_tcp);
    SUBCASE("a greeting from another protocol is rejected") {
        client raw = l.connect_client();
        REQUIRE(raw.send(greeting(32)));  // PUB
        CHECK(raw.wait_closed());
        CHECK(l.counted(NANOPORT_STAT_REJECTED_GREETINGS, 1));
        CHECK(l.counted(NANOPORT_STAT_FAILED_HANDSHAKES, 1));
    }
    SUBCASE("a length over NN_RCVMAXSIZE closes the connection before its payload") {
        client raw = l.connect_client();
        REQUIRE(raw.send(greeting(pair_id)));
        bytes theirs;
        REQUIRE(raw.read_exact(theirs, 8));
        CHECK(theirs == greeting(pair_id));
        REQUIRE(l.counted(NN_STAT_CURRENT_CONNECTIONS, 1));
        REQUIRE(raw.send(frame_header(false, std::uint64_t(1) << 40)));
        CHECK(raw.wait_closed());
        CHECK(l.counted(NANOPORT_STAT_OVERSIZED_MESSAGES, 1));
        CHECK(l.counted(NN_STAT_BROKEN_CONNECTIONS, 1));
    }
    CHECK(l.stat(NANOPORT_STAT_TLS_FAILURES) == 0);
    CHECK(l.serves_a_nanoport_peer());
}
