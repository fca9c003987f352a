// Hostile peers: raw connections that send a nanoport listener what no SP
// peer would (bad greetings, lying lengths, cut frames, floods, malformed
// backtraces), over tcp and ipc. After each kind the process must be alive,
// a legitimate nanoport peer on the same socket must still exchange
// messages, the statistics must record what was rejected, and the heap must
// be back where it was once the hostile connections are gone.
//
// Memory is the heap in use (mallinfo2().uordblks; under ASan, the
// sanitizer's own count), read before and after each batch of attacks. Each
// test runs its attack once before taking the "before" value, so that what
// the library keeps on purpose after first use (worker caches, asio's pool
// of per-descriptor state) is already there, and the "after" value is waited
// for with a deadline, since pipes are freed on worker threads a moment after
// the counters move. A batch repeats its attack enough times that a leak of
// one pipe's buffer per connection would exceed the tolerance.
#include "nanomsg/nn.h"

#include <doctest/doctest.h>

#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
// From the sanitizer runtime (sanitizer/allocator_interface.h, which GCC does
// not install): malloc's own statistics mean nothing under ASan.
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#else
#include <malloc.h>
#endif

#include "hostile/raw_peer.hpp"
#include "nanomsg/ipc.h"
#include "nanomsg/pipeline.h"
#include "nanomsg/reqrep.h"
#include "nanomsg/survey.h"
#include "nanoport/extensions.h"
#include "support/addresses.hpp"

namespace {

using namespace nanoport::hostile;
using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

constexpr std::uint16_t push_id = 80;
constexpr std::uint16_t req_id = 48;
constexpr std::uint16_t surveyor_id = 98;
constexpr std::size_t max_size = 1024 * 1024;  // NN_RCVMAXSIZE's default
// Heap the library may hold beyond the "before" value once the hostile
// connections are gone: allocator noise, far below one pipe's read buffer
// (4 KiB) times the rounds of a batch.
constexpr std::size_t tolerance = 32 * 1024;
constexpr milliseconds patience(10000);  // for anything a test waits on

std::size_t heap_in_use() {
#if defined(__SANITIZE_ADDRESS__)
    return __sanitizer_get_current_allocated_bytes();
#else
    return mallinfo2().uordblks;
#endif
}

// Polls pred until it holds or the deadline passes (the conditions here are
// counters moved by worker threads, which signal nobody).
bool eventually(const std::function<bool()>& pred, milliseconds deadline = patience) {
    const auto until = clock_type::now() + deadline;
    while (!pred()) {
        if (clock_type::now() > until) return false;
        std::this_thread::sleep_for(milliseconds(1));
    }
    return true;
}

// Waits for the heap to come back within tolerance of before; returns what
// it was last seen at.
std::size_t heap_after(std::size_t before) {
    std::size_t now = heap_in_use();
    eventually([&] {
        now = heap_in_use();
        return now <= before + tolerance;
    });
    return now;
}

enum class transport { tcp, ipc };
std::string name_of(transport t) { return t == transport::tcp ? "tcp" : "ipc"; }

// A nanoport socket listening on one address, with one legitimate nanoport
// peer connected to it. protocol: the listener's (NN_PULL, NN_REP,
// NN_RESPONDENT); its legitimate peer is PUSH, REQ or SURVEYOR.
class target {
public:
    target(int protocol, transport t, const std::function<void(int)>& configure = {})
        : protocol_(protocol), ipc_(t == transport::ipc) {
        s_ = nn_socket(AF_SP, protocol);
        REQUIRE(s_ >= 0);
        if (configure) configure(s_);
        set_timeouts(s_);
        int rc = -1;
        for (int attempt = 0; attempt < 20 && rc < 0; ++attempt) {
            url_ = ipc_ ? path_.url() : nanoport::test::tcp_url();
            rc = nn_bind(s_, url_.c_str());
            if (rc < 0 && nn_errno() != EADDRINUSE) break;
        }
        REQUIRE(rc >= 0);
        const int peer_protocol = protocol == NN_PULL  ? NN_PUSH
                                  : protocol == NN_REP ? NN_REQ
                                                       : NN_SURVEYOR;
        peer_ = nn_socket(AF_SP, peer_protocol);
        REQUIRE(peer_ >= 0);
        set_timeouts(peer_);
        if (peer_protocol == NN_SURVEYOR) {
            const int deadline = 5000;
            REQUIRE(nn_setsockopt(peer_, NN_SURVEYOR, NN_SURVEYOR_DEADLINE, &deadline,
                                  sizeof deadline) == 0);
        }
        REQUIRE(nn_connect(peer_, url_.c_str()) >= 0);
        REQUIRE(eventually([&] { return stat(NN_STAT_CURRENT_CONNECTIONS) == 1; }));
    }
    ~target() {
        nn_close(peer_);
        nn_close(s_);
    }
    target(const target&) = delete;
    target& operator=(const target&) = delete;

