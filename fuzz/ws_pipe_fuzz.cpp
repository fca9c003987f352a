// libFuzzer target for the receive side of the WebSocket transport, through
// the code that runs in production: real nanoport sockets (C API) with ws://
// listeners, their ws_pipes and the ws_routes hand-over, fed by a raw OS
// socket that plays the dialer and writes the fuzzer's bytes in
// fuzzer-chosen chunks.
//
// Two sockets listen on one port: a PAIR on /f (it binds the port, so it
// accepts every connection) and a REP on /r (it joins, and gets its
// connections handed over by the PAIR's listener).
//
// Input: two option bytes, then the bytes the peer sends.
//   byte 0  bit 0     the socket asked for: 0 the PAIR, 1 the REP
//           bits 1-2  NN_RCVMAXSIZE: -1 (unlimited), 0, 64, 1 MiB (default)
//           bits 3-4  NN_RCVBUF: 128 KiB (default), 1, 100, 4096 bytes (small
//                     values make the pipe pause reading until drained)
//           bit 5     raw: the bytes replace the upgrade request too, so the
//                     HTTP parser and the hand-over see them; otherwise the
//                     peer first sends a fixed valid request for that socket
//                     and the bytes are frames
//   byte 1  seed of the chunking
//
// Chunks are real: after each write the target waits until the pipe's read
// has taken every byte out of the kernel (SIOCINQ on the accepted socket,
// which lives in this process). Then the peer half-closes and waits for the
// pipe to close the connection, receiving what the sockets deliver and
// reading what the pipe writes back.
//
// Properties (abort, so libFuzzer reports a crash, when violated):
// - the fixed request is answered 101 with the accept key for its key;
// - the pipe never stops reading while bytes wait and messages are drained,
//   and it closes the connection after the peer's EOF (no hang);
// - no delivered message is longer than NN_RCVMAXSIZE;
// - what the pipe writes after its 101 are well-formed unmasked frames, pongs
//   and at most one close frame, the last;
// - not raw: what the socket delivers and the pipe writes back agree with a
//   model of RFC 6455 as the SP mapping applies it (model() below): the
//   messages delivered are a prefix of the model's, the pongs answer a prefix
//   of its pings with their payloads, and a close frame answers the peer's
//   with its status code; all of them when the stream has no fault. Nothing
//   arrives on the socket not asked for.
//
// The sockets live for the whole run (made on the first input); every input
// makes one connection and waits until the pipe is gone, so inputs do not
// see each other.
#include <arpa/inet.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nanomsg/nn.h"
#include "nanomsg/pair.h"
#include "nanomsg/reqrep.h"
#include "protocols/utils/backtrace.hpp"
#include "transport/sp_wire.hpp"
#include "fuzz_support.hpp"
#include "support/addresses.hpp"
#include "transport/ws/ws_wire.hpp"

namespace {

namespace ws_wire = nanoport::transport::ws_wire;
namespace sp_wire = nanoport::transport::sp_wire;
namespace backtrace = nanoport::protocols::utils::backtrace;
using steady = std::chrono::steady_clock;
using bytes = std::vector<std::byte>;

// Long enough never to fire on a loaded machine unless something is stuck.
constexpr auto stuck_after = std::chrono::seconds(5);
// NN_MAXTTL, left at its default: the REP drops requests with more hops.
constexpr int max_ttl = 8;

// The input being run, for the failure message.
const char* current_server = "?";
bool current_raw = false;

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "ws_pipe_fuzz: %s (%s socket, %s)\n", what, current_server,
                 current_raw ? "raw request" : "fixed request");
    std::abort();
}

void require(bool condition, const char* what) {
    if (!condition) fail(what);
}

struct server {
    const char* name;
    int protocol;
    const char* path;
    const char* subprotocol;  // the one it accepts: its own
    int socket = -1;
};

// [0] binds first and owns the port.
std::array servers{
    server{"pair", NN_PAIR, "/f", "pair.sp.nanomsg.org"},
    server{"rep", NN_REP, "/r", "rep.sp.nanomsg.org"},
};
std::uint16_t port = 0;

