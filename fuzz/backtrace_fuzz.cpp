// libFuzzer target for the REQ/REP and SURVEYOR/RESPONDENT header (the
// backtrace) and NN_MAXTTL: utils::backtrace's pure functions and message
// edits, and, for half of the inputs, real sockets passing the header over
// inproc (raw REQ -> REP, raw SURVEYOR -> RESPONDENT, cooked and raw
// receivers) and routing the reply back.
//
// Input: four option bytes, then the payload.
//   byte 0     NN_MAXTTL, low 8 bits
//   byte 1     bit 0: add 256 to it; bit 1: negate it (so -511..511: the
//              range 1..255, its edges and beyond)
//              bit 2: also run the socket round trip
//   byte 2     k: the first min(k, size) payload bytes are an SP header that
//              arrived apart from the body (inproc); the rest is the body.
//              k = 0: header and body came as one payload (tcp, ipc).
//   byte 3     bits 0-1: which receiver (cooked REP, raw REP, cooked
//              RESPONDENT, raw RESPONDENT); the rest seeds the hop word
//
// Properties (abort when violated):
// - split() is ok exactly when some word among the first clamp(ttl) words
//   has the top bit set, and then the header ends with the first such word;
//   too_many_hops exactly when the first clamp(ttl) words are all there and
//   all clear; malformed otherwise. check_header() is split() plus "nothing
//   after it".
// - take(), take_with_hop(), pop_word(), saved::keep() move exactly the
//   bytes they promise, for headers inline (<= 32 bytes) and on the heap,
//   and a refused message is left as it was.
// - parse_max_ttl() accepts exactly 1..255 as a 4-byte int; parse_int()
//   exactly 4 bytes; put_int() writes min(room, 4) bytes.
// - Round trip: the receiver delivers the request exactly when take() says
//   ok under its NN_MAXTTL (a refused NN_MAXTTL leaves 8), with the header
//   take_with_hop() builds (raw) or without it (cooked); the reply comes back
//   to the raw sender with the backtrace as its header; nothing else is
//   delivered or lost.
#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "aio/message.hpp"
#include "nanomsg/nn.h"
#include "nanomsg/reqrep.h"
#include "nanomsg/survey.h"
#include "protocols/utils/backtrace.hpp"

namespace {

namespace backtrace = nanoport::protocols::utils::backtrace;
using nanoport::aio::message;
using bytes = std::vector<std::byte>;
using byte_span = std::span<const std::byte>;

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "backtrace_fuzz: %s\n", what);
    std::abort();
}

void require(bool condition, const char* what) {
    if (!condition) fail(what);
}

