// nanoport::socket (include/nanoport/socket.hpp): the C++ API over the same
// socket table as the C API, so a C++ socket's handle() is an nn_* handle and
// both APIs see one socket. Each call holds the socket for its duration
// (socket_table::ref), exactly as the C functions do, which makes close on
// one thread safe against a send blocked on another.
#include <climits>
#include <cstring>

#include "api/cpp_message.hpp"
#include "core/device.hpp"
#include "core/error.hpp"
#include "core/socket.hpp"
#include "core/socket_table.hpp"
#include "nanomsg/nn.h"
#include "nanomsg/pubsub.h"
#include "nanomsg/reqrep.h"
#include "nanomsg/survey.h"
#include "nanoport/extensions.h"
#include "nanoport/socket.hpp"

namespace nanoport {

namespace {

using core::socket_table;

socket_table& table() { return socket_table::global(); }

void throw_on(const std::error_code& ec, const char* what) {
    if (ec) throw std::system_error(ec, what);
}

// Runs body(core::socket&) on the socket behind handle, held for the call;
// the error of the hold or of body goes to ec. Exceptions (out of memory)
// become error codes: the non-throwing overloads are noexcept.
template <typename Body>
void with_socket(int handle, std::error_code& ec, Body&& body) noexcept {
    ec.clear();
    try {
        socket_table::ref held;
        if ((ec = table().hold(handle, held))) return;
        ec = body(*held);
    } catch (const std::bad_alloc&) {
        ec = std::make_error_code(std::errc::not_enough_memory);
    } catch (const std::system_error& e) {
        ec = e.code();
    }
}

using core::option_milliseconds;

// NN_SOCKET_NAME of s (held, inside a with_socket body).
std::error_code read_name(core::socket& s, std::string& out) {
    char buffer[256];
    std::size_t size = sizeof buffer;
    const std::error_code ec =
        s.get_option(NN_SOL_SOCKET, NN_SOCKET_NAME, std::as_writable_bytes(std::span(buffer)), size);
    if (!ec) out.assign(buffer, std::min(size, sizeof buffer));
    return ec;
}

}  // namespace

// --- life ----------------------------------------------------------------------

socket::socket(protocol p, mode m) {
    std::error_code ec;
    *this = socket(p, m, ec);
    throw_on(ec, "nanoport::socket");
}

socket::socket(protocol p, mode m, std::error_code& ec) noexcept {
    ec.clear();
    try {
        if (table().terminated()) {
            ec = errc::terminated;
            return;
        }
        std::unique_ptr<core::socket> s;
        const int domain = m == mode::raw ? AF_SP_RAW : AF_SP;
        if ((ec = core::make_socket(domain, static_cast<int>(p), s))) return;
        int handle = -1;
        if ((ec = table().open(std::move(s), handle))) return;
        handle_ = handle;
    } catch (const std::bad_alloc&) {
        ec = std::make_error_code(std::errc::not_enough_memory);
    } catch (const std::system_error& e) {
        ec = e.code();
    }
}

socket& socket::operator=(socket&& other) noexcept {
    if (this != &other) {
        close();
        handle_ = std::exchange(other.handle_, -1);
    }
    return *this;
}

socket::~socket() { close(); }

void socket::close() noexcept {
    if (handle_ < 0) return;
    // EBADF only if the handle was closed behind our back through the C API.
    (void)table().close(std::exchange(handle_, -1));
}

// --- endpoints -------------------------------------------------------------------

int socket::bind(std::string_view url, std::error_code& ec) noexcept {
    int id = -1;
    with_socket(handle_, ec, [&](core::socket& s) { return s.add_endpoint(std::string(url), true, id); });
    return ec ? -1 : id;
}

int socket::bind(std::string_view url) {
    std::error_code ec;
    const int id = bind(url, ec);
    throw_on(ec, "nanoport::socket::bind");
    return id;
}

int socket::connect(std::string_view url, std::error_code& ec) noexcept {
    int id = -1;
    with_socket(handle_, ec, [&](core::socket& s) { return s.add_endpoint(std::string(url), false, id); });
    return ec ? -1 : id;
}

int socket::connect(std::string_view url) {
    std::error_code ec;
    const int id = connect(url, ec);
    throw_on(ec, "nanoport::socket::connect");
    return id;
}

void socket::shutdown(int endpoint, std::error_code& ec) noexcept {
    with_socket(handle_, ec, [&](core::socket& s) { return s.remove_endpoint(endpoint); });
}

void socket::shutdown(int endpoint) {
    std::error_code ec;
    shutdown(endpoint, ec);
    throw_on(ec, "nanoport::socket::shutdown");
}

// --- messages ----------------------------------------------------------------------

namespace {

void send_on(int handle, message&& m, std::optional<socket::duration> timeout,
             std::error_code& ec) noexcept {
    with_socket(handle, ec, [&](core::socket& s) {
        aio::message out = detail::message_access::to_engine(std::move(m));
        const int flags = timeout && timeout->count() == 0 ? core::dont_wait : 0;
        std::error_code result = s.send(out, flags, timeout);
        return result;
    });
}

message receive_on(int handle, std::optional<socket::duration> timeout, std::error_code& ec) noexcept {
    message out;
    with_socket(handle, ec, [&](core::socket& s) {
        aio::message in;
        const int flags = timeout && timeout->count() == 0 ? core::dont_wait : 0;
        std::error_code result = s.receive(in, flags, timeout);
        if (!result) out = detail::message_access::from_engine(std::move(in));
        return result;
    });
    return out;
}

}  // namespace

void socket::send(message m, std::error_code& ec) noexcept { send_on(handle_, std::move(m), std::nullopt, ec); }

void socket::send(message m, duration timeout, std::error_code& ec) noexcept {
    send_on(handle_, std::move(m), timeout, ec);
}

void socket::send(message m) {
    std::error_code ec;
    send_on(handle_, std::move(m), std::nullopt, ec);
    throw_on(ec, "nanoport::socket::send");
}

void socket::send(message m, duration timeout) {
    std::error_code ec;
    send_on(handle_, std::move(m), timeout, ec);
    throw_on(ec, "nanoport::socket::send");
}

message socket::receive(std::error_code& ec) noexcept { return receive_on(handle_, std::nullopt, ec); }

message socket::receive(duration timeout, std::error_code& ec) noexcept {
    return receive_on(handle_, timeout, ec);
}

message socket::receive() {
    std::error_code ec;
    message m = receive_on(handle_, std::nullopt, ec);
    throw_on(ec, "nanoport::socket::receive");
    return m;
}

message socket::receive(duration timeout) {
    std::error_code ec;
    message m = receive_on(handle_, timeout, ec);
    throw_on(ec, "nanoport::socket::receive");
    return m;
}

std::optional<message> socket::try_receive() {
    std::error_code ec;
    message m = receive_on(handle_, duration::zero(), ec);
    if (ec == std::errc::resource_unavailable_try_again) return std::nullopt;
    throw_on(ec, "nanoport::socket::try_receive");
    return m;
}

// --- options --------------------------------------------------------------------------

void socket::set_option(int level, int option, int value, std::error_code& ec) noexcept {
    with_socket(handle_, ec, [&](core::socket& s) {
        return s.set_option(level, option, std::as_bytes(std::span(&value, 1)));
    });
}

void socket::set_option(int level, int option, int value) {
    std::error_code ec;
    set_option(level, option, value, ec);
    throw_on(ec, "nanoport::socket::set_option");
}

int socket::option(int level, int option) const {
    int value = 0;
    std::error_code ec;
    with_socket(handle_, ec, [&](core::socket& s) {
        std::size_t size = sizeof value;
        std::error_code result = s.get_option(level, option, std::as_writable_bytes(std::span(&value, 1)), size);
        if (!result && size != sizeof value) result = std::make_error_code(std::errc::invalid_argument);
        return result;
    });
    throw_on(ec, "nanoport::socket::option");
    return value;
}

void socket::set_option(int level, int option, std::string_view value, std::error_code& ec) noexcept {
    with_socket(handle_, ec, [&](core::socket& s) {
        return s.set_option(level, option, std::as_bytes(std::span(value.data(), value.size())));
    });
}

void socket::set_option(int level, int option, std::string_view value) {
    std::error_code ec;
    set_option(level, option, value, ec);
    throw_on(ec, "nanoport::socket::set_option");
}

void socket::set_bytes_option(int level, int option, std::span<const std::byte> value) {
    std::error_code ec;
    with_socket(handle_, ec, [&](core::socket& s) { return s.set_option(level, option, value); });
    throw_on(ec, "nanoport::socket::set_option");
}

void socket::set_send_timeout(duration timeout) {
    set_option(NN_SOL_SOCKET, NN_SNDTIMEO, option_milliseconds(timeout));
}

void socket::set_receive_timeout(duration timeout) {
    set_option(NN_SOL_SOCKET, NN_RCVTIMEO, option_milliseconds(timeout));
}

void socket::set_linger(duration linger) { set_option(NN_SOL_SOCKET, NN_LINGER, option_milliseconds(linger)); }

void socket::set_reconnect_interval(duration interval, duration max) {
    set_option(NN_SOL_SOCKET, NN_RECONNECT_IVL, option_milliseconds(interval));
    set_option(NN_SOL_SOCKET, NN_RECONNECT_IVL_MAX, option_milliseconds(max));
}

namespace {
int size_option(std::size_t bytes) {
    if (bytes > static_cast<std::size_t>(INT_MAX)) {
        throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                                "nanoport::socket: size above INT_MAX");
    }
    return static_cast<int>(bytes);
}
}  // namespace