// RFC 6455's example key and its accept value (section 1.3).
constexpr std::string_view request_key = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr std::string_view expected_accept = "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n";

std::string fixed_request(const server& srv) {
    return std::string("GET ") + srv.path +
           " HTTP/1.1\r\n"
           "Host: 127.0.0.1:" +
           std::to_string(port) +
           "\r\n"
           "Upgrade: websocket\r\n"
           "Connection: Upgrade\r\n"
           "Sec-WebSocket-Key: " +
           std::string(request_key) +
           "\r\n"
           "Sec-WebSocket-Version: 13\r\n"
           "Sec-WebSocket-Protocol: " +
           srv.subprotocol + "\r\n\r\n";
}

// --- setup -------------------------------------------------------------------

void set_int_option(int s, int level, int option, int value) {
    require(nn_setsockopt(s, level, option, &value, sizeof value) == 0, "nn_setsockopt failed");
}

std::string url(const server& srv) {
    return "ws://127.0.0.1:" + std::to_string(port) + srv.path;
}

// The sockets, bound once per process.
class fixture {
public:
    fixture() {
        for (server& srv : servers) {
            srv.socket = nn_socket(AF_SP, srv.protocol);
            require(srv.socket >= 0, "nn_socket failed");
        }
        for (int attempt = 0; attempt < 50 && port == 0; ++attempt) {
            const int p = nanoport::test::free_tcp_port();
            if (p <= 0) continue;
            port = static_cast<std::uint16_t>(p);
            if (nn_bind(servers[0].socket, url(servers[0]).c_str()) < 0)
                port = 0;  // taken in the meantime: another port
        }
        require(port != 0, "no tcp port could be bound");
        require(nn_bind(servers[1].socket, url(servers[1]).c_str()) >= 0,
                "the second ws listener could not join the port");
    }
    ~fixture() {
        for (server& srv : servers) nn_close(srv.socket);
    }
};

// --- the peer ----------------------------------------------------------------

using deliveries = std::array<std::vector<bytes>, servers.size()>;

// Everything the sockets deliver now, without waiting.
void drain(deliveries& out, int max_size) {
    for (std::size_t i = 0; i < servers.size(); ++i) {
        for (;;) {
            void* body = nullptr;
            const int n = nn_recv(servers[i].socket, &body, NN_MSG, NN_DONTWAIT);
            if (n < 0) {
                require(nn_errno() == EAGAIN, "nn_recv failed with other than EAGAIN");
                break;
            }
            require(max_size < 0 || n <= max_size, "a delivered message is over NN_RCVMAXSIZE");
            const auto* p = static_cast<const std::byte*>(body);
            out[i].emplace_back(p, p + n);
            nn_freemsg(body);
        }
    }
}