    int socket() const { return s_; }
    const std::string& url() const { return url_; }
    bool ipc() const { return ipc_; }
    std::uint64_t stat(int id) const { return nn_get_statistic(s_, id); }

    // A raw connection that has exchanged valid greetings as `as` (an SP
    // protocol id) and that the socket has added as a pipe.
    raw_peer greeted_peer(std::uint16_t as) {
        raw_peer p;
        const std::uint64_t current = stat(NN_STAT_CURRENT_CONNECTIONS);
        REQUIRE(p.connect(url_));
        REQUIRE(p.send(greeting(as)));
        REQUIRE(p.read_greeting());
        REQUIRE(eventually([&] { return stat(NN_STAT_CURRENT_CONNECTIONS) == current + 1; }));
        return p;
    }

    // One message from the legitimate peer to the socket (and, for REP and
    // RESPONDENT, the reply back). Messages a hostile peer left queued at
    // the socket are received and skipped on the way, up to skip_limit.
    bool exchange(std::size_t skip_limit = 0) {
        const std::string text = "legitimate " + std::to_string(++round_);
        if (nn_send(peer_, text.data(), text.size(), 0) != static_cast<int>(text.size()))
            return false;
        std::string got;
        for (std::size_t skipped = 0;; ++skipped) {
            if (!receive(s_, got)) return false;
            if (got == text) break;
            if (skipped == skip_limit) return false;
        }
        if (protocol_ == NN_PULL) return true;
        const std::string reply = "reply to " + text;
        if (nn_send(s_, reply.data(), reply.size(), 0) != static_cast<int>(reply.size()))
            return false;
        return receive(peer_, got) && got == reply;
    }

    // The hostile connections are gone: only the legitimate peer is
    // connected, and no handshake is pending.
    bool only_legitimate_peer_left() {
        return eventually([&] {
            return stat(NN_STAT_CURRENT_CONNECTIONS) == 1 &&
                   stat(NANOPORT_STAT_PENDING_CONNECTIONS) == 0;
        });
    }

private:
    static void set_timeouts(int s) {
        const int timeout = 5000;
        REQUIRE(nn_setsockopt(s, NN_SOL_SOCKET, NN_SNDTIMEO, &timeout, sizeof timeout) == 0);
        REQUIRE(nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVTIMEO, &timeout, sizeof timeout) == 0);
    }
    static bool receive(int s, std::string& out) {
        void* buf = nullptr;
        const int n = nn_recv(s, &buf, NN_MSG, 0);
        if (n < 0) return false;
        out.assign(static_cast<const char*>(buf), static_cast<std::size_t>(n));
        nn_freemsg(buf);
        return true;
    }

    int protocol_;
    bool ipc_;
    nanoport::test::ipc_path path_;
    std::string url_;
    int s_ = -1;
    int peer_ = -1;
    int round_ = 0;
};

