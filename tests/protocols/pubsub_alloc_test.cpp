// Counts heap allocations by replacing the global operator new for this whole
// executable, to prove that the fan-out and filtering hot paths allocate
// nothing per message: PUB's copies are message objects sharing one body,
// SUB's prefix match walks the trie in place, and raw BUS's origin header fits
// the message's inline header. Per-pipe state and subscriptions are made
// before counting starts.
#include "protocols/pubsub/pub.hpp"

#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>

#include "protocols/bus/xbus.hpp"
#include "protocols/pubsub/sub.hpp"
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

// A pipe with fixed room for `slots` outbound messages and a fixed supply of
// inbound ones, so that the double allocates nothing while counting.
template <std::size_t slots>
class fixed_pipe final : public nanoport::transport::pipe {
public:
    bool send(message&& m) override {
        outbox_[queued_++] = std::move(m);
        ++taken;
        return queued_ < slots;
    }
    receive_result receive(message& m) override {
        if (next_in_ == inbox_.size()) return {};
        m = std::move(inbox_[next_in_++]);
        return {true, next_in_ < inbox_.size()};
    }
    void close() override {}
    std::uint16_t peer_protocol() const override { return 0; }
    int send_priority() const override { return 8; }
    int receive_priority() const override { return 8; }
    std::string describe() const override { return {}; }

    // The peer read everything; true when the pipe had reported full.
    bool take_all() {
        const bool was_full = queued_ == slots;
        while (queued_ > 0) outbox_[--queued_] = message();
        return was_full;
    }
    // The peer sent inbound[0..]; true when the pipe had nothing before.
    bool supply(const std::array<message, 4>& inbound) {
        const bool was_empty = next_in_ == inbox_.size();
        inbox_ = inbound;
        next_in_ = 0;
        return was_empty;
    }

    long taken = 0;

private:
    std::array<message, slots> outbox_;
    std::array<message, 4> inbox_;
    std::size_t queued_ = 0;
    std::size_t next_in_ = inbox_.size();
};

std::span<const std::byte> bytes(const char* text) {
    return {reinterpret_cast<const std::byte*>(text), std::char_traits<char>::length(text)};
}

}  // namespace

TEST_CASE("pub fans out and counts drops without allocating per message") {
    nanoport::protocols::pub proto;
    fixed_pipe<4> a, b;
    fixed_pipe<2> slow;
    REQUIRE_FALSE(proto.add(a));
    REQUIRE_FALSE(proto.add(b));
    REQUIRE_FALSE(proto.add(slow));
    const message original = nanoport::test::text_message("sixteen bytes...");
    const long before = allocations.load();
    for (int i = 0; i < 20000; ++i) {
        message m = original;
        REQUIRE_FALSE(proto.send(m));
        if (i % 4 == 3) {
            if (a.take_all()) proto.writable(a);
            if (b.take_all()) proto.writable(b);
        }
        if (i % 8 == 7 && slow.take_all()) proto.writable(slow);
    }
    CHECK(allocations.load() - before == 0);
    CHECK(proto.dropped(slow) > 0);
    CHECK(proto.delivered() + proto.dropped() == 3 * 20000);
    proto.remove(a);
    proto.remove(b);
    proto.remove(slow);
}

TEST_CASE("sub matches and discards without allocating per message") {
    nanoport::protocols::sub proto;
    fixed_pipe<1> p;
    REQUIRE_FALSE(proto.add(p));
    char topic[32];
    for (int i = 0; i < 1000; ++i) {
        std::snprintf(topic, sizeof topic, "topic/%03d/", i);
        REQUIRE_FALSE(proto.set_option(33, 1, bytes(topic)));
    }
    const std::array<message, 4> inbound{
        nanoport::test::text_message("topic/042/reading"),
        nanoport::test::text_message("other/042/reading"),
        nanoport::test::text_message("topic/999/"),
        nanoport::test::text_message("topic/04"),
    };
    const long before = allocations.load();
    message got;
    int received = 0;
    for (int i = 0; i < 5000; ++i) {
        if (p.supply(inbound)) proto.readable(p);
        while (!proto.receive(got)) ++received;
    }
    CHECK(allocations.load() - before == 0);
    CHECK(received == 2 * 5000);
    CHECK(proto.filtered() == 2 * 5000);
    proto.remove(p);
}

TEST_CASE("raw bus receives with an origin header and relays without allocating per message") {
    nanoport::protocols::xbus proto;
    fixed_pipe<4> a, b, c;
    REQUIRE_FALSE(proto.add(a));
    REQUIRE_FALSE(proto.add(b));
    REQUIRE_FALSE(proto.add(c));
    const message original = nanoport::test::text_message("sixteen bytes...");
    const std::array<message, 4> inbound{original, original, original, original};
    const long before = allocations.load();
    message m;
    for (int i = 0; i < 5000; ++i) {
        if (b.supply(inbound)) proto.readable(b);
        while (!proto.receive(m)) {
            REQUIRE_FALSE(proto.send(m));  // to a and c only
            for (auto* p : {&a, &b, &c}) {
                if (p->take_all()) proto.writable(*p);
            }
        }
    }
    CHECK(allocations.load() - before == 0);
    CHECK(a.taken == 4 * 5000);
    CHECK(b.taken == 0);
    CHECK(c.taken == 4 * 5000);
    proto.remove(a);
    proto.remove(b);
    proto.remove(c);
}
