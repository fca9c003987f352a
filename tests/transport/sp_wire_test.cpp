#include "transport/sp_wire.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <new>
#include <random>
#include <vector>

// Counts every allocation made through operator new in this test executable,
// so tests can prove that a hostile length is refused without allocating.
// noinline: once inlined, GCC pairs a caller's operator new with the free()
// inside our operator delete and warns (-Wmismatched-new-delete) although the
// pair is ours and consistent.
namespace {
std::atomic<std::size_t> allocation_count{0};
}

[[gnu::noinline]] void* operator new(std::size_t size)
{
    allocation_count.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size == 0 ? 1 : size))
        return p;
    throw std::bad_alloc();
}

[[gnu::noinline]] void operator delete(void* p) noexcept
{
    std::free(p);
}

[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept
{
    std::free(p);
}

namespace {

using namespace nanoport::transport::sp_wire;

constexpr framing both_framings[] = {framing::tcp, framing::ipc};

std::vector<std::byte> bytes_of(std::initializer_list<int> values)
{
    std::vector<std::byte> out;
    for (const int v : values)
        out.push_back(static_cast<std::byte>(v));
    return out;
}

std::vector<std::byte> header_of(framing f, std::uint64_t length)
{
    std::array<std::byte, max_header_size> buffer{};
    const std::size_t n = encode_header(f, length, buffer);
    return {buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n)};
}

void append(std::vector<std::byte>& to, const std::vector<std::byte>& from)
{
    to.insert(to.end(), from.begin(), from.end());
}

// Messages of assorted sizes, zero-length ones included, with varied content.
std::vector<std::vector<std::byte>> sample_messages()
{
    std::vector<std::vector<std::byte>> messages;
    std::mt19937 rng(12345);
    for (const std::size_t size : {0, 1, 5, 0, 300, 8, 9, 0, 70000, 2}) {
        std::vector<std::byte> m(size);
        for (auto& b : m)
            b = static_cast<std::byte>(rng());
        messages.push_back(std::move(m));
    }
    return messages;
}

std::vector<std::byte> stream_of(framing f, const std::vector<std::vector<std::byte>>& messages)
{
    std::vector<std::byte> stream;
    for (const auto& m : messages) {
        append(stream, header_of(f, m.size()));
        append(stream, m);
    }
    return stream;
}

struct decode_run {
    std::vector<frame_event> events;
    std::size_t consumed = 0;
    bool failed = false;
    bool at_boundary = false;

    friend bool operator==(const decode_run&, const decode_run&) = default;
};

// Feeds `stream` in chunks whose sizes come from next_chunk (0 allowed).
template <typename NextChunk>
decode_run decode_in_chunks(framing f, std::uint64_t max_size, const std::vector<std::byte>& stream,
                            NextChunk next_chunk)
{
    frame_decoder decoder(f, max_size);
    decode_run run;
    std::size_t offset = 0;
    while (offset < stream.size()) {
        const std::size_t n = std::min(next_chunk(), stream.size() - offset);
        run.consumed += decoder.feed(std::span<const std::byte>(stream).subspan(offset, n), run.events);
        offset += n;
    }
    run.failed = decoder.failed();
    run.at_boundary = decoder.at_boundary();
    return run;
}

decode_run decode_at_once(framing f, std::uint64_t max_size, const std::vector<std::byte>& stream)
{
    return decode_in_chunks(f, max_size, stream, [&] { return stream.size(); });
}

decode_run decode_bytewise(framing f, std::uint64_t max_size, const std::vector<std::byte>& stream)
{
    return decode_in_chunks(f, max_size, stream, [] { return std::size_t{1}; });
}

decode_run decode_randomly(framing f, std::uint64_t max_size, const std::vector<std::byte>& stream, unsigned seed)
{
    std::mt19937 rng(seed);
    // Mostly small chunks (to split headers everywhere), sometimes large, sometimes empty.
    std::uniform_int_distribution<int> pick(0, 9);
    return decode_in_chunks(f, max_size, stream, [&]() -> std::size_t {
        const int k = pick(rng);
        if (k == 0)
            return 0;
        if (k < 7)
            return std::uniform_int_distribution<std::size_t>(1, 12)(rng);
        return std::uniform_int_distribution<std::size_t>(1, 100000)(rng);
    });
}

std::array<std::byte, greeting_size> greeting_bytes(std::initializer_list<int> values)
{
    std::array<std::byte, greeting_size> out{};
    std::size_t i = 0;
    for (const int v : values)
        out.at(i++) = static_cast<std::byte>(v);
    return out;
}

// The protocol table of WIRE.md, as (id, peer) with both directions listed.
struct id_pair {
    std::uint16_t ours;
    std::uint16_t theirs;
};
constexpr id_pair peer_table[] = {
    {16, 16}, {32, 33}, {33, 32}, {48, 49},  {49, 48},  {80, 81},
    {81, 80}, {98, 99}, {99, 98}, {112, 112},
};

bool in_peer_table(std::uint16_t ours, std::uint16_t theirs)
{
    for (const auto& p : peer_table)
        if (p.ours == ours && p.theirs == theirs)
            return true;
    return false;
}

} // namespace

