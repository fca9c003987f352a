// ws_wire: the SP WebSocket mapping's codec, as pure functions with no I/O:
// the HTTP/1.1 upgrade (RFC 6455 section 4) with the SP subprotocol, and the
// frame header (section 5.2), masking and UTF-8 checking.
//
// The SP mapping: the dialer asks for the subprotocol "<name>.sp.nanomsg.org"
// where name is its *peer's* protocol ("rep" for a REQ dialer); the listener
// accepts when that is its own protocol and answers with the same value.
// There is no SP greeting: the subprotocol is the handshake. Each SP message
// (its SP header and body) is one WebSocket message, binary unless
// NN_WS_MSG_TYPE says text.
//
// Callers: ws_pipe, the unit tests and the fuzz target.
//
// Threads: pure functions. Hostile input never asserts or throws here: a
// malformed request, response or frame header comes back as a status.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace nanoport::transport::ws_wire {

// --- handshake ----------------------------------------------------------------

// Longest request or response head accepted (up to and including the blank
// line). nanomsg and NNG send a few hundred bytes.
inline constexpr std::size_t max_head_size = 8192;

// "<name>.sp.nanomsg.org" for an SP protocol id ("" for an unknown id).
std::string subprotocol(std::uint16_t protocol_id);
// The id that talks to ours (REQ's is REP, PAIR's is PAIR; 0 for none).
std::uint16_t peer_of(std::uint16_t protocol_id) noexcept;

// A fresh Sec-WebSocket-Key: 16 random bytes, base64.
std::string make_key();
// Sec-WebSocket-Accept for a key: base64(SHA-1(key + RFC 6455's GUID)).
std::string accept_for(std::string_view key);

// The dialer's request.
std::string make_request(std::string_view path, std::string_view host, std::string_view key,
                         std::string_view subprotocol);

// Where the head ends: the offset just past "\r\n\r\n" in data, or 0 when it
// is not there yet.
std::size_t head_end(std::string_view data) noexcept;

enum class request_status {
    ok,
    malformed,         // 400: not an HTTP/1.1 GET with the upgrade headers RFC 6455 asks for
    bad_version,       // 426: Sec-WebSocket-Version is not 13
    not_found,         // 404: another path
    bad_subprotocol,   // 400: does not ask for our subprotocol
};

struct request_result {
    request_status status = request_status::malformed;
    std::string key;     // Sec-WebSocket-Key, when ok
    std::string target;  // the path asked for, once the request line is good
};

// Checks a dialer's request head (through the blank line) against our path
// and subprotocol.
request_result check_request(std::string_view head, std::string_view path,
                             std::string_view our_subprotocol);

// The listener's answer: 101 with the accept key and subprotocol for ok,
// else an error status that says why, with "Connection: close".
std::string make_response(const request_result& r, std::string_view our_subprotocol);

// Checks the listener's response head: 101, the upgrade headers, the accept
// key for our key and the subprotocol we asked for. Empty when it is good,
// else what is wrong (for the log).
std::string check_response(std::string_view head, std::string_view key,
                           std::string_view asked_subprotocol);

// --- frames -------------------------------------------------------------------

enum opcode : std::uint8_t {
    op_continuation = 0x0,
    op_text = 0x1,
    op_binary = 0x2,
    op_close = 0x8,
    op_ping = 0x9,
    op_pong = 0xA,
};

inline constexpr std::size_t max_frame_header = 14;
inline constexpr std::size_t max_control_payload = 125;

struct frame_header {
    bool fin = false;
    std::uint8_t op = 0;
    bool masked = false;
    std::array<std::byte, 4> mask{};
    std::uint64_t length = 0;
    std::size_t size = 0;  // header bytes, mask key included
};

enum class frame_status {
    incomplete,    // fewer bytes than the header needs; none wrong yet
    ok,
    bad_reserved,  // RSV1-3 set (no extension was agreed)
    bad_opcode,    // 3-7, B-F
    bad_control,   // a control frame that is fragmented or longer than 125
    bad_length,    // a 64-bit length with its top bit set (a longer length form
                   // than needed is accepted, as RFC 6455 asks only senders to avoid it)
};

frame_status parse_frame_header(std::span<const std::byte> in, frame_header& out) noexcept;

// Writes a header; returns its size. mask: null for a listener's frames.
std::size_t encode_frame_header(bool fin, std::uint8_t op, std::uint64_t length,
                                const std::array<std::byte, 4>* mask,
                                std::span<std::byte, max_frame_header> out) noexcept;

// XORs data with the mask, data[i] with mask[(offset + i) % 4].
void apply_mask(std::span<std::byte> data, const std::array<std::byte, 4>& mask,
                std::size_t offset) noexcept;

// Well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF).
bool valid_utf8(std::span<const std::byte> text) noexcept;

std::string_view to_string(frame_status s) noexcept;
std::string_view to_string(request_status s) noexcept;

}  // namespace nanoport::transport::ws_wire
