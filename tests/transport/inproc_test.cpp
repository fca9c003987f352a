#include "transport/inproc/inproc.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <ostream>  // doctest prints std::error_code through operator<<
#include <string>
#include <thread>
#include <vector>

#include "aio/message.hpp"
#include "aio/pool.hpp"
#include "support/wait.hpp"
#include "transport/address.hpp"
#include "transport/inproc/inproc_pipe.hpp"

// The inproc transport is tested on its own, under small "test sockets":
// socket_hooks implementations that record every call (under the test's
// notifier, so a test can wait for them) and let the test send and receive on
// their pipes inside their ctx, as a protocol would.

namespace {

using namespace nanoport;
using namespace nanoport::transport;
using namespace std::chrono_literals;
using nanoport::test::notifier;
// transport::pipe; plain `pipe` would also find POSIX pipe().
using sp_pipe = nanoport::transport::pipe;

constexpr std::uint16_t pair_id = 16;
constexpr std::uint16_t pub_id = 32;
constexpr std::uint16_t sub_id = 33;
constexpr std::uint16_t push_id = 80;
constexpr std::uint16_t pull_id = 81;

aio::pool& test_pool() {
    static aio::pool workers(1);
    return workers;
}

aio::message text_message(const std::string& text) {
    return aio::message::copy_of(std::as_bytes(std::span(text.data(), text.size())));
}

std::string text_of(const aio::message& m) {
    return std::string(reinterpret_cast<const char*>(m.body().data()), m.size());
}

// A socket stand-in. Its records are guarded by the notifier's mutex; its
// pipes are only touched inside its ctx (inside()).
class test_socket final : public socket_hooks {
public:
    test_socket(notifier& n, std::uint16_t id, std::vector<std::uint16_t> peers,
                pipe_options options = {})
        : n_(n), id_(id), peers_(std::move(peers)), options_(options) {}

    test_socket(const test_socket&) = delete;
    test_socket& operator=(const test_socket&) = delete;

    ~test_socket() {
        while (!endpoints_.empty()) close(endpoints_.back().get());
    }

    // ---- socket_hooks ----
    aio::fsm_ctx& ctx() override { return ctx_; }
    std::uint16_t protocol_id() const override { return id_; }
    bool accepts_peer(std::uint16_t peer) const override {
        return std::find(peers_.begin(), peers_.end(), peer) != peers_.end();
    }
    pipe_options current_options() const override { return options_; }
    aio::pool& workers() override { return test_pool(); }

    std::error_code pipe_added(sp_pipe& p) override {
        CHECK(ctx_.inside());
        auto lk = n_.lock();
        ++added;
        pipes.push_back(&p);
        n_.notify();
        if (refuse_pipes) return std::make_error_code(std::errc::already_connected);
        return {};
    }
    void pipe_removed(sp_pipe& p) override {
        CHECK(ctx_.inside());
        auto lk = n_.lock();
        ++removed;
        std::erase(pipes, &p);
        n_.notify();
    }
    void pipe_readable(sp_pipe&) override {
        CHECK(ctx_.inside());
        auto lk = n_.lock();
        ++readable_calls;
        readable_pending = true;
        n_.notify();
    }
    void pipe_writable(sp_pipe&) override {
        CHECK(ctx_.inside());
        auto lk = n_.lock();
        ++writable_calls;
        n_.notify();
    }
    void endpoint_stopped(endpoint& e) override {
        CHECK(ctx_.inside());
        auto lk = n_.lock();
        ++stopped[&e];
        n_.notify();
    }
    void count_established() override { ++established; }
    void count_accepted() override { ++accepted; }
    void count_broken() override { ++broken; }
    void count_bind_error() override { ++bind_errors; }

    // ---- test side ----

    // Runs f inside the ctx, as the socket's own code would.
    template <typename F>
    auto inside(F f) {
        struct leaver {
            aio::fsm_ctx& c;
            ~leaver() { c.leave(); }
        };
        ctx_.enter();
        leaver leave{ctx_};
        return f();
    }

    std::error_code bind(const std::string& url, endpoint** made = nullptr) {
        return make(url, true, made);
    }
    endpoint* connect(const std::string& url) {
        endpoint* made = nullptr;
        CHECK_FALSE(make(url, false, &made));
        return made;
    }

