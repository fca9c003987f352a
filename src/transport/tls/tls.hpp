// tls: the TLS layer of the tls+tcp and wss transports, over OpenSSL through
// Asio's SSL support.
//
// A tls_config is made once per endpoint (nn_bind / nn_connect), from the
// socket's NANOPORT_TLS options: it loads the files then, so that a missing
// or malformed certificate is an error of that call, not of some later
// connection. Each connection then gets a tls_layer over its socket: a
// stream_layer that its worker_ops read and write through, after
// worker_op::start_handshake.
//
// Policy: TLS 1.2 and 1.3 only. A dialer verifies the server's chain (the
// CA file, else the system's trusted CAs) and that the certificate names the
// server (NANOPORT_TLS_SERVER_NAME, else the address's host; an IP literal
// is checked as an IP address) and sends that name as SNI. A listener needs
// a certificate and key; it asks for a client certificate only when the auth
// mode says so. NANOPORT_TLS_AUTH_NONE turns every check off.
//
// Threads: a tls_config is immutable once made and shared by the endpoint's
// connections; a tls_layer belongs to its connection's worker thread.
#pragma once

#include <asio/ssl/context.hpp>
#include <asio/ssl/stream.hpp>

#include <sys/socket.h>

#include <memory>
#include <string>
#include <utility>
#include <system_error>

#include "aio/worker_op.hpp"
#include "transport/pipe.hpp"

namespace nanoport::transport {

class tls_config {
public:
    // Loads settings for a listener (server) or dialer (client of host).
    // Errors: no_such_file_or_directory, permission_denied (a file);
    // invalid_argument (not PEM, key not matching the certificate, a
    // listener without a certificate); not_enough_memory.
    static std::error_code make(const tls_settings& settings, bool server, const std::string& host,
                                std::shared_ptr<const tls_config>& out);

    bool server() const noexcept { return server_; }
    const std::string& server_name() const noexcept { return server_name_; }
    asio::ssl::context& context() const noexcept { return context_; }

private:
    explicit tls_config(bool server);

    bool server_;
    std::string server_name_;
    mutable asio::ssl::context context_;  // OpenSSL's SSL_CTX is shared, refcounted, thread-safe
};

// What the TLS stream writes and reads through: the connection's socket,
// writing with MSG_NOSIGNAL (Asio's io_uring backend does not add it, and a
// peer that went away must be an error, never SIGPIPE).
class tls_socket {
public:
    using socket_type = aio::worker_op::stream;
    using executor_type = socket_type::executor_type;
    using lowest_layer_type = socket_type::lowest_layer_type;

    explicit tls_socket(socket_type& s) noexcept : socket_(&s) {}
    executor_type get_executor() noexcept { return socket_->get_executor(); }
    lowest_layer_type& lowest_layer() noexcept { return socket_->lowest_layer(); }
    const lowest_layer_type& lowest_layer() const noexcept { return socket_->lowest_layer(); }

    template <typename Buffers, typename Handler>
    auto async_read_some(const Buffers& b, Handler&& h) {
        return socket_->async_read_some(b, std::forward<Handler>(h));
    }
    template <typename Buffers, typename Handler>
    auto async_write_some(const Buffers& b, Handler&& h) {
        return socket_->async_send(b, MSG_NOSIGNAL, std::forward<Handler>(h));
    }

private:
    socket_type* socket_;
};

class tls_layer final : public aio::stream_layer {
public:
    tls_layer(std::shared_ptr<const tls_config> config, aio::worker_op::stream& s);

    void async_handshake(aio::worker_op::completion h) override;
    void async_read_some(asio::mutable_buffer b, aio::worker_op::completion h) override;
    void async_write_some(std::span<const asio::const_buffer> bufs,
                          aio::worker_op::completion h) override;

    // Why the handshake failed, for the log: OpenSSL's reason, and the
    // certificate check's when that was it ("certificate has expired").
    std::string describe_failure(const std::error_code& ec) const;

private:
    std::shared_ptr<const tls_config> config_;
    asio::ssl::stream<tls_socket> stream_;
};

}  // namespace nanoport::transport
