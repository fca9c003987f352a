// nanoport::message (include/nanoport/message.hpp) over aio::chunk, and its
// conversions to and from the engine's aio::message (api/cpp_message.hpp).
//
// A nanoport::message holds one reference to a chunk and a view into it: the
// same sharing aio::message has, so handing a message to a socket, or taking
// one from it, moves a reference and copies no byte.
#include "api/cpp_message.hpp"

#include <algorithm>
#include <cstring>

namespace nanoport {

using aio::chunk;

namespace {
chunk* block_of(void* p) noexcept { return static_cast<chunk*>(p); }
}  // namespace

message::message(std::size_t size) : block_(chunk::allocate(size)), size_(size) {}

message::message(std::span<const std::byte> bytes) : message(bytes.size()) {
    if (!bytes.empty()) std::memcpy(block_of(block_)->data(), bytes.data(), bytes.size());
}

message::message(std::string_view text) : message(std::as_bytes(std::span(text.data(), text.size()))) {}

message::message(const message& other) noexcept
    : block_(other.block_), offset_(other.offset_), size_(other.size_) {
    if (block_) block_of(block_)->add_ref();
    // The header is rare (raw sockets) and small; copying it can throw, so a
    // copy that runs out of memory for it keeps none rather than terminate.
    try {
        header_ = other.header_;
    } catch (...) {
        header_.clear();
    }
}

message& message::operator=(const message& other) noexcept {
    if (this != &other) {
        message copy(other);
        *this = std::move(copy);
    }
    return *this;
}

message::message(message&& other) noexcept
    : block_(std::exchange(other.block_, nullptr)),
      offset_(std::exchange(other.offset_, 0)),
      size_(std::exchange(other.size_, 0)),
      header_(std::move(other.header_)) {}

message& message::operator=(message&& other) noexcept {
    if (this != &other) {
        release();
        block_ = std::exchange(other.block_, nullptr);
        offset_ = std::exchange(other.offset_, 0);
        size_ = std::exchange(other.size_, 0);
        header_ = std::move(other.header_);
    }
    return *this;
}

message::~message() { release(); }

void message::release() noexcept {
    if (block_) block_of(block_)->release();
    block_ = nullptr;
}

std::span<const std::byte> message::data() const noexcept {
    if (!block_) return {};
    return {block_of(block_)->data() + offset_, size_};
}

std::span<std::byte> message::mutable_data() {
    if (!block_) return {};
    if (block_of(block_)->shared()) {
        chunk* own = chunk::allocate(size_);
        if (size_) std::memcpy(own->data(), block_of(block_)->data() + offset_, size_);
        release();
        block_ = own;
        offset_ = 0;
    }
    return {block_of(block_)->data() + offset_, size_};
}

bool operator==(const message& a, const message& b) noexcept {
    const auto x = a.data();
    const auto y = b.data();
    return std::ranges::equal(x, y) && a.header_ == b.header_;
}

namespace detail {

aio::message message_access::to_engine(nanoport::message&& m) {
    aio::message out;
    if (m.block_) {
        out = aio::message::adopt(aio::chunk_ref(block_of(std::exchange(m.block_, nullptr))));
        out.trim_front(m.offset_);
        out.truncate(m.size_);
    } else {
        out = aio::message(0);
    }
    if (!m.header_.empty()) out.set_header(m.header_);
    m = nanoport::message();
    return out;
}

nanoport::message message_access::from_engine(aio::message&& m) {
    nanoport::message out;
    if (const aio::chunk_ref& body = m.body_chunk()) {
        chunk* c = body.get();
        c->add_ref();
        out.block_ = c;
        out.offset_ = static_cast<std::size_t>(m.body().data() - c->data());
        out.size_ = m.size();
    }
    const auto header = m.header();
    if (!header.empty()) out.header_.assign(header.begin(), header.end());
    m = aio::message();
    return out;
}

}  // namespace detail

}  // namespace nanoport
