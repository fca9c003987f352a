// sp_wire: the SP wire codec for stream transports (tcp, ipc), as pure
// functions with no I/O: the 8-byte protocol greeting (build and check), the
// protocol-id compatibility table, and the per-message length header (tcp: a
// 64-bit big-endian length; ipc: the type byte 0x01, then the same length).
// The byte layouts are in WIRE.md; nanomsg and NNG peers must read what we
// write and we must read what they write, byte for byte.
//
// Callers: stream_pipe (greeting exchange, then one header per message, with
// the length checked against NN_RCVMAXSIZE before the body is allocated), the
// fuzz targets and the unit tests (frame_decoder). Later ws uses
// protocol_name() for its subprotocol.
//
// Threads: everything here is a pure function of its arguments and may be
// called from any thread. A frame_decoder object is not shared: one thread at
// a time.
//
// Hostile input never asserts or throws here: every malformed greeting or
// header comes back as a status the pipe turns into a closed connection.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

namespace nanoport::transport::sp_wire {

inline constexpr std::size_t greeting_size = 8;
inline constexpr std::size_t tcp_header_size = 8;  // 64-bit big-endian length
inline constexpr std::size_t ipc_header_size = 9;  // type byte 0x01 + 64-bit big-endian length
inline constexpr std::uint8_t ipc_msg_type = 0x01; // the only type byte nanomsg and NNG send
inline constexpr std::size_t max_header_size = 9;

// max_size value meaning "no limit" (NN_RCVMAXSIZE = -1).
inline constexpr std::uint64_t unlimited = std::numeric_limits<std::uint64_t>::max();

// Largest length any header may announce, whatever max_size says: the largest
// object size this platform can represent (PTRDIFF_MAX). Lengths from 2^63 up
// (64-bit) or 2^31 up (32-bit) could never be allocated, so they are refused
// as too_large even when the receive limit is unlimited.
inline constexpr std::uint64_t max_length =
    static_cast<std::uint64_t>(std::numeric_limits<std::ptrdiff_t>::max());

enum class framing : std::uint8_t { tcp, ipc };

constexpr std::size_t header_size(framing f) noexcept
{
    switch (f) {
    case framing::tcp:
        return tcp_header_size;
    case framing::ipc:
        return ipc_header_size;
    }
    return tcp_header_size; // unreachable for valid enumerators
}

// The greeting we send: 00 'S' 'P' 00, our protocol id big-endian, 00 00.
std::array<std::byte, greeting_size> make_greeting(std::uint16_t protocol_id) noexcept;

enum class greeting_status {
    ok,           // well-formed and the peer speaks our peer protocol
    bad_magic,    // bytes 0-2 are not 00 'S' 'P'
    bad_version,  // byte 3 (SP version) is not 0
    bad_reserved, // bytes 6-7 are not zero and strict_reserved was asked for
    incompatible  // well-formed, but the peer's id is not a peer of ours
};

struct greeting_result {
    greeting_status status;
    std::uint16_t peer_id; // bytes 4-5 as read, whatever the status (for log lines)
};

// Checks a peer's greeting. Checks run in byte order (magic, version,
// reserved, then the id), so the status names the first fault found.
//
// strict_reserved: reject non-zero reserved bytes, as NNG does. nanomsg does
// not look at them. Both always send zeros, so WIRE.md's rule (close on
// non-zero reserved bytes) costs no interop: stream_pipe passes true. false
// gives nanomsg's leniency, for a peer that one day uses those bytes.
greeting_result check_greeting(std::span<const std::byte, greeting_size> in, std::uint16_t our_id,
                               bool strict_reserved) noexcept;

// Protocol-id compatibility (WIRE.md): pair 16<->16, pub 32<->sub 33,
// req 48<->rep 49, push 80<->pull 81, surveyor 98<->respondent 99,
// bus 112<->112. Symmetric.
//
// Ids 3840..4095 (local/experimental) are compatible only with the identical
// id: nothing is known of their roles, and a symmetric protocol is the only
// reading that needs no table entry. An asymmetric experimental protocol gets
// an entry here when it is written.
//
// Every other id, including NNG's pair v1 (17) and the old survey ids 96/97,
// is compatible with nothing.
bool is_peer(std::uint16_t ours, std::uint16_t theirs) noexcept;

// Writes the header announcing a message of `length` bytes; returns the bytes
// written (header_size(f)).
std::size_t encode_header(framing f, std::uint64_t length, std::span<std::byte, max_header_size> out) noexcept;

enum class header_status {
    incomplete, // fewer than header_size(f) bytes, and none of them is wrong yet
    ok,         // length and size are valid
    bad_type,   // ipc: the first byte is not 0x01 (reported as soon as that byte is present)
    too_large   // the length exceeds max_size or max_length; length holds it, for log lines
};

struct header_result {
    header_status status;
    std::uint64_t length; // valid for ok and too_large, else 0
    std::size_t size;     // header bytes consumed when ok, else 0
};

// Decodes the header at the start of `in` (bytes after the header are
// ignored). max_size: the largest acceptable length; `unlimited` means
// NN_RCVMAXSIZE = -1, yet lengths above max_length are still refused. The
// length is checked here, before anyone allocates: a caller allocates the
// body only on ok.
header_result decode_header(framing f, std::span<const std::byte> in, std::uint64_t max_size) noexcept;

// "pair", "pub", "sub", "req", "rep", "push", "pull", "surveyor",
// "respondent", "bus"; "" for an id not in the table above.
std::string_view protocol_name(std::uint16_t id) noexcept;

// Names for log lines.
std::string_view to_string(greeting_status s) noexcept;
std::string_view to_string(header_status s) noexcept;

// One result of frame_decoder::feed: status ok carries a complete message
// payload; bad_type or too_large says the stream is broken (payload empty).
// Never incomplete.
struct frame_event {
    header_status status;
    std::vector<std::byte> payload;

