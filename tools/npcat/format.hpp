// How npcat prints a received message: nanocat's echo formats (raw, ascii,
// quoted, msgpack, hex, byte for byte as nanocat 1.1.5 prints them) and
// npcat's own json format. Pure functions, no I/O: the caller writes the
// returned bytes. Called from the receive loops (run.cpp) on the main thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace npcat {

enum class format {
    none,     // print nothing (nanocat's default, "--format no")
    raw,      // the body as it is, no delimiter
    ascii,    // printable ASCII kept, every other byte '.', then '\n'
    quoted,   // "..." with \n \r \\ \" and \xNN escapes, then '\n'
    msgpack,  // a msgpack bin 8/16/32 object holding the body
    hex,      // "\xNN..." for every byte, then '\n'
    json,     // one JSON object per line (see format_json)
};

// The format named NAME on the command line ("no", "raw", ...), if any.
std::optional<format> format_from_name(std::string_view name);

// What npcat knows about a received message besides its body.
struct message_info {
    std::chrono::system_clock::time_point received;
    // The request (or survey) id of a REQ/REP/SURVEYOR/RESPONDENT message,
    // top bit cleared; only known where npcat sees the SP header (run.cpp).
    std::optional<std::uint32_t> request_id;
};

// The bytes to print for BODY in format F ("" for format::none).
std::string format_message(format f, std::string_view body, const message_info& info);

// One JSON object and '\n':
//   {"time":"2026-11-22T15:34:57.123456Z","size":5,"encoding":"utf-8","body":"hello"}
// "encoding" is "utf-8" when BODY is valid UTF-8 (then "body" is that text),
// else "base64" (then "body" is BODY in base64, RFC 4648 with padding).
// "request_id" follows when INFO has one.
std::string format_json(std::string_view body, const message_info& info);

// Whether BYTES is well-formed UTF-8 (no overlong forms, no surrogates,
// nothing above U+10FFFF).
bool is_valid_utf8(std::string_view bytes);

// BYTES in base64 (RFC 4648 alphabet, '=' padding).
std::string base64_encode(std::string_view bytes);

// T as ISO 8601 UTC with microseconds: "2026-11-22T15:34:57.123456Z".
std::string iso8601_utc(std::chrono::system_clock::time_point t);

}  // namespace npcat
