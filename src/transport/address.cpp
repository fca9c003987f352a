// address: endpoint address parsing and local interface resolution. See address.hpp.
#include "transport/address.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

namespace nanoport::transport {

namespace {

std::error_code make_error(std::errc e) noexcept
{
    return std::make_error_code(e);
}

// A Unix socket path must fit sun_path with its terminating NUL.
constexpr std::size_t ipc_path_limit = sizeof(sockaddr_un{}.sun_path);

constexpr std::uint16_t ws_default_port = 80;
constexpr std::uint16_t wss_default_port = 443;

bool is_digit(char c) noexcept
{
    return c >= '0' && c <= '9';
}

bool is_alnum(char c) noexcept
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Printable ASCII other than space: what may appear in an interface name or
// a ws resource path without breaking a log line or an HTTP request line.
bool is_graphic(char c) noexcept
{
    return c > 0x20 && c < 0x7f;
}

bool all_graphic(std::string_view s) noexcept
{
    return std::all_of(s.begin(), s.end(), is_graphic);
}

// nanomsg's host name rule (nn_dns_check_hostname): 1..255 bytes of labels
// separated by '.', each label 1..63 bytes of [A-Za-z0-9-], the name not
// starting with '-'. No trailing dot, no underscore.
bool is_valid_hostname(std::string_view name) noexcept
{
    if (name.empty() || name.size() > 255 || name.front() == '-')
        return false;
    std::size_t label = 0;
    for (const char c : name) {
        if (c == '.') {
            if (label == 0)
                return false;
            label = 0;
        } else if (is_alnum(c) || c == '-') {
            if (++label > 63)
                return false;
        } else {
            return false;
        }
    }
    return label != 0;
}

// Decimal port 1..65535; leading zeros are fine (nanomsg's nn_port_resolve).
std::optional<std::uint16_t> parse_port(std::string_view text) noexcept
{
    if (text.empty())
        return std::nullopt;
    std::uint32_t value = 0;
    for (const char c : text) {
        if (!is_digit(c))
            return std::nullopt;
        value = value * 10 + static_cast<std::uint32_t>(c - '0');
        if (value > 65535)
            return std::nullopt;
    }
    if (value == 0)
        return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

bool is_bracketed(std::string_view s) noexcept
{
    return !s.empty() && s.front() == '[';
}

std::string_view strip_brackets(std::string_view s) noexcept
{
    return s.substr(1, s.size() - 2);
}

// A local interface: a bracketed literal (stored without brackets) or a run
// of printable non-space ASCII without '[', ']' or ';' (those are address
// syntax), left for resolve_interface to judge.
bool parse_interface(std::string_view text, std::string& out)
{
    if (is_bracketed(text)) {
        ip_address ignored;
        if (parse_ip_literal(text, false, ignored))
            return false;
        out.assign(strip_brackets(text));
        return true;
    }
    if (text.empty() || !all_graphic(text) || text.find_first_of("[];") != std::string_view::npos)
        return false;
    out.assign(text);
    return true;
}

// A remote host: a bracketed literal (stored without brackets), a DNS name,
// or an unbracketed IPv4 or IPv6 literal.
bool parse_remote_host(std::string_view text, std::string& out)
{
    ip_address ignored;
    if (is_bracketed(text)) {
        if (parse_ip_literal(text, false, ignored))
            return false;
        out.assign(strip_brackets(text));
        return true;
    }
    if (!is_valid_hostname(text) && parse_ip_literal(text, false, ignored))
        return false;
    out.assign(text);
    return true;
}

struct scheme_entry {
    std::string_view name;
    scheme kind;
};

constexpr scheme_entry schemes[] = {
    {"tcp", scheme::tcp}, {"ipc", scheme::ipc}, {"inproc", scheme::inproc},
    {"ws", scheme::ws},   {"wss", scheme::wss}, {"tls+tcp", scheme::tls_tcp},
};

// host[:port], [literal][:port], iface;host:port (connect) for tcp, tls+tcp,
// ws and wss; `authority` is what follows "://" minus any ws path.
std::error_code parse_host_port(std::string_view authority, bool for_bind, std::optional<std::uint16_t> default_port,
                                address& out)
{
    const auto invalid = make_error(std::errc::invalid_argument);

    std::string_view host_port = authority;
    if (!for_bind) {
        // nanomsg splits at the first ';': "iface;host:port".
        if (const auto semicolon = authority.find(';'); semicolon != std::string_view::npos) {
            if (!parse_interface(authority.substr(0, semicolon), out.local_interface))
                return invalid;
            host_port = authority.substr(semicolon + 1);
        }
    }

    // Split off the port. A bracketed literal ends at its ']'; otherwise the
    // port follows the last ':' (so "::1:5555" is host "::1", port 5555, as
    // in nanomsg).
    std::string_view host_text;
    std::optional<std::string_view> port_text;
    if (is_bracketed(host_port)) {
        const auto close = host_port.find(']');
        if (close == std::string_view::npos)
            return invalid;
        host_text = host_port.substr(0, close + 1);
        const std::string_view after = host_port.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':')
                return invalid;
            port_text = after.substr(1);
        }
    } else if (const auto colon = host_port.rfind(':'); colon != std::string_view::npos) {
        host_text = host_port.substr(0, colon);
        port_text = host_port.substr(colon + 1);
    } else {
        host_text = host_port;
    }

    if (port_text) {
        const auto port = parse_port(*port_text);
        if (!port)
            return invalid;
        out.port = *port;
    } else if (default_port) {
        out.port = *default_port;
    } else {
        return invalid;
    }