// Runs attack once to warm up, then `rounds` times between two readings of
// the heap, then checks that the legitimate peer still gets through and that
// the heap came back. attack returns false when the library did not react as
// it should (checked after the second reading, so that doctest's own
// allocations stay out of it).
void survive(target& t, int rounds, const std::function<bool()>& attack,
             std::size_t skip_limit = 0) {
    CAPTURE(name_of(t.ipc() ? transport::ipc : transport::tcp));
    REQUIRE(attack());
    REQUIRE(t.only_legitimate_peer_left());
    REQUIRE(t.exchange(skip_limit));
    const std::size_t before = heap_in_use();
    int failed = 0;
    for (int i = 0; i < rounds; ++i) {
        if (!attack()) ++failed;
    }
    const bool settled = t.only_legitimate_peer_left();
    const bool exchanged = t.exchange(skip_limit);
    const std::size_t after = heap_after(before);
    CHECK(failed == 0);
    CHECK(settled);
    CHECK(exchanged);
    CAPTURE(before);
    CAPTURE(after);
    CHECK(after <= before + tolerance);
    MESSAGE(name_of(t.ipc() ? transport::ipc : transport::tcp), ": heap before ", before,
            ", after ", after, " (", rounds, " rounds)");
}

const transport both[] = {transport::tcp, transport::ipc};

}  // namespace

TEST_CASE("a listener closes connections whose greeting is malformed or names a stranger") {
    // Each one the listener must refuse: garbage, wrong magic, SP version 1,
    // non-zero reserved bytes, and well-formed greetings from protocols that
    // are not PULL's peer (PUB, PULL itself, pair v1, the old survey, 0xffff).
    const std::vector<bytes> greetings = {
        {'G', 'A', 'R', 'B', 'A', 'G', 'E', '!'},
        {0x00, 'S', 'Q', 0x00, 0x00, 80, 0x00, 0x00},
        greeting(push_id, 1),
        greeting(push_id, 0, 0x0001),
        greeting(push_id, 0, 0x0100),
        greeting(32),
        greeting(81),
        greeting(17),
        greeting(96),
        greeting(0xffff),
    };
    for (transport tr : both) {
        target t(NN_PULL, tr);
        const auto attack = [&] {
            for (const bytes& g : greetings) {
                raw_peer p;
                if (!p.connect(t.url()) || !p.send(g) || !p.wait_closed(milliseconds(5000)))
                    return false;
            }
            return true;
        };
        survive(t, 10, attack);
        const std::uint64_t refused = 11 * greetings.size();  // 1 warm-up + 10 rounds
        CHECK(t.stat(NANOPORT_STAT_REJECTED_GREETINGS) == refused);
        CHECK(t.stat(NANOPORT_STAT_FAILED_HANDSHAKES) == refused);
        CHECK(t.stat(NANOPORT_STAT_HANDSHAKE_TIMEOUTS) == 0);
        CHECK(t.stat(NN_STAT_ACCEPTED_CONNECTIONS) == refused + 1);
        // Never added as pipes, so never counted as broken.
        CHECK(t.stat(NN_STAT_BROKEN_CONNECTIONS) == 0);
    }
}

TEST_CASE("a greeting cut off by a close ends the handshake at once") {
    for (transport tr : both) {
        target t(NN_PULL, tr);
        std::uint64_t expected = 0;
        const auto attack = [&] {
            raw_peer p;
            const bytes g = greeting(push_id);
            if (!p.connect(t.url()) || !p.send(bytes(g.begin(), g.begin() + 5))) return false;
            p.close();
            ++expected;
            return eventually([&] { return t.stat(NANOPORT_STAT_FAILED_HANDSHAKES) == expected; });
        };
        survive(t, 20, attack);
        CHECK(t.stat(NANOPORT_STAT_REJECTED_GREETINGS) == 0);
        CHECK(t.stat(NANOPORT_STAT_HANDSHAKE_TIMEOUTS) == 0);
    }
}

