// nanoport/socket.hpp: SP sockets for C++.
//
// A nanoport::socket is one SP socket that closes itself when it goes out of
// scope. It is the same socket the nanomsg C API hands out: handle() is a
// valid nn_* handle, so C and C++ code can share one socket.
//
//     nanoport::rep_socket rep;
//     rep.bind("tcp://127.0.0.1:5555");
//     nanoport::message request = rep.receive();
//     rep.send("pong");
//
// Errors. Every operation comes twice: one throws std::system_error, the
// other takes a std::error_code& as its last argument, is noexcept and sets
// it (clearing it on success). The codes are std::errc values (timed_out,
// resource_unavailable_try_again, bad_file_descriptor, ...) and, for the two
// conditions with no errno, nanoport::errc (nanoport/error.hpp).
//
// Time. Timeouts are std::chrono durations; socket::infinite waits for ever.
// A per-call timeout overrides the socket's send/receive timeout for that
// call. Zero means "do not wait": the call fails with
// std::errc::resource_unavailable_try_again when it cannot complete at once
// (a socket timeout of zero, as in nanomsg, fails with timed_out instead).
//
// Pipe events. on_pipe_event() registers a callback told about every peer
// connection (pipe) the socket gains or loses, with its address. Callbacks run
// on a library thread, one at a time, in order, never while the socket is
// locked: they may send, receive with a zero timeout, read statistics. They
// must not block, and must not close or destroy the socket they observe.
//
// Threads: every member may be called from any thread, concurrently, as with
// the C API; moving or destroying a socket needs the caller's own ordering.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "nanoport/error.hpp"
#include "nanoport/export.hpp"
#include "nanoport/message.hpp"

namespace nanoport {

// SP protocols, with nanomsg's numbers (NN_PAIR, NN_PUB, ...).
enum class protocol : int {
    pair = 16,
    pub = 32,
    sub = 33,
    req = 48,
    rep = 49,
    push = 80,
    pull = 81,
    surveyor = 98,
    respondent = 99,
    bus = 112,
};

// cooked: the protocol's full behaviour (AF_SP). raw: messages pass with
// their SP headers, for devices and custom routing (AF_SP_RAW).
enum class mode { cooked, raw };

struct pipe_event {
    enum class kind { added, removed };
    kind what;
    std::uint64_t pipe;   // unique in the process for its lifetime
    std::string address;  // the endpoint's address, e.g. "tcp://127.0.0.1:5555"
};

// Counters of one live pipe (connection).
struct pipe_statistics {
    std::uint64_t id = 0;  // as in pipe_event::pipe
    std::string address;
    std::uint64_t messages_sent = 0;
    std::uint64_t messages_received = 0;
    std::uint64_t bytes_sent = 0;
    std::uint64_t bytes_received = 0;
    std::uint64_t dropped = 0;  // messages discarded because the pipe was full (PUB, BUS, ...)
};

// A socket's counters (nn_get_statistic's, by their names) and its pipes'.
struct socket_statistics {
    std::string name;  // NN_SOCKET_NAME
    protocol kind = protocol::pair;
    mode flavour = mode::cooked;
    std::uint64_t established_connections = 0;
    std::uint64_t accepted_connections = 0;
    std::uint64_t dropped_connections = 0;
    std::uint64_t broken_connections = 0;
    std::uint64_t connect_errors = 0;
    std::uint64_t bind_errors = 0;
    std::uint64_t accept_errors = 0;
    std::uint64_t current_connections = 0;
    std::uint64_t inprogress_connections = 0;
    std::uint64_t current_endpoint_errors = 0;
    std::uint64_t messages_sent = 0;
    std::uint64_t messages_received = 0;
    std::uint64_t bytes_sent = 0;
    std::uint64_t bytes_received = 0;
    std::uint64_t current_send_priority = 0;
    // nanoport's own (NANOPORT_STAT_* in nanoport/extensions.h): what
    // hostile or broken peers did, and what the socket dropped for it.
    std::uint64_t failed_handshakes = 0;
    std::uint64_t rejected_greetings = 0;
    std::uint64_t handshake_timeouts = 0;
    std::uint64_t oversized_messages = 0;
    std::uint64_t malformed_frames = 0;
    std::uint64_t refused_connections = 0;
    std::uint64_t pending_connections = 0;
    std::uint64_t dropped_messages = 0;
    std::vector<pipe_statistics> pipes;
};

class NANOPORT_API socket {
public:
    using duration = std::chrono::milliseconds;
    static constexpr duration infinite{-1};

    // No socket (valid() is false) until one is moved in.
    socket() noexcept = default;
    explicit socket(protocol p, mode m = mode::cooked);
    socket(protocol p, mode m, std::error_code& ec) noexcept;
    socket(socket&& other) noexcept : handle_(std::exchange(other.handle_, -1)) {}
    socket& operator=(socket&& other) noexcept;
    socket(const socket&) = delete;
    socket& operator=(const socket&) = delete;
    // Closes: queued messages are flushed for up to the linger time first.
    ~socket();

    bool valid() const noexcept { return handle_ >= 0; }
    // The nanomsg C API handle of this socket.
    int handle() const noexcept { return handle_; }
    // Closes now (as the destructor would); valid() is false afterwards.
    void close() noexcept;

