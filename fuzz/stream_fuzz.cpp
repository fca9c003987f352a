// libFuzzer target for the receive side of the stream transports, through
// the code that runs in production: real nanoport sockets (C API) bound on
// tcp:// and ipc://, their listeners and stream_pipes, fed by a raw OS socket
// that plays the peer and writes the fuzzer's bytes - greeting, then frames -
// in fuzzer-chosen chunks.
//
// Input: three option bytes, then the byte stream the peer sends.
//   byte 0  bit 0     transport: 0 tcp (8-byte length headers), 1 ipc (type
//                     byte + length)
//           bits 1-2  NN_RCVMAXSIZE: -1 (unlimited), 0, 64, 1 MiB (default)
//           bits 3-4  NN_RCVBUF: 128 KiB (default), 1, 100, 4096 bytes (small
//                     values make the pipe pause reading until drained)
//           bits 5-6  NN_MAXTTL: 8 (default), 1, 2, 255
//   byte 1  which socket listens (index into `servers`, modulo its size)
//   byte 2  seed of the chunking
//
// Chunks are real: after each write the target waits until the pipe's read
// has taken every byte out of the kernel (SIOCINQ on the accepted socket,
// which lives in this process), so the pipe sees exactly these chunk
// boundaries. Then the peer half-closes (EOF) and the target waits for the
// pipe to close the connection, receiving what the socket delivers.
//
// Properties (abort, so libFuzzer reports a crash, when violated):
// - the listener sends make_greeting(its protocol id);
// - the pipe never stops reading while bytes wait and messages are drained,
//   and it closes the connection after the peer's EOF (no hang);
// - what the socket delivers agrees with an oracle: check_greeting, then
//   sp_wire::frame_decoder over the rest, then the protocol's backtrace rule
//   (utils::backtrace::split with the TTL). A refused greeting delivers
//   nothing. The messages delivered are a prefix of the oracle's; all of
//   them when the stream has no framing error and the handshake beat its
//   1 s deadline (a slow machine may let it expire).
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
#include <sys/un.h>
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
#include <vector>

#include "nanomsg/bus.h"
#include "nanomsg/nn.h"
#include "nanomsg/pair.h"
#include "nanomsg/pipeline.h"
#include "nanomsg/pubsub.h"
#include "nanomsg/reqrep.h"
#include "nanomsg/survey.h"
#include "protocols/utils/backtrace.hpp"
#include "transport/sp_wire.hpp"
#include "fuzz_support.hpp"
#include "support/addresses.hpp"

namespace {

namespace sp_wire = nanoport::transport::sp_wire;
namespace backtrace = nanoport::protocols::utils::backtrace;
using steady = std::chrono::steady_clock;
using bytes = std::vector<std::byte>;

// Long enough never to fire on a loaded machine unless something is stuck.
constexpr auto stuck_after = std::chrono::seconds(10);
// Below the pipe's 1 s handshake deadline, with room to spare.
constexpr auto handshake_in_time = std::chrono::milliseconds(700);

// The input being run, for the failure message.
const char* current_server = "?";
const char* current_transport = "?";

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "stream_fuzz: %s (%s socket over %s)\n", what, current_server,
                 current_transport);
    std::abort();
}

void require(bool condition, const char* what) {
    if (!condition) fail(what);
}

// How a socket hands over a message that arrived as one payload P.
enum class delivery {
    whole,       // body = P
    cooked_bt,   // cooked REP/RESPONDENT: body = P after its backtrace; dropped when split fails
    raw_bt,      // raw REQ/SURVEYOR: header = the backtrace, body = the rest
    raw_bt_hop,  // raw REP/RESPONDENT: header = pipe id + the backtrace, body = the rest
};

struct server {
    const char* name;
    int domain;
    int protocol;
    std::uint16_t id;       // what it sends in its greeting
    std::uint16_t peer_id;  // the greeting it accepts
    delivery how;
    int socket = -1;
    // [0] tcp, [1] ipc.
    std::array<sockaddr_storage, 2> address{};
    std::array<socklen_t, 2> address_size{};
};

