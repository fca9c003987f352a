// address: parsing of nanomsg endpoint addresses ("tcp://host:port",
// "tcp://iface;host:port", "ipc:///path", "inproc://name", "ws://host:port/path"
// ...) into their parts, and resolution of a local interface (literal IP, "*"
// or an interface name) to an IP address. No DNS here: a remote host name is
// checked for syntax only and resolved later by the tcp transport, off the
// worker's hot path.
//
// Callers: core endpoints (nn_bind / nn_connect validate the address before
// anything else, so the C API can return EINVAL / EPROTONOSUPPORT /
// ENAMETOOLONG at once), the tcp/ipc/ws transports (the parsed parts), the
// fuzz target and the unit tests.
//
// Threads: any. parse_address and parse_ip_literal are pure;
// resolve_interface reads the OS interface list (getifaddrs), read-only.
//
// Errors are std::error_code values of std::generic_category (std::errc), so
// the C API passes value() on as errno unchanged.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace nanoport::transport {

enum class scheme : std::uint8_t { tcp, ipc, inproc, ws, wss, tls_tcp };

// "tcp", "ipc", "inproc", "ws", "wss", "tls+tcp": the text before "://".
std::string_view scheme_name(scheme s) noexcept;

// Longest address accepted: nanomsg's NN_SOCKADDR_MAX (128) counts the
// terminating NUL, so 127 characters. Longer is ENAMETOOLONG, as in nanomsg.
inline constexpr std::size_t max_address_length = 127;

// A parsed address. Which fields are set depends on the scheme and on
// bind/connect; the others stay empty / 0.
//
//   inproc, ipc   path = everything after "://" (inproc may be empty).
//   tcp, tls+tcp  connect: host (remote; IPv6 brackets removed), port,
//                 local_interface = the optional "iface;" prefix.
//                 bind: local_interface = the part before the port ("*" for
//                 all interfaces, a literal IP or an interface name), port.
//   ws, wss       as tcp, plus path (from the first '/' after the host, "/"
//                 when absent); the port defaults to 80 (ws) / 443 (wss).
//
// local_interface is always what resolve_interface() takes; host is always a
// remote name or literal for the resolver. raw is the url as given.
struct address {
    scheme kind = scheme::tcp;
    std::string host;
    std::string local_interface;
    std::uint16_t port = 0;
    std::string path;
    std::string raw;
};

// Parses `url`. On success fills `out` and returns {}; on error returns the
// code below and leaves `out` untouched.
//
//   filename_too_long       url longer than max_address_length, or an ipc
//                           path that does not fit sockaddr_un::sun_path
//                           (nanomsg asserts there; NNG says EADDRINVAL)
//   protocol_not_supported  the scheme before "://" is none of the above
//                           (names are case-sensitive, as in nanomsg)
//   invalid_argument        anything else malformed: no "://", embedded NUL,
//                           empty or invalid host, missing or bad port,
//                           unclosed '[', control or space bytes, ...
//
// Rules carried over from nanomsg:
// - The port is the decimal text after the last ':' of the host part; 1 to
//   65535, leading zeros allowed. Port 0 is refused for bind too: nanomsg
//   refuses it (it would ask for an ephemeral port, and the C API has no way
//   to report which one was given).
// - A remote host is a DNS name (labels of [A-Za-z0-9-], 1-63 bytes each, not
//   starting with '-', 255 bytes at most), an IPv4 literal, or an IPv6 literal
//   with or without brackets (nanomsg splits at the last ':', so
//   "tcp://::1:5555" works there too). Whether an IPv6 literal is allowed
//   (NN_IPV4ONLY) is decided when resolving, not here.
// - An interface (bind part, or before ';') is a bracketed literal or a run of
//   printable non-space ASCII other than '[', ']' and ';'; whether it names
//   something is resolve_interface's business (ENODEV), as in nanomsg.
//   (nanomsg says ENODEV for those odd bytes too; here they are EINVAL.)
std::error_code parse_address(std::string_view url, bool for_bind, address& out);

enum class ip_family : std::uint8_t { v4, v6 };

// An IP address without Asio: v4 uses bytes[0..3], v6 all 16, network order.
// scope_id is the IPv6 zone (interface index) of a link-local address taken
// from an interface; 0 otherwise.
struct ip_address {
    ip_family family = ip_family::v4;
    std::array<std::byte, 16> bytes{};
    std::uint32_t scope_id = 0;

    friend bool operator==(const ip_address&, const ip_address&) = default;
};

// Parses a numeric IPv4 or IPv6 literal, IPv6 optionally in brackets (a
// bracketed IPv4 literal is accepted too, as nanomsg does). With ipv4only an
// IPv6 literal is refused. invalid_argument when it is not a literal. Pure.
std::error_code parse_ip_literal(std::string_view text, bool ipv4only, ip_address& out);

// Maps a local interface to the address to bind or connect from, like
// nanomsg's nn_iface_resolve:
//   "*"           the wildcard address: 0.0.0.0 with ipv4only, else :: (the
//                 transport makes that socket dual-stack)
//   a literal     itself (see parse_ip_literal)
//   a name        the interface's address from getifaddrs: its first IPv6
//                 address unless ipv4only, else its first IPv4 address
//                 (nanomsg asserts when an interface has several; we take
//                 the first)
// no_such_device (ENODEV) when nothing matches, including an IPv6 literal
// under ipv4only (nanomsg then looks the text up as a name and fails). Other
// codes only if the OS cannot list its interfaces.
std::error_code resolve_interface(std::string_view iface, bool ipv4only, ip_address& out);

} // namespace nanoport::transport
