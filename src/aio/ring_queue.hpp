// ring_queue: a FIFO of T over one array that grows by doubling. Unlike
// std::deque, which allocates and frees a node every few elements as they
// pass through, a queue in steady state (push at the back, pop at the front)
// allocates nothing: the pipes' message queues use it so that a message
// passing through costs no malloc. The array follows the load: when the
// queue empties after a round in which it never got past a quarter of a big
// array (over keep_capacity slots), the array shrinks to fit that round, so
// one burst does not pin memory for ever and a steady load never reallocates.
//
// T must be default-constructible and movable; a popped slot is reset to T()
// so that it holds no resources (a message's chunk reference) meanwhile.
#pragma once

#include <cassert>
#include <cstddef>
#include <utility>
#include <vector>

namespace nanoport::aio {

template <class T>
class ring_queue {
public:
    bool empty() const noexcept { return size_ == 0; }
    std::size_t size() const noexcept { return size_; }

    T& front() noexcept {
        assert(size_ > 0);
        return slots_[head_];
    }
    const T& front() const noexcept {
        assert(size_ > 0);
        return slots_[head_];
    }
    // The i-th element from the front.
    T& operator[](std::size_t i) noexcept {
        assert(i < size_);
        return slots_[(head_ + i) & (slots_.size() - 1)];
    }
    const T& operator[](std::size_t i) const noexcept {
        assert(i < size_);
        return slots_[(head_ + i) & (slots_.size() - 1)];
    }

    // Throws std::bad_alloc when the array must grow and cannot; the queue is
    // then unchanged.
    void push_back(T&& value) {
        if (size_ == slots_.size()) grow();
        slots_[(head_ + size_) & (slots_.size() - 1)] = std::move(value);
        if (++size_ > peak_) peak_ = size_;
    }

    void pop_front() noexcept {
        assert(size_ > 0);
        slots_[head_] = T();
        head_ = (head_ + 1) & (slots_.size() - 1);
        if (--size_ == 0) {
            head_ = 0;
            if (slots_.size() > keep_capacity && peak_ <= slots_.size() / 4) {
                std::size_t capacity = keep_capacity;
                while (capacity < 2 * peak_) capacity *= 2;
                std::vector<T> smaller;
                try {
                    smaller.resize(capacity);
                    slots_.swap(smaller);
                } catch (...) {  // keeping the big array is fine too
                }
            }
            peak_ = 0;
        }
    }

    void clear() noexcept {
        while (size_ > 0) pop_front();
    }

    static constexpr std::size_t keep_capacity = 256;

private:
    void grow() {
        const std::size_t capacity = slots_.empty() ? 8 : slots_.size() * 2;
        std::vector<T> bigger(capacity);
        for (std::size_t i = 0; i < size_; ++i) bigger[i] = std::move((*this)[i]);
        slots_.swap(bigger);
        head_ = 0;
    }

    std::vector<T> slots_;  // size 0 or a power of two
    std::size_t head_ = 0;
    std::size_t size_ = 0;
    std::size_t peak_ = 0;  // most elements at once since the queue was last empty
};

}  // namespace nanoport::aio