void socket::set_send_buffer(std::size_t bytes) { set_option(NN_SOL_SOCKET, NN_SNDBUF, size_option(bytes)); }

void socket::set_receive_buffer(std::size_t bytes) {
    set_option(NN_SOL_SOCKET, NN_RCVBUF, size_option(bytes));
}

void socket::set_receive_max_size(std::optional<std::size_t> bytes) {
    set_option(NN_SOL_SOCKET, NN_RCVMAXSIZE, bytes ? size_option(*bytes) : -1);
}

void socket::set_send_priority(int priority) { set_option(NN_SOL_SOCKET, NN_SNDPRIO, priority); }
void socket::set_receive_priority(int priority) { set_option(NN_SOL_SOCKET, NN_RCVPRIO, priority); }
void socket::set_ipv4_only(bool only) { set_option(NN_SOL_SOCKET, NN_IPV4ONLY, only ? 1 : 0); }
void socket::set_max_ttl(int hops) { set_option(NN_SOL_SOCKET, NN_MAXTTL, hops); }

void socket::set_name(std::string_view name) {
    set_bytes_option(NN_SOL_SOCKET, NN_SOCKET_NAME, std::as_bytes(std::span(name.data(), name.size())));
}

std::string socket::name() const {
    std::string out;
    std::error_code ec;
    with_socket(handle_, ec, [&](core::socket& s) { return read_name(s, out); });
    throw_on(ec, "nanoport::socket::name");
    return out;
}

