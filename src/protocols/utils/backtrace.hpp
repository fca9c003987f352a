// backtrace: the SP header of REQ/REP and SURVEYOR/RESPONDENT (WIRE.md,
// "REQ/REP and SURVEYOR/RESPONDENT header"), for xreq, xrep, xsurveyor,
// xrespondent and their cooked sockets.
//
// A backtrace is a stack of 32-bit big-endian words in front of the body.
// Each REP/RESPONDENT hop pushes the 31-bit id of the pipe the message came
// in on (top bit clear); the last word is the request or survey id (top bit
// set). On the wire the backtrace and the body arrive as one payload; the
// receiver splits them: the header is every word up to and including the
// first one with the top bit set.
//
// Dropped, never fatal (the peer caused it): a payload with no word that has
// the top bit set, one shorter than a word, and one whose backtrace has more
// words than NN_MAXTTL (default 8, 1..255) - a request that went round too
// many devices, or a loop.
//
// Two parts:
// - split(), check_header(), read_word(): pure functions over bytes, no
//   allocation, no state; libFuzzer targets call them directly.
// - take(), take_with_hop(), pop_word(): edit an aio::message with them, for
//   the protocols. They allocate only for headers over the message's inline
//   capacity (32 bytes = 8 words), i.e. for long device chains.
// Also here: the NN_MAXTTL option as the protocols receive it, the random
// start of request/survey ids, and the backtrace a cooked REP/RESPONDENT keeps
// between receive and send.
//
// Threads: pure functions from any thread; the rest inside the socket's ctx,
// like the protocol that calls them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <system_error>

#include "aio/message.hpp"

namespace nanoport::protocols::utils::backtrace {

inline constexpr std::size_t word_size = 4;
// Top bit of a word: set on the request/survey id, the last word.
inline constexpr std::uint32_t last_word_bit = 0x80000000u;
// Ids (pipe ids, request/survey counters) live in the 31 bits below it.
inline constexpr std::uint32_t id_mask = 0x7fffffffu;

// NN_MAXTTL (socket level NN_SOL_SOCKET = 0, option 17): most words a
// received backtrace may have.
inline constexpr int default_max_ttl = 8;
inline constexpr int min_max_ttl = 1;
inline constexpr int max_max_ttl = 255;
// The longest header a raw REP hands to its user: our own pipe id in front
// of the longest backtrace a peer may send.
inline constexpr std::size_t max_header_size = (max_max_ttl + 1) * word_size;

enum class status {
    ok,
    malformed,      // no word with the top bit set (includes < 4 bytes)
    too_many_hops,  // more than max_ttl words
};

struct split_result {
    status outcome = status::malformed;
    std::size_t header_size = 0;  // bytes of backtrace at the front; 0 unless ok
};

// Finds the backtrace at the front of payload (header + body as they came
// off the wire). max_ttl outside 1..255 is clamped into it.
split_result split(std::span<const std::byte> payload, int max_ttl) noexcept;

// Checks a header that arrived already split from its body (inproc hands over
// message objects, header separate): ok iff the whole of it is exactly one
// backtrace - a multiple of 4 bytes, the top bit set on the last word only,
// at most max_ttl words.
split_result check_header(std::span<const std::byte> header, int max_ttl) noexcept;

// The first word of bytes, big-endian; bytes must hold at least 4.
std::uint32_t read_word(std::span<const std::byte> bytes) noexcept;

// Moves the backtrace of a received message into its header: split from the
// body when the header is empty (tcp, ipc), else checked where it is
// (inproc). False: the message is malformed or over the TTL, and the caller
// drops it.
bool take(aio::message& m, int max_ttl);
// As take(), with hop (a pipe id) pushed in front of the backtrace: what a
// raw REP/RESPONDENT shows its user. hop must have the top bit clear.
bool take_with_hop(aio::message& m, std::uint32_t hop, int max_ttl);
// Removes the first header word and returns it; nothing when the header is
// shorter than a word.
std::optional<std::uint32_t> pop_word(aio::message& m);

// A random 31-bit value: where a socket's request/survey ids or pipe ids
// start, so that a restarted peer is unlikely to reuse a live id.
std::uint32_t random_id() noexcept;

// NN_MAXTTL as the socket forwards it to the protocol: set_option(0, 17,
// value). is_max_ttl_option() says whether (level, option) is it;
// parse_max_ttl() reads an int in 1..255 into out (EINVAL otherwise, out
// unchanged).
bool is_max_ttl_option(int level, int option) noexcept;
std::error_code parse_max_ttl(std::span<const std::byte> value, int& out) noexcept;

// An int option value as in nn_setsockopt: EINVAL unless value is exactly
// sizeof(int) bytes. put_int writes as nn_getsockopt: at most the room in
// value, size = sizeof(int).
std::error_code parse_int(std::span<const std::byte> value, int& out) noexcept;
void put_int(int v, std::span<std::byte> value, std::size_t& size) noexcept;

// The backtrace a cooked REP/RESPONDENT holds between receiving a request and
// sending its reply (pipe id + hops + request id). Fixed storage: keeping one
// allocates nothing.
class saved {
public:
    // False (and nothing kept) if header is longer than max_header_size,
    // which a header that passed take_with_hop() never is.
    bool keep(std::span<const std::byte> header) noexcept;
    void clear() noexcept { size_ = 0; }
    bool empty() const noexcept { return size_ == 0; }
    std::span<const std::byte> bytes() const noexcept { return {bytes_.data(), size_}; }

private:
    std::array<std::byte, max_header_size> bytes_{};
    std::size_t size_ = 0;
};

}  // namespace nanoport::protocols::utils::backtrace
