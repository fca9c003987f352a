#include "aio/message.hpp"

#include <cassert>
#include <cstdlib>
#include <new>

namespace nanoport::aio {

namespace {
// Marks a live chunk; from_data() callers in debug builds check it.
constexpr std::uint32_t live_tag = 0x6e706368;  // "npch"
}  // namespace

static_assert(sizeof(chunk) <= chunk::header_size);

chunk* chunk::allocate(std::size_t capacity) {
    if (capacity > SIZE_MAX - header_size) throw std::bad_alloc();
    void* block = std::malloc(header_size + capacity);
    if (!block) throw std::bad_alloc();
    chunk* c = new (block) chunk();
    c->tag_ = live_tag;
    c->size_ = capacity;
    c->capacity_ = capacity;
    return c;
}

chunk* chunk::from_data(void* p) noexcept {
    chunk* c = reinterpret_cast<chunk*>(static_cast<std::byte*>(p) - header_size);
    assert(c->tag_ == live_tag);
    return c;
}

void chunk::release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        tag_ = 0;
        this->~chunk();
        std::free(this);
    }
}

chunk* chunk::reallocate(chunk* c, std::size_t new_size) noexcept {
    if (new_size <= c->capacity_) {
        c->size_ = new_size;
        return c;
    }
    if (new_size > SIZE_MAX - header_size) return nullptr;
    void* block = std::realloc(c, header_size + new_size);
    if (!block) return nullptr;
    chunk* grown = static_cast<chunk*>(block);
    grown->size_ = new_size;
    grown->capacity_ = new_size;
    return grown;
}

message::message(std::size_t body_size)
    : body_(chunk::allocate(body_size)), size_(body_size) {}

message message::copy_of(std::span<const std::byte> bytes) {
    message m(bytes.size());
    if (!bytes.empty()) std::memcpy(m.body_.get()->data(), bytes.data(), bytes.size());
    return m;
}

message message::adopt(chunk_ref body) noexcept {
    message m;
    m.size_ = body ? body.get()->size() : 0;
    m.body_ = std::move(body);
    return m;
}

message::message(const message& other)
    : body_(other.body_), offset_(other.offset_), size_(other.size_) {
    set_header(other.header());
}

message& message::operator=(const message& other) {
    if (this != &other) {
        body_ = other.body_;
        offset_ = other.offset_;
        size_ = other.size_;
        set_header(other.header());
    }
    return *this;
}

message::message(message&& other) noexcept
    : body_(std::move(other.body_)),
      offset_(std::exchange(other.offset_, 0)),
      size_(std::exchange(other.size_, 0)),
      header_size_(std::exchange(other.header_size_, 0)),
      big_capacity_(std::exchange(other.big_capacity_, 0)),
      big_header_(std::move(other.big_header_)) {
    if (!big_header_ && header_size_) std::memcpy(inline_header_, other.inline_header_, header_size_);
}

message& message::operator=(message&& other) noexcept {
    if (this != &other) {
        body_ = std::move(other.body_);
        offset_ = std::exchange(other.offset_, 0);
        size_ = std::exchange(other.size_, 0);
        header_size_ = std::exchange(other.header_size_, 0);
        big_capacity_ = std::exchange(other.big_capacity_, 0);
        big_header_ = std::move(other.big_header_);
        if (!big_header_ && header_size_) {
            std::memcpy(inline_header_, other.inline_header_, header_size_);
        }
    }
    return *this;
}

std::span<std::byte> message::mutable_body() noexcept {
    if (!body_) return {};
    assert(!body_.get()->shared());
    return {body_.get()->data() + offset_, size_};
}

void message::reserve_header(std::size_t n) {
    if (n <= inline_header_capacity && !big_header_) return;
    if (n <= big_capacity_) return;
    auto grown = std::make_unique<std::byte[]>(n);
    if (header_size_) std::memcpy(grown.get(), header_data(), header_size_);
    big_header_ = std::move(grown);
    big_capacity_ = n;
}

void message::set_header(std::span<const std::byte> bytes) {
    if (bytes.data() == header_data() && bytes.size() == header_size_) return;
    header_size_ = 0;
    reserve_header(bytes.size());
    if (!bytes.empty()) std::memcpy(header_data(), bytes.data(), bytes.size());
    header_size_ = bytes.size();
}

void message::push_header_word(std::uint32_t word) {
    reserve_header(header_size_ + 4);
    std::byte* at = header_data() + header_size_;
    at[0] = std::byte(word >> 24);
    at[1] = std::byte(word >> 16);
    at[2] = std::byte(word >> 8);
    at[3] = std::byte(word);
    header_size_ += 4;
}

}  // namespace nanoport::aio