void sub_socket::subscribe(std::string_view prefix) {
    set_bytes_option(NN_SUB, NN_SUB_SUBSCRIBE, std::as_bytes(std::span(prefix.data(), prefix.size())));
}

void sub_socket::unsubscribe(std::string_view prefix) {
    set_bytes_option(NN_SUB, NN_SUB_UNSUBSCRIBE, std::as_bytes(std::span(prefix.data(), prefix.size())));
}

void req_socket::set_resend_interval(duration interval) {
    set_option(NN_REQ, NN_REQ_RESEND_IVL, option_milliseconds(interval));
}

void surveyor_socket::set_deadline(duration deadline) {
    set_option(NN_SURVEYOR, NN_SURVEYOR_DEADLINE, option_milliseconds(deadline));
}

// --- pipe events and statistics -------------------------------------------------------------

void socket::on_pipe_event(std::function<void(const pipe_event&)> callback) {
    std::error_code ec;
    with_socket(handle_, ec, [&](core::socket& s) {
        core::socket::pipe_observer observer;
        if (callback) {
            observer = [user = std::move(callback)](const core::socket::pipe_event& e) {
                user(pipe_event{e.added ? pipe_event::kind::added : pipe_event::kind::removed,
                                e.pipe, e.address});
            };
        }
        s.set_pipe_observer(std::move(observer));
        return std::error_code();
    });
    throw_on(ec, "nanoport::socket::on_pipe_event");
}

