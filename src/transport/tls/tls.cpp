#include "transport/tls/tls.hpp"

#include <asio/ip/address.hpp>
#include <asio/ssl/error.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <unistd.h>

#include <cerrno>

#include "aio/log.hpp"
#include "nanoport/extensions.h"

namespace nanoport::transport {

namespace {

// A file the options name must be readable: its own errno (ENOENT, EACCES)
// says more than OpenSSL's "no such file" buried in an SSL error.
std::error_code check_readable(const std::string& path) {
    if (::access(path.c_str(), R_OK) != 0) return {errno, std::generic_category()};
    return {};
}

std::error_code invalid(const char* what, const std::string& path, const std::error_code& ec) {
    aio::log("tls: %s %s: %s", what, path.c_str(), ec.message().c_str());
    return std::make_error_code(std::errc::invalid_argument);
}

bool is_ip_literal(const std::string& host) {
    asio::error_code ec;
    (void)asio::ip::make_address(host, ec);
    return !ec;
}

// The end of a TLS stream without close_notify is, for SP, the end of the
// stream: the peer closed its connection (nanomsg and NNG never send one).
struct read_completion {
    aio::worker_op::completion h;

    using allocator_type = aio::worker_op::completion::allocator_type;
    allocator_type get_allocator() const noexcept { return h.get_allocator(); }

    void operator()(const std::error_code& ec, std::size_t n) const {
        if (ec == asio::ssl::error::stream_truncated) {
            h(asio::error::eof, n);
        } else {
            h(ec, n);
        }
    }
};

struct handshake_completion {
    aio::worker_op::completion h;

    using allocator_type = aio::worker_op::completion::allocator_type;
    allocator_type get_allocator() const noexcept { return h.get_allocator(); }

    void operator()(const std::error_code& ec) const { h(ec, 0); }
};

}  // namespace

tls_config::tls_config(bool server)
    : server_(server),
      context_(server ? asio::ssl::context::tls_server : asio::ssl::context::tls_client) {}

std::error_code tls_config::make(const tls_settings& settings, bool server, const std::string& host,
                                 std::shared_ptr<const tls_config>& out) {
    std::shared_ptr<tls_config> config;
    try {
        config.reset(new tls_config(server));
    } catch (const std::bad_alloc&) {
        return std::make_error_code(std::errc::not_enough_memory);
    } catch (const std::system_error& e) {
        aio::log("tls: no TLS context: %s", e.what());
        return std::make_error_code(std::errc::not_enough_memory);
    }
    asio::ssl::context& ctx = config->context_;
    SSL_CTX* native = ctx.native_handle();
    ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                    asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
    std::error_code ec;

    if (!settings.cert_file.empty()) {
        if ((ec = check_readable(settings.cert_file))) return ec;
        const std::string& key = settings.key_file.empty() ? settings.cert_file : settings.key_file;
        if ((ec = check_readable(key))) return ec;
        ctx.use_certificate_chain_file(settings.cert_file, ec);
        if (ec) return invalid("certificate", settings.cert_file, ec);
        ctx.use_private_key_file(key, asio::ssl::context::pem, ec);
        if (ec) return invalid("private key", key, ec);
        if (SSL_CTX_check_private_key(native) != 1) {
            aio::log("tls: the private key %s does not match the certificate %s", key.c_str(),
                     settings.cert_file.c_str());
            return std::make_error_code(std::errc::invalid_argument);
        }
    } else if (!settings.key_file.empty()) {
        aio::log("tls: a private key without a certificate");
        return std::make_error_code(std::errc::invalid_argument);
    } else if (server) {
        aio::log("tls: a listener needs a certificate (NANOPORT_TLS_CERT_FILE)");
        return std::make_error_code(std::errc::invalid_argument);
    }

    int mode = settings.auth_mode;
    if (mode < 0) mode = server ? NANOPORT_TLS_AUTH_NONE : NANOPORT_TLS_AUTH_REQUIRED;
    if (mode != NANOPORT_TLS_AUTH_NONE) {
        if (!settings.ca_file.empty()) {
            if ((ec = check_readable(settings.ca_file))) return ec;
            ctx.load_verify_file(settings.ca_file, ec);
            if (ec) return invalid("CA file", settings.ca_file, ec);
        } else {
            ctx.set_default_verify_paths(ec);
            if (ec) aio::log("tls: no system CA store: %s", ec.message().c_str());
        }
        asio::ssl::verify_mode verify = asio::ssl::verify_peer;
        if (mode == NANOPORT_TLS_AUTH_REQUIRED && server) {
            verify |= asio::ssl::verify_fail_if_no_peer_cert;
        }
        ctx.set_verify_mode(verify);
    } else {
        ctx.set_verify_mode(asio::ssl::verify_none);
    }
    // Sent as SNI even unverified: a server may pick its certificate by it.
    if (!server) config->server_name_ = settings.server_name.empty() ? host : settings.server_name;
    out = std::move(config);
    return {};
}

tls_layer::tls_layer(std::shared_ptr<const tls_config> config, aio::worker_op::stream& s)
    : config_(std::move(config)), stream_(tls_socket(s), config_->context()) {
    if (config_->server()) return;
    SSL* ssl = stream_.native_handle();
    const std::string& name = config_->server_name();
    if (name.empty()) return;
    const bool verify = SSL_CTX_get_verify_mode(config_->context().native_handle()) != SSL_VERIFY_NONE;
    if (is_ip_literal(name)) {
        // No SNI for an address (RFC 6066); the certificate must list the IP.
        if (verify) X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str());
        return;
    }
    SSL_set_tlsext_host_name(ssl, name.c_str());
    if (verify) SSL_set1_host(ssl, name.c_str());
}

void tls_layer::async_handshake(aio::worker_op::completion h) {
    stream_.async_handshake(config_->server() ? asio::ssl::stream_base::server
                                              : asio::ssl::stream_base::client,
                            handshake_completion{h});
}

void tls_layer::async_read_some(asio::mutable_buffer b, aio::worker_op::completion h) {
    stream_.async_read_some(b, read_completion{h});
}

void tls_layer::async_write_some(std::span<const asio::const_buffer> bufs,
                                 aio::worker_op::completion h) {
    // Asio's TLS stream encrypts one buffer per call; the op resumes with the next.
    stream_.async_write_some(bufs.front(), h);
}

std::string tls_layer::describe_failure(const std::error_code& ec) const {
    std::string text = ec.message();
    const long verified =
        SSL_get_verify_result(const_cast<asio::ssl::stream<tls_socket>&>(stream_).native_handle());
    if (verified != X509_V_OK) {
        text += " (";
        text += X509_verify_cert_error_string(verified);
        text += ")";
    }
    return text;
}

}  // namespace nanoport::transport