TEST_CASE("the handshake deadline closes silent and one-byte-a-second peers") {
    for (transport tr : both) {
        target t(NN_PULL, tr);
        // Half a greeting, then silence: 20 at once, so the batch takes one
        // deadline (1 s), not twenty.
        const auto silent = [&] {
            std::vector<raw_peer> peers(20);
            const bytes g = greeting(push_id);
            for (raw_peer& p : peers) {
                if (!p.connect(t.url()) || !p.send(bytes(g.begin(), g.begin() + 4))) return false;
            }
            const auto start = clock_type::now();
            for (raw_peer& p : peers) {
                if (!p.wait_closed(milliseconds(5000))) return false;
            }
            // Not before the deadline (with room for timer slack).
            return clock_type::now() - start >= milliseconds(900);
        };
        survive(t, 1, silent);
        CHECK(t.stat(NANOPORT_STAT_HANDSHAKE_TIMEOUTS) == 40);
        CHECK(t.stat(NANOPORT_STAT_FAILED_HANDSHAKES) == 40);

        // One byte a second: the deadline runs from the connection, not from
        // the last byte, so the peer is cut off after its first or second byte.
        raw_peer slow;
        REQUIRE(slow.connect(t.url()));
        const bytes g = greeting(push_id);
        const auto start = clock_type::now();
        std::size_t sent = 0;
        bool closed = false;
        while (!closed && sent < g.size()) {
            if (!slow.send(bytes{g[sent]})) break;  // a reset shows here too
            ++sent;
            closed = slow.wait_closed(milliseconds(1000));
        }
        const auto took = clock_type::now() - start;
        CHECK(sent < g.size());
        CHECK(took >= milliseconds(900));
        CHECK(took < milliseconds(4000));
        CHECK(eventually([&] { return t.stat(NANOPORT_STAT_HANDSHAKE_TIMEOUTS) == 41; }));
        CHECK(t.exchange());
    }
}

TEST_CASE(
    "a length over NN_RCVMAXSIZE, up to 2^63, closes the connection before anything is allocated") {
    for (transport tr : both) {
        target t(NN_PULL, tr);
        const std::uint64_t lengths[] = {std::uint64_t(1) << 63, ~std::uint64_t(0), max_size + 1,
                                         std::uint64_t(1) << 40};
        const auto attack = [&] {
            for (std::uint64_t length : lengths) {
                raw_peer p = t.greeted_peer(push_id);
                if (!p.send(frame_header(t.ipc(), length)) || !p.wait_closed(milliseconds(5000)))
                    return false;
            }
            return true;
        };
        survive(t, 10, attack);
        const std::uint64_t expected = 11 * std::size(lengths);
        CHECK(t.stat(NANOPORT_STAT_OVERSIZED_MESSAGES) == expected);
        CHECK(t.stat(NN_STAT_BROKEN_CONNECTIONS) == expected);
        CHECK(t.stat(NANOPORT_STAT_FAILED_HANDSHAKES) == 0);
    }
}

TEST_CASE("a message of exactly NN_RCVMAXSIZE still gets through") {
    for (transport tr : both) {
        target t(NN_PULL, tr);
        raw_peer p = t.greeted_peer(push_id);
        bytes payload(max_size, 0x5a);
        REQUIRE(p.send(frame(t.ipc(), payload)));
        void* buf = nullptr;
        const int n = nn_recv(t.socket(), &buf, NN_MSG, 0);
        REQUIRE(n == static_cast<int>(max_size));
        CHECK(std::memcmp(buf, payload.data(), max_size) == 0);
        nn_freemsg(buf);
        CHECK(t.stat(NANOPORT_STAT_OVERSIZED_MESSAGES) == 0);
        CHECK(t.exchange());
    }
}

TEST_CASE("an ipc message type byte other than 1 closes the connection") {
    target t(NN_PULL, transport::ipc);
    const std::uint8_t types[] = {0x00, 0x02, 0x80, 0xff};
    const auto attack = [&] {
        for (std::uint8_t type : types) {
            raw_peer p = t.greeted_peer(push_id);
            bytes data = frame_header(true, 3, type);
            data.insert(data.end(), {1, 2, 3});
            // The listener may close before it has all of it: a failed send
            // is no failure here.
            (void)p.send(data);
            if (!p.wait_closed(milliseconds(5000))) return false;
        }
        return true;
    };
    survive(t, 10, attack);
    CHECK(t.stat(NANOPORT_STAT_MALFORMED_FRAMES) == 11 * std::size(types));
    CHECK(t.stat(NN_STAT_BROKEN_CONNECTIONS) == 11 * std::size(types));
}