std::array servers{
    server{"pull", AF_SP, NN_PULL, 81, 80, delivery::whole},
    server{"pair", AF_SP, NN_PAIR, 16, 16, delivery::whole},
    server{"sub", AF_SP, NN_SUB, 33, 32, delivery::whole},
    server{"bus", AF_SP, NN_BUS, 112, 112, delivery::whole},
    server{"rep", AF_SP, NN_REP, 49, 48, delivery::cooked_bt},
    server{"respondent", AF_SP, NN_RESPONDENT, 99, 98, delivery::cooked_bt},
    server{"raw req", AF_SP_RAW, NN_REQ, 48, 49, delivery::raw_bt},
    server{"raw surveyor", AF_SP_RAW, NN_SURVEYOR, 98, 99, delivery::raw_bt},
    server{"raw rep", AF_SP_RAW, NN_REP, 49, 48, delivery::raw_bt_hop},
    server{"raw respondent", AF_SP_RAW, NN_RESPONDENT, 99, 98, delivery::raw_bt_hop},
};

struct received {
    bytes header;
    bytes body;
};

// --- setup -------------------------------------------------------------------

void set_int_option(int s, int level, int option, int value) {
    require(nn_setsockopt(s, level, option, &value, sizeof value) == 0, "nn_setsockopt failed");
}

// The sockets, bound once per process; their ipc files go at exit.
class fixture {
public:
    fixture() {
        unsigned n = 0;
        for (server& srv : servers) {
            srv.socket = nn_socket(srv.domain, srv.protocol);
            require(srv.socket >= 0, "nn_socket failed");
            if (srv.protocol == NN_SUB)
                require(nn_setsockopt(srv.socket, NN_SUB, NN_SUB_SUBSCRIBE, "", 0) == 0,
                        "subscribe failed");
            bind_tcp(srv);
            bind_ipc(srv, n++);
        }
    }
    ~fixture() {
        for (server& srv : servers) nn_close(srv.socket);
        for (const std::string& path : ipc_paths_) ::unlink(path.c_str());
    }

private:
    static void bind_tcp(server& srv) {
        for (int attempt = 0; attempt < 50; ++attempt) {
            const int port = nanoport::test::free_tcp_port();
            if (port <= 0) continue;
            const std::string url = "tcp://127.0.0.1:" + std::to_string(port);
            if (nn_bind(srv.socket, url.c_str()) < 0)
                continue;  // taken in the meantime: another port
            sockaddr_in sa{};
            sa.sin_family = AF_INET;
            sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            sa.sin_port = htons(static_cast<std::uint16_t>(port));
            std::memcpy(&srv.address[0], &sa, sizeof sa);
            srv.address_size[0] = sizeof sa;
            return;
        }
        fail("no tcp port could be bound");
    }

    void bind_ipc(server& srv, unsigned n) {
        const std::string path =
            "/tmp/nanoport-fuzz-" + std::to_string(::getpid()) + "-" + std::to_string(n) + ".ipc";
        ::unlink(path.c_str());
        require(nn_bind(srv.socket, ("ipc://" + path).c_str()) >= 0, "ipc bind failed");
        ipc_paths_.push_back(path);
        sockaddr_un sa{};
        sa.sun_family = AF_UNIX;
        std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
        std::memcpy(&srv.address[1], &sa, sizeof sa);
        srv.address_size[1] = sizeof sa;
    }

    std::vector<std::string> ipc_paths_;
};

// --- the peer ----------------------------------------------------------------

// Everything the socket delivers now, without waiting.
void drain(const server& srv, std::vector<received>& out) {
    for (;;) {
        void* body = nullptr;
        nn_iovec iov{&body, NN_MSG};
        alignas(std::max_align_t) unsigned char control[2048];
        nn_msghdr hdr{&iov, 1, nullptr, 0};
        const bool raw = srv.domain == AF_SP_RAW;
        if (raw) {
            hdr.msg_control = control;
            hdr.msg_controllen = sizeof control;
        }
        const int n = nn_recvmsg(srv.socket, &hdr, NN_DONTWAIT);
        if (n < 0) {
            require(nn_errno() == EAGAIN, "nn_recvmsg failed with other than EAGAIN");
            return;
        }
        received r;
        const auto* p = static_cast<const std::byte*>(body);
        r.body.assign(p, p + n);
        nn_freemsg(body);
        if (raw) {
            const nn_cmsghdr* c = NN_CMSG_FIRSTHDR(&hdr);
            require(c != nullptr && c->cmsg_level == PROTO_SP && c->cmsg_type == SP_HDR,
                    "a raw socket's message came without its SP header");
            std::size_t size = 0;
            std::memcpy(&size, NN_CMSG_DATA(c), sizeof size);
            const auto* h = reinterpret_cast<const std::byte*>(NN_CMSG_DATA(c) + sizeof size);
            r.header.assign(h, h + size);
        }
        out.push_back(std::move(r));
    }
}

