#include "transport/ws/ws_wire.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "transport/sp_wire.hpp"

namespace nanoport::transport::ws_wire {

namespace {

constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
constexpr std::string_view crlf = "\r\n";

std::string base64(const unsigned char* data, std::size_t size) {
    std::string out(4 * ((size + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data,
                                  static_cast<int>(size));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Whether a comma-separated header value lists token (case-insensitively).
bool lists(std::string_view value, std::string_view token) noexcept {
    while (!value.empty()) {
        const std::size_t comma = value.find(',');
        if (iequal(trim(value.substr(0, comma)), token)) return true;
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return false;
}

// A parsed head: its first line and its header fields (repeated fields joined
// with ", ", as HTTP allows).
struct head {
    std::string_view first_line;
    std::vector<std::pair<std::string_view, std::string>> fields;

    const std::string* field(std::string_view name) const {
        for (const auto& f : fields) {
            if (iequal(f.first, name)) return &f.second;
        }
        return nullptr;
    }
};

// False for a head that is not lines of "name: value" after the first;
// obsolete line folding and control bytes are refused.
bool parse_head(std::string_view text, head& out) {
    const std::size_t end = head_end(text);
    if (end == 0) return false;
    text = text.substr(0, end - 4);  // without the blank line
    std::size_t eol = text.find(crlf);
    out.first_line = text.substr(0, eol);
    if (out.first_line.empty()) return false;
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 2);
    while (!text.empty()) {
        eol = text.find(crlf);
        const std::string_view line = text.substr(0, eol);
        text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 2);
        for (char c : line) {
            const auto u = static_cast<unsigned char>(c);
            if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
        }
        const std::size_t colon = line.find(':');
        if (colon == 0 || colon == std::string_view::npos) return false;
        const std::string_view name = line.substr(0, colon);
        if (name.find_first_of(" \t") != std::string_view::npos) return false;
        const std::string_view value = trim(line.substr(colon + 1));
        bool joined = false;
        for (auto& f : out.fields) {
            if (iequal(f.first, name)) {
                f.second += ", ";
                f.second += value;
                joined = true;
                break;
            }
        }
        if (!joined) out.fields.emplace_back(name, std::string(value));
    }
    return true;
}

bool upgrade_fields_ok(const head& h) {
    const std::string* upgrade = h.field("Upgrade");
    const std::string* connection = h.field("Connection");
    return upgrade && connection && lists(*upgrade, "websocket") && lists(*connection, "upgrade");
}

}  // namespace

// --- handshake ------------------------------------------------------------------

std::string subprotocol(std::uint16_t protocol_id) {
    const std::string_view name = sp_wire::protocol_name(protocol_id);
    if (name.empty()) return {};
    return std::string(name) + ".sp.nanomsg.org";
}

std::uint16_t peer_of(std::uint16_t protocol_id) noexcept {
    static constexpr std::uint16_t known[] = {16, 32, 33, 48, 49, 80, 81, 98, 99, 112};
    for (std::uint16_t id : known) {
        if (sp_wire::is_peer(protocol_id, id)) return id;
    }
    return 0;
}

std::string make_key() {
    unsigned char nonce[16];
    if (RAND_bytes(nonce, sizeof nonce) != 1) {
        // No entropy from OpenSSL: the key only has to be unpredictable
        // enough to defeat caching intermediaries, not secret.
        std::random_device rd;
        for (unsigned char& b : nonce) b = static_cast<unsigned char>(rd());
    }
    return base64(nonce, sizeof nonce);
}

std::string accept_for(std::string_view key) {
    std::string text(key);
    text += guid;
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
    return base64(digest, sizeof digest);
}

std::string make_request(std::string_view path, std::string_view host, std::string_view key,
                         std::string_view subprotocol) {
    std::string r;
    r.reserve(256);
    r += "GET ";
    r += path;
    r += " HTTP/1.1\r\nHost: ";
    r += host;
    r += "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ";
    r += key;
    r += "\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ";
    r += subprotocol;
    r += "\r\n\r\n";
    return r;
}

std::size_t head_end(std::string_view data) noexcept {
    const std::size_t at = data.find("\r\n\r\n");
    return at == std::string_view::npos ? 0 : at + 4;
}

request_result check_request(std::string_view text, std::string_view path,
                             std::string_view our_subprotocol) {
    request_result r;
    head h;
    if (!parse_head(text, h)) return r;
    // "GET <target> HTTP/1.1"
    const std::string_view line = h.first_line;
    const std::size_t sp1 = line.find(' ');
    const std::size_t sp2 = line.rfind(' ');
    if (sp1 == std::string_view::npos || sp2 == sp1) return r;
    const std::string_view method = line.substr(0, sp1);
    const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string_view version = line.substr(sp2 + 1);
    if (method != "GET" || version != "HTTP/1.1" || target.empty() || target.front() != '/' ||
        target.find(' ') != std::string_view::npos) {
        return r;
    }
    r.target = target;
    if (!h.field("Host") || !upgrade_fields_ok(h)) return r;
    const std::string* key = h.field("Sec-WebSocket-Key");
    if (!key) return r;
    // 16 bytes in base64: 22 characters and "==".
    if (key->size() != 24 || key->compare(22, 2, "==") != 0) return r;
    for (std::size_t i = 0; i < 22; ++i) {
        const char c = (*key)[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/')) {
            return r;
        }
    }
    const std::string* version_field = h.field("Sec-WebSocket-Version");
    if (!version_field || *version_field != "13") {
        r.status = request_status::bad_version;
        return r;
    }
    if (target != path) {
        r.status = request_status::not_found;
        return r;
    }
    const std::string* protocols = h.field("Sec-WebSocket-Protocol");
    if (!protocols || !lists(*protocols, our_subprotocol)) {
        r.status = request_status::bad_subprotocol;
        return r;
    }
    r.status = request_status::ok;
    r.key = *key;
    return r;
}

std::string make_response(const request_result& r, std::string_view our_subprotocol) {
    switch (r.status) {
    case request_status::ok: {
        std::string s = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Accept: ";
        s += accept_for(r.key);
        s += "\r\nSec-WebSocket-Protocol: ";
        s += our_subprotocol;
        s += "\r\n\r\n";
        return s;
    }
    case request_status::bad_version:
        return "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n"
               "Connection: close\r\nContent-Length: 0\r\n\r\n";
    case request_status::not_found:
        return "HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
    case request_status::bad_subprotocol:
    case request_status::malformed:
        break;
    }
    return "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
}

std::string check_response(std::string_view text, std::string_view key,
                           std::string_view asked_subprotocol) {
    head h;
    if (!parse_head(text, h)) return "malformed HTTP response";
    const std::string_view line = h.first_line;
    if (line.substr(0, 9) != "HTTP/1.1 " || line.size() < 12) return "malformed status line";
    if (line.substr(9, 3) != "101") return "refused: " + std::string(line.substr(9));
    if (!upgrade_fields_ok(h)) return "no WebSocket upgrade in the response";
    const std::string* accept = h.field("Sec-WebSocket-Accept");
    if (!accept || *accept != accept_for(key)) return "wrong Sec-WebSocket-Accept";
    const std::string* protocol = h.field("Sec-WebSocket-Protocol");
    if (!protocol || !iequal(*protocol, asked_subprotocol)) {
        return "subprotocol " + (protocol ? *protocol : std::string("(none)")) + " instead of " +
               std::string(asked_subprotocol);
    }
    return {};
}

// --- frames ------------------------------------------------------------------------

frame_status parse_frame_header(std::span<const std::byte> in, frame_header& out) noexcept {
    if (in.size() < 2) return frame_status::incomplete;
    const auto b0 = std::to_integer<std::uint8_t>(in[0]);
    const auto b1 = std::to_integer<std::uint8_t>(in[1]);
    if (b0 & 0x70) return frame_status::bad_reserved;
    const std::uint8_t op = b0 & 0x0F;
    const bool control = (op & 0x08) != 0;
    if (!(op <= op_binary || op == op_close || op == op_ping || op == op_pong)) {
        return frame_status::bad_opcode;
    }
    const bool fin = (b0 & 0x80) != 0;
    const bool masked = (b1 & 0x80) != 0;
    std::uint64_t length = b1 & 0x7F;
    std::size_t size = 2;
    if (control && (!fin || length > max_control_payload)) return frame_status::bad_control;
    if (length == 126) {
        if (in.size() < 4) return frame_status::incomplete;
        length = (std::to_integer<std::uint64_t>(in[2]) << 8) | std::to_integer<std::uint64_t>(in[3]);
        size = 4;
    } else if (length == 127) {
        if (in.size() < 10) return frame_status::incomplete;
        length = 0;
        for (std::size_t i = 2; i < 10; ++i) length = (length << 8) | std::to_integer<std::uint64_t>(in[i]);
        if (length >> 63) return frame_status::bad_length;
        size = 10;
    }
    if (masked) {
        if (in.size() < size + 4) return frame_status::incomplete;
        for (std::size_t i = 0; i < 4; ++i) out.mask[i] = in[size + i];
        size += 4;
    }
    out.fin = fin;
    out.op = op;
    out.masked = masked;
    out.length = length;
    out.size = size;
    return frame_status::ok;
}

std::size_t encode_frame_header(bool fin, std::uint8_t op, std::uint64_t length,
                                const std::array<std::byte, 4>* mask,
                                std::span<std::byte, max_frame_header> out) noexcept {
    out[0] = std::byte{static_cast<unsigned char>((fin ? 0x80 : 0) | (op & 0x0F))};
    const std::byte mask_bit{static_cast<unsigned char>(mask ? 0x80 : 0)};
    std::size_t size = 2;
    if (length <= 125) {
        out[1] = mask_bit | std::byte{static_cast<unsigned char>(length)};
    } else if (length <= 0xFFFF) {
        out[1] = mask_bit | std::byte{126};
        out[2] = std::byte{static_cast<unsigned char>(length >> 8)};
        out[3] = std::byte{static_cast<unsigned char>(length)};
        size = 4;
    } else {
        out[1] = mask_bit | std::byte{127};
        for (std::size_t i = 0; i < 8; ++i) {
            out[2 + i] = std::byte{static_cast<unsigned char>(length >> (56 - 8 * i))};
        }
        size = 10;
    }
    if (mask) {
        for (std::size_t i = 0; i < 4; ++i) out[size + i] = (*mask)[i];
        size += 4;
    }
    return size;
}

void apply_mask(std::span<std::byte> data, const std::array<std::byte, 4>& mask,
                std::size_t offset) noexcept {
    std::size_t i = 0;
    // Byte by byte up to a multiple of 4 from the mask's start, then 8 at a time.
    for (; i < data.size() && (offset + i) % 4 != 0; ++i) data[i] ^= mask[(offset + i) % 4];
    std::uint32_t m32;
    std::memcpy(&m32, mask.data(), 4);
    const std::uint64_t m64 = (static_cast<std::uint64_t>(m32) << 32) | m32;
    for (; i + 8 <= data.size(); i += 8) {
        std::uint64_t v;
        std::memcpy(&v, data.data() + i, 8);
        v ^= m64;
        std::memcpy(data.data() + i, &v, 8);
    }
    for (; i < data.size(); ++i) data[i] ^= mask[(offset + i) % 4];
}

bool valid_utf8(std::span<const std::byte> text) noexcept {
    std::size_t i = 0;
    const std::size_t n = text.size();
    while (i < n) {
        const auto c = std::to_integer<std::uint8_t>(text[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t extra;
        std::uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            cp = c & 0x07;
        } else {
            return false;  // continuation byte first, overlong C0/C1, F5..FF
        }
        if (n - i <= extra) return false;  // truncated sequence
        for (std::size_t k = 1; k <= extra; ++k) {
            const auto cc = std::to_integer<std::uint8_t>(text[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF)) {
            return false;
        }
        i += extra + 1;
    }
    return true;
}

std::string_view to_string(frame_status s) noexcept {
    switch (s) {
    case frame_status::incomplete:
        return "incomplete";
    case frame_status::ok:
        return "ok";
    case frame_status::bad_reserved:
        return "reserved bits set";
    case frame_status::bad_opcode:
        return "unknown opcode";
    case frame_status::bad_control:
        return "fragmented or oversized control frame";
    case frame_status::bad_length:
        return "invalid length";
    }
    return "?";
}

std::string_view to_string(request_status s) noexcept {
    switch (s) {
    case request_status::ok:
        return "ok";
    case request_status::malformed:
        return "malformed upgrade request";
    case request_status::bad_version:
        return "unsupported WebSocket version";
    case request_status::not_found:
        return "no such path";
    case request_status::bad_subprotocol:
        return "subprotocol not ours";
    }
    return "?";
}

}  // namespace nanoport::transport::ws_wire