TEST_CASE("a frame cut off by a close delivers nothing and frees its memory") {
    for (transport tr : both) {
        target t(NN_PULL, tr);
        std::uint64_t broken = 0;
        // A small body (read through the pipe's buffer) and a big one (read
        // straight into its message), each stopped halfway; and a header
        // stopped halfway.
        const auto attack = [&] {
            for (std::size_t length : {std::size_t(1000), max_size}) {
                raw_peer p = t.greeted_peer(push_id);
                bytes cut = frame(t.ipc(), bytes(length, 0x42));
                cut.resize(cut.size() / 2);
                if (!p.send(cut)) return false;
                p.close();
                ++broken;
                if (!eventually([&] { return t.stat(NN_STAT_BROKEN_CONNECTIONS) == broken; }))
                    return false;
            }
            raw_peer p = t.greeted_peer(push_id);
            if (!p.send(bytes(5, 0x00))) return false;
            p.close();
            ++broken;
            return eventually([&] { return t.stat(NN_STAT_BROKEN_CONNECTIONS) == broken; });
        };
        // exchange() fails if any of the cut frames became a message.
        survive(t, 10, attack);
        CHECK(t.stat(NN_STAT_MESSAGES_RECEIVED) == 2);  // the legitimate ones only
    }
}

TEST_CASE(
    "a frame cut off by silence holds at most NN_RCVMAXSIZE and is freed when the peer goes") {
    for (transport tr : both) {
        target t(NN_PULL, tr);
        const auto attack = [&] {
            std::vector<raw_peer> stalled;
            for (std::size_t length : {std::size_t(1000), max_size}) {
                raw_peer p = t.greeted_peer(push_id);
                bytes cut = frame(t.ipc(), bytes(length, 0x42));
                cut.resize(cut.size() / 2);
                if (!p.send(cut)) return false;
                stalled.push_back(std::move(p));
            }
            // The socket serves its legitimate peer meanwhile; the stalled
            // pipes stay (SP has no idle timeout once the handshake is done).
            if (!t.exchange()) return false;
            const std::uint64_t broken = t.stat(NN_STAT_BROKEN_CONNECTIONS);
            stalled.clear();
            return eventually([&] { return t.stat(NN_STAT_BROKEN_CONNECTIONS) == broken + 2; });
        };
        survive(t, 5, attack);
    }
}

TEST_CASE("a flood of empty messages is bounded by NN_RCVBUF, not by the peer") {
    // Empty messages count as 64 bytes each against NN_RCVBUF; without that a
    // peer could queue millions of them (about 100 bytes of heap each) at a
    // socket that is not receiving.
    for (transport tr : both) {
        target t(NN_PULL, tr);
        raw_peer p = t.greeted_peer(push_id);
        const std::size_t before = heap_in_use();
        // Writes until the socket stops reading (the write would block for
        // half a second) or 32 MiB of empty frames went out.
        const bytes one = frame(t.ipc(), {});
        bytes batch;
        for (int i = 0; i < 4096; ++i) batch.insert(batch.end(), one.begin(), one.end());
        std::size_t sent = 0;
        while (sent < 32 * 1024 * 1024) {
            pollfd pfd{p.fd(), POLLOUT, 0};
            if (::poll(&pfd, 1, 500) <= 0) break;
            const ssize_t n =
                ::send(p.fd(), batch.data(), batch.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n < 0 && errno != EAGAIN) break;
            if (n > 0) sent += static_cast<std::size_t>(n);
        }
        const std::size_t during = heap_in_use();
        CAPTURE(sent);
        CAPTURE(before);
        CAPTURE(during);
        CHECK(sent < std::size_t(32) * 1024 * 1024);  // the socket stopped reading
        CHECK(during < before + 2 * 1024 * 1024);
        MESSAGE(name_of(tr), ": ", sent / one.size(), " empty messages sent, heap grew by ",
                during > before ? during - before : 0, " bytes");
        // The legitimate message arrives among what is queued; then the
        // flood's pipe goes when its peer does.
        p.close();
        CHECK(t.exchange(sent / one.size() + 1));
    }
}

