#include "format.hpp"

#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

namespace npcat {

namespace {

// isprint() in the C locale, which is what nanocat (which never calls
// setlocale) tests every byte with; bytes above 0x7f are not printable there.
bool printable(unsigned char c) { return c >= 0x20 && c <= 0x7e; }

void append_hex_escape(std::string& out, unsigned char c) {
    static constexpr char digits[] = "0123456789abcdef";
    out += "\\x";
    out += digits[c >> 4];
    out += digits[c & 0xf];
}

std::string ascii(std::string_view body) {
    std::string out;
    out.reserve(body.size() + 1);
    for (char ch : body) out += printable(static_cast<unsigned char>(ch)) ? ch : '.';
    out += '\n';
    return out;
}

std::string quoted(std::string_view body) {
    std::string out = "\"";
    for (char ch : body) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\\':
            case '"':
                out += '\\';
                out += ch;
                break;
            default:
                if (printable(c)) {
                    out += ch;
                } else {
                    append_hex_escape(out, c);
                }
        }
    }
    out += "\"\n";
    return out;
}

// nanocat writes the length as the low bytes of an int, big-endian; bodies
// of 4 GiB and more cannot arrive through nn_recv's int result.
std::string msgpack(std::string_view body) {
    std::string out;
    const std::size_t n = body.size();
    if (n < 256) {
        out += '\xc4';
        out += static_cast<char>(n);
    } else if (n < 65536) {
        out += '\xc5';
        out += static_cast<char>(n >> 8);
        out += static_cast<char>(n & 0xff);
    } else {
        out += '\xc6';
        out += static_cast<char>((n >> 24) & 0xff);
        out += static_cast<char>((n >> 16) & 0xff);
        out += static_cast<char>((n >> 8) & 0xff);
        out += static_cast<char>(n & 0xff);
    }
    out.append(body);
    return out;
}

std::string hex(std::string_view body) {
    std::string out = "\"";
    out.reserve(body.size() * 4 + 3);
    for (char ch : body) append_hex_escape(out, static_cast<unsigned char>(ch));
    out += "\"\n";
    return out;
}

}  // namespace

std::optional<format> format_from_name(std::string_view name) {
    if (name == "no") return format::none;
    if (name == "raw") return format::raw;
    if (name == "ascii") return format::ascii;
    if (name == "quoted") return format::quoted;
    if (name == "msgpack") return format::msgpack;
    if (name == "hex") return format::hex;
    if (name == "json") return format::json;
    return std::nullopt;
}

std::string format_message(format f, std::string_view body, const message_info& info) {
    switch (f) {
        case format::none:
            return {};
        case format::raw:
            return std::string(body);
        case format::ascii:
            return ascii(body);
        case format::quoted:
            return quoted(body);
        case format::msgpack:
            return msgpack(body);
        case format::hex:
            return hex(body);
        case format::json:
            return format_json(body, info);
    }
    return {};
}

std::string format_json(std::string_view body, const message_info& info) {
    nlohmann::ordered_json j;
    j["time"] = iso8601_utc(info.received);
    j["size"] = body.size();
    if (is_valid_utf8(body)) {
        j["encoding"] = "utf-8";
        j["body"] = std::string(body);
    } else {
        j["encoding"] = "base64";
        j["body"] = base64_encode(body);
    }
    if (info.request_id) j["request_id"] = *info.request_id;
    return j.dump() + '\n';
}

bool is_valid_utf8(std::string_view bytes) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    const auto* end = p + bytes.size();
    while (p != end) {
        const unsigned char c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        int length;
        std::uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) {
            length = 2;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            length = 3;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            length = 4;
            cp = c & 0x07;
        } else {
            return false;  // a continuation byte first, 0xc0/0xc1 (overlong) or > 0xf4
        }
        if (end - p < length) return false;
        for (int i = 1; i < length; ++i) {
            if ((p[i] & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        if ((length == 3 && cp < 0x800) || (length == 4 && cp < 0x10000)) return false;  // overlong
        if (cp >= 0xd800 && cp <= 0xdfff) return false;  // surrogate
        if (cp > 0x10ffff) return false;
        p += length;
    }
    return true;
}

std::string base64_encode(std::string_view bytes) {
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    const auto at = [&](std::size_t k) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k]));
    };
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t v = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
        out += alphabet[v >> 18];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        const std::uint32_t v = at(i) << 16;
        out += alphabet[v >> 18];
        out += alphabet[(v >> 12) & 63];
        out += "==";
    } else if (rest == 2) {
        const std::uint32_t v = at(i) << 16 | at(i + 1) << 8;
        out += alphabet[v >> 18];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

std::string iso8601_utc(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    const auto since_epoch = duration_cast<microseconds>(t.time_since_epoch());
    auto secs = duration_cast<seconds>(since_epoch);
    auto micros = since_epoch - secs;
    if (micros.count() < 0) {  // before 1970: keep the fraction positive
        secs -= seconds(1);
        micros += seconds(1);
    }
    const std::time_t tt = static_cast<std::time_t>(secs.count());
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<long long>(micros.count()));
    return buf;
}

}  // namespace npcat