TEST_CASE("header sizes are 8 bytes for tcp and 9 for ipc")
{
    CHECK(header_size(framing::tcp) == 8);
    CHECK(header_size(framing::ipc) == 9);
    static_assert(header_size(framing::ipc) == max_header_size);
}

TEST_CASE("a greeting is zero, 'S', 'P', version 0, the big-endian id and two zero bytes")
{
    CHECK(make_greeting(48) == greeting_bytes({0x00, 0x53, 0x50, 0x00, 0x00, 0x30, 0x00, 0x00}));
    CHECK(make_greeting(112) == greeting_bytes({0x00, 0x53, 0x50, 0x00, 0x00, 0x70, 0x00, 0x00}));
    CHECK(make_greeting(0xABCD) == greeting_bytes({0x00, 0x53, 0x50, 0x00, 0xAB, 0xCD, 0x00, 0x00}));
}

TEST_CASE("a well-formed greeting from a peer protocol is accepted and its id reported")
{
    for (const auto& p : peer_table) {
        CAPTURE(p.ours);
        CAPTURE(p.theirs);
        for (const bool strict : {true, false}) {
            const auto r = check_greeting(make_greeting(p.theirs), p.ours, strict);
            CHECK(r.status == greeting_status::ok);
            CHECK(r.peer_id == p.theirs);
        }
    }
}

TEST_CASE("a greeting corrupted at any byte position is rejected with the status of that position")
{
    // REQ (48) checking a REP (49) greeting. Every other value of every byte.
    const auto good = make_greeting(49);
    for (std::size_t pos = 0; pos < greeting_size; ++pos) {
        for (int value = 0; value < 256; ++value) {
            if (static_cast<std::byte>(value) == good[pos])
                continue;
            auto bad = good;
            bad[pos] = static_cast<std::byte>(value);
            CAPTURE(pos);
            CAPTURE(value);
            const auto strict = check_greeting(bad, 48, true);
            const auto lenient = check_greeting(bad, 48, false);
            if (pos <= 2) {
                CHECK(strict.status == greeting_status::bad_magic);
                CHECK(lenient.status == greeting_status::bad_magic);
            } else if (pos == 3) {
                CHECK(strict.status == greeting_status::bad_version);
                CHECK(lenient.status == greeting_status::bad_version);
            } else if (pos <= 5) {
                // Only 49 is REQ's peer, so any other id is incompatible.
                CHECK(strict.status == greeting_status::incompatible);
                CHECK(lenient.status == greeting_status::incompatible);
            } else {
                CHECK(strict.status == greeting_status::bad_reserved);
                CHECK(lenient.status == greeting_status::ok);
            }
        }
    }
}

TEST_CASE("non-zero reserved bytes are rejected only when strict_reserved is set")
{
    const auto greeting = greeting_bytes({0x00, 0x53, 0x50, 0x00, 0x00, 0x31, 0x12, 0x34});
    CHECK(check_greeting(greeting, 48, true).status == greeting_status::bad_reserved);
    CHECK(check_greeting(greeting, 48, false).status == greeting_status::ok);
    CHECK(check_greeting(greeting, 48, false).peer_id == 49);
}