TEST_CASE("malformed and too deep backtraces are dropped and counted, and the pipe stays") {
    for (int protocol : {NN_REP, NN_RESPONDENT}) {
        for (transport tr : both) {
            CAPTURE(protocol);
            target t(protocol, tr);
            const std::uint16_t as = protocol == NN_REP ? req_id : surveyor_id;
            std::uint32_t request = 1;
            const auto attack = [&] {
                raw_peer p = t.greeted_peer(as);
                std::vector<bytes> bad;
                bad.push_back({});                  // no backtrace at all
                bad.push_back({0x80, 0x00, 0x01});  // shorter than a word
                bytes no_end;                       // hops, but no word with the end bit
                put_word(no_end, 1, false);
                put_word(no_end, 2, false);
                no_end.push_back('x');
                bad.push_back(no_end);
                bytes deep;  // NN_MAXTTL (8) hops before the request id: 9 words
                for (std::uint32_t hop = 1; hop <= 8; ++hop) put_word(deep, hop, false);
                put_word(deep, request, true);
                bad.push_back(deep);
                bytes deepest;  // 255 hops
                for (std::uint32_t hop = 1; hop <= 255; ++hop) put_word(deepest, hop, false);
                put_word(deepest, request, true);
                bad.push_back(deepest);
                for (const bytes& payload : bad) {
                    if (!p.send(frame(t.ipc(), payload))) return false;
                }
                // Then a request with the most hops allowed (7 + the id): it
                // is served, and the reply finds its way back through them.
                bytes good;
                for (std::uint32_t hop = 1; hop <= 7; ++hop) put_word(good, hop, false);
                put_word(good, ++request, true);
                const std::size_t header = good.size();
                good.insert(good.end(), {'o', 'k'});
                if (!p.send(frame(t.ipc(), good))) return false;

                const std::uint64_t dropped = t.stat(NANOPORT_STAT_DROPPED_MESSAGES);
                void* buf = nullptr;
                const int n = nn_recv(t.socket(), &buf, NN_MSG, 0);
                if (n != 2) return false;
                const bool ok = std::memcmp(buf, "ok", 2) == 0;
                nn_freemsg(buf);
                if (!ok || t.stat(NANOPORT_STAT_DROPPED_MESSAGES) != dropped + bad.size())
                    return false;
                if (nn_send(t.socket(), "re", 2, 0) != 2) return false;
                bytes reply;
                const std::size_t frame_size = t.ipc() ? 9 : 8;
                if (!p.read_exact(reply, frame_size + header + 2, milliseconds(5000))) return false;
                const bool routed =
                    std::equal(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(header),
                               reply.begin() + static_cast<std::ptrdiff_t>(frame_size)) &&
                    reply[reply.size() - 2] == 'r' && reply.back() == 'e';
                // Gone before the next round counts its pipes.
                p.close();
                return routed && t.only_legitimate_peer_left();
            };
            survive(t, 10, attack);
            CHECK(t.stat(NANOPORT_STAT_DROPPED_MESSAGES) == 11 * 5);
            // Dropping a message is not a reason to drop its pipe.
            CHECK(t.stat(NN_STAT_BROKEN_CONNECTIONS) == 11);
        }
    }
}