    // Closes e, waits until it reports stopped, then frees it.
    void close(endpoint* e) {
        inside([&] { e->close(); });
        CHECK(n_.wait_for([&] { return stopped[e] > 0; }));
        std::erase_if(endpoints_, [e](const auto& p) { return p.get() == e; });
    }

    int stopped_count(endpoint* e) {
        auto lk = n_.lock();
        return stopped[e];
    }
    std::size_t pipe_count() {
        auto lk = n_.lock();
        return pipes.size();
    }
    sp_pipe* first_pipe() {
        auto lk = n_.lock();
        return pipes.empty() ? nullptr : pipes.front();
    }

    // Records, guarded by the notifier's mutex.
    int added = 0;
    int removed = 0;
    int readable_calls = 0;
    int writable_calls = 0;
    bool readable_pending = false;
    bool refuse_pipes = false;
    std::vector<sp_pipe*> pipes;  // added and not removed
    std::map<const endpoint*, int> stopped;
    // Counters (called inside the ctx; read by the test after waiting).
    std::atomic<int> established{0};
    std::atomic<int> accepted{0};
    std::atomic<int> broken{0};
    std::atomic<int> bind_errors{0};

private:
    std::error_code make(const std::string& url, bool bind, endpoint** made) {
        address addr;
        if (std::error_code ec = parse_address(url, bind, addr)) return ec;
        std::unique_ptr<endpoint> e;
        std::error_code ec = inside([&] { return make_inproc_endpoint(*this, addr, bind, e); });
        if (ec) {
            CHECK_FALSE(e);
            return ec;
        }
        if (made) *made = e.get();
        endpoints_.push_back(std::move(e));
        return {};
    }

    notifier& n_;
    aio::fsm_ctx ctx_;
    const std::uint16_t id_;
    const std::vector<std::uint16_t> peers_;
    const pipe_options options_;
    std::vector<std::unique_ptr<endpoint>> endpoints_;
};

}  // namespace

TEST_CASE("a connect to a bound name pairs at once") {
    notifier n;
    test_socket a(n, pair_id, {pair_id});
    test_socket b(n, pair_id, {pair_id});
    REQUIRE_FALSE(a.bind("inproc://at-once"));
    b.connect("inproc://at-once");
    // No waiting: both pipes were added before connect returned (the events
    // crossing between the two sockets ran on this thread as its ctx was left).
    {
        auto lk = n.lock();
        CHECK(a.added == 1);
        CHECK(b.added == 1);
        REQUIRE(a.pipes.size() == 1);
        REQUIRE(b.pipes.size() == 1);
        CHECK(a.pipes[0]->peer_protocol() == pair_id);
        CHECK(a.pipes[0]->describe() == "inproc://at-once");
    }
    CHECK(a.accepted == 1);
    CHECK(b.established == 1);
}

TEST_CASE("a connect made before the bind pairs when the bind happens") {
    notifier n;
    test_socket a(n, push_id, {pull_id});
    test_socket b(n, pull_id, {push_id});
    b.connect("inproc://later");
    CHECK(b.pipe_count() == 0);
    REQUIRE_FALSE(a.bind("inproc://later"));
    CHECK(a.pipe_count() == 1);
    CHECK(b.pipe_count() == 1);
    CHECK(b.first_pipe()->peer_protocol() == push_id);
}

TEST_CASE("several connectors to one name each get their own pipe") {
    notifier n;
    test_socket server(n, pull_id, {push_id});
    test_socket c1(n, push_id, {pull_id});
    test_socket c2(n, push_id, {pull_id});
    test_socket c3(n, push_id, {pull_id});
    c1.connect("inproc://many");
    REQUIRE_FALSE(server.bind("inproc://many"));
    c2.connect("inproc://many");
    c3.connect("inproc://many");
    CHECK(server.pipe_count() == 3);
    for (test_socket* c : {&c1, &c2, &c3}) {
        sp_pipe* p = c->first_pipe();
        REQUIRE(p);
        c->inside([&] { return p->send(text_message(std::to_string(c->protocol_id()))); });
    }
    int received = 0;
    server.inside([&] {
        auto lk = n.lock();
        for (sp_pipe* p : server.pipes) {
            aio::message m;
            if (p->receive(m).received) ++received;
        }
    });
    CHECK(received == 3);
}

