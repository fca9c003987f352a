// libFuzzer target for ws_wire: the WebSocket upgrade and frame codec.
//
// Input: the bytes a peer sends, read three ways - as an upgrade request
// (listener side), as an upgrade response (dialer side), and as a stream of
// frame headers with their payloads. Beyond "no crash, no sanitizer report",
// these properties abort when violated:
// - a request is accepted only with a 24-character key, and the answer to
//   it is one the dialer side accepts for that key;
// - a parsed frame header re-encodes to a header that parses the same (a
//   longer length form than needed may shrink, nothing else changes), and
//   each prefix of a header shorter than it is "incomplete" or the same error;
// - unmasking twice gives back the input; valid_utf8 agrees with itself on
//   the two halves of a split at a character boundary.
#include "transport/ws/ws_wire.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace nanoport::transport::ws_wire;

void require(bool condition) {
    if (!condition) std::abort();
}

void upgrade(std::string_view text) {
    const request_result r = check_request(text, "/p", "pair.sp.nanomsg.org");
    if (r.status == request_status::ok) {
        require(r.key.size() == 24);
        const std::string response = make_response(r, "pair.sp.nanomsg.org");
        require(check_response(response, r.key, "pair.sp.nanomsg.org").empty());
    } else {
        require(make_response(r, "pair.sp.nanomsg.org").rfind("HTTP/1.1 4", 0) == 0);
    }
    (void)check_response(text, "dGhlIHNhbXBsZSBub25jZQ==", "rep.sp.nanomsg.org");
    (void)head_end(text);
}

void frames(std::span<const std::byte> in) {
    while (!in.empty()) {
        frame_header h;
        const frame_status status = parse_frame_header(in, h);
        if (status == frame_status::incomplete) return;
        if (status != frame_status::ok) {
            require(!to_string(status).empty());
            return;
        }
        require(h.size >= 2 && h.size <= max_frame_header && h.size <= in.size());
        for (std::size_t cut = 0; cut < h.size; ++cut) {
            frame_header partial;
            const frame_status s = parse_frame_header(in.first(cut), partial);
            require(s == frame_status::incomplete || s == status);
        }
        std::array<std::byte, max_frame_header> again;
        const std::size_t n = encode_frame_header(h.fin, h.op, h.length, h.masked ? &h.mask : nullptr, again);
        frame_header back;
        require(parse_frame_header(std::span(again.data(), n), back) == frame_status::ok);
        require(back.fin == h.fin && back.op == h.op && back.masked == h.masked &&
                back.length == h.length && back.size == n && n <= h.size);
        if (h.masked) require(back.mask == h.mask);
        in = in.subspan(h.size);
        const std::size_t payload = static_cast<std::size_t>(std::min<std::uint64_t>(h.length, in.size()));
        std::vector<std::byte> data(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(payload));
        std::vector<std::byte> copy = data;
        apply_mask(data, h.mask, 3);
        apply_mask(data, h.mask, 3);
        require(data == copy);
        in = in.subspan(payload);
    }
}

void utf8(std::span<const std::byte> in) {
    const bool whole = valid_utf8(in);
    // Split before a byte that starts a character: the halves are valid
    // exactly when the whole is.
    for (std::size_t at = 0; at <= in.size(); ++at) {
        if (at < in.size() && (std::to_integer<unsigned>(in[at]) & 0xC0) == 0x80) continue;
        require((valid_utf8(in.first(at)) && valid_utf8(in.subspan(at))) == whole);
        break;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto* bytes = reinterpret_cast<const std::byte*>(data);
    upgrade(std::string_view(reinterpret_cast<const char*>(data), size));
    frames(std::span(bytes, size));
    utf8(std::span(bytes, size));
    return 0;
}