TEST_CASE("thousands of connections that never greet are capped and cost nothing once gone") {
    // Each hostile connection takes a descriptor here and one in the
    // listener (until refused): raise the soft limit as far as needed.
    int count = 2000;
    rlimit limit{};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
    const rlim_t wanted = static_cast<rlim_t>(2 * count + 256);
    if (limit.rlim_cur < wanted) {
        limit.rlim_cur = std::min(wanted, limit.rlim_max);
        REQUIRE(::setrlimit(RLIMIT_NOFILE, &limit) == 0);
    }
    if (limit.rlim_cur < wanted) {
        count = static_cast<int>((limit.rlim_cur - 256) / 2);
        MESSAGE("descriptor limit ", limit.rlim_cur, ": ", count, " connections only");
    }
    REQUIRE(count > 1024);
    for (transport tr : both) {
        // A long deadline, so that none of them times out while the test
        // counts: the cap alone decides who stays.
        target t(NN_PULL, tr, [](int s) {
            const int deadline = 60000;
            REQUIRE(nn_setsockopt(s, NN_SOL_SOCKET, NANOPORT_HANDSHAKE_TIMEOUT, &deadline,
                                  sizeof deadline) == 0);
        });
        int cap = 0;
        std::size_t size = sizeof cap;
        REQUIRE(nn_getsockopt(t.socket(), NN_SOL_SOCKET, NANOPORT_MAX_PENDING_CONNECTIONS, &cap,
                              &size) == 0);
        CHECK(cap == 1024);
        std::uint64_t round = 0;
        std::size_t peak = 0;
        const auto attack = [&] {
            ++round;
            std::vector<raw_peer> peers(static_cast<std::size_t>(count));
            for (raw_peer& p : peers) {
                if (!p.connect(t.url())) return false;
            }
            const bool counted = eventually([&] {
                return t.stat(NN_STAT_ACCEPTED_CONNECTIONS) +
                           t.stat(NANOPORT_STAT_REFUSED_CONNECTIONS) ==
                       round * static_cast<std::uint64_t>(count) + 1;
            });
            const bool capped = t.stat(NANOPORT_STAT_PENDING_CONNECTIONS) == 1024 &&
                                t.stat(NANOPORT_STAT_REFUSED_CONNECTIONS) ==
                                    round * static_cast<std::uint64_t>(count - 1024);
            // The peer connected before the flood is served throughout.
            const bool served = t.exchange();
            peak = std::max(peak, heap_in_use());
            return counted && capped && served;
        };
        const std::size_t start = heap_in_use();
        survive(t, 1, attack);
        CHECK(t.stat(NANOPORT_STAT_FAILED_HANDSHAKES) == 2 * 1024);
        CHECK(t.stat(NANOPORT_STAT_HANDSHAKE_TIMEOUTS) == 0);
        MESSAGE(name_of(tr), ": ", count, " connections, 1024 pending, heap peak ", peak,
                " (started at ", start, "): about ", (peak > start ? peak - start : 0) / 1024,
                " bytes per pending connection");
    }
}

TEST_CASE("NANOPORT_MAX_PENDING_CONNECTIONS sets the cap, and a refused peer is closed at once") {
    for (transport tr : both) {
        target t(NN_PULL, tr, [](int s) {
            const int cap = 10;
            REQUIRE(nn_setsockopt(s, NN_SOL_SOCKET, NANOPORT_MAX_PENDING_CONNECTIONS, &cap,
                                  sizeof cap) == 0);
            const int deadline = 60000;
            REQUIRE(nn_setsockopt(s, NN_SOL_SOCKET, NANOPORT_HANDSHAKE_TIMEOUT, &deadline,
                                  sizeof deadline) == 0);
        });
        std::vector<raw_peer> peers(25);
        for (raw_peer& p : peers) REQUIRE(p.connect(t.url()));
        CHECK(eventually([&] { return t.stat(NANOPORT_STAT_REFUSED_CONNECTIONS) == 15; }));
        CHECK(t.stat(NANOPORT_STAT_PENDING_CONNECTIONS) == 10);
        // Accepted in the order they connected: the first ten wait for their
        // greeting (and have the listener's), the others were closed.
        int closed = 0;
        for (std::size_t i = 10; i < peers.size(); ++i) {
            if (peers[i].wait_closed(milliseconds(5000))) ++closed;
        }
        CHECK(closed == 15);
        for (std::size_t i = 0; i < 10; ++i) CHECK_FALSE(peers[i].wait_closed(milliseconds(0)));
        // A pending peer that greets properly becomes a pipe and frees its slot.
        REQUIRE(peers[0].send(greeting(push_id)));
        CHECK(eventually([&] { return t.stat(NANOPORT_STAT_PENDING_CONNECTIONS) == 9; }));
        CHECK(t.exchange());
        int bad = 0;
        size_t size = sizeof bad;
        CHECK(nn_setsockopt(t.socket(), NN_SOL_SOCKET, NANOPORT_MAX_PENDING_CONNECTIONS, &bad,
                            sizeof bad) == -1);
        CHECK(nn_errno() == EINVAL);
        CHECK(nn_getsockopt(t.socket(), NN_SOL_SOCKET, NANOPORT_HANDSHAKE_TIMEOUT, &bad, &size) ==
              0);
        CHECK(bad == 60000);
    }
}

