// ws_wire: the WebSocket codec. The RFC 6455 examples (the accept key of
// section 1.3, the frames of section 5.7), the upgrade as nanomsg and NNG
// send it, every way a request or response can be wrong, frame headers at
// every length boundary, masking at every offset, and UTF-8 edge cases.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "transport/ws/ws_wire.hpp"

using namespace nanoport::transport::ws_wire;

namespace {

std::vector<std::byte> bytes(std::initializer_list<int> v) {
    std::vector<std::byte> out;
    for (int b : v) out.push_back(std::byte(static_cast<unsigned char>(b)));
    return out;
}

std::span<const std::byte> as_bytes(const std::string& s) {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

const std::string sample_key = "dGhlIHNhbXBsZSBub25jZQ==";  // RFC 6455 1.3

std::string request_with(const std::string& replace_from = {}, const std::string& replace_to = {}) {
    std::string r = make_request("/chat", "127.0.0.1:5555", sample_key, "pair.sp.nanomsg.org");
    if (!replace_from.empty()) {
        const auto at = r.find(replace_from);
        REQUIRE(at != std::string::npos);
        r.replace(at, replace_from.size(), replace_to);
    }
    return r;
}

}  // namespace

TEST_CASE("the accept key is RFC 6455's example") {
    CHECK(accept_for(sample_key) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST_CASE("keys are 16 random bytes in base64, different each time") {
    const std::string a = make_key(), b = make_key();
    CHECK(a.size() == 24);
    CHECK(a.substr(22) == "==");
    CHECK(a != b);
}

TEST_CASE("subprotocols: our name for the listener, the peer's for the dialer") {
    CHECK(subprotocol(48) == "req.sp.nanomsg.org");
    CHECK(subprotocol(peer_of(48)) == "rep.sp.nanomsg.org");
    CHECK(subprotocol(peer_of(16)) == "pair.sp.nanomsg.org");
    CHECK(subprotocol(peer_of(80)) == "pull.sp.nanomsg.org");
    CHECK(subprotocol(peer_of(32)) == "sub.sp.nanomsg.org");
    CHECK(subprotocol(peer_of(98)) == "respondent.sp.nanomsg.org");
    CHECK(subprotocol(peer_of(112)) == "bus.sp.nanomsg.org");
    CHECK(subprotocol(1234).empty());
    CHECK(peer_of(1234) == 0);
}

TEST_CASE("a good request is accepted and answered 101 with the accept key") {
    const request_result r = check_request(request_with(), "/chat", "pair.sp.nanomsg.org");
    REQUIRE(r.status == request_status::ok);
    CHECK(r.key == sample_key);
    const std::string response = make_response(r, "pair.sp.nanomsg.org");
    CHECK(response.rfind("HTTP/1.1 101 ", 0) == 0);
    CHECK(response.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n") != std::string::npos);
    CHECK(check_response(response, sample_key, "pair.sp.nanomsg.org").empty());
}

TEST_CASE("header names and tokens are case-insensitive; lists and repeats are read") {
    std::string r = "GET /chat HTTP/1.1\r\nhost: x\r\nupgrade: WebSocket\r\n"
                    "connection: keep-alive, UPGRADE\r\nsec-websocket-key: " + sample_key +
                    "\r\nsec-websocket-version: 13\r\nsec-websocket-protocol: x.sp.nanomsg.org\r\n"
                    "Sec-WebSocket-Protocol: pair.sp.nanomsg.org\r\n\r\n";
    CHECK(check_request(r, "/chat", "pair.sp.nanomsg.org").status == request_status::ok);
}

TEST_CASE("bad requests: which status, and what the answer says") {
    const auto status = [](const std::string& r) {
        return check_request(r, "/chat", "pair.sp.nanomsg.org").status;
    };
    CHECK(status(request_with("GET ", "POST ")) == request_status::malformed);
    CHECK(status(request_with("HTTP/1.1", "HTTP/1.0")) == request_status::malformed);
    CHECK(status(request_with("Upgrade: websocket\r\n", "")) == request_status::malformed);
    CHECK(status(request_with("Connection: Upgrade\r\n", "Connection: close\r\n")) ==
          request_status::malformed);
    CHECK(status(request_with("Host: 127.0.0.1:5555\r\n", "")) == request_status::malformed);
    CHECK(status(request_with(sample_key, "c2hvcnQ=")) == request_status::malformed);
    CHECK(status(request_with(sample_key, "dGhlIHNhbXBsZSBub25jZ!==")) == request_status::malformed);
    CHECK(status(request_with("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8")) ==
          request_status::bad_version);
    CHECK(status(request_with("GET /chat", "GET /other")) == request_status::not_found);
    CHECK(status(request_with("pair.sp.nanomsg.org", "pub.sp.nanomsg.org")) ==
          request_status::bad_subprotocol);
    CHECK(status(request_with("Sec-WebSocket-Protocol: pair.sp.nanomsg.org\r\n", "")) ==
          request_status::bad_subprotocol);
    CHECK(status(request_with("\r\nUpgrade", "\r\n Upgrade")) == request_status::malformed);
    CHECK(status(request_with("Host: ", "Ho\x01st: ")) == request_status::malformed);
    CHECK(status("GET /chat HTTP/1.1\r\n") == request_status::malformed);  // no blank line
    CHECK(status("") == request_status::malformed);

    request_result bad;
    bad.status = request_status::bad_version;
    CHECK(make_response(bad, "x").find("426") != std::string::npos);
    CHECK(make_response(bad, "x").find("Sec-WebSocket-Version: 13") != std::string::npos);
    bad.status = request_status::not_found;
    CHECK(make_response(bad, "x").rfind("HTTP/1.1 404", 0) == 0);
    bad.status = request_status::bad_subprotocol;
    CHECK(make_response(bad, "x").rfind("HTTP/1.1 400", 0) == 0);
}

TEST_CASE("bad responses say what is wrong") {
    request_result ok;
    ok.status = request_status::ok;
    ok.key = sample_key;
    const std::string good = make_response(ok, "rep.sp.nanomsg.org");
    CHECK(check_response(good, sample_key, "rep.sp.nanomsg.org").empty());
    CHECK(!check_response(good, make_key(), "rep.sp.nanomsg.org").empty());        // accept key
    CHECK(!check_response(good, sample_key, "req.sp.nanomsg.org").empty());        // subprotocol
    CHECK(!check_response("HTTP/1.1 200 OK\r\n\r\n", sample_key, "x").empty());
    CHECK(check_response("HTTP/1.1 404 Not Found\r\n\r\n", sample_key, "x").find("404") !=
          std::string::npos);
    CHECK(!check_response("garbage\r\n\r\n", sample_key, "x").empty());
}

TEST_CASE("head_end finds the blank line") {
    CHECK(head_end("GET / HTTP/1.1\r\n\r\n") == 18);
    CHECK(head_end("GET / HTTP/1.1\r\n\r") == 0);
    CHECK(head_end("a\r\n\r\nframes") == 5);
}

TEST_CASE("frame headers: RFC 6455 5.7's examples") {
    frame_header h;
    // A single-frame unmasked text message "Hello".
    auto f = bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
    REQUIRE(parse_frame_header(f, h) == frame_status::ok);
    CHECK(h.fin);
    CHECK(h.op == op_text);
    CHECK(!h.masked);
    CHECK(h.length == 5);
    CHECK(h.size == 2);
    // The same, masked.
    f = bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
    REQUIRE(parse_frame_header(f, h) == frame_status::ok);
    CHECK(h.masked);
    CHECK(h.size == 6);
    std::span<std::byte> payload(f.data() + 6, 5);
    apply_mask(payload, h.mask, 0);
    CHECK(std::string(reinterpret_cast<const char*>(payload.data()), 5) == "Hello");
    // A fragmented text message, and a ping.
    REQUIRE(parse_frame_header(bytes({0x01, 0x03, 0x48, 0x65, 0x6c}), h) == frame_status::ok);
    CHECK(!h.fin);
    REQUIRE(parse_frame_header(bytes({0x80, 0x02, 0x6c, 0x6f}), h) == frame_status::ok);
    CHECK(h.op == op_continuation);
    REQUIRE(parse_frame_header(bytes({0x89, 0x05}), h) == frame_status::ok);
    CHECK(h.op == op_ping);
    // 256 bytes and 64 KiB in one unmasked binary message.
    REQUIRE(parse_frame_header(bytes({0x82, 0x7E, 0x01, 0x00}), h) == frame_status::ok);
    CHECK(h.length == 256);
    REQUIRE(parse_frame_header(bytes({0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0}), h) == frame_status::ok);
    CHECK(h.length == 65536);
}

TEST_CASE("frame headers: encode and parse agree at every length boundary") {
    const std::array<std::byte, 4> mask{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};
    for (std::uint64_t length : {0ull, 1ull, 125ull, 126ull, 65535ull, 65536ull, 1ull << 40}) {
        for (bool masked : {false, true}) {
            std::array<std::byte, max_frame_header> out;
            const std::size_t n = encode_frame_header(true, op_binary, length, masked ? &mask : nullptr, out);
            frame_header h;
            for (std::size_t cut = 0; cut < n; ++cut) {
                CHECK(parse_frame_header(std::span(out.data(), cut), h) == frame_status::incomplete);
            }
            REQUIRE(parse_frame_header(std::span(out.data(), n), h) == frame_status::ok);
            CHECK(h.length == length);
            CHECK(h.size == n);
            CHECK(h.masked == masked);
            if (masked) CHECK(h.mask == mask);
        }
    }
}

TEST_CASE("frame headers: what a peer may not send") {
    frame_header h;
    CHECK(parse_frame_header(bytes({0xC2, 0x00}), h) == frame_status::bad_reserved);  // RSV1
    CHECK(parse_frame_header(bytes({0x92, 0x00}), h) == frame_status::bad_reserved);  // RSV3
    for (int op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
        CHECK(parse_frame_header(bytes({0x80 | op, 0x00}), h) == frame_status::bad_opcode);
    }
    CHECK(parse_frame_header(bytes({0x09, 0x00}), h) == frame_status::bad_control);  // fragmented ping
    CHECK(parse_frame_header(bytes({0x89, 0x7E, 0x00, 0x7E}), h) == frame_status::bad_control);
    CHECK(parse_frame_header(bytes({0x88, 0x7E}), h) == frame_status::bad_control);
    CHECK(parse_frame_header(bytes({0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0}), h) ==
          frame_status::bad_length);
    // A longer length form than needed is accepted (RFC 6455 binds only senders).
    REQUIRE(parse_frame_header(bytes({0x82, 0x7E, 0x00, 0x05}), h) == frame_status::ok);
    CHECK(h.length == 5);
}

TEST_CASE("masking is its own inverse at every offset and length") {
    const std::array<std::byte, 4> mask{std::byte{0x37}, std::byte{0xfa}, std::byte{0x21}, std::byte{0x3d}};
    std::vector<std::byte> original(61);
    for (std::size_t i = 0; i < original.size(); ++i) original[i] = std::byte(static_cast<unsigned char>(i * 13));
    for (std::size_t offset = 0; offset < 8; ++offset) {
        for (std::size_t length = 0; length <= original.size(); length += 5) {
            std::vector<std::byte> data(original.begin(), original.begin() + static_cast<long>(length));
            apply_mask(data, mask, offset);
            for (std::size_t i = 0; i < length; ++i) {
                CHECK(data[i] == (original[i] ^ mask[(offset + i) % 4]));
            }
            apply_mask(data, mask, offset);
            CHECK(std::equal(data.begin(), data.end(), original.begin()));
        }
    }
    // Masking in two pieces equals masking at once.
    std::vector<std::byte> whole(original), split(original);
    apply_mask(whole, mask, 0);
    apply_mask(std::span(split.data(), 7), mask, 0);
    apply_mask(std::span(split.data() + 7, split.size() - 7), mask, 7);
    CHECK(whole == split);
}

TEST_CASE("UTF-8: valid text passes, every kind of invalid text fails") {
    CHECK(valid_utf8(as_bytes("")));
    CHECK(valid_utf8(as_bytes("plain ascii")));
    CHECK(valid_utf8(as_bytes("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80")));  // é € 😀
    CHECK(valid_utf8(as_bytes("\xf4\x8f\xbf\xbf")));                                 // U+10FFFF
    CHECK(valid_utf8(as_bytes("\xed\x9f\xbf")));                                     // U+D7FF
    CHECK(!valid_utf8(as_bytes("\x80")));              // continuation first
    CHECK(!valid_utf8(as_bytes("\xc3")));              // truncated
    CHECK(!valid_utf8(as_bytes("\xe2\x82")));          // truncated
    CHECK(!valid_utf8(as_bytes("\xc0\xaf")));          // overlong '/'
    CHECK(!valid_utf8(as_bytes("\xe0\x80\xaf")));      // overlong
    CHECK(!valid_utf8(as_bytes("\xf0\x80\x80\xaf")));  // overlong
    CHECK(!valid_utf8(as_bytes("\xed\xa0\x80")));      // surrogate U+D800
    CHECK(!valid_utf8(as_bytes("\xf4\x90\x80\x80")));  // above U+10FFFF
    CHECK(!valid_utf8(as_bytes("\xf5\x80\x80\x80")));
    CHECK(!valid_utf8(as_bytes("\xff")));
    CHECK(!valid_utf8(as_bytes("a\xc3(")));            // bad continuation
}