class peer {
public:
    explicit peer(int max_size) : max_size_(max_size) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        require(fd_ >= 0, "socket() failed");
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sa.sin_port = htons(port);
        if (::connect(fd_, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
            std::fprintf(stderr, "ws_pipe_fuzz: connect: %s\n", std::strerror(errno));
            fail("connect to the listener failed");
        }
        find_accepted_socket();
    }
    ~peer() {
        // Reset rather than FIN: no TIME_WAIT left behind per input.
        const linger l{1, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        ::close(fd_);
    }

    bool closed() const { return closed_; }
    // What the pipe wrote, from its response on.
    const bytes& from_server() const { return from_server_; }

    // Sends request and reads the response head; checks it is our 101.
    void upgrade(const std::string& request, deliveries& got) {
        send_chunk(std::as_bytes(std::span(request)), got);
        const auto deadline = steady::now() + stuck_after;
        for (;;) {
            const std::string_view text(reinterpret_cast<const char*>(from_server_.data()),
                                        from_server_.size());
            if (const std::size_t end = ws_wire::head_end(text); end != 0) {
                const std::string_view head = text.substr(0, end);
                require(head.starts_with("HTTP/1.1 101 "), "the valid request was not answered 101");
                require(head.find(expected_accept) != std::string_view::npos,
                        "the 101 lacks the accept value for the request's key");
                from_server_.erase(from_server_.begin(),
                                   from_server_.begin() + static_cast<std::ptrdiff_t>(end));
                return;
            }
            require(!closed_, "the listener closed before its 101");
            require(steady::now() < deadline, "no response to the valid request");
            pause(got, 0);
        }
    }

    // Writes chunk and waits until the pipe has read all of it (or closed).
    void send_chunk(std::span<const std::byte> chunk, deliveries& got) {
        const auto deadline = steady::now() + stuck_after;
        while (!chunk.empty() && !closed_) {
            const ssize_t n = ::send(fd_, chunk.data(), chunk.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n > 0) {
                chunk = chunk.subspan(static_cast<std::size_t>(n));
                continue;
            }
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                closed_ = true;  // EPIPE, ECONNRESET: the pipe closed on us
                break;
            }
            pause(got, POLLOUT);
            require(steady::now() < deadline, "the pipe stopped reading (send blocked)");
        }
        for (int round = 0; !closed_; ++round) {
            int unread = 0;
            if (::ioctl(accepted_, SIOCINQ, &unread) != 0 || unread == 0) break;
            // The worker usually reads within microseconds: yield for a
            // while before sleeping in poll.
            if (round < 200) {
                drain(got, max_size_);
                ::sched_yield();
                continue;
            }
            pause(got, 0);
            require(steady::now() < deadline, "the pipe stopped reading (bytes left unread)");
        }
    }

    // Half-closes and waits until the pipe closes the connection.
    void finish(deliveries& got) {
        ::shutdown(fd_, SHUT_WR);
        const auto deadline = steady::now() + stuck_after;
        while (!closed_) {
            pause(got, 0);
            require(steady::now() < deadline, "the pipe did not close after the peer's EOF");
        }
        drain(got, max_size_);
    }

private:
    // The accepted end of this connection, in this process: the socket whose
    // peer name is our name.
    void find_accepted_socket() {
        sockaddr_storage self{};
        socklen_t self_size = sizeof self;
        require(::getsockname(fd_, reinterpret_cast<sockaddr*>(&self), &self_size) == 0,
                "getsockname failed");
        const auto deadline = steady::now() + stuck_after;
        for (;;) {
            for (int fd = 0; fd < 4096; ++fd) {
                if (fd == fd_) continue;
                sockaddr_storage other{};
                socklen_t other_size = sizeof other;
                if (::getpeername(fd, reinterpret_cast<sockaddr*>(&other), &other_size) != 0)
                    continue;
                if (other_size == self_size && std::memcmp(&other, &self, self_size) == 0) {
                    accepted_ = fd;
                    return;
                }
            }
            require(steady::now() < deadline, "the accepted socket was not found");
            ::usleep(100);
        }
    }

    // Receives what is there, reads what the pipe wrote and notes a close by
    // it, and waits a little (for `events` on our socket, or for anything
    // readable).
    void pause(deliveries& got, short events) {
        drain(got, max_size_);
        pollfd p{fd_, static_cast<short>(events | POLLIN), 0};
        if (::poll(&p, 1, 1) <= 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR))) return;
        for (;;) {
            std::byte b[4096];
            const ssize_t n = ::recv(fd_, b, sizeof b, MSG_DONTWAIT);
            if (n > 0) {
                from_server_.insert(from_server_.end(), b, b + n);
                continue;
            }
            if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) closed_ = true;
            return;
        }
    }

    int max_size_;
    int fd_ = -1;
    int accepted_ = -1;
    bool closed_ = false;
    bytes from_server_;
};

// --- the model ---------------------------------------------------------------