TEST_CASE("binding a name that is bound already is EADDRINUSE") {
    notifier n;
    test_socket a(n, pair_id, {pair_id});
    test_socket b(n, pair_id, {pair_id});
    REQUIRE_FALSE(a.bind("inproc://taken"));
    CHECK(b.bind("inproc://taken") == std::make_error_code(std::errc::address_in_use));
    CHECK(a.bind("inproc://taken") == std::make_error_code(std::errc::address_in_use));
    CHECK(b.bind_errors == 1);
    CHECK(a.bind_errors == 1);
}

TEST_CASE("different names can be bound by different sockets, and one socket binds several") {
    notifier n;
    test_socket a(n, pair_id, {pair_id});
    test_socket b(n, pair_id, {pair_id});
    CHECK_FALSE(a.bind("inproc://name-1"));
    CHECK_FALSE(b.bind("inproc://name-2"));
    CHECK_FALSE(a.bind("inproc://name-3"));
    CHECK_FALSE(a.bind("inproc://"));  // the empty name is a name too
}

TEST_CASE("a name can be bound again once its binder has closed") {
    notifier n;
    test_socket a(n, pair_id, {pair_id});
    test_socket b(n, pair_id, {pair_id});
    endpoint* first = nullptr;
    REQUIRE_FALSE(a.bind("inproc://rebind", &first));
    a.close(first);
    CHECK_FALSE(b.bind("inproc://rebind"));
    CHECK(a.bind("inproc://rebind") == std::make_error_code(std::errc::address_in_use));
}

TEST_CASE("incompatible protocols never pair") {
    notifier n;

    SUBCASE("the connecting socket refuses the bound protocol") {
        test_socket pub(n, pub_id, {sub_id});
        test_socket push(n, push_id, {pull_id});
        REQUIRE_FALSE(pub.bind("inproc://mismatch-1"));
        push.connect("inproc://mismatch-1");
        auto lk = n.lock();
        CHECK(pub.added == 0);
        CHECK(push.added == 0);
    }

    SUBCASE("the bound socket refuses the connecting protocol, and serves others") {
        // An odd socket that would talk to PUB, bound by a PUB socket that won't.
        test_socket pub(n, pub_id, {sub_id});
        test_socket odd(n, push_id, {pub_id});
        test_socket sub(n, sub_id, {pub_id});
        REQUIRE_FALSE(pub.bind("inproc://mismatch-2"));
        odd.connect("inproc://mismatch-2");
        {
            auto lk = n.lock();
            CHECK(pub.added == 0);
            CHECK(odd.added == 0);
        }
        sub.connect("inproc://mismatch-2");
        auto lk = n.lock();
        CHECK(pub.added == 1);
        CHECK(sub.added == 1);
        CHECK(odd.added == 0);
    }

    SUBCASE("a refused connector pairs with a compatible socket binding the name later") {
        test_socket pub(n, pub_id, {sub_id});
        test_socket sub(n, sub_id, {pub_id});
        test_socket pull(n, pull_id, {push_id});
        endpoint* wrong = nullptr;
        REQUIRE_FALSE(pull.bind("inproc://mismatch-3", &wrong));
        sub.connect("inproc://mismatch-3");
        CHECK(sub.pipe_count() == 0);
        pull.close(wrong);
        REQUIRE_FALSE(pub.bind("inproc://mismatch-3"));
        CHECK(sub.pipe_count() == 1);
        CHECK(pull.added == 0);
    }
}

TEST_CASE("messages arrive in send order and their bodies are not copied") {
    notifier n;
    test_socket a(n, pair_id, {pair_id});
    test_socket b(n, pair_id, {pair_id});
    REQUIRE_FALSE(a.bind("inproc://order"));
    b.connect("inproc://order");
    sp_pipe* to_a = b.first_pipe();
    sp_pipe* from_b = a.first_pipe();
    REQUIRE(to_a);
    REQUIRE(from_b);

    constexpr int count = 100;
    std::vector<const std::byte*> sent_data;
    b.inside([&] {
        for (int i = 0; i < count; ++i) {
            aio::message m = text_message("message " + std::to_string(i));
            if (i % 2) m.push_header_word(0x80000000u | static_cast<std::uint32_t>(i));
            sent_data.push_back(m.body().data());
            CHECK(to_a->send(std::move(m)));
        }
    });
    {
        auto lk = n.lock();
        CHECK(a.readable_calls == 1);
    }
    a.inside([&] {
        for (int i = 0; i < count; ++i) {
            aio::message m;
            const sp_pipe::receive_result r = from_b->receive(m);
            REQUIRE(r.received);
            CHECK(r.more == (i + 1 < count));
            CHECK(text_of(m) == "message " + std::to_string(i));
            CHECK(m.body().data() == sent_data[static_cast<std::size_t>(i)]);
            CHECK(m.header().size() == (i % 2 ? 4u : 0u));
        }
        aio::message none;
        CHECK_FALSE(from_b->receive(none).received);
    });
    // Drained: the next message is reported again.
    b.inside([&] { return to_a->send(text_message("again")); });
    auto lk = n.lock();
    CHECK(a.readable_calls == 2);
}

