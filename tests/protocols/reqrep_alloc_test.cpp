// Counts heap allocations by replacing the global operator new for this whole
// executable, to prove that REQ/REP and SURVEYOR/RESPONDENT move requests,
// replies, surveys and responses without allocating: backtraces up to 8
// words sit in the message's inline header, REP keeps its backtrace in fixed
// storage, and REQ's resend timer re-arms in place.
#include "protocols/reqrep/req.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "protocols/backtrace_support.hpp"
#include "protocols/reqrep/rep.hpp"
#include "protocols/survey/respondent.hpp"
#include "protocols/survey/surveyor.hpp"

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
using namespace nanoport;

namespace {

// A pipe with one message slot each way; the test moves messages between
// two of them, as inproc does (header and body handed over separately).
class mailbox_pipe final : public transport::pipe {
public:
    bool send(message&& m) override {
        out = std::move(m);
        has_out = true;
        return true;
    }
    receive_result receive(message& m) override {
        if (!has_in) return {};
        m = std::move(in);
        has_in = false;
        return {true, false};
    }
    void close() override {}
    std::uint16_t peer_protocol() const override { return 0; }
    int send_priority() const override { return 8; }
    int receive_priority() const override { return 8; }
    std::string describe() const override { return {}; }

    message out;
    message in;
    bool has_out = false;
    bool has_in = false;
};

// Moves what `from` sent into `to`, and tells to's protocol.
void carry(mailbox_pipe& from, mailbox_pipe& to, protocols::protocol& to_proto) {
    REQUIRE(from.has_out);
    to.in = std::move(from.out);
    from.has_out = false;
    to.has_in = true;
    to_proto.readable(to);
}

// One request and its reply, REQ -> REP -> REQ.
void round_trip(protocols::req& requester, mailbox_pipe& req_pipe, protocols::rep& replier,
                mailbox_pipe& rep_pipe, const message& original) {
    message m = original;
    REQUIRE_FALSE(requester.send(m));
    carry(req_pipe, rep_pipe, replier);
    message got;
    REQUIRE_FALSE(replier.receive(got));
    REQUIRE_FALSE(replier.send(got));
    carry(rep_pipe, req_pipe, requester);
    REQUIRE_FALSE(requester.receive(got));
}

}  // namespace

TEST_CASE("req and rep pass requests and replies without allocating per message") {
    protocols::req requester;
    protocols::rep replier;
    mailbox_pipe req_pipe, rep_pipe;
    REQUIRE_FALSE(requester.add(req_pipe));
    REQUIRE_FALSE(replier.add(rep_pipe));
    const message original = test::text_message("sixteen bytes...");
    round_trip(requester, req_pipe, replier, rep_pipe, original);  // warm-up
    const long before = allocations.load();
    for (int i = 0; i < 20000; ++i) round_trip(requester, req_pipe, replier, rep_pipe, original);
    CHECK(allocations.load() - before == 0);
    requester.remove(req_pipe);
    replier.remove(rep_pipe);
}

TEST_CASE("rep splits wire-format requests without allocating") {
    protocols::rep replier;
    mailbox_pipe p;
    REQUIRE_FALSE(replier.add(p));
    // Three hops and the id: 16 bytes, plus REP's pipe id = 20, still inline.
    const message request = test::wire({1, 2, 3, 0x80000004u}, "sixteen bytes...");
    const long before = allocations.load();
    message got;
    for (int i = 0; i < 20000; ++i) {
        p.in = request;  // shares the body, no header to copy
        p.has_in = true;
        replier.readable(p);
        REQUIRE_FALSE(replier.receive(got));
        REQUIRE_FALSE(replier.send(got));
        p.has_out = false;
    }
    CHECK(allocations.load() - before == 0);
    CHECK(test::words_of(p.out.header()).size() == 4);
    replier.remove(p);
}

TEST_CASE("req with its resend timer sends and is answered without allocating") {
    test::timer_host host;
    protocols::req requester;
    protocols::rep replier;
    mailbox_pipe req_pipe, rep_pipe;
    requester.attach(host);
    const message original = test::text_message("sixteen bytes...");
    host.inside([&] {
        REQUIRE_FALSE(requester.add(req_pipe));
        REQUIRE_FALSE(replier.add(rep_pipe));
        for (int i = 0; i < 10; ++i) round_trip(requester, req_pipe, replier, rep_pipe, original);
    });
    const long before = allocations.load();
    host.inside([&] {
        for (int i = 0; i < 5000; ++i) round_trip(requester, req_pipe, replier, rep_pipe, original);
    });
    CHECK(allocations.load() - before == 0);
    host.stop(requester);
    host.inside([&] {
        requester.remove(req_pipe);
        replier.remove(rep_pipe);
    });
}

TEST_CASE("surveyor and respondent pass surveys and responses without allocating") {
    protocols::surveyor asker;
    protocols::respondent answerer;
    mailbox_pipe asker_pipe, answerer_pipe;
    REQUIRE_FALSE(asker.add(asker_pipe));
    REQUIRE_FALSE(answerer.add(answerer_pipe));
    const message original = test::text_message("sixteen bytes...");
    auto round = [&] {
        message m = original;
        REQUIRE_FALSE(asker.send(m));
        carry(asker_pipe, answerer_pipe, answerer);
        message got;
        REQUIRE_FALSE(answerer.receive(got));
        REQUIRE_FALSE(answerer.send(got));
        carry(answerer_pipe, asker_pipe, asker);
        REQUIRE_FALSE(asker.receive(got));
    };
    round();
    const long before = allocations.load();
    for (int i = 0; i < 20000; ++i) round();
    CHECK(allocations.load() - before == 0);
    asker.remove(asker_pipe);
    answerer.remove(answerer_pipe);
}
