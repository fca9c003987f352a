#include "aio/message.hpp"

#include <bit>
#include <cassert>
#include <cstdlib>
#include <mutex>
#include <new>

namespace nanoport::aio {

namespace {
// Marks a live chunk; from_data() callers in debug builds check it.
constexpr std::uint32_t live_tag = 0x6e706368;  // "npch"

// Small chunks get a capacity of a power of two (at least smallest_class), so
// that a freed one fits the next message of about the same size; each thread
// keeps, per class, the last small chunk it freed for its next allocation of
// that class. A stream of nn_send calls (allocate a body, the pipe copies it,
// free it) thus reuses one chunk and calls malloc for none of them.
constexpr std::size_t smallest_class = 64;
constexpr std::size_t largest_class = 4096;
constexpr std::size_t classes = 7;  // 64 .. 4096

// Large chunks, up to largest_kept, get a capacity rounded up to a quarter
// step between two powers of two (at most 25% more than asked), and freed
// ones go to one cache that every thread shares: a big body is allocated on
// the sender's thread and freed on a worker, or the other way round, so a
// cache per thread would only ever fill on one side. Without it each big
// message was a malloc that glibc served from freshly faulted pages (it gives
// big free blocks back to the system): ~30 page faults per 1 MiB message.
// The cache holds at most kept_per_class blocks of a class and about
// kept_bytes_limit bytes in all.
constexpr std::size_t largest_kept = 4 * 1024 * 1024;
constexpr std::size_t large_classes = 4 * 10 + 1;  // 4096 * (1.25 .. 2) .. 4 MiB
constexpr std::size_t kept_per_class = 4;
constexpr std::size_t kept_bytes_limit = 16 * 1024 * 1024;

// The class index of a capacity up to largest_class.
std::size_t class_index(std::size_t capacity) noexcept {
    std::size_t i = 0;
    for (std::size_t c = smallest_class; c < capacity; c *= 2) ++i;
    return i;
}

// The smallest quarter step (p, 1.25p, 1.5p, 1.75p, for p a power of two)
// that holds capacity; capacity > largest_class.
std::size_t large_class_of(std::size_t capacity) noexcept {
    const std::size_t p = std::bit_floor(capacity);
    const std::size_t step = p / 4;
    return (capacity + step - 1) / step * step;
}

// The index of a large class's capacity: 4 per power of two above largest_class.
std::size_t large_index(std::size_t capacity) noexcept {
    const std::size_t p = std::bit_floor(capacity);
    const std::size_t quarter = (capacity - p) / (p / 4);
    return (static_cast<std::size_t>(std::countr_zero(p)) - 12) * 4 + quarter;
}

std::size_t class_of(std::size_t capacity) noexcept {
    if (capacity <= largest_class) return smallest_class << class_index(capacity);
    if (capacity <= largest_kept) return large_class_of(capacity);
    return capacity;
}

struct chunk_cache {
    void* blocks[classes] = {};
    ~chunk_cache() {
        for (void* b : blocks) std::free(b);
    }
};
thread_local chunk_cache cache;

class large_cache {
public:
    void* take(std::size_t capacity) noexcept {
        shelf& s = shelves_[large_index(capacity)];
        std::lock_guard<std::mutex> lock(s.mutex);
        if (s.count == 0) return nullptr;
        bytes_.fetch_sub(capacity, std::memory_order_relaxed);
        return s.blocks[--s.count];
    }
    // False when the cache is full: the caller frees the block.
    bool keep(void* block, std::size_t capacity) noexcept {
        if (bytes_.load(std::memory_order_relaxed) + capacity > kept_bytes_limit) return false;
        shelf& s = shelves_[large_index(capacity)];
        std::lock_guard<std::mutex> lock(s.mutex);
        if (s.count == kept_per_class) return false;
        s.blocks[s.count++] = block;
        bytes_.fetch_add(capacity, std::memory_order_relaxed);
        return true;
    }

private:
    struct shelf {
        std::mutex mutex;
        void* blocks[kept_per_class] = {};
        std::size_t count = 0;
    };
    shelf shelves_[large_classes];
    std::atomic<std::size_t> bytes_{0};
};

// Never destroyed: a worker may free a chunk while the process exits. What
// it holds then is reachable from here, so leak checkers do not count it.
large_cache& shared_large_cache() {
    static large_cache* const c = new large_cache;
    return *c;
}
}  // namespace

static_assert(sizeof(chunk) <= chunk::header_size);

chunk* chunk::allocate(std::size_t size) {
    if (size > SIZE_MAX - header_size) throw std::bad_alloc();
    const std::size_t capacity = class_of(size);
    void* block = nullptr;
    if (capacity <= largest_class) {
        block = std::exchange(cache.blocks[class_index(capacity)], nullptr);
    } else if (capacity <= largest_kept) {
        block = shared_large_cache().take(capacity);
    }
    if (!block) {
        block = std::malloc(header_size + capacity);
        if (!block) throw std::bad_alloc();
    }
    chunk* c = new (block) chunk();
    c->tag_ = live_tag;
    c->size_ = size;
    c->capacity_ = capacity;
    return c;
}

chunk* chunk::from_data(void* p) noexcept {
    chunk* c = reinterpret_cast<chunk*>(static_cast<std::byte*>(p) - header_size);
    assert(c->tag_ == live_tag);
    return c;
}

void chunk::release() noexcept {
    // A count of 1 is our own reference: nobody else can add one, so the
    // chunk goes without a locked read-modify-write (the common case: a body
    // that was never shared).
    if (refs_.load(std::memory_order_acquire) == 1 ||
        refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        tag_ = 0;
        const std::size_t capacity = capacity_;
        this->~chunk();
        // Only a chunk of exactly a class's capacity is kept: one that
        // reallocate() grew or shrank may have any.
        if (class_of(capacity) != capacity) {
            std::free(this);
        } else if (capacity <= largest_class) {
            void*& slot = cache.blocks[class_index(capacity)];
            if (slot) {
                std::free(this);
            } else {
                slot = this;
            }
        } else if (capacity > largest_kept || !shared_large_cache().keep(this, capacity)) {
            std::free(this);
        }
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

message message::slice(const chunk_ref& c, std::size_t offset, std::size_t size) noexcept {
    assert(c && offset + size <= c.get()->size());
    message m;
    m.body_ = c;
    m.offset_ = offset;
    m.size_ = size;
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