    const bool ok = for_bind ? parse_interface(host_text, out.local_interface) : parse_remote_host(host_text, out.host);
    return ok ? std::error_code{} : invalid;
}

} // namespace

std::string_view scheme_name(scheme s) noexcept
{
    for (const auto& entry : schemes)
        if (entry.kind == s)
            return entry.name;
    return "";
}

std::error_code parse_address(std::string_view url, bool for_bind, address& out)
{
    const auto invalid = make_error(std::errc::invalid_argument);

    if (url.size() > max_address_length)
        return make_error(std::errc::filename_too_long);
    // A C caller cannot pass a NUL; a C++ caller who does has a broken string.
    if (url.find('\0') != std::string_view::npos)
        return invalid;

    // As nanomsg: the scheme ends at the first ':', which "//" must follow.
    const auto colon = url.find(':');
    if (colon == std::string_view::npos || url.substr(colon + 1, 2) != "//")
        return invalid;
    const std::string_view scheme_text = url.substr(0, colon);
    const std::string_view rest = url.substr(colon + 3);

    const auto entry = std::find_if(std::begin(schemes), std::end(schemes),
                                    [&](const scheme_entry& e) { return e.name == scheme_text; });
    if (entry == std::end(schemes))
        return make_error(std::errc::protocol_not_supported);

    address parsed;
    parsed.kind = entry->kind;
    parsed.raw.assign(url);

    switch (parsed.kind) {
    case scheme::inproc:
        // Any name, the empty one included (nanomsg accepts "inproc://").
        parsed.path.assign(rest);
        break;
    case scheme::ipc:
        if (rest.empty())
            return invalid;
        if (rest.size() >= ipc_path_limit)
            return make_error(std::errc::filename_too_long);
        parsed.path.assign(rest);
        break;
    case scheme::tcp:
    case scheme::tls_tcp:
        if (auto ec = parse_host_port(rest, for_bind, std::nullopt, parsed))
            return ec;
        break;
    case scheme::ws:
    case scheme::wss: {
        // The resource path starts at the first '/'; it goes into an HTTP
        // request line, so spaces and control bytes are refused.
        const auto slash = rest.find('/');
        const std::string_view authority = rest.substr(0, slash);
        const std::string_view path = slash == std::string_view::npos ? "/" : rest.substr(slash);
        if (!all_graphic(path))
            return invalid;
        const auto default_port = parsed.kind == scheme::ws ? ws_default_port : wss_default_port;
        if (auto ec = parse_host_port(authority, for_bind, default_port, parsed))
            return ec;
        parsed.path.assign(path);
        break;
    }
    }

    out = std::move(parsed);
    return {};
}

std::error_code parse_ip_literal(std::string_view text, bool ipv4only, ip_address& out)
{
    const auto invalid = make_error(std::errc::invalid_argument);
    if (is_bracketed(text)) {
        if (text.size() < 2 || text.back() != ']')
            return invalid;
        text = strip_brackets(text);
    }
    // inet_pton wants a C string; no literal is longer than INET6_ADDRSTRLEN - 1.
    char buffer[INET6_ADDRSTRLEN];
    if (text.empty() || text.size() >= sizeof(buffer) || text.find('\0') != std::string_view::npos)
        return invalid;
    std::memcpy(buffer, text.data(), text.size());
    buffer[text.size()] = '\0';

    ip_address result;
    if (!ipv4only) {
        in6_addr v6{};
        if (inet_pton(AF_INET6, buffer, &v6) == 1) {
            result.family = ip_family::v6;
            std::memcpy(result.bytes.data(), &v6, sizeof(v6));
            out = result;
            return {};
        }
    }
    in_addr v4{};
    if (inet_pton(AF_INET, buffer, &v4) == 1) {
        result.family = ip_family::v4;
        std::memcpy(result.bytes.data(), &v4, sizeof(v4));
        out = result;
        return {};
    }
    return invalid;
}

std::error_code resolve_interface(std::string_view iface, bool ipv4only, ip_address& out)
{
    if (iface == "*") {
        // All zero bytes: 0.0.0.0 or ::.
        out = ip_address{};
        out.family = ipv4only ? ip_family::v4 : ip_family::v6;
        return {};
    }
    if (!parse_ip_literal(iface, ipv4only, out))
        return {};

    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0)
        return {errno, std::generic_category()};

    std::optional<ip_address> v4;
    std::optional<ip_address> v6;
    for (const ifaddrs* it = list; it != nullptr; it = it->ifa_next) {
        if (it->ifa_addr == nullptr || it->ifa_name == nullptr || std::string_view(it->ifa_name) != iface)
            continue;
        if (it->ifa_addr->sa_family == AF_INET && !v4) {
            sockaddr_in sin{};
            std::memcpy(&sin, it->ifa_addr, sizeof(sin));
            ip_address a;
            a.family = ip_family::v4;
            std::memcpy(a.bytes.data(), &sin.sin_addr, sizeof(sin.sin_addr));
            v4 = a;
        } else if (it->ifa_addr->sa_family == AF_INET6 && !v6) {
            sockaddr_in6 sin6{};
            std::memcpy(&sin6, it->ifa_addr, sizeof(sin6));
            ip_address a;
            a.family = ip_family::v6;
            std::memcpy(a.bytes.data(), &sin6.sin6_addr, sizeof(sin6.sin6_addr));
            a.scope_id = sin6.sin6_scope_id;
            v6 = a;
        }
    }
    freeifaddrs(list);

    // IPv6 is preferred when allowed, as in nanomsg.
    if (v6 && !ipv4only) {
        out = *v6;
        return {};
    }
    if (v4) {
        out = *v4;
        return {};
    }
    return make_error(std::errc::no_such_device);
}

} // namespace nanoport::transport