class peer {
public:
    peer(const server& srv, int transport) : server_(srv), transport_(transport) {
        const int family = transport == 0 ? AF_INET : AF_UNIX;
        fd_ = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        require(fd_ >= 0, "socket() failed");
        if (family == AF_UNIX) {
            // Autobind to an abstract name, so that the accepted socket can be
            // told by its peer name.
            sockaddr_un self{};
            self.sun_family = AF_UNIX;
            require(::bind(fd_, reinterpret_cast<sockaddr*>(&self), sizeof(sa_family_t)) == 0,
                    "autobind failed");
        }
        require(::connect(fd_, reinterpret_cast<const sockaddr*>(&srv.address[transport]),
                          srv.address_size[transport]) == 0,
                "connect to the listener failed");
        started_ = steady::now();
        read_greeting();
        find_accepted_socket();
    }
    ~peer() {
        if (transport_ == 0) {
            // Reset rather than FIN: no TIME_WAIT left behind per input.
            const linger l{1, 0};
            ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        }
        ::close(fd_);
    }

    bool closed() const { return closed_; }
    steady::time_point started() const { return started_; }

    // Writes chunk and waits until the pipe has read all of it (or closed).
    void send_chunk(std::span<const std::byte> chunk, std::vector<received>& got) {
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
                drain(server_, got);
                ::sched_yield();
                continue;
            }
            pause(got, 0);
            require(steady::now() < deadline, "the pipe stopped reading (bytes left unread)");
        }
    }

    // Half-closes and waits until the pipe closes the connection.
    void finish(std::vector<received>& got) {
        ::shutdown(fd_, SHUT_WR);
        const auto deadline = steady::now() + stuck_after;
        while (!closed_) {
            pause(got, 0);
            require(steady::now() < deadline, "the pipe did not close after the peer's EOF");
        }
        drain(server_, got);
    }

private:
    void read_greeting() {
        std::array<std::byte, sp_wire::greeting_size> greeting{};
        std::size_t have = 0;
        const auto deadline = steady::now() + stuck_after;
        while (have < greeting.size()) {
            pollfd p{fd_, POLLIN, 0};
            ::poll(&p, 1, 10);
            const ssize_t n =
                ::recv(fd_, greeting.data() + have, greeting.size() - have, MSG_DONTWAIT);
            if (n > 0) {
                have += static_cast<std::size_t>(n);
                continue;
            }
            require(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK),
                    "the listener closed before its greeting");
            require(steady::now() < deadline, "no greeting from the listener");
        }
        require(greeting == sp_wire::make_greeting(server_.id),
                "the listener's greeting is not make_greeting(id)");
    }

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

    // Receives what is there, notes a close by the pipe, and waits a little
    // (for `events` on our socket, or for anything readable: only EOF or a
    // reset can come after the greeting).
    void pause(std::vector<received>& got, short events) {
        drain(server_, got);
        pollfd p{fd_, static_cast<short>(events | POLLIN), 0};
        if (::poll(&p, 1, 1) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR))) {
            std::byte b[64];
            const ssize_t n = ::recv(fd_, b, sizeof b, MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
                closed_ = true;
            else
                require(n < 0, "the listener sent bytes after its greeting");
        }
    }

    const server& server_;
    int transport_;
    int fd_ = -1;
    int accepted_ = -1;
    bool closed_ = false;
    steady::time_point started_;
};

// --- the oracle --------------------------------------------------------------

// What the socket should deliver for payload p, or nothing if it drops it.
std::optional<received> expected_delivery(const server& srv, const bytes& p, int max_ttl) {
    if (srv.how == delivery::whole) return received{{}, p};
    const backtrace::split_result r = backtrace::split(p, max_ttl);
    if (r.outcome != backtrace::status::ok) return std::nullopt;
    const auto cut = p.begin() + static_cast<std::ptrdiff_t>(r.header_size);
    received out{{}, bytes(cut, p.end())};
    if (srv.how != delivery::cooked_bt) out.header.assign(p.begin(), cut);
    return out;
}