    // Endpoints: the id names it for shutdown().
    int bind(std::string_view url);
    int bind(std::string_view url, std::error_code& ec) noexcept;
    int connect(std::string_view url);
    int connect(std::string_view url, std::error_code& ec) noexcept;
    void shutdown(int endpoint);
    void shutdown(int endpoint, std::error_code& ec) noexcept;

    // Sending: the message is queued for the protocol's peer(s); a copy of
    // a message shares its body, so keeping one costs no copy of the bytes.
    void send(message m);
    void send(message m, duration timeout);
    void send(message m, std::error_code& ec) noexcept;
    void send(message m, duration timeout, std::error_code& ec) noexcept;
    void send(std::span<const std::byte> bytes) { send(message(bytes)); }
    void send(std::string_view text) { send(message(text)); }
    void send(const char* text) { send(message(std::string_view(text))); }

    // Receiving.
    message receive();
    message receive(duration timeout);
    message receive(std::error_code& ec) noexcept;
    message receive(duration timeout, std::error_code& ec) noexcept;
    // A message if one is waiting now, else nullopt; throws on other errors.
    std::optional<message> try_receive();

    // Options of every socket (NN_SOL_SOCKET).
    void set_send_timeout(duration timeout);
    void set_receive_timeout(duration timeout);
    void set_linger(duration linger);
    void set_reconnect_interval(duration interval, duration max = duration::zero());
    void set_send_buffer(std::size_t bytes);
    void set_receive_buffer(std::size_t bytes);
    // Largest message accepted from a peer; nullopt: no limit.
    void set_receive_max_size(std::optional<std::size_t> bytes);
    // 1 (first) .. 16; applies to endpoints made afterwards.
    void set_send_priority(int priority);
    void set_receive_priority(int priority);
    void set_ipv4_only(bool only);
    void set_max_ttl(int hops);
    void set_name(std::string_view name);
    std::string name() const;
    // Any integer option, by nanomsg's level and number (NN_TCP_NODELAY, ...)
    // or nanoport's (NANOPORT_IPC_PERMISSIONS, ... in nanoport/extensions.h).
    void set_option(int level, int option, int value);
    void set_option(int level, int option, int value, std::error_code& ec) noexcept;
    // A string option: the TLS files and server name (NANOPORT_TLS level),
    // set before bind() / connect(), which read them:
    //   s.set_option(NANOPORT_TLS, NANOPORT_TLS_CA_FILE, "ca.pem");
    //   s.connect("tls+tcp://server.example:5555");
    void set_option(int level, int option, std::string_view value);
    void set_option(int level, int option, std::string_view value, std::error_code& ec) noexcept;
    int option(int level, int option) const;

    // See the header comment; nullptr stops the events.
    void on_pipe_event(std::function<void(const pipe_event&)> callback);

    socket_statistics statistics() const;

protected:
    // For protocol-specific options (level: the protocol number).
    void set_bytes_option(int level, int option, std::span<const std::byte> value);

private:
    int handle_ = -1;
};

// One class per protocol, with that protocol's own options.

class NANOPORT_API pair_socket : public socket {
public:
    explicit pair_socket(mode m = mode::cooked) : socket(protocol::pair, m) {}
};

class NANOPORT_API pub_socket : public socket {
public:
    explicit pub_socket(mode m = mode::cooked) : socket(protocol::pub, m) {}
};

class NANOPORT_API sub_socket : public socket {
public:
    explicit sub_socket(mode m = mode::cooked) : socket(protocol::sub, m) {}
    // Receive only messages that start with prefix ("" : everything).
    void subscribe(std::string_view prefix);
    void unsubscribe(std::string_view prefix);
};

class NANOPORT_API req_socket : public socket {
public:
    explicit req_socket(mode m = mode::cooked) : socket(protocol::req, m) {}
    // A request with no reply after this long is sent again.
    void set_resend_interval(duration interval);
};

class NANOPORT_API rep_socket : public socket {
public:
    explicit rep_socket(mode m = mode::cooked) : socket(protocol::rep, m) {}
};

class NANOPORT_API push_socket : public socket {
public:
    explicit push_socket(mode m = mode::cooked) : socket(protocol::push, m) {}
};

class NANOPORT_API pull_socket : public socket {
public:
    explicit pull_socket(mode m = mode::cooked) : socket(protocol::pull, m) {}
};

class NANOPORT_API surveyor_socket : public socket {
public:
    explicit surveyor_socket(mode m = mode::cooked) : socket(protocol::surveyor, m) {}
    // How long a survey collects responses; receive() then fails with timed_out.
    void set_deadline(duration deadline);
};

class NANOPORT_API respondent_socket : public socket {
public:
    explicit respondent_socket(mode m = mode::cooked) : socket(protocol::respondent, m) {}
};

class NANOPORT_API bus_socket : public socket {
public:
    explicit bus_socket(mode m = mode::cooked) : socket(protocol::bus, m) {}
};

// Forwards messages between two raw sockets (or loops one back to itself
// when b is a) until either is closed or terminate() is called; always ends
// with an exception (the error that stopped it).
NANOPORT_API void device(socket& a, socket& b);

// nn_term: every blocked and later call on every socket fails with
// errc::terminated; sockets still close in their destructors.
NANOPORT_API void terminate() noexcept;

}  // namespace nanoport