    friend bool operator==(const frame_event&, const frame_event&) = default;
};

// frame_decoder: the receive side of a stream pipe after the greeting, as an
// incremental parser over arbitrary chunks of the byte stream. Used by the
// fuzz target and the tests; it pins down the framing rules the pipe follows.
//
// Contract:
// - Any chunking of the same byte stream yields the same events and the same
//   total of consumed bytes.
// - The payload buffer grows only with bytes actually received: an announced
//   length is never allocated up front, so a hostile length costs nothing.
// - After an error the decoder stays failed and consumes nothing more.
class frame_decoder {
public:
    frame_decoder(framing f, std::uint64_t max_size) noexcept : framing_(f), max_size_(max_size) {}

    // Consumes bytes from the front of `in` and appends one event per message
    // completed, and one error event if the stream turns bad. Returns the
    // bytes consumed: all of `in`, unless an error stopped it, in which case
    // the count ends with the byte that revealed the error (the ipc type
    // byte, or the last byte of an oversized header). Allocates only for the
    // payload bytes it copies and for `out`.
    std::size_t feed(std::span<const std::byte> in, std::vector<frame_event>& out);

    bool failed() const noexcept { return error_ != header_status::ok; }
    // ok while not failed; else bad_type or too_large.
    header_status error() const noexcept { return error_; }
    // True between messages: no header or body half-read (a clean end of stream).
    bool at_boundary() const noexcept { return !in_body_ && header_have_ == 0; }

private:
    framing framing_;
    std::uint64_t max_size_;
    header_status error_ = header_status::ok;
    std::array<std::byte, max_header_size> header_{};
    std::size_t header_have_ = 0; // header bytes gathered so far
    bool in_body_ = false;
    std::uint64_t body_left_ = 0; // body bytes still to come while in_body_
    std::vector<std::byte> payload_;
};

} // namespace nanoport::transport::sp_wire