TEST_CASE("greeting faults are reported in byte order")
{
    // Bad magic, bad version, non-zero reserved and an incompatible id all at once.
    auto g = greeting_bytes({0x01, 0x53, 0x50, 0x07, 0x00, 0x10, 0x01, 0x00});
    CHECK(check_greeting(g, 48, true).status == greeting_status::bad_magic);
    g[0] = std::byte{0x00};
    CHECK(check_greeting(g, 48, true).status == greeting_status::bad_version);
    g[3] = std::byte{0x00};
    CHECK(check_greeting(g, 48, true).status == greeting_status::bad_reserved);
    CHECK(check_greeting(g, 48, false).status == greeting_status::incompatible);
    CHECK(check_greeting(g, 48, false).peer_id == 16);
}

TEST_CASE("is_peer accepts exactly the pairs of the protocol table")
{
    const std::uint16_t ours_ids[] = {0, 1, 15, 16, 17, 32, 33, 34, 48, 49, 50, 80, 81, 82,
                                      96, 97, 98, 99, 112, 113, 3839, 4096, 65535};
    for (const std::uint16_t ours : ours_ids) {
        CAPTURE(ours);
        for (std::uint32_t theirs = 0; theirs <= 0xffff; ++theirs) {
            const bool expected = in_peer_table(ours, static_cast<std::uint16_t>(theirs));
            if (is_peer(ours, static_cast<std::uint16_t>(theirs)) != expected)
                FAIL_CHECK("is_peer(" << ours << ", " << theirs << ") != " << expected);
        }
    }
}

TEST_CASE("pair v1 and the old survey ids talk to nothing")
{
    CHECK_FALSE(is_peer(17, 17));
    CHECK_FALSE(is_peer(16, 17));
    CHECK_FALSE(is_peer(17, 16));
    CHECK_FALSE(is_peer(96, 97));
    CHECK_FALSE(is_peer(97, 96));
    CHECK_FALSE(is_peer(98, 97));
}

TEST_CASE("experimental ids 3840 to 4095 are compatible only with the identical id")
{
    for (std::uint32_t ours = 3840; ours <= 4095; ++ours) {
        for (std::uint32_t theirs = 0; theirs <= 0xffff; ++theirs) {
            const bool expected = ours == theirs;
            if (is_peer(static_cast<std::uint16_t>(ours), static_cast<std::uint16_t>(theirs)) != expected)
                FAIL_CHECK("is_peer(" << ours << ", " << theirs << ") != " << expected);
        }
    }
}

TEST_CASE("protocol_name names every id of the table and nothing else")
{
    CHECK(protocol_name(16) == "pair");
    CHECK(protocol_name(32) == "pub");
    CHECK(protocol_name(33) == "sub");
    CHECK(protocol_name(48) == "req");
    CHECK(protocol_name(49) == "rep");
    CHECK(protocol_name(80) == "push");
    CHECK(protocol_name(81) == "pull");
    CHECK(protocol_name(98) == "surveyor");
    CHECK(protocol_name(99) == "respondent");
    CHECK(protocol_name(112) == "bus");
    for (std::uint32_t id = 0; id <= 0xffff; ++id) {
        const bool known = std::any_of(std::begin(peer_table), std::end(peer_table),
                                       [&](const id_pair& p) { return p.ours == id; });
        if (protocol_name(static_cast<std::uint16_t>(id)).empty() == known)
            FAIL_CHECK("protocol_name(" << id << ")");
    }
}