// What a ws_pipe listener makes of a stream of client frames.
struct model_result {
    std::vector<bytes> messages;        // delivered by the socket, in order
    std::vector<bytes> pings;           // each answered by a pong with its payload
    std::optional<bytes> close_answer;  // the payload of our answer to a close frame
    bool fault = false;                 // the pipe closes on a fault: the above are a bound
};

model_result model(std::span<const std::byte> in, std::uint64_t max_size, bool rep) {
    model_result m;
    bool in_message = false;
    bool text = false;
    bytes message;
    auto deliver = [&] {
        if (text && !ws_wire::valid_utf8(message)) return false;
        if (!rep) {
            m.messages.push_back(message);
        } else if (const backtrace::split_result r = backtrace::split(message, max_ttl);
                   r.outcome == backtrace::status::ok) {
            m.messages.emplace_back(message.begin() + static_cast<std::ptrdiff_t>(r.header_size),
                                    message.end());
        }
        return true;
    };
    for (;;) {
        ws_wire::frame_header h;
        const ws_wire::frame_status status = ws_wire::parse_frame_header(in, h);
        if (status == ws_wire::frame_status::incomplete) return m;  // the end of the stream
        if (status != ws_wire::frame_status::ok || !h.masked) break;
        const bool control = (h.op & 0x08) != 0;
        if (!control) {
            if ((h.op == ws_wire::op_continuation) != in_message) break;
            if (!in_message) {
                in_message = true;
                text = h.op == ws_wire::op_text;
                message.clear();
            }
            const std::uint64_t so_far = message.size();
            if (h.length > max_size - std::min(max_size, so_far) || h.length > sp_wire::max_length)
                break;  // over the limit, refused on the header alone
        }
        if (in.size() - h.size < h.length) return m;  // the end of the stream, mid-frame
        bytes payload(in.begin() + static_cast<std::ptrdiff_t>(h.size),
                      in.begin() + static_cast<std::ptrdiff_t>(h.size + h.length));
        ws_wire::apply_mask(payload, h.mask, 0);
        in = in.subspan(h.size + static_cast<std::size_t>(h.length));
        if (control) {
            if (h.op == ws_wire::op_ping) {
                m.pings.push_back(std::move(payload));
            } else if (h.op == ws_wire::op_close) {
                if (payload.size() == 1) break;
                payload.resize(std::min<std::size_t>(2, payload.size()));
                m.close_answer = std::move(payload);
                return m;
            } else if (h.op != ws_wire::op_pong) {
                break;
            }
            continue;
        }
        message.insert(message.end(), payload.begin(), payload.end());
        if (h.fin) {
            in_message = false;
            if (!deliver()) break;
        }
    }
    m.fault = true;
    return m;
}

// Checks what the pipe wrote after its 101: well-formed unmasked frames,
// pongs then at most one close frame. With a model, the pongs answer its
// pings in order and the close answers the peer's; when the model has no
// fault, every ping is answered.
void check_frames_from_server(std::span<const std::byte> out, const model_result* m) {
    std::size_t pongs = 0;
    bool closed = false;
    while (!out.empty()) {
        require(!closed, "the pipe wrote after its close frame");
        ws_wire::frame_header h;
        const ws_wire::frame_status status = ws_wire::parse_frame_header(out, h);
        require(status != ws_wire::frame_status::incomplete &&
                    out.size() - h.size >= h.length,
                "the pipe wrote a cut frame");
        require(status == ws_wire::frame_status::ok, "the pipe wrote a malformed frame header");
        require(!h.masked, "the pipe (a listener) wrote a masked frame");
        require(h.fin, "the pipe wrote a fragmented control frame");
        const auto payload = out.subspan(h.size, static_cast<std::size_t>(h.length));
        out = out.subspan(h.size + payload.size());
        if (h.op == ws_wire::op_pong) {
            if (m) {
                require(pongs < m->pings.size(), "the pipe wrote a pong for no ping");
                require(std::ranges::equal(payload, m->pings[pongs]),
                        "a pong's payload differs from its ping's");
            }
            ++pongs;
        } else if (h.op == ws_wire::op_close) {
            if (m)
                require(m->close_answer && std::ranges::equal(payload, *m->close_answer),
                        "the pipe's close frame does not answer the peer's");
            closed = true;
        } else {
            fail("the pipe wrote a frame other than a pong or a close");
        }
    }
    if (m && !m->fault) {
        require(pongs == m->pings.size(), "the pipe left a ping of a well-formed stream unanswered");
        require(closed == m->close_answer.has_value(), "the pipe did not answer a close frame");
    }
}

