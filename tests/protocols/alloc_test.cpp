// Counts heap allocations by replacing the global operator new for this whole
// executable, to prove that PUSH, PULL and PAIR move messages without
// allocating: their per-pipe state is made in add(), nothing per message.
#include "protocols/pipeline/push.hpp"

#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <new>

#include "protocols/pair/pair.hpp"
#include "protocols/pipeline/pull.hpp"
#include "protocols/test_pipe.hpp"

namespace {
std::atomic<long> allocations{0};
}

void* operator new(std::size_t n) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using nanoport::aio::message;

namespace {

// A pipe over a fixed ring of 4 messages each way, so the double itself
// allocates nothing either.
class ring_pipe final : public nanoport::transport::pipe {
public:
    explicit ring_pipe(int priority) : priority_(priority) {}

    bool send(message&& m) override {
        out_[out_count_++] = std::move(m);
        return out_count_ < out_.size();
    }
    receive_result receive(message& m) override {
        if (in_next_ == in_count_) return {};
        m = std::move(in_[in_next_++]);
        return {true, in_next_ < in_count_};
    }
    void close() override {}
    std::uint16_t peer_protocol() const override { return 0; }
    int send_priority() const override { return priority_; }
    int receive_priority() const override { return priority_; }
    std::string describe() const override { return {}; }

    // The peer took everything; true when the pipe was full.
    bool drain() {
        const bool was_full = out_count_ == out_.size();
        for (std::size_t i = 0; i < out_count_; ++i) out_[i] = message();
        out_count_ = 0;
        return was_full;
    }
    // The peer sent a full ring of copies of m; true when the pipe was empty.
    bool refill(const message& m) {
        const bool was_empty = in_next_ == in_count_;
        for (auto& slot : in_) slot = m;
        in_next_ = 0;
        in_count_ = in_.size();
        return was_empty;
    }

private:
    int priority_;
    std::array<message, 4> out_;
    std::array<message, 4> in_;
    std::size_t out_count_ = 0;
    std::size_t in_next_ = 0;
    std::size_t in_count_ = 0;
};

}  // namespace

TEST_CASE("push sends without allocating per message") {
    nanoport::protocols::push proto;
    ring_pipe a(1), b(1), c(5);
    const long before_add = allocations.load();
    REQUIRE_FALSE(proto.add(a));
    CHECK(allocations.load() > before_add);  // the counter sees the per-pipe state
    REQUIRE_FALSE(proto.add(b));
    REQUIRE_FALSE(proto.add(c));
    const message original = nanoport::test::text_message("sixteen bytes...");
    const long before = allocations.load();
    for (int i = 0; i < 20000; ++i) {
        if (!proto.can_send()) {
            for (ring_pipe* p : {&a, &b, &c}) {
                if (p->drain()) proto.writable(*p);
            }
        }
        message m = original;
        REQUIRE_FALSE(proto.send(m));
    }
    CHECK(allocations.load() - before == 0);
    proto.remove(a);
    proto.remove(b);
    proto.remove(c);
}

TEST_CASE("pull receives without allocating per message") {
    nanoport::protocols::pull proto;
    ring_pipe a(8), b(8);
    REQUIRE_FALSE(proto.add(a));
    REQUIRE_FALSE(proto.add(b));
    const message original = nanoport::test::text_message("sixteen bytes...");
    const long before = allocations.load();
    message m;
    for (int i = 0; i < 20000; ++i) {
        if (!proto.can_receive()) {
            for (ring_pipe* p : {&a, &b}) {
                if (p->refill(original)) proto.readable(*p);
            }
        }
        REQUIRE_FALSE(proto.receive(m));
    }
    CHECK(allocations.load() - before == 0);
    proto.remove(a);
    proto.remove(b);
}

TEST_CASE("pair sends and receives without allocating per message") {
    nanoport::protocols::pair proto;
    ring_pipe p(8);
    REQUIRE_FALSE(proto.add(p));
    const message original = nanoport::test::text_message("sixteen bytes...");
    const long before = allocations.load();
    message got;
    for (int i = 0; i < 20000; ++i) {
        if (!proto.can_send() && p.drain()) proto.writable(p);
        message m = original;
        REQUIRE_FALSE(proto.send(m));
        if (!proto.can_receive() && p.refill(original)) proto.readable(p);
        REQUIRE_FALSE(proto.receive(got));
    }
    CHECK(allocations.load() - before == 0);
    proto.remove(p);
}