TEST_CASE("the sender's pipe is full at the receiver's RCVBUF and writable again after it drains") {
    notifier n;
    pipe_options small;
    small.receive_buffer = 1000;
    test_socket receiver(n, pull_id, {push_id}, small);
    test_socket sender(n, push_id, {pull_id});
    REQUIRE_FALSE(receiver.bind("inproc://pressure"));
    sender.connect("inproc://pressure");
    sp_pipe* out = sender.first_pipe();
    sp_pipe* in = receiver.first_pipe();
    REQUIRE(out);
    REQUIRE(in);

    const std::string hundred(100, 'x');
    int accepted_before_full = 0;
    sender.inside([&] {
        for (;;) {
            ++accepted_before_full;
            if (!out->send(text_message(hundred))) break;
        }
    });
    CHECK(accepted_before_full == 10);  // the 10th message reaches 1000 bytes

    // Taking messages until at most half the buffer is used reports writable, once.
    for (int taken = 1; taken <= 10; ++taken) {
        receiver.inside([&] {
            aio::message m;
            CHECK(in->receive(m).received);
        });
        auto lk = n.lock();
        CHECK(sender.writable_calls == (taken >= 5 ? 1 : 0));
    }
    CHECK(sender.inside([&] { return out->send(text_message(hundred)); }));
}

TEST_CASE("one message bigger than RCVBUF still passes") {
    notifier n;
    pipe_options small;
    small.receive_buffer = 1000;
    test_socket receiver(n, pull_id, {push_id}, small);
    test_socket sender(n, push_id, {pull_id});
    REQUIRE_FALSE(receiver.bind("inproc://big"));
    sender.connect("inproc://big");
    sp_pipe* out = sender.first_pipe();
    sp_pipe* in = receiver.first_pipe();
    REQUIRE(out);
    REQUIRE(in);

    const std::string big(5000, 'b');
    CHECK_FALSE(sender.inside([&] { return out->send(text_message(big)); }));  // accepted, now full
    receiver.inside([&] {
        aio::message m;
        REQUIRE(in->receive(m).received);
        CHECK(m.size() == 5000);
    });
    auto lk = n.lock();
    CHECK(sender.writable_calls == 1);
}

TEST_CASE("a message above the receiver's RCVMAXSIZE is dropped without breaking the pipe") {
    notifier n;
    pipe_options limited;
    limited.receive_max_size = 100;
    test_socket receiver(n, pull_id, {push_id}, limited);
    test_socket sender(n, push_id, {pull_id});
    REQUIRE_FALSE(receiver.bind("inproc://max-size"));
    sender.connect("inproc://max-size");
    sp_pipe* out = sender.first_pipe();
    sp_pipe* in = receiver.first_pipe();
    REQUIRE(out);
    REQUIRE(in);

    sender.inside([&] {
        CHECK(out->send(text_message(std::string(101, 'o'))));  // dropped
        CHECK(out->send(text_message(std::string(100, 'k'))));  // exactly the limit: passes
    });
    receiver.inside([&] {
        aio::message m;
        const sp_pipe::receive_result r = in->receive(m);
        REQUIRE(r.received);
        CHECK(m.size() == 100);
        CHECK_FALSE(r.more);
    });
    CHECK(static_cast<inproc_pipe*>(in)->dropped_messages() == 1);
    auto lk = n.lock();
    CHECK(receiver.removed == 0);
    CHECK(sender.removed == 0);
}