socket_statistics socket::statistics() const {
    socket_statistics out;
    std::error_code ec;
    with_socket(handle_, ec, [&](core::socket& s) {
        const auto stat = [&](int id) { return s.statistic(id).value_or(0); };
        out.kind = static_cast<protocol>(s.protocol_number());
        out.flavour = s.domain() == AF_SP_RAW ? mode::raw : mode::cooked;
        out.established_connections = stat(NN_STAT_ESTABLISHED_CONNECTIONS);
        out.accepted_connections = stat(NN_STAT_ACCEPTED_CONNECTIONS);
        out.dropped_connections = stat(NN_STAT_DROPPED_CONNECTIONS);
        out.broken_connections = stat(NN_STAT_BROKEN_CONNECTIONS);
        out.connect_errors = stat(NN_STAT_CONNECT_ERRORS);
        out.bind_errors = stat(NN_STAT_BIND_ERRORS);
        out.accept_errors = stat(NN_STAT_ACCEPT_ERRORS);
        out.current_connections = stat(NN_STAT_CURRENT_CONNECTIONS);
        out.inprogress_connections = stat(NN_STAT_INPROGRESS_CONNECTIONS);
        out.current_endpoint_errors = stat(NN_STAT_CURRENT_EP_ERRORS);
        out.messages_sent = stat(NN_STAT_MESSAGES_SENT);
        out.messages_received = stat(NN_STAT_MESSAGES_RECEIVED);
        out.bytes_sent = stat(NN_STAT_BYTES_SENT);
        out.bytes_received = stat(NN_STAT_BYTES_RECEIVED);
        out.current_send_priority = stat(NN_STAT_CURRENT_SND_PRIORITY);
        out.failed_handshakes = stat(NANOPORT_STAT_FAILED_HANDSHAKES);
        out.rejected_greetings = stat(NANOPORT_STAT_REJECTED_GREETINGS);
        out.handshake_timeouts = stat(NANOPORT_STAT_HANDSHAKE_TIMEOUTS);
        out.oversized_messages = stat(NANOPORT_STAT_OVERSIZED_MESSAGES);
        out.malformed_frames = stat(NANOPORT_STAT_MALFORMED_FRAMES);
        out.refused_connections = stat(NANOPORT_STAT_REFUSED_CONNECTIONS);
        out.pending_connections = stat(NANOPORT_STAT_PENDING_CONNECTIONS);
        out.dropped_messages = stat(NANOPORT_STAT_DROPPED_MESSAGES);
        for (const core::socket::pipe_snapshot& p : s.pipe_statistics()) {
            out.pipes.push_back({p.id, p.address, p.counters.messages_sent, p.counters.messages_received,
                                 p.counters.bytes_sent, p.counters.bytes_received, p.counters.dropped});
        }
        (void)read_name(s, out.name);  // statistics of a socket whose name cannot be read: unnamed
        return std::error_code();
    });
    throw_on(ec, "nanoport::socket::statistics");
    return out;
}

// --- process-wide ---------------------------------------------------------------------------

void device(socket& a, socket& b) {
    std::error_code ec = core::run_device(table(), a.handle(), b.handle());
    if (!ec) ec = std::make_error_code(std::errc::bad_file_descriptor);  // ended: a socket closed
    throw std::system_error(ec, "nanoport::device");
}

void terminate() noexcept {
    try {
        table().terminate();
    } catch (...) {
        // Only the table's first creation can throw; then nothing is open.
    }
}

}  // namespace nanoport
