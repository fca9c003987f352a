// libFuzzer target for sp_wire: the greeting check and the frame decoder.
//
// Input: byte 0 picks the options, the rest is the byte stream a peer sends.
//   bit 0     framing: 0 tcp, 1 ipc
//   bits 1-2  receive limit: unlimited, 0, 64, 4096
//   bits 3-7  seed of the chunking
//
// Beyond "no crash, no sanitizer report", every property below aborts when
// violated, so libFuzzer reports it as a crash:
// - chunking invariance: the stream decoded at once and in seeded chunks
//   (empty chunks included) gives the same events and consumed count;
// - events: messages within the limit, at most one error and it comes last,
//   and the decoder is failed exactly when there was one;
// - re-encoding the decoded messages reproduces the stream byte for byte up
//   to the end of the last message;
// - check_greeting on the stream's first 8 bytes: strict and lenient agree
//   except on reserved bytes, peer_id is bytes 4-5, ok implies is_peer.
#include "transport/sp_wire.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

namespace {

using namespace nanoport::transport::sp_wire;

void require(bool condition) {
    if (!condition) std::abort();
}

struct decode_run {
    std::vector<frame_event> events;
    std::size_t consumed = 0;
    bool failed = false;
    bool at_boundary = false;

    friend bool operator==(const decode_run&, const decode_run&) = default;
};

// xorshift32: a cheap deterministic chunking from the seed.
std::uint32_t next_random(std::uint32_t& state) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
}

decode_run decode(framing f, std::uint64_t max_size, std::span<const std::byte> stream,
                  std::uint32_t seed) {
    frame_decoder decoder(f, max_size);
    decode_run run;
    if (seed == 0) {
        run.consumed = decoder.feed(stream, run.events);
    } else {
        std::uint32_t state = seed * 2654435761u + 1;
        std::size_t offset = 0;
        while (offset < stream.size()) {
            const std::uint32_t r = next_random(state);
            // Mostly 0..15 bytes, to split headers everywhere; now and then up to 4 KiB.
            const std::size_t want = (r & 0x100) ? (r >> 20) : (r & 0xf);
            const std::size_t n = std::min(want, stream.size() - offset);
            run.consumed += decoder.feed(stream.subspan(offset, n), run.events);
            offset += n;
        }
    }
    run.failed = decoder.failed();
    run.at_boundary = decoder.at_boundary();
    return run;
}

void check_greeting_properties(std::span<const std::byte> stream) {
    if (stream.size() < greeting_size) return;
    const std::span<const std::byte, greeting_size> g(stream.data(), greeting_size);
    const auto peer_id = static_cast<std::uint16_t>((std::to_integer<unsigned>(g[4]) << 8) |
                                                    std::to_integer<unsigned>(g[5]));
    for (const std::uint16_t ours :
         {std::uint16_t{16}, std::uint16_t{48}, std::uint16_t{99}, peer_id}) {
        const auto strict = check_greeting(g, ours, true);
        const auto lenient = check_greeting(g, ours, false);
        require(strict.peer_id == peer_id && lenient.peer_id == peer_id);
        if (strict.status != greeting_status::bad_reserved)
            require(strict.status == lenient.status);
        else
            require(lenient.status != greeting_status::bad_magic &&
                    lenient.status != greeting_status::bad_version);
        if (lenient.status == greeting_status::ok) {
            require(is_peer(ours, peer_id));
            // A greeting that passes is the one make_greeting writes, give or take reserved bytes.
            const auto ours_written = make_greeting(peer_id);
            require(std::memcmp(ours_written.data(), g.data(), 6) == 0);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t options = data[0];
    const framing f = (options & 1) ? framing::ipc : framing::tcp;
    constexpr std::uint64_t limits[] = {unlimited, 0, 64, 4096};
    const std::uint64_t max_size = limits[(options >> 1) & 3];
    const std::uint32_t seed = (options >> 3) + 1u;
    const std::span<const std::byte> stream(reinterpret_cast<const std::byte*>(data + 1), size - 1);

    check_greeting_properties(stream);

    const decode_run whole = decode(f, max_size, stream, 0);
    require(decode(f, max_size, stream, seed) == whole);

    // Event shape.
    std::size_t errors = 0;
    for (std::size_t i = 0; i < whole.events.size(); ++i) {
        const frame_event& e = whole.events[i];
        require(e.status != header_status::incomplete);
        if (e.status == header_status::ok) {
            require(e.payload.size() <= max_size);
        } else {
            ++errors;
            require(i + 1 == whole.events.size());
            require(e.payload.empty());
        }
    }
    require(errors == (whole.failed ? 1u : 0u));
    require(whole.consumed <= stream.size());
    require(whole.failed || whole.consumed == stream.size());

    // Re-encode the messages: they must be the stream's bytes.
    std::vector<std::byte> rebuilt;
    for (const frame_event& e : whole.events) {
        if (e.status != header_status::ok) break;
        std::array<std::byte, max_header_size> header{};
        const std::size_t n = encode_header(f, e.payload.size(), header);
        rebuilt.insert(rebuilt.end(), header.begin(),
                       header.begin() + static_cast<std::ptrdiff_t>(n));
        rebuilt.insert(rebuilt.end(), e.payload.begin(), e.payload.end());
    }
    require(rebuilt.size() <= whole.consumed);
    require(rebuilt.empty() || std::memcmp(rebuilt.data(), stream.data(), rebuilt.size()) == 0);
    if (!whole.failed && whole.at_boundary) require(rebuilt.size() == stream.size());
    return 0;
}
