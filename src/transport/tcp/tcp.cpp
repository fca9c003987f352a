// tcp transport: the SP TCP mapping, and the transports over TCP that differ
// only in what their connections speak: tls+tcp (TLS, then the TCP mapping),
// ws and wss (the WebSocket mapping, over TLS for wss). Everything after the
// address is the stream transport's (stream_listener, stream_dialer,
// make_connection).
#include <asio/ip/tcp.hpp>

#include "transport/stream/stream_dialer.hpp"
#include "transport/stream/stream_endpoints.hpp"
#include "transport/stream/stream_listener.hpp"
#include "transport/tls/tls.hpp"

namespace nanoport::transport {

namespace {

asio::ip::address to_asio(const ip_address& ip) {
    if (ip.family == ip_family::v4) {
        asio::ip::address_v4::bytes_type b;
        for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<unsigned char>(ip.bytes[i]);
        return asio::ip::address_v4(b);
    }
    asio::ip::address_v6::bytes_type b;
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<unsigned char>(ip.bytes[i]);
    return asio::ip::address_v6(b, ip.scope_id);
}

// What the connections of an endpoint on addr speak. TLS settings are read
// (and their files loaded) now, so that a bad one fails the bind or connect.
std::error_code setup_for(socket_hooks& socket, const address& addr, bool bind,
                          connection_setup& setup) {
    setup.framing = sp_wire::framing::tcp;
    setup.server = bind;
    if (addr.kind == scheme::ws || addr.kind == scheme::wss) {
        setup.websocket = true;
        setup.ws_path = addr.path;
        const bool v6 = addr.host.find(':') != std::string::npos;
        setup.ws_host = (v6 ? "[" + addr.host + "]" : addr.host) + ":" + std::to_string(addr.port);
    }
    if (addr.kind == scheme::tls_tcp || addr.kind == scheme::wss) {
        return tls_config::make(socket.current_tls(), bind, addr.host, setup.tls);
    }
    return {};
}

}  // namespace

std::error_code make_tcp_endpoint(socket_hooks& socket, const address& addr, bool bind,
                                  std::unique_ptr<endpoint>& out) {
    const bool ipv4_only = socket.current_options().ipv4_only;
    connection_setup setup;
    if (std::error_code ec = setup_for(socket, addr, bind, setup)) {
        if (bind) socket.count_bind_error();
        return ec;
    }
    if (bind) {
        ip_address local;
        if (std::error_code ec = resolve_interface(addr.local_interface, ipv4_only, local)) return ec;
        const asio::ip::tcp::endpoint ep(to_asio(local), addr.port);
        // ws listeners on one address and port share it by path (ws_routes);
        // wss cannot (a TLS session cannot be handed over).
        if (addr.kind == scheme::ws) {
            setup.ws_route_key = "ws://" + ep.address().to_string() + ":" + std::to_string(addr.port);
        }
        return stream_listener::open(socket, stream_kind::tcp, std::move(setup), ep, addr.raw,
                                     std::string(), -1, out);
    }
    // An IPv6 literal while NN_IPV4ONLY is set can never connect: EINVAL, as nanomsg.
    ip_address literal;
    if (ipv4_only && parse_ip_literal(addr.host, true, literal) &&
        !parse_ip_literal(addr.host, false, literal)) {
        return std::make_error_code(std::errc::invalid_argument);
    }
    std::optional<asio::generic::stream_protocol::endpoint> local;
    if (!addr.local_interface.empty()) {
        ip_address from;
        if (std::error_code ec = resolve_interface(addr.local_interface, ipv4_only, from)) return ec;
        local = asio::ip::tcp::endpoint(to_asio(from), 0);
    }
    out = stream_dialer::open(socket, stream_kind::tcp, std::move(setup), addr, local);
    return {};
}

}  // namespace nanoport::transport