TEST_CASE(
    "closing the binder removes the pipe on both sides and the connector re-pairs on a new bind") {
    notifier n;
    test_socket a(n, pair_id, {pair_id});
    test_socket b(n, pair_id, {pair_id});
    test_socket c(n, pair_id, {pair_id});
    endpoint* bound = nullptr;
    REQUIRE_FALSE(a.bind("inproc://re-pair", &bound));
    b.connect("inproc://re-pair");
    REQUIRE(b.pipe_count() == 1);

    a.close(bound);
    {
        auto lk = n.lock();
        CHECK(a.removed == 1);
        CHECK(b.removed == 1);
        CHECK(a.pipes.empty());
        CHECK(b.pipes.empty());
    }
    CHECK(b.broken == 1);

    REQUIRE_FALSE(c.bind("inproc://re-pair"));
    CHECK(c.pipe_count() == 1);
    CHECK(b.pipe_count() == 1);
    sp_pipe* p = b.first_pipe();
    REQUIRE(p);
    CHECK(b.inside([&] { return p->send(text_message("hello again")); }));
    c.inside([&] {
        aio::message m;
        REQUIRE(c.first_pipe()->receive(m).received);
        CHECK(text_of(m) == "hello again");
    });
}

TEST_CASE(
    "a pipe closed by its protocol goes away on both sides, and the connector pairs again later") {
    notifier n;
    pipe_options quick;
    quick.reconnect_interval_ms = 10;
    test_socket a(n, pair_id, {pair_id});
    test_socket b(n, pair_id, {pair_id}, quick);
    REQUIRE_FALSE(a.bind("inproc://protocol-close"));
    b.connect("inproc://protocol-close");
    sp_pipe* p = b.first_pipe();
    REQUIRE(p);
    b.inside([&] {
        p->close();
        p->close();  // idempotent
        // Never re-entered from close(): pipe_removed comes after.
        auto lk = n.lock();
        CHECK(b.removed == 0);
    });
    {
        auto lk = n.lock();
        CHECK(b.removed == 1);
        CHECK(a.removed == 1);
    }
    // The bind stayed: the connector pairs again after NN_RECONNECT_IVL.
    CHECK(n.wait_for([&] { return a.added == 2 && b.added == 2; }));
}

TEST_CASE("a pipe the bound socket refuses is retried after the reconnect interval") {
    notifier n;
    pipe_options quick;
    quick.reconnect_interval_ms = 5;
    test_socket a(n, pair_id, {pair_id});
    test_socket b(n, pair_id, {pair_id}, quick);
    {
        auto lk = n.lock();
        a.refuse_pipes = true;  // as PAIR does when it has its peer already
    }
    REQUIRE_FALSE(a.bind("inproc://refused"));
    b.connect("inproc://refused");
    {
        auto lk = n.lock();
        CHECK(a.added == 1);
        CHECK(b.added == 0);  // refused before the connecting side was added
    }
    CHECK(n.wait_for([&] { return a.added >= 3 && a.removed == a.added; }));
    {
        auto lk = n.lock();
        CHECK(b.added == 0);
        a.refuse_pipes = false;
    }
    CHECK(n.wait_for([&] { return b.added == 1 && a.pipes.size() == 1; }));
}

TEST_CASE("a socket can connect to a name it bound itself") {
    notifier n;
    test_socket a(n, pair_id, {pair_id});
    REQUIRE_FALSE(a.bind("inproc://self"));
    a.connect("inproc://self");
    REQUIRE(a.pipe_count() == 2);
    a.inside([&] {
        auto lk = n.lock();
        sp_pipe* one = a.pipes[0];
        CHECK(one->send(text_message("to myself")));
        lk.unlock();  // hooks run as the ctx's queued events are handled
    });
    a.inside([&] {
        aio::message m;
        int got = 0;
        auto lk = n.lock();
        for (sp_pipe* p : a.pipes) got += p->receive(m).received ? 1 : 0;
        CHECK(got == 1);
        CHECK(text_of(m) == "to myself");
    });
}