bool same(byte_span a, byte_span b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

bool top_bit(byte_span p, std::size_t word) {
    return (backtrace::read_word(p.subspan(word * backtrace::word_size)) &
            backtrace::last_word_bit) != 0;
}

// --- pure functions ----------------------------------------------------------

void check_split(byte_span p, int ttl) {
    const std::size_t words =
        static_cast<std::size_t>(std::clamp(ttl, backtrace::min_max_ttl, backtrace::max_max_ttl));
    const std::size_t whole = p.size() / backtrace::word_size;
    std::size_t first_set = SIZE_MAX;
    for (std::size_t i = 0; i < std::min(whole, words); ++i) {
        if (top_bit(p, i)) {
            first_set = i;
            break;
        }
    }
    const backtrace::split_result r = backtrace::split(p, ttl);
    switch (r.outcome) {
        case backtrace::status::ok:
            require(first_set != SIZE_MAX, "split ok without a top-bit word");
            require(r.header_size == (first_set + 1) * backtrace::word_size,
                    "split ok at the wrong size");
            break;
        case backtrace::status::too_many_hops:
            require(first_set == SIZE_MAX && whole >= words,
                    "too_many_hops while a top-bit word is in reach");
            require(r.header_size == 0, "too_many_hops with a size");
            break;
        case backtrace::status::malformed:
            require(first_set == SIZE_MAX && whole < words,
                    "malformed while the TTL or a top-bit word decides");
            require(r.header_size == 0, "malformed with a size");
            break;
    }
    const backtrace::split_result c = backtrace::check_header(p, ttl);
    if (r.outcome == backtrace::status::ok && r.header_size == p.size())
        require(c.outcome == backtrace::status::ok && c.header_size == p.size(),
                "check_header refuses a backtrace");
    else
        require(c.outcome != backtrace::status::ok && c.header_size == 0,
                "check_header accepts a non-backtrace");
}

void check_int_options(byte_span p) {
    // parse_int / parse_max_ttl over every prefix length up to 8.
    for (std::size_t n = 0; n <= std::min<std::size_t>(p.size(), 8); ++n) {
        int v = -12345;
        const std::error_code ec = backtrace::parse_int(p.first(n), v);
        require(!ec == (n == sizeof(int)), "parse_int accepts other than 4 bytes");
        int ttl = -777;
        const std::error_code tec = backtrace::parse_max_ttl(p.first(n), ttl);
        if (n == sizeof(int) && v >= 1 && v <= 255)
            require(!tec && ttl == v, "parse_max_ttl refuses 1..255");
        else
            require(tec == std::errc::invalid_argument && ttl == -777,
                    "parse_max_ttl accepts a bad value or writes on error");
    }
    // put_int into rooms of 0..8 bytes.
    int value = 0;
    if (p.size() >= sizeof(int)) std::memcpy(&value, p.data(), sizeof(int));
    for (std::size_t room = 0; room <= 8; ++room) {
        std::array<std::byte, 8> out;
        out.fill(std::byte{0xee});
        std::size_t size = 99;
        backtrace::put_int(value, std::span(out).first(room), size);
        require(size == sizeof(int), "put_int reports a size other than 4");
        const std::size_t written = std::min(room, sizeof(int));
        require(std::memcmp(out.data(), &value, written) == 0, "put_int wrote the wrong bytes");
        for (std::size_t i = written; i < out.size(); ++i)
            require(out[i] == std::byte{0xee}, "put_int wrote past its room");
    }
    require(backtrace::is_max_ttl_option(NN_SOL_SOCKET, NN_MAXTTL),
            "NN_MAXTTL is not the TTL option");
}

message make_message(byte_span header, byte_span body) {
    message m = message::copy_of(body);
    m.set_header(header);
    return m;
}

// take() and take_with_hop() on p, split at k (k = 0: one payload).
void check_message_edits(byte_span p, std::size_t k, int ttl, std::uint32_t hop) {
    const byte_span head = p.first(k);
    const byte_span body = p.subspan(k);
    const backtrace::split_result r =
        k == 0 ? backtrace::split(p, ttl) : backtrace::check_header(head, ttl);
    const bool ok = r.outcome == backtrace::status::ok;
    const byte_span bt = k == 0 ? p.first(r.header_size) : head;
    const byte_span rest = k == 0 ? p.subspan(r.header_size) : body;

    message m = make_message(head, body);
    require(backtrace::take(m, ttl) == ok, "take disagrees with split/check_header");
    if (ok)
        require(same(m.header(), bt) && same(m.body(), rest), "take moved the wrong bytes");
    else
        require(same(m.header(), head) && same(m.body(), body),
                "a refused take changed the message");

    message h = make_message(head, body);
    require(backtrace::take_with_hop(h, hop, ttl) == ok, "take_with_hop disagrees with take");
    if (!ok) {
        require(same(h.header(), head) && same(h.body(), body),
                "a refused take_with_hop changed the message");
        return;
    }
    require(h.header().size() == bt.size() + backtrace::word_size && same(h.body(), rest),
            "take_with_hop built the wrong message");
    require(backtrace::read_word(h.header()) == hop &&
                same(h.header().subspan(backtrace::word_size), bt),
            "take_with_hop's header is not hop + backtrace");

    // What a cooked REP does with it: keep the header, send it back, and
    // xrep pops the hop to route.
    backtrace::saved kept;
    require(kept.keep(h.header()), "saved refuses a header take_with_hop made");
    require(same(kept.bytes(), h.header()), "saved keeps other bytes");
    message reply = message::copy_of({});
    reply.set_header(kept.bytes());
    const std::optional<std::uint32_t> first = backtrace::pop_word(reply);
    require(first && *first == hop && same(reply.header(), bt),
            "pop_word does not undo take_with_hop");
}

void check_pop_and_keep(byte_span p) {
    message m = make_message(p, {});
    const std::optional<std::uint32_t> word = backtrace::pop_word(m);
    if (p.size() < backtrace::word_size) {
        require(!word && same(m.header(), p), "pop_word took a word from less than 4 bytes");
    } else {
        require(word && *word == backtrace::read_word(p), "pop_word returned the wrong word");
        require(same(m.header(), p.subspan(backtrace::word_size)),
                "pop_word left the wrong header");
    }
    backtrace::saved kept;
    const bool fits = p.size() <= backtrace::max_header_size;
    require(kept.keep(p) == fits, "saved::keep's limit is off");
    require(fits ? same(kept.bytes(), p) && kept.empty() == p.empty() : kept.empty(),
            "saved keeps the wrong bytes");
}

// --- the socket round trip ---------------------------------------------------

struct receiver {
    const char* url;
    int sender_protocol;  // raw REQ or raw SURVEYOR
    int protocol;
    int domain;  // AF_SP (cooked) or AF_SP_RAW
    int sender = -1;
    int socket = -1;
};

std::array receivers{
    receiver{"inproc://backtrace-rep", NN_REQ, NN_REP, AF_SP},
    receiver{"inproc://backtrace-raw-rep", NN_REQ, NN_REP, AF_SP_RAW},
    receiver{"inproc://backtrace-respondent", NN_SURVEYOR, NN_RESPONDENT, AF_SP},
    receiver{"inproc://backtrace-raw-respondent", NN_SURVEYOR, NN_RESPONDENT, AF_SP_RAW},
};

void set_int_option(int s, int level, int option, int value) {
    require(nn_setsockopt(s, level, option, &value, sizeof value) == 0, "nn_setsockopt failed");
}

class fixture {
public:
    fixture() {
        for (receiver& r : receivers) {
            r.sender = nn_socket(AF_SP_RAW, r.sender_protocol);
            r.socket = nn_socket(r.domain, r.protocol);
            require(r.sender >= 0 && r.socket >= 0, "nn_socket failed");
            require(nn_bind(r.socket, r.url) >= 0 && nn_connect(r.sender, r.url) >= 0,
                    "inproc bind/connect failed");
            for (int s : {r.sender, r.socket}) set_int_option(s, NN_SOL_SOCKET, NN_RCVTIMEO, 10000);
            set_int_option(r.sender, NN_SOL_SOCKET, NN_SNDTIMEO, 10000);
            set_int_option(r.socket, NN_SOL_SOCKET, NN_SNDTIMEO, 10000);
            // Replies carry a backtrace the receiver accepted: up to 255 words.
            set_int_option(r.sender, NN_SOL_SOCKET, NN_MAXTTL, 255);
        }
    }
    ~fixture() {
        for (receiver& r : receivers) {
            nn_close(r.sender);
            nn_close(r.socket);
        }
    }
};

struct sp_message {
    bytes header;
    bytes body;
};

void send(int s, byte_span header, byte_span body) {
    nn_iovec iov{const_cast<std::byte*>(body.data()), body.size()};
    nn_msghdr hdr{&iov, 1, nullptr, 0};
    std::vector<std::max_align_t> control(
        (NN_CMSG_SPACE(sizeof(std::size_t) + header.size()) + sizeof(std::max_align_t) - 1) /
        sizeof(std::max_align_t));
    if (!header.empty()) {
        auto* c = reinterpret_cast<nn_cmsghdr*>(control.data());
        c->cmsg_len = NN_CMSG_LEN(sizeof(std::size_t) + header.size());
        c->cmsg_level = PROTO_SP;
        c->cmsg_type = SP_HDR;
        const std::size_t n = header.size();
        std::memcpy(NN_CMSG_DATA(c), &n, sizeof n);
        std::memcpy(NN_CMSG_DATA(c) + sizeof n, header.data(), n);
        hdr.msg_control = control.data();
        hdr.msg_controllen = NN_CMSG_SPACE(sizeof(std::size_t) + header.size());
    }
    require(nn_sendmsg(s, &hdr, 0) == static_cast<int>(body.size()), "nn_sendmsg failed");
}

sp_message receive(int s, bool raw) {
    void* body = nullptr;
    nn_iovec iov{&body, NN_MSG};
    void* control = nullptr;
    nn_msghdr hdr{&iov, 1, raw ? &control : nullptr, raw ? NN_MSG : 0};
    const int n = nn_recvmsg(s, &hdr, 0);
    require(n >= 0, "nn_recvmsg failed (a message went missing?)");
    sp_message m;
    const auto* b = static_cast<const std::byte*>(body);
    m.body.assign(b, b + n);
    nn_freemsg(body);
    if (raw) {
        require(control != nullptr, "no control data from a raw socket");
        const auto* c = static_cast<const nn_cmsghdr*>(control);
        require(c->cmsg_level == PROTO_SP && c->cmsg_type == SP_HDR,
                "the control data is not SP_HDR");
        std::size_t size = 0;
        std::memcpy(&size, NN_CMSG_DATA(c), sizeof size);
        const auto* h = reinterpret_cast<const std::byte*>(NN_CMSG_DATA(c) + sizeof size);
        m.header.assign(h, h + size);
        nn_freemsg(control);
    }
    return m;
}

constexpr std::array<std::byte, 4> sentinel_id{std::byte{0x80}, std::byte{0}, std::byte{0},
                                               std::byte{1}};
constexpr std::string_view sentinel_text = "sentinel: not from the fuzzer";

byte_span text(std::string_view s) {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

void check_round_trip(receiver& r, byte_span p, std::size_t k, int ttl) {
    // An NN_MAXTTL outside 1..255 is refused and leaves the one in force.
    int effective = ttl;
    if (ttl < backtrace::min_max_ttl || ttl > backtrace::max_max_ttl) {
        require(nn_setsockopt(r.socket, NN_SOL_SOCKET, NN_MAXTTL, &ttl, sizeof ttl) < 0 &&
                    nn_errno() == EINVAL,
                "NN_MAXTTL outside 1..255 accepted");
        effective = backtrace::default_max_ttl;
    }
    set_int_option(r.socket, NN_SOL_SOCKET, NN_MAXTTL, effective);

    const byte_span head = p.first(k);
    const byte_span body = p.subspan(k);
    const backtrace::split_result split =
        k == 0 ? backtrace::split(p, effective) : backtrace::check_header(head, effective);
    const bool delivered = split.outcome == backtrace::status::ok;
    const byte_span bt = k == 0 ? p.first(split.header_size) : head;
    const byte_span rest = k == 0 ? p.subspan(split.header_size) : body;
    const bool raw = r.domain == AF_SP_RAW;

    send(r.sender, head, body);
    send(r.sender, sentinel_id, text(sentinel_text));

    // The request, if it passes; then the sentinel, which always does.
    for (int round = delivered ? 0 : 1; round < 2; ++round) {
        const byte_span want_bt = round == 0 ? bt : byte_span(sentinel_id);
        const byte_span want_body = round == 0 ? rest : text(sentinel_text);
        const sp_message got = receive(r.socket, raw);
        require(same(got.body, want_body), round == 0
                                               ? "the request's body is wrong"
                                               : "not the sentinel: a bad request got through");
        if (raw) {
            require(got.header.size() == want_bt.size() + backtrace::word_size &&
                        same(byte_span(got.header).subspan(backtrace::word_size), want_bt),
                    "a raw receiver's header is not pipe id + backtrace");
            require((backtrace::read_word(got.header) & backtrace::last_word_bit) == 0,
                    "the pipe id has the top bit set");
        } else {
            require(got.header.empty(), "a cooked receiver shows a header");
        }
        // Reply; a raw receiver sends the header back as it got it.
        send(r.socket, got.header, text("reply"));
        const sp_message reply = receive(r.sender, true);
        require(same(reply.header, want_bt) && same(reply.body, text("reply")),
                "the reply came back wrong");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static fixture sockets;
    if (size < 4) return 0;
    int ttl = data[0] + ((data[1] & 1) ? 256 : 0);
    if (data[1] & 2) ttl = -ttl;
    const bool round_trip = (data[1] & 4) != 0;
    const byte_span p(reinterpret_cast<const std::byte*>(data + 4), size - 4);
    const std::size_t k = std::min<std::size_t>(data[2], p.size());
    const std::uint32_t hop =
        (static_cast<std::uint32_t>(data[3]) * 0x9e3779b1u) & backtrace::id_mask;

    check_split(p, ttl);
    check_int_options(p);
    check_message_edits(p, 0, ttl, hop);
    if (k > 0) check_message_edits(p, k, ttl, hop);
    check_pop_and_keep(p);
    if (round_trip) check_round_trip(receivers[data[3] & 3], p, k, ttl);
    return 0;
}
