// libFuzzer target for address parsing: parse_address (bind and connect) and
// parse_ip_literal, on the whole input as a string. resolve_interface is left
// out: it asks the OS.
//
// Properties (abort when violated, so libFuzzer reports a crash):
// - an accepted url is at most max_address_length bytes, has no NUL, and raw
//   is the url;
// - tcp-like schemes have a port in 1..65535 and a host (connect) or an
//   interface (bind); hosts and interfaces carry no brackets; ipc paths are
//   non-empty; ws paths start with '/';
// - rebuilding the url from the parts and parsing it again gives the same
//   parts;
// - a literal accepted under ipv4only is IPv4 and is accepted without it.
#include "transport/address.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace nanoport::transport;

void require(bool condition)
{
    if (!condition)
        std::abort();
}

bool same_parts(const address& a, const address& b)
{
    return a.kind == b.kind && a.host == b.host && a.local_interface == b.local_interface && a.port == b.port &&
           a.path == b.path;
}

std::string rebuild(const address& a, bool for_bind)
{
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
        if (!a.local_interface.empty())
            url += a.local_interface + ";";
        url += a.host.find(':') != std::string::npos ? "[" + a.host + "]" : a.host;
    }
    url += ":" + std::to_string(a.port);
    if (a.kind == scheme::ws || a.kind == scheme::wss)
        url += a.path;
    return url;
}

void check_parse(std::string_view url, bool for_bind)
{
    address a;
    if (parse_address(url, for_bind, a))
        return;
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
        break;
    }

    const std::string again = rebuild(a, for_bind);
    if (again.size() > max_address_length)
        return; // brackets or an explicit default port can push it over
    address b;
    require(!parse_address(again, for_bind, b));
    require(same_parts(a, b));
}

void check_literal(std::string_view text)
{
    ip_address v4only;
    if (!parse_ip_literal(text, true, v4only)) {
        require(v4only.family == ip_family::v4);
        ip_address any;
        require(!parse_ip_literal(text, false, any));
        require(any == v4only);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view url(reinterpret_cast<const char*>(data), size);
    check_parse(url, false);
    check_parse(url, true);
    check_literal(url);
    return 0;
}