TEST_CASE("two sockets sending to each other from two threads at full speed do not deadlock") {
#if defined(__SANITIZE_THREAD__)
    constexpr int count = 50'000;
#else
    constexpr int count = 200'000;
#endif
    notifier n;
    pipe_options small;
    small.receive_buffer = 512;  // 64 messages: frequent back-pressure
    test_socket a(n, pair_id, {pair_id}, small);
    test_socket b(n, pair_id, {pair_id}, small);
    REQUIRE_FALSE(a.bind("inproc://both-ways"));
    b.connect("inproc://both-ways");
    sp_pipe* pa = a.first_pipe();
    sp_pipe* pb = b.first_pipe();
    REQUIRE(pa);
    REQUIRE(pb);

    const auto deadline = std::chrono::steady_clock::now() + 50s;
    std::atomic<bool> failed{false};
    int received_by[2] = {0, 0};
    auto run = [&](test_socket& s, sp_pipe* p, std::uint32_t tag, std::uint32_t peer_tag,
                   int& received) {
        int sent = 0;
        bool writable = true;
        int writable_seen = 0;  // pipe_writable calls acted on so far
        while ((sent < count || received < count) && !failed) {
            {
                auto lk = n.lock();
                s.readable_pending = false;
            }
            s.inside([&] {
                while (writable && sent < count) {
                    aio::message m(8);
                    std::uint32_t words[2] = {tag, static_cast<std::uint32_t>(sent)};
                    std::memcpy(m.mutable_body().data(), words, sizeof words);
                    ++sent;
                    writable = p->send(std::move(m));
                }
                aio::message m;
                while (p->receive(m).received) {
                    std::uint32_t words[2];
                    std::memcpy(words, m.body().data(), sizeof words);
                    if (words[0] != peer_tag || words[1] != static_cast<std::uint32_t>(received)) {
                        MESSAGE("out of order: got ", words[1], " expected ", received);
                        failed = true;
                    }
                    ++received;
                }
            });
            if (sent == count && received == count) break;
            // Wait for the peer: a message, or room to send. A lost
            // notification would end here at the deadline.
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (!n.wait_for([&] { return s.readable_pending || s.writable_calls != writable_seen; },
                            std::max(left, 0ms))) {
                MESSAGE("no event: sent ", sent, " received ", received, " writable ", writable);
                failed = true;
            }
            auto lk = n.lock();
            if (s.writable_calls != writable_seen) {
                writable_seen = s.writable_calls;
                writable = true;
            }
        }
    };
    std::thread ta([&] { run(a, pa, 0xA, 0xB, received_by[0]); });
    std::thread tb([&] { run(b, pb, 0xB, 0xA, received_by[1]); });
    ta.join();
    tb.join();
    CHECK_FALSE(failed);
    CHECK(received_by[0] == count);
    CHECK(received_by[1] == count);
    auto lk = n.lock();
    CHECK(a.writable_calls > 0);  // back-pressure was exercised both ways
    CHECK(b.writable_calls > 0);
}

TEST_CASE("closing an endpoint reports endpoint_stopped exactly once, and frees what it held") {
    notifier n;
    test_socket a(n, pair_id, {pair_id});
    test_socket b(n, pair_id, {pair_id});
    endpoint* bound = nullptr;
    REQUIRE_FALSE(a.bind("inproc://teardown", &bound));
    endpoint* connected = b.connect("inproc://teardown");
    REQUIRE(connected);
    sp_pipe* pb = b.first_pipe();
    sp_pipe* pa = a.first_pipe();
    REQUIRE(pa);
    REQUIRE(pb);

    // Messages left unread in both directions; we keep a reference to one body.
    aio::message kept = text_message("kept");
    aio::chunk_ref body = kept.body_chunk();
    b.inside([&] {
        pb->send(std::move(kept));
        pb->send(text_message("unread"));
    });
    a.inside([&] { return pa->send(text_message("unread too")); });
    CHECK(body.get()->shared());

    b.inside([&] {
        connected->close();
        connected->close();                      // idempotent
        CHECK(b.stopped_count(connected) == 0);  // never from inside close()
    });
    CHECK(n.wait_for([&] { return b.stopped[connected] == 1; }));
    a.inside([&] {
        bound->close();
        bound->close();
    });
    CHECK(n.wait_for([&] { return a.stopped[bound] == 1; }));
    {
        auto lk = n.lock();
        CHECK(a.removed == a.added);
        CHECK(b.removed == b.added);
    }
    // The queued messages went with the pipe.
    CHECK_FALSE(body.get()->shared());
    CHECK(b.stopped_count(connected) == 1);
    CHECK(a.stopped_count(bound) == 1);
    a.close(bound);
    b.close(connected);
}