// A raw request: whatever the pipe wrote is an HTTP response head, then
// frames after a 101 and nothing after anything else.
void check_raw_output(const bytes& out) {
    if (out.empty()) return;  // no head, or a head too long: closed without a word
    const std::string_view text(reinterpret_cast<const char*>(out.data()), out.size());
    require(text.starts_with("HTTP/1.1 "), "the pipe's answer is not an HTTP/1.1 status line");
    const std::size_t end = ws_wire::head_end(text);
    require(end != 0, "the pipe's HTTP answer is cut");
    if (text.starts_with("HTTP/1.1 101 ")) {
        check_frames_from_server(std::span(out).subspan(end), nullptr);
    } else {
        require(text.starts_with("HTTP/1.1 4"), "the pipe refused with other than a 4xx");
        require(end == out.size(), "the pipe wrote after refusing the upgrade");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static fixture sockets;
    if (size < 2) return 0;
    constexpr int max_sizes[] = {-1, 0, 64, 1 << 20};
    constexpr int receive_buffers[] = {128 * 1024, 1, 100, 4096};
    const std::size_t target = data[0] & 1;
    const int max_size = max_sizes[(data[0] >> 1) & 3];
    const int receive_buffer = receive_buffers[(data[0] >> 3) & 3];
    const bool raw = (data[0] >> 5) & 1;
    const server& srv = servers[target];
    current_server = srv.name;
    current_raw = raw;
    std::uint32_t seed = data[1] * 2654435761u + 1;
    const std::span<const std::byte> stream(reinterpret_cast<const std::byte*>(data + 2), size - 2);

    // Left over from an earlier input (there should be nothing).
    deliveries got;
    drain(got, -1);
    got = {};
    for (const server& s : servers) {
        set_int_option(s.socket, NN_SOL_SOCKET, NN_RCVMAXSIZE, max_size);
        set_int_option(s.socket, NN_SOL_SOCKET, NN_RCVBUF, receive_buffer);
    }

    // Send in chunks: mostly 0..15 bytes, to cut headers anywhere; now and
    // then up to 4 KiB; at most 64 of them.
    peer client(max_size);
    if (!raw) client.upgrade(fixed_request(srv), got);
    std::size_t offset = 0;
    for (int chunks = 0; offset < stream.size() && !client.closed(); ++chunks) {
        const std::uint32_t r = nanoport::fuzz::next_random(seed);
        std::size_t n = (r & 0x100) ? (r >> 20) : (r & 0xf);
        if (chunks == 63) n = stream.size();
        n = std::min(n, stream.size() - offset);
        client.send_chunk(stream.subspan(offset, n), got);
        offset += n;
    }
    client.finish(got);

    if (raw) {
        check_raw_output(client.from_server());
        return 0;
    }
    const model_result want =
        model(stream, max_size < 0 ? sp_wire::unlimited : static_cast<std::uint64_t>(max_size),
              srv.protocol == NN_REP);
    check_frames_from_server(client.from_server(), &want);
    require(got[1 - target].empty(), "a message arrived on the socket not asked for");
    const std::vector<bytes>& delivered = got[target];
    require(delivered.size() <= want.messages.size(),
            "the socket delivered more messages than the stream holds");
    for (std::size_t i = 0; i < delivered.size(); ++i)
        require(delivered[i] == want.messages[i], "a delivered message differs from the model's");
    if (!want.fault)
        require(delivered.size() == want.messages.size(),
                "the socket lost messages of a well-formed stream");
    return 0;
}
