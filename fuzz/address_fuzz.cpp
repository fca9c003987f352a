// libFuzzer target for address parsing: parse_address (bind and connect),
// parse_ip_literal and resolve_interface on the whole input as a string, and
// nn_bind / nn_connect on a real socket with it.
//
// Properties (abort when violated, so libFuzzer reports a crash):
// - an accepted url is at most max_address_length bytes, has no NUL, and raw
//   is the url;
// - tcp-like schemes have a port in 1..65535 and a host (connect) or an
//   interface (bind); hosts and interfaces carry no brackets; ipc paths are
//   non-empty; ws paths start with '/';
// - rebuilding the url from the parts and parsing it again gives the same
//   parts;
// - a literal accepted under ipv4only is IPv4 and is accepted without it;
// - resolve_interface on an accepted interface: "*" is the all-zero address
//   of the right family, a literal resolves to itself, a name resolves only
//   if the OS has an interface of that name (ENODEV otherwise);
// - nn_bind / nn_connect refuse a url that parse_address refuses, with its
//   error as errno; an inproc url they accept (and the endpoint is shut
//   down again). Other accepted urls are not bound or connected: that would
//   create files, ports and connections.
#include "transport/address.hpp"

#include <net/if.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "nanomsg/nn.h"
#include "nanomsg/pair.h"

namespace {

using namespace nanoport::transport;

void require(bool condition) {
    if (!condition) std::abort();
}

bool same_parts(const address& a, const address& b) {
    return a.kind == b.kind && a.host == b.host && a.local_interface == b.local_interface &&
           a.port == b.port && a.path == b.path;
}

std::string rebuild(const address& a, bool for_bind) {
    std::string url(scheme_name(a.kind));
    url += "://";
    switch (a.kind) {
        case scheme::inproc:
        case scheme::ipc:
            return url + a.path;
        case scheme::tcp:
        case scheme::tls_tcp:
        case scheme::ws:
        case scheme::wss:
            break;
    }
    if (for_bind) {
        // The port follows the last ':', so an IPv6 interface needs no brackets.
        url += a.local_interface;
    } else {
        if (!a.local_interface.empty()) url += a.local_interface + ";";
        url += a.host.find(':') != std::string::npos ? "[" + a.host + "]" : a.host;
    }
    url += ":" + std::to_string(a.port);
    if (a.kind == scheme::ws || a.kind == scheme::wss) url += a.path;
    return url;
}

// An interface as a bind address or a connect's "iface;" prefix has it.
void check_resolve(const std::string& iface) {
    for (const bool ipv4only : {true, false}) {
        ip_address resolved;
        const std::error_code ec = resolve_interface(iface, ipv4only, resolved);
        if (ec) {
            require(ec == std::errc::no_such_device);
            continue;
        }
        if (ipv4only) require(resolved.family == ip_family::v4);
        ip_address literal;
        if (iface == "*") {
            require(resolved.family == (ipv4only ? ip_family::v4 : ip_family::v6));
            require(resolved.bytes == std::array<std::byte, 16>{} && resolved.scope_id == 0);
        } else if (!parse_ip_literal(iface, ipv4only, literal)) {
            require(resolved == literal);
        } else {
            require(iface.size() < IF_NAMESIZE && if_nametoindex(iface.c_str()) != 0);
        }
    }
}

// The C API's view: nn_bind / nn_connect validate before anything else.
void check_endpoint(std::string_view url, bool for_bind, const std::error_code& parsed,
                    const address& a) {
    static const int s = nn_socket(AF_SP, NN_PAIR);
    require(s >= 0);
    if (url.find('\0') != std::string_view::npos) return;  // a C string cannot say it
    const std::string text(url);
    if (parsed) {
        const int rc = for_bind ? nn_bind(s, text.c_str()) : nn_connect(s, text.c_str());
        require(rc == -1 && nn_errno() == parsed.value());
        return;
    }
    if (a.kind != scheme::inproc) return;
    const int id = for_bind ? nn_bind(s, text.c_str()) : nn_connect(s, text.c_str());
    // Bind may find the name taken (EADDRINUSE) by a connect of ours that
    // has not been shut down yet; nothing else may go wrong.
    if (id < 0) {
        require(for_bind && nn_errno() == EADDRINUSE);
        return;
    }
    require(nn_shutdown(s, id) == 0);
}

void check_parse(std::string_view url, bool for_bind) {
    address a;
    const std::error_code parsed = parse_address(url, for_bind, a);
    check_endpoint(url, for_bind, parsed, a);
    if (parsed) return;
    require(url.size() <= max_address_length);
    require(url.find('\0') == std::string_view::npos);
    require(a.raw == url);
    switch (a.kind) {
        case scheme::inproc:
            break;
        case scheme::ipc:
            require(!a.path.empty());
            break;
        case scheme::ws:
        case scheme::wss:
            require(!a.path.empty() && a.path.front() == '/');
            [[fallthrough]];
        case scheme::tcp:
        case scheme::tls_tcp:
            require(a.port != 0);
            require(for_bind ? a.host.empty() && !a.local_interface.empty() : !a.host.empty());
            require(a.host.find_first_of("[]") == std::string::npos);
            require(a.local_interface.find_first_of("[]") == std::string::npos);
            if (!a.local_interface.empty()) check_resolve(a.local_interface);
            break;
    }

    const std::string again = rebuild(a, for_bind);
    if (again.size() > max_address_length)
        return;  // brackets or an explicit default port can push it over
    address b;
    require(!parse_address(again, for_bind, b));
    require(same_parts(a, b));
}

void check_literal(std::string_view text) {
    ip_address v4only;
    if (!parse_ip_literal(text, true, v4only)) {
        require(v4only.family == ip_family::v4);
        ip_address any;
        require(!parse_ip_literal(text, false, any));
        require(any == v4only);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view url(reinterpret_cast<const char*>(data), size);
    check_parse(url, false);
    check_parse(url, true);
    check_literal(url);
    return 0;
}
