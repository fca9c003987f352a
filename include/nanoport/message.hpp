// nanoport/message.hpp: one SP message, as the C++ API sends and receives it.
//
// A message is a body - a view into a reference-counted block of bytes - and,
// on raw sockets, an SP header (the backtrace words that REQ/REP and survey
// put in front of the body). Copying a message shares its body: no byte is
// copied, and a PUB that sends one message to a thousand peers, or a program
// that keeps a received message in two places, holds one block. The block is
// freed with its last holder. A received message is the very block the
// transport read the bytes into, which it usually shares with the messages
// that arrived with it (over tcp and ipc one read buffer, up to 256 KiB,
// holds many small messages). The buffer lives while any of them does: a
// program that keeps a few small messages out of many for a long time should
// keep copies of their bytes instead.
//
// Writing: mutable_data() gives writable bytes, copying the body first if
// another message still shares it (so a message never changes under a
// holder that did not write it).
//
// Threads: a message object belongs to one thread at a time; copies of it
// (which share the body) may be used on different threads.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "nanoport/export.hpp"

namespace nanoport {

namespace detail {
struct message_access;
}

class NANOPORT_API message {
public:
    // An empty message (a message of 0 bytes is a valid message).
    message() noexcept = default;
    // A body of size bytes, not initialised: fill it through mutable_data().
    // Throws std::bad_alloc.
    explicit message(std::size_t size);
    // A copy of bytes / of text.
    explicit message(std::span<const std::byte> bytes);
    explicit message(std::string_view text);

    message(const message& other) noexcept;
    message& operator=(const message& other) noexcept;
    message(message&& other) noexcept;
    message& operator=(message&& other) noexcept;
    ~message();

    std::span<const std::byte> data() const noexcept;
    // The body as characters (no check that it is text).
    std::string_view text() const noexcept {
        const auto bytes = data();
        return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
    }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }

    // Writable body bytes; copies the body first if it is shared.
    std::span<std::byte> mutable_data();
    // True when both messages hold the same block (a copy, not equal bytes).
    bool shares_body_with(const message& other) const noexcept {
        return block_ != nullptr && block_ == other.block_;
    }

    // SP header (raw sockets only: cooked sockets add and strip it).
    std::span<const std::byte> header() const noexcept { return header_; }
    void set_header(std::span<const std::byte> bytes) { header_.assign(bytes.begin(), bytes.end()); }

    NANOPORT_API friend bool operator==(const message& a, const message& b) noexcept;

private:
    friend struct detail::message_access;
    void release() noexcept;

    void* block_ = nullptr;  // the library's reference-counted block; one reference
    std::size_t offset_ = 0;
    std::size_t size_ = 0;
    std::vector<std::byte> header_;
};

}  // namespace nanoport
