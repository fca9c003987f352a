// sp_wire: greeting, protocol-id table and length headers. See sp_wire.hpp.
#include "transport/sp_wire.hpp"

#include <algorithm>

namespace nanoport::transport::sp_wire {

namespace {

// Protocol ids (protocol number * 16 + role), WIRE.md.
constexpr std::uint16_t pair_id = 16;
constexpr std::uint16_t pub_id = 32;
constexpr std::uint16_t sub_id = 33;
constexpr std::uint16_t req_id = 48;
constexpr std::uint16_t rep_id = 49;
constexpr std::uint16_t push_id = 80;
constexpr std::uint16_t pull_id = 81;
constexpr std::uint16_t surveyor_id = 98;
constexpr std::uint16_t respondent_id = 99;
constexpr std::uint16_t bus_id = 112;
constexpr std::uint16_t first_experimental_id = 3840;
constexpr std::uint16_t last_experimental_id = 4095;

constexpr std::byte sp_magic_s{0x53}; // 'S'
constexpr std::byte sp_magic_p{0x50}; // 'P'

void store_be64(std::uint64_t v, std::byte* out) noexcept
{
    for (int i = 7; i >= 0; --i) {
        out[i] = static_cast<std::byte>(v & 0xff);
        v >>= 8;
    }
}

std::uint64_t load_be64(const std::byte* in) noexcept
{
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
        v = (v << 8) | std::to_integer<std::uint64_t>(in[i]);
    return v;
}

// The one peer of each known id; 0 (never a valid id) when there is none.
std::uint16_t peer_of(std::uint16_t id) noexcept
{
    switch (id) {
    case pair_id:
        return pair_id;
    case pub_id:
        return sub_id;
    case sub_id:
        return pub_id;
    case req_id:
        return rep_id;
    case rep_id:
        return req_id;
    case push_id:
        return pull_id;
    case pull_id:
        return push_id;
    case surveyor_id:
        return respondent_id;
    case respondent_id:
        return surveyor_id;
    case bus_id:
        return bus_id;
    default:
        break;
    }
    if (id >= first_experimental_id && id <= last_experimental_id)
        return id;
    return 0;
}

} // namespace

std::array<std::byte, greeting_size> make_greeting(std::uint16_t protocol_id) noexcept
{
    return {std::byte{0x00},
            sp_magic_s,
            sp_magic_p,
            std::byte{0x00}, // SP version 0
            static_cast<std::byte>(protocol_id >> 8),
            static_cast<std::byte>(protocol_id & 0xff),
            std::byte{0x00}, // reserved
            std::byte{0x00}};
}

greeting_result check_greeting(std::span<const std::byte, greeting_size> in, std::uint16_t our_id,
                               bool strict_reserved) noexcept
{
    const auto peer_id = static_cast<std::uint16_t>((std::to_integer<unsigned>(in[4]) << 8) |
                                                    std::to_integer<unsigned>(in[5]));
    if (in[0] != std::byte{0x00} || in[1] != sp_magic_s || in[2] != sp_magic_p)
        return {greeting_status::bad_magic, peer_id};
    if (in[3] != std::byte{0x00})
        return {greeting_status::bad_version, peer_id};
    if (strict_reserved && (in[6] != std::byte{0x00} || in[7] != std::byte{0x00}))
        return {greeting_status::bad_reserved, peer_id};
    if (!is_peer(our_id, peer_id))
        return {greeting_status::incompatible, peer_id};
    return {greeting_status::ok, peer_id};
}

bool is_peer(std::uint16_t ours, std::uint16_t theirs) noexcept
{
    const std::uint16_t peer = peer_of(ours);
    return peer != 0 && peer == theirs;
}

std::size_t encode_header(framing f, std::uint64_t length, std::span<std::byte, max_header_size> out) noexcept
{
    switch (f) {
    case framing::tcp:
        store_be64(length, out.data());
        return tcp_header_size;
    case framing::ipc:
        out[0] = std::byte{ipc_msg_type};
        store_be64(length, out.data() + 1);
        return ipc_header_size;
    }
    return 0; // unreachable for valid enumerators
}

header_result decode_header(framing f, std::span<const std::byte> in, std::uint64_t max_size) noexcept
{
    std::size_t length_at = 0;
    switch (f) {
    case framing::tcp:
        break;
    case framing::ipc:
        // Judge the type byte as soon as it is here: a broken stream is
        // dropped without waiting for 8 more bytes that may never come.
        if (!in.empty() && in[0] != std::byte{ipc_msg_type})
            return {header_status::bad_type, 0, 0};
        length_at = 1;
        break;
    }
    const std::size_t size = header_size(f);
    if (in.size() < size)
        return {header_status::incomplete, 0, 0};

    const std::uint64_t length = load_be64(in.data() + length_at);
    if (length > std::min(max_size, max_length))
        return {header_status::too_large, length, 0};
    return {header_status::ok, length, size};
}

std::string_view protocol_name(std::uint16_t id) noexcept
{
    switch (id) {
    case pair_id:
        return "pair";
    case pub_id:
        return "pub";
    case sub_id:
        return "sub";
    case req_id:
        return "req";
    case rep_id:
        return "rep";
    case push_id:
        return "push";
    case pull_id:
        return "pull";
    case surveyor_id:
        return "surveyor";
    case respondent_id:
        return "respondent";
    case bus_id:
        return "bus";
    default:
        return "";
    }
}

std::string_view to_string(greeting_status s) noexcept
{
    switch (s) {
    case greeting_status::ok:
        return "ok";
    case greeting_status::bad_magic:
        return "bad magic";
    case greeting_status::bad_version:
        return "bad SP version";
    case greeting_status::bad_reserved:
        return "non-zero reserved bytes";
    case greeting_status::incompatible:
        return "incompatible protocol";
    }
    return "?";
}

std::string_view to_string(header_status s) noexcept
{
    switch (s) {
    case header_status::incomplete:
        return "incomplete";
    case header_status::ok:
        return "ok";
    case header_status::bad_type:
        return "bad message type byte";
    case header_status::too_large:
        return "message too large";
    }
    return "?";
}

std::size_t frame_decoder::feed(std::span<const std::byte> in, std::vector<frame_event>& out)
{
    std::size_t pos = 0;
    while (pos < in.size() && !failed()) {
        const std::size_t avail = in.size() - pos;
        if (!in_body_) {
            // Gather the header. The ipc type byte is taken alone first, so
            // that a bad one stops consumption at that byte whatever the
            // chunking (the consumed count is part of the contract).
            std::size_t want = header_size(framing_) - header_have_;
            if (framing_ == framing::ipc && header_have_ == 0)
                want = 1;
            const std::size_t n = std::min(want, avail);
            std::copy_n(in.data() + pos, n, header_.data() + header_have_);
            header_have_ += n;
            pos += n;

            const header_result r =
                decode_header(framing_, std::span<const std::byte>(header_.data(), header_have_), max_size_);
            switch (r.status) {
            case header_status::incomplete:
                break;
            case header_status::bad_type:
            case header_status::too_large:
                error_ = r.status;
                out.push_back({r.status, {}});
                break;
            case header_status::ok:
                header_have_ = 0;
                if (r.length == 0) {
                    out.push_back({header_status::ok, {}});
                } else {
                    in_body_ = true;
                    body_left_ = r.length;
                }
                break;
            }
        } else {
            const std::size_t n = body_left_ < avail ? static_cast<std::size_t>(body_left_) : avail;
            payload_.insert(payload_.end(), in.data() + pos, in.data() + pos + n);
            pos += n;
            body_left_ -= n;
            if (body_left_ == 0) {
                in_body_ = false;
                out.push_back({header_status::ok, std::move(payload_)});
                payload_ = {};
            }
        }
    }
    return pos;
}

} // namespace nanoport::transport::sp_wire