TEST_CASE("NANOPORT_IPC_PERMISSIONS sets the mode of the ipc socket file") {
    const int s = nn_socket(AF_SP, NN_PULL);
    REQUIRE(s >= 0);
    int mode = 0;
    std::size_t size = sizeof mode;
    REQUIRE(nn_getsockopt(s, NN_IPC, NANOPORT_IPC_PERMISSIONS, &mode, &size) == 0);
    CHECK(mode == -1);  // the default: what the umask leaves

    nanoport::test::ipc_path by_umask;
    REQUIRE(nn_bind(s, by_umask.url().c_str()) >= 0);
    const mode_t mask = ::umask(0);
    ::umask(mask);
    struct stat st {};
    REQUIRE(::stat(by_umask.path().c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == (0777 & ~mask));

    for (int wanted : {0600, 0660, 0777, 0}) {
        CAPTURE(wanted);
        REQUIRE(nn_setsockopt(s, NN_IPC, NANOPORT_IPC_PERMISSIONS, &wanted, sizeof wanted) == 0);
        nanoport::test::ipc_path path;
        REQUIRE(nn_bind(s, path.url().c_str()) >= 0);
        REQUIRE(::stat(path.path().c_str(), &st) == 0);
        CHECK(S_ISSOCK(st.st_mode));
        CHECK(static_cast<int>(st.st_mode & 0777) == wanted);
    }
    for (int invalid : {-2, 01000, 07777}) {
        CHECK(nn_setsockopt(s, NN_IPC, NANOPORT_IPC_PERMISSIONS, &invalid, sizeof invalid) == -1);
        CHECK(nn_errno() == EINVAL);
    }
    const short too_small = 0600;
    CHECK(nn_setsockopt(s, NN_IPC, NANOPORT_IPC_PERMISSIONS, &too_small, sizeof too_small) == -1);
    CHECK(nn_errno() == EINVAL);
    const int reset = -1;
    CHECK(nn_setsockopt(s, NN_IPC, NANOPORT_IPC_PERMISSIONS, &reset, sizeof reset) == 0);
    CHECK(nn_close(s) == 0);
}

TEST_CASE("a peer still connects to an ipc socket file whose mode lets it") {
    const int s = nn_socket(AF_SP, NN_PULL);
    REQUIRE(s >= 0);
    const int mode = 0600;  // the owner, which is us
    REQUIRE(nn_setsockopt(s, NN_IPC, NANOPORT_IPC_PERMISSIONS, &mode, sizeof mode) == 0);
    const int timeout = 5000;
    REQUIRE(nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVTIMEO, &timeout, sizeof timeout) == 0);
    nanoport::test::ipc_path path;
    REQUIRE(nn_bind(s, path.url().c_str()) >= 0);
    const int push = nn_socket(AF_SP, NN_PUSH);
    REQUIRE(push >= 0);
    REQUIRE(nn_connect(push, path.url().c_str()) >= 0);
    REQUIRE(nn_send(push, "hi", 2, 0) == 2);
    char buf[8];
    CHECK(nn_recv(s, buf, sizeof buf, 0) == 2);
    nn_close(push);
    nn_close(s);
}