bool matches(const server& srv, const received& got, const received& want,
             std::optional<std::uint32_t>& hop) {
    if (got.body != want.body) return false;
    if (srv.how != delivery::raw_bt_hop) return got.header == want.header;
    // [pipe id][backtrace]: the same pipe id, top bit clear, on every message.
    if (got.header.size() != want.header.size() + backtrace::word_size) return false;
    const std::uint32_t id = backtrace::read_word(got.header);
    if ((id & backtrace::last_word_bit) != 0 || (hop && *hop != id)) return false;
    hop = id;
    return std::equal(want.header.begin(), want.header.end(),
                      got.header.begin() + backtrace::word_size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static fixture sockets;
    if (size < 3) return 0;
    const int transport = data[0] & 1;
    constexpr int max_sizes[] = {-1, 0, 64, 1 << 20};
    constexpr int receive_buffers[] = {128 * 1024, 1, 100, 4096};
    constexpr int ttls[] = {8, 1, 2, 255};
    const int max_size = max_sizes[(data[0] >> 1) & 3];
    const int receive_buffer = receive_buffers[(data[0] >> 3) & 3];
    const int max_ttl = ttls[(data[0] >> 5) & 3];
    server& srv = servers[data[1] % servers.size()];
    current_server = srv.name;
    current_transport = transport == 0 ? "tcp" : "ipc";
    std::uint32_t seed = data[2] * 2654435761u + 1;
    const std::span<const std::byte> stream(reinterpret_cast<const std::byte*>(data + 3), size - 3);

    // Left over from an earlier input (there should be nothing).
    std::vector<received> got;
    drain(srv, got);
    got.clear();
    set_int_option(srv.socket, NN_SOL_SOCKET, NN_RCVMAXSIZE, max_size);
    set_int_option(srv.socket, NN_SOL_SOCKET, NN_RCVBUF, receive_buffer);
    set_int_option(srv.socket, NN_SOL_SOCKET, NN_MAXTTL, max_ttl);

    // Send in chunks: mostly 0..15 bytes, to cut headers anywhere; now and
    // then up to 4 KiB; at most 64 of them.
    bool handshake_in_time_ok = false;
    {
        peer client(srv, transport);
        std::size_t offset = 0;
        for (int chunks = 0; offset < stream.size() && !client.closed(); ++chunks) {
            const std::uint32_t r = nanoport::fuzz::next_random(seed);
            std::size_t n = (r & 0x100) ? (r >> 20) : (r & 0xf);
            if (chunks == 63) n = stream.size();
            n = std::min(n, stream.size() - offset);
            client.send_chunk(stream.subspan(offset, n), got);
            offset += n;
            if (offset >= sp_wire::greeting_size && !handshake_in_time_ok)
                handshake_in_time_ok = steady::now() - client.started() < handshake_in_time;
        }
        client.finish(got);
    }

    // The oracle.
    std::vector<received> want;
    bool framing_error = false;
    if (stream.size() >= sp_wire::greeting_size) {
        const std::span<const std::byte, sp_wire::greeting_size> greeting(stream.data(),
                                                                          sp_wire::greeting_size);
        if (sp_wire::check_greeting(greeting, srv.id, true).status ==
            sp_wire::greeting_status::ok) {
            sp_wire::frame_decoder decoder(
                transport == 0 ? sp_wire::framing::tcp : sp_wire::framing::ipc,
                max_size < 0 ? sp_wire::unlimited : static_cast<std::uint64_t>(max_size));
            std::vector<sp_wire::frame_event> events;
            decoder.feed(stream.subspan(sp_wire::greeting_size), events);
            framing_error = decoder.failed();
            for (const sp_wire::frame_event& e : events) {
                if (e.status != sp_wire::header_status::ok) break;
                if (std::optional<received> m = expected_delivery(srv, e.payload, max_ttl))
                    want.push_back(std::move(*m));
            }
        }
    }

    require(got.size() <= want.size(), "the socket delivered more messages than the stream holds");
    std::optional<std::uint32_t> hop;
    for (std::size_t i = 0; i < got.size(); ++i)
        require(matches(srv, got[i], want[i], hop),
                "a delivered message differs from the oracle's");
    if (!framing_error && handshake_in_time_ok)
        require(got.size() == want.size(), "the socket lost messages of a well-formed stream");
    return 0;
}
