// chunk and message: how nanoport holds message data.
//
// A chunk is one heap block: a small header (reference count, size, capacity)
// followed by the bytes. chunk_ref is the owning handle; copying it shares the
// bytes (a PUB fan-out to N pipes copies no body). The data pointer of a chunk
// leads back to the chunk (chunk::from_data), which is what the C API's
// zero-copy NN_MSG buffers (nn_allocmsg/nn_freemsg) are built on.
//
// A message is an SP header (the backtrace words of req/rep and survey; small,
// kept inline up to inline_header_capacity bytes) plus a body: a view
// [offset, offset+size) into a shared chunk.
//
// Threads: a chunk's count is atomic, so refs to one chunk may live on many
// threads. A message object itself belongs to one thread at a time; bytes of a
// shared chunk must not be written (mutable_data() asserts the chunk is unshared).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <utility>

namespace nanoport::aio {

class chunk {
public:
    // Allocates a chunk of size bytes with one reference; its capacity may be
    // more (sizes are rounded up to a class, a power of two up to 4 KiB and a
    // quarter step between two up to 4 MiB, so that a freed chunk fits the
    // next message: see message.cpp). Throws std::bad_alloc.
    static chunk* allocate(std::size_t size);
    // The chunk whose data() is p. p must come from data() of a live chunk.
    static chunk* from_data(void* p) noexcept;

    std::byte* data() noexcept { return reinterpret_cast<std::byte*>(this) + header_size; }
    const std::byte* data() const noexcept {
        return reinterpret_cast<const std::byte*>(this) + header_size;
    }
    std::size_t size() const noexcept { return size_; }
    std::size_t capacity() const noexcept { return capacity_; }
    // Shrinks or grows (within capacity) the used size.
    void resize_within(std::size_t n) noexcept { size_ = n; }
    bool shared() const noexcept { return refs_.load(std::memory_order_acquire) > 1; }

    void add_ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
    void release() noexcept;

    // A chunk of new_size bytes holding the first min(size, new_size) bytes of
    // c, which is consumed. Shrinking or growing within capacity keeps the
    // address (nn_reallocmsg's promise). Returns null, leaving c untouched, when
    // memory runs out.
    static chunk* reallocate(chunk* c, std::size_t new_size) noexcept;

    // Bytes before data(): keeps the data maximally aligned.
    static constexpr std::size_t header_size = 32;

private:
    chunk() = default;
    std::atomic<std::uint32_t> refs_{1};
    std::uint32_t tag_ = 0;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

class chunk_ref {
public:
    chunk_ref() noexcept = default;
    explicit chunk_ref(chunk* adopted) noexcept : chunk_(adopted) {}
    chunk_ref(const chunk_ref& other) noexcept : chunk_(other.chunk_) {
        if (chunk_) chunk_->add_ref();
    }
    chunk_ref(chunk_ref&& other) noexcept : chunk_(std::exchange(other.chunk_, nullptr)) {}
    chunk_ref& operator=(chunk_ref other) noexcept {
        std::swap(chunk_, other.chunk_);
        return *this;
    }
    ~chunk_ref() {
        if (chunk_) chunk_->release();
    }

    chunk* get() const noexcept { return chunk_; }
    chunk* detach() noexcept { return std::exchange(chunk_, nullptr); }
    explicit operator bool() const noexcept { return chunk_ != nullptr; }

private:
    chunk* chunk_ = nullptr;
};

class message {
public:
    static constexpr std::size_t inline_header_capacity = 32;

    message() noexcept = default;
    // A message whose body is n fresh (uninitialised) bytes.
    explicit message(std::size_t body_size);
    // A message whose body is a copy of bytes.
    static message copy_of(std::span<const std::byte> bytes);
    // A message sharing the whole of an existing chunk.
    static message adopt(chunk_ref body) noexcept;
    // A message whose body is bytes [offset, offset+size) of a chunk, shared
    // with whoever else refers to it (a pipe slices received messages out of
    // its read buffer this way: no allocation and no copy per message).
    static message slice(const chunk_ref& c, std::size_t offset, std::size_t size) noexcept;

    message(const message& other);
    message& operator=(const message& other);
    message(message&& other) noexcept;
    message& operator=(message&& other) noexcept;
    ~message() = default;

    // Body.
    std::span<const std::byte> body() const noexcept {
        return body_ ? std::span<const std::byte>(body_.get()->data() + offset_, size_)
                     : std::span<const std::byte>();
    }
    // Writable body; only while the body chunk is not shared.
    std::span<std::byte> mutable_body() noexcept;
    std::size_t size() const noexcept { return size_; }
    // Drops the first n body bytes (n <= size()): no copy.
    void trim_front(std::size_t n) noexcept {
        offset_ += n;
        size_ -= n;
    }
    // Keeps only the first n body bytes (n <= size()).
    void truncate(std::size_t n) noexcept { size_ = n; }
    const chunk_ref& body_chunk() const noexcept { return body_; }
    // True when body() is the whole chunk (zero-copy hand-over to the C API).
    bool body_is_whole_chunk() const noexcept {
        return body_ && offset_ == 0 && size_ == body_.get()->size();
    }

    // SP header.
    std::span<const std::byte> header() const noexcept {
        return {header_data(), header_size_};
    }
    void set_header(std::span<const std::byte> bytes);
    // Appends a 32-bit word in network byte order / removes the first n bytes.
    void push_header_word(std::uint32_t word);
    void clear_header() noexcept { header_size_ = 0; big_header_.reset(); big_capacity_ = 0; }

    // Header bytes + body bytes (what goes on the wire after the length).
    std::size_t wire_size() const noexcept { return header_size_ + size_; }

private:
    const std::byte* header_data() const noexcept {
        return big_header_ ? big_header_.get() : inline_header_;
    }
    std::byte* header_data() noexcept { return big_header_ ? big_header_.get() : inline_header_; }
    void reserve_header(std::size_t n);

    chunk_ref body_;
    std::size_t offset_ = 0;
    std::size_t size_ = 0;
    std::size_t header_size_ = 0;
    std::size_t big_capacity_ = 0;
    std::unique_ptr<std::byte[]> big_header_;
    std::byte inline_header_[inline_header_capacity];
};

}  // namespace nanoport::aio