TEST_CASE("a tcp header is the length as 8 big-endian bytes")
{
    CHECK(header_of(framing::tcp, 0) == bytes_of({0, 0, 0, 0, 0, 0, 0, 0}));
    CHECK(header_of(framing::tcp, 0x0102030405060708) == bytes_of({1, 2, 3, 4, 5, 6, 7, 8}));
    CHECK(header_of(framing::tcp, UINT64_MAX) ==
          bytes_of({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
}

TEST_CASE("an ipc header is the type byte 0x01 then the length as 8 big-endian bytes")
{
    CHECK(header_of(framing::ipc, 0) == bytes_of({1, 0, 0, 0, 0, 0, 0, 0, 0}));
    CHECK(header_of(framing::ipc, 300) == bytes_of({1, 0, 0, 0, 0, 0, 0, 1, 0x2c}));
}

TEST_CASE("decode_header reports incomplete until the whole header is there")
{
    for (const framing f : both_framings) {
        const auto header = header_of(f, 42);
        for (std::size_t n = 0; n < header.size(); ++n) {
            CAPTURE(n);
            const auto r = decode_header(f, std::span<const std::byte>(header).first(n), unlimited);
            CHECK(r.status == header_status::incomplete);
            CHECK(r.size == 0);
        }
        const auto r = decode_header(f, header, unlimited);
        CHECK(r.status == header_status::ok);
        CHECK(r.length == 42);
        CHECK(r.size == header_size(f));
    }
}

TEST_CASE("decode_header reads back every length encode_header writes and ignores what follows")
{
    const std::uint64_t lengths[] = {0, 1, 255, 256, 65535, 1u << 20, 0x0102030405060708, max_length};
    for (const framing f : both_framings) {
        for (const std::uint64_t length : lengths) {
            CAPTURE(length);
            auto input = header_of(f, length);
            append(input, bytes_of({0xff, 0x00, 0x01}));
            const auto r = decode_header(f, input, unlimited);
            CHECK(r.status == header_status::ok);
            CHECK(r.length == length);
            CHECK(r.size == header_size(f));
        }
    }
}

TEST_CASE("decode_header accepts a zero length")
{
    for (const framing f : both_framings) {
        const auto r = decode_header(f, header_of(f, 0), 0);
        CHECK(r.status == header_status::ok);
        CHECK(r.length == 0);
    }
}

TEST_CASE("decode_header accepts a length of exactly max_size and rejects max_size plus one")
{
    const std::uint64_t limits[] = {0, 1, 1024 * 1024, (std::uint64_t{1} << 62)};
    for (const framing f : both_framings) {
        for (const std::uint64_t max_size : limits) {
            CAPTURE(max_size);
            const auto at = decode_header(f, header_of(f, max_size), max_size);
            CHECK(at.status == header_status::ok);
            CHECK(at.length == max_size);
            const auto over = decode_header(f, header_of(f, max_size + 1), max_size);
            CHECK(over.status == header_status::too_large);
            CHECK(over.length == max_size + 1);
            CHECK(over.size == 0);
        }
    }
}

TEST_CASE("decode_header rejects lengths of 2^63 and 2^64-1 even without a limit")
{
    for (const framing f : both_framings) {
        for (const std::uint64_t length : {std::uint64_t{1} << 63, UINT64_MAX, max_length + 1}) {
            CAPTURE(length);
            CHECK(decode_header(f, header_of(f, length), unlimited).status == header_status::too_large);
            CHECK(decode_header(f, header_of(f, length), length).status == header_status::too_large);
        }
    }
}

TEST_CASE("decode_header rejects an ipc type byte other than 0x01 as soon as it arrives")
{
    for (int type = 0; type < 256; ++type) {
        if (type == ipc_msg_type)
            continue;
        CAPTURE(type);
        auto header = header_of(framing::ipc, 5);
        header[0] = static_cast<std::byte>(type);
        CHECK(decode_header(framing::ipc, header, unlimited).status == header_status::bad_type);
        CHECK(decode_header(framing::ipc, std::span<const std::byte>(header).first(1), unlimited).status ==
              header_status::bad_type);
    }
    for (const int type : {0x00, 0x02, 0xff}) {
        CAPTURE(type);
        const auto r = decode_header(framing::ipc, bytes_of({type, 0, 0, 0, 0, 0, 0, 0, 1}), unlimited);
        CHECK(r.status == header_status::bad_type);
        CHECK(r.size == 0);
    }
}

TEST_CASE("a tcp header has no type byte: any first byte is part of the length")
{
    const auto r = decode_header(framing::tcp, bytes_of({0x00, 0, 0, 0, 0, 0, 0, 2}), unlimited);
    CHECK(r.status == header_status::ok);
    CHECK(r.length == 2);
}

TEST_CASE("frame_decoder yields the same messages for any chunking of the stream")
{
    const auto messages = sample_messages();
    for (const framing f : both_framings) {
        const auto stream = stream_of(f, messages);
        const decode_run whole = decode_at_once(f, unlimited, stream);

        REQUIRE(whole.events.size() == messages.size());
        for (std::size_t i = 0; i < messages.size(); ++i) {
            CHECK(whole.events[i].status == header_status::ok);
            CHECK(whole.events[i].payload == messages[i]);
        }
        CHECK(whole.consumed == stream.size());
        CHECK_FALSE(whole.failed);
        CHECK(whole.at_boundary);

        CHECK(decode_bytewise(f, unlimited, stream) == whole);
        for (unsigned seed = 1; seed <= 50; ++seed) {
            CAPTURE(seed);
            CHECK(decode_randomly(f, unlimited, stream, seed) == whole);
        }
    }
}

TEST_CASE("frame_decoder yields zero-length messages")
{
    for (const framing f : both_framings) {
        const std::vector<std::vector<std::byte>> empties(3);
        const auto run = decode_bytewise(f, 0, stream_of(f, empties));
        REQUIRE(run.events.size() == 3);
        for (const auto& e : run.events) {
            CHECK(e.status == header_status::ok);
            CHECK(e.payload.empty());
        }
        CHECK(run.at_boundary);
    }
}

TEST_CASE("frame_decoder is mid-message until the last body byte arrives")
{
    for (const framing f : both_framings) {
        frame_decoder decoder(f, unlimited);
        std::vector<frame_event> events;
        auto stream = header_of(f, 3);
        append(stream, bytes_of({7, 8, 9}));
        CHECK(decoder.feed(std::span<const std::byte>(stream).first(stream.size() - 1), events) ==
              stream.size() - 1);
        CHECK(events.empty());
        CHECK_FALSE(decoder.at_boundary());
        CHECK(decoder.feed(std::span<const std::byte>(stream).last(1), events) == 1);
        REQUIRE(events.size() == 1);
        CHECK(events[0].payload == bytes_of({7, 8, 9}));
        CHECK(decoder.at_boundary());
    }
}

TEST_CASE("frame_decoder accepts a length of exactly max_size and rejects max_size plus one")
{
    for (const framing f : both_framings) {
        const std::vector<std::vector<std::byte>> at_limit{std::vector<std::byte>(100, std::byte{0x5a})};
        const auto ok = decode_bytewise(f, 100, stream_of(f, at_limit));
        REQUIRE(ok.events.size() == 1);
        CHECK(ok.events[0].payload.size() == 100);
        CHECK_FALSE(ok.failed);

        const std::vector<std::vector<std::byte>> over{std::vector<std::byte>(101, std::byte{0x5a})};
        const auto stream = stream_of(f, over);
        const auto bad = decode_bytewise(f, 100, stream);
        REQUIRE(bad.events.size() == 1);
        CHECK(bad.events[0].status == header_status::too_large);
        CHECK(bad.failed);
        // Consumption stops at the end of the oversized header.
        CHECK(bad.consumed == header_size(f));
        CHECK(decode_at_once(f, 100, stream) == bad);
    }
}

TEST_CASE("frame_decoder refuses an oversized length without allocating")
{
    for (const framing f : both_framings) {
        for (const std::uint64_t length : {std::uint64_t{1} << 40, std::uint64_t{1} << 63, UINT64_MAX}) {
            CAPTURE(length);
            frame_decoder decoder(f, std::uint64_t{1} << 20);
            std::vector<frame_event> events;
            events.reserve(4); // the error event must not be what allocates
            const auto header = header_of(f, length);

            const std::size_t before = allocation_count.load();
            const std::size_t consumed = decoder.feed(header, events);
            const std::size_t after = allocation_count.load();

            CHECK(after == before);
            CHECK(consumed == header.size());
            REQUIRE(events.size() == 1);
            CHECK(events[0].status == header_status::too_large);
            CHECK(decoder.error() == header_status::too_large);
        }
    }
}

TEST_CASE("frame_decoder does not allocate an announced length up front")
{
    // 2^62 bytes could never be allocated: accepting the header must cost nothing.
    for (const framing f : both_framings) {
        const std::uint64_t huge = std::uint64_t{1} << 62;
        frame_decoder decoder(f, huge);
        std::vector<frame_event> events;
        const auto header = header_of(f, huge);

        const std::size_t before = allocation_count.load();
        CHECK(decoder.feed(header, events) == header.size());
        CHECK(allocation_count.load() == before);
        CHECK(events.empty());
        CHECK_FALSE(decoder.failed());
        CHECK_FALSE(decoder.at_boundary());
    }
}

TEST_CASE("frame_decoder rejects lengths of 2^63 and 2^64-1 even without a limit")
{
    for (const framing f : both_framings) {
        for (const std::uint64_t length : {std::uint64_t{1} << 63, UINT64_MAX}) {
            CAPTURE(length);
            const auto run = decode_bytewise(f, unlimited, header_of(f, length));
            REQUIRE(run.events.size() == 1);
            CHECK(run.events[0].status == header_status::too_large);
            CHECK(run.failed);
        }
    }
}

TEST_CASE("frame_decoder stops at a bad ipc type byte and consumes nothing more")
{
    for (const int type : {0x00, 0x02, 0xff}) {
        CAPTURE(type);
        const std::vector<std::vector<std::byte>> good{bytes_of({1, 2, 3})};
        auto stream = stream_of(framing::ipc, good);
        const std::size_t bad_at = stream.size();
        append(stream, bytes_of({type, 0, 0, 0, 0, 0, 0, 0, 1, 0x42}));
        append(stream, stream_of(framing::ipc, good)); // a valid message after the fault is never seen

        const auto run = decode_at_once(framing::ipc, unlimited, stream);
        REQUIRE(run.events.size() == 2);
        CHECK(run.events[0].payload == bytes_of({1, 2, 3}));
        CHECK(run.events[1].status == header_status::bad_type);
        CHECK(run.consumed == bad_at + 1);
        CHECK(run.failed);

        CHECK(decode_bytewise(framing::ipc, unlimited, stream) == run);
        for (unsigned seed = 1; seed <= 20; ++seed)
            CHECK(decode_randomly(framing::ipc, unlimited, stream, seed) == run);
    }
}

TEST_CASE("a failed frame_decoder consumes nothing and reports nothing more")
{
    frame_decoder decoder(framing::ipc, unlimited);
    std::vector<frame_event> events;
    const auto bad = bytes_of({0x02});
    CHECK(decoder.feed(bad, events) == 1);
    CHECK(events.size() == 1);
    const auto more = stream_of(framing::ipc, {bytes_of({1})});
    CHECK(decoder.feed(more, events) == 0);
    CHECK(events.size() == 1);
    CHECK(decoder.error() == header_status::bad_type);
}

TEST_CASE("frame_decoder reports an error after earlier messages the same way for any chunking")
{
    const std::uint64_t max_size = 4999;
    std::vector<std::vector<std::byte>> messages;
    for (auto& m : sample_messages())
        if (m.size() <= max_size)
            messages.push_back(std::move(m));
    for (const framing f : both_framings) {
        auto stream = stream_of(f, messages);
        append(stream, header_of(f, max_size + 1));
        append(stream, bytes_of({1, 2, 3, 4})); // never consumed

        const auto expected = decode_at_once(f, max_size, stream);
        REQUIRE(expected.events.size() == messages.size() + 1);
        for (std::size_t i = 0; i < messages.size(); ++i)
            CHECK(expected.events[i].payload == messages[i]);
        CHECK(expected.events.back().status == header_status::too_large);
        CHECK(expected.consumed == stream.size() - 4);
        CHECK(decode_bytewise(f, max_size, stream) == expected);
        for (unsigned seed = 1; seed <= 20; ++seed)
            CHECK(decode_randomly(f, max_size, stream, seed) == expected);
    }
}

TEST_CASE("status names are readable for log lines")
{
    CHECK(to_string(greeting_status::incompatible) == "incompatible protocol");
    CHECK(to_string(header_status::too_large) == "message too large");
}
