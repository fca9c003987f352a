#include "aio/worker_op.hpp"

#include <doctest/doctest.h>

#include <asio/error.hpp>
#include <asio/post.hpp>

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>
#include <thread>
#include <vector>

#include "aio/worker.hpp"
#include "support/wait.hpp"

using namespace nanoport::aio;
using nanoport::test::notifier;

namespace {

// A connected pair of Unix stream sockets: `ours` is driven by a worker's
// completion port, `peer` is a plain blocking descriptor the test uses.
struct socket_pair {
    explicit socket_pair(worker& w) : ours(w.context()) {
        int fds[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
        ours.assign(asio::generic::stream_protocol(AF_UNIX, 0), fds[0]);
        peer = fds[1];
    }
    ~socket_pair() {
        if (peer >= 0) ::close(peer);
    }
    worker_op::stream ours;
    int peer = -1;
};

// Counts the events its op feeds and remembers the last one.
struct op_owner : fsm {
    explicit op_owner(fsm_ctx& c) : fsm(c), op(*this, 9) {}
    void handle(int source, int type, worker_op* from) override {
        auto lk = s.lock();
        if (type == event::done) ++done;
        if (type == event::error) ++errors;
        last_source = source;
        last_op = from;
        last_error = op.error();
        transferred = op.transferred();
        if (on_done && type == event::done) on_done();
        s.notify();
    }
    worker_op op;
    notifier s;
    int done = 0;
    int errors = 0;
    int last_source = 0;
    worker_op* last_op = nullptr;
    std::error_code last_error;
    std::size_t transferred = 0;
    std::function<void()> on_done;
};

// Runs f on w's thread and waits for it.
template <typename F>
void on_worker(worker& w, F f) {
    notifier s;
    bool ran = false;
    asio::post(w.context(), [&] {
        f();
        auto lk = s.lock();
        ran = true;
        s.notify();
    });
    REQUIRE(s.wait_for([&] { return ran; }));
}

std::vector<std::byte> pattern(std::size_t n, unsigned seed) {
    std::vector<std::byte> v(n);
    std::mt19937 gen(seed);
    for (auto& b : v) b = std::byte(gen());
    return v;
}

}  // namespace

TEST_CASE("a gather write whose peer reads in small random chunks completes with every byte in order") {
    fsm_ctx ctx;  // outlives w: w's thread may still be leaving it
    worker w(0);
    socket_pair sp(w);
    // Small kernel buffers force the port to report many short writes.
    int small = 4096;
    ::setsockopt(sp.ours.native_handle(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    ::setsockopt(sp.peer, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);

    std::vector<std::vector<std::byte>> parts;
    std::vector<asio::const_buffer> bufs;
    std::size_t total = 0;
    for (std::size_t i = 0; i < 12; ++i) {
        parts.push_back(pattern(1 + i * 97 + (i % 3) * 300000, static_cast<unsigned>(i)));
        total += parts.back().size();
    }
    for (auto& p : parts) bufs.emplace_back(p.data(), p.size());

    op_owner owner(ctx);
    on_worker(w, [&] { owner.op.start_write(sp.ours, bufs); });

    std::vector<std::byte> got;
    got.reserve(total);
    std::mt19937 gen(42);
    std::uniform_int_distribution<int> chunk(1, 777);
    std::byte buf[1024];
    while (got.size() < total) {
        const ssize_t n = ::read(sp.peer, buf, static_cast<std::size_t>(chunk(gen)));
        REQUIRE(n > 0);
        got.insert(got.end(), buf, buf + n);
    }
    REQUIRE(owner.s.wait_for([&] { return owner.done + owner.errors > 0; }));
    std::vector<std::byte> expected;
    for (auto& p : parts) expected.insert(expected.end(), p.begin(), p.end());
    CHECK(got == expected);
    auto lk = owner.s.lock();
    CHECK(owner.done == 1);
    CHECK(owner.errors == 0);
    CHECK(owner.transferred == total);
    CHECK(owner.last_source == 9);
    CHECK(owner.last_op == &owner.op);
    CHECK(owner.op.idle());
}

TEST_CASE("a read op fed one byte at a time completes once, with every byte") {
    fsm_ctx ctx;  // outlives w: w's thread may still be leaving it
    worker w(0);
    socket_pair sp(w);
    op_owner owner(ctx);
    constexpr std::size_t n = 64;
    std::vector<std::byte> into(n);
    on_worker(w, [&] { owner.op.start_read(sp.ours, into, n); });

    const auto sent = pattern(n, 7);
    for (std::size_t i = 0; i < n; ++i) {
        REQUIRE(::write(sp.peer, &sent[i], 1) == 1);
        // Wait until the port has taken this byte, so every byte is its own read.
        int pending = 1;
        for (int spins = 0; pending > 0 && spins < 2000000; ++spins) {
            ::ioctl(sp.ours.native_handle(), FIONREAD, &pending);
            if (pending > 0) std::this_thread::yield();
        }
        REQUIRE(pending == 0);
        if (i + 1 < n) {
            auto lk = owner.s.lock();
            REQUIRE(owner.done == 0);  // no completion before the last byte
        }
    }
    REQUIRE(owner.s.wait_for([&] { return owner.done + owner.errors > 0; }));
    auto lk = owner.s.lock();
    CHECK(owner.done == 1);
    CHECK(owner.errors == 0);
    CHECK(owner.transferred == n);
    CHECK(into == sent);
}

TEST_CASE("a read op takes more than its minimum when more is ready") {
    fsm_ctx ctx;  // outlives w: w's thread may still be leaving it
    worker w(0);
    socket_pair sp(w);
    op_owner owner(ctx);
    const auto sent = pattern(100, 3);
    REQUIRE(::write(sp.peer, sent.data(), sent.size()) == 100);
    std::vector<std::byte> into(4096);
    on_worker(w, [&] { owner.op.start_read(sp.ours, into, 10); });
    REQUIRE(owner.s.wait_for([&] { return owner.done > 0; }));
    auto lk = owner.s.lock();
    CHECK(owner.transferred == 100);
    CHECK(std::equal(sent.begin(), sent.end(), into.begin()));
}

TEST_CASE("done is fed exactly once per op over many back-to-back transfers") {
    fsm_ctx ctx;  // outlives w: w's thread may still be leaving it
    worker w(0);
    socket_pair sp(w);
    op_owner owner(ctx);
    constexpr int rounds = 2000;
    std::byte one[1] = {std::byte{0x5a}};
    std::vector<std::byte> into(1);
    std::atomic<int> restarts{0};
    owner.on_done = [&] {
        if (restarts.fetch_add(1) + 1 < rounds) owner.op.start_read(sp.ours, into, 1);
    };
    std::thread writer([&] {
        for (int i = 0; i < rounds; ++i) REQUIRE(::write(sp.peer, one, 1) == 1);
    });
    on_worker(w, [&] { owner.op.start_read(sp.ours, into, 1); });
    writer.join();
    // Every write must have been consumed by exactly one done.
    REQUIRE(owner.s.wait_for([&] { return owner.done == rounds; }));
    auto lk = owner.s.lock();
    CHECK(owner.done == rounds);
    CHECK(owner.errors == 0);
}

TEST_CASE("end of stream completes a read op with eof") {
    fsm_ctx ctx;  // outlives w: w's thread may still be leaving it
    worker w(0);
    socket_pair sp(w);
    op_owner owner(ctx);
    std::vector<std::byte> into(16);
    on_worker(w, [&] { owner.op.start_read(sp.ours, into, 16); });
    REQUIRE(::write(sp.peer, "abc", 3) == 3);
    ::close(sp.peer);
    sp.peer = -1;
    REQUIRE(owner.s.wait_for([&] { return owner.errors > 0; }));
    auto lk = owner.s.lock();
    CHECK(owner.errors == 1);
    CHECK(owner.done == 0);
    CHECK(owner.last_error == asio::error::eof);
    CHECK(owner.transferred == 3);  // the partial bytes are accounted for
}

TEST_CASE("an op cancelled by close completes as cancelled, once, before its owner may go") {
    fsm_ctx ctx;  // outlives w: w's thread may still be leaving it
    worker w(0);
    auto sp = std::make_unique<socket_pair>(w);
    auto owner = std::make_unique<op_owner>(ctx);
    std::vector<std::byte> into(16);
    on_worker(w, [&] { owner->op.start_read(sp->ours, into, 16); });
    CHECK_FALSE(owner->op.idle());
    on_worker(w, [&] { sp->ours.close(); });
    REQUIRE(owner->s.wait_for([&] { return owner->errors > 0; }));
    {
        auto lk = owner->s.lock();
        CHECK(owner->errors == 1);
        CHECK(owner->done == 0);
        CHECK(owner->last_error == asio::error::operation_aborted);
    }
    // Idle is read inside the owner's ctx, where the completion set it.
    ctx.enter();
    const bool idle = owner->op.idle();
    ctx.leave();
    CHECK(idle);
    // The owner, its op and the socket may now go; ASan checks nothing touches them.
    owner.reset();
    sp.reset();
}

TEST_CASE("a write op on a socket whose peer is gone fails with an error, not a signal") {
    fsm_ctx ctx;  // outlives w: w's thread may still be leaving it
    worker w(0);
    socket_pair sp(w);
    ::close(sp.peer);
    sp.peer = -1;
    op_owner owner(ctx);
    std::vector<std::byte> data(100000, std::byte{1});
    asio::const_buffer b(data.data(), data.size());
    on_worker(w, [&] { owner.op.start_write(sp.ours, std::span(&b, 1)); });
    REQUIRE(owner.s.wait_for([&] { return owner.errors > 0; }));
    auto lk = owner.s.lock();
    CHECK(owner.errors == 1);
    CHECK(owner.last_error == asio::error::broken_pipe);
}

TEST_CASE("closing a socket with a read in flight disturbs no other socket's transfer") {
    // In an io_uring build, closing a socket with a transfer in flight makes
    // Asio submit a cancellation. Asio 1.22 left that request's user data as
    // the ring slot's last request had it, so once more requests than the
    // ring holds (16384) had gone by, the cancellation's completion landed
    // on some other socket's transfer (see src/aio/asio_impl.cpp). So: go
    // round the ring twice with reads on `busy`, leave one more read of
    // busy's in flight, close `closing` under its own read, and busy's read
    // must still be waiting, then complete with busy's byte.
    fsm_ctx ctx;  // outlives w: w's thread may still be leaving it
    worker w(0);
    socket_pair busy(w), closing(w), marker(w);
    op_owner busy_owner(ctx), closing_owner(ctx), marker_owner(ctx);
    constexpr int rounds = 2 * 16384 + 100;
    std::byte busy_in[1] = {};
    // Called with busy_owner's lock held, its done count already moved.
    busy_owner.on_done = [&] {
        if (busy_owner.done < rounds) busy_owner.op.start_read(busy.ours, busy_in, 1);
    };
    on_worker(w, [&] { busy_owner.op.start_read(busy.ours, busy_in, 1); });
    // The worker reads while we write: a full socket buffer only slows us.
    const std::vector<std::byte> bytes(rounds, std::byte{0x11});
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const ssize_t n = ::write(busy.peer, bytes.data() + sent, bytes.size() - sent);
        REQUIRE(n > 0);
        sent += static_cast<std::size_t>(n);
    }
    REQUIRE(busy_owner.s.wait_for([&] { return busy_owner.done == rounds; }));

    // busy's read in flight, then closing's, then closing goes.
    on_worker(w, [&] { busy_owner.op.start_read(busy.ours, busy_in, 1); });
    std::byte closing_in[1] = {};
    on_worker(w, [&] { closing_owner.op.start_read(closing.ours, closing_in, 1); });
    on_worker(w, [&] { closing.ours.close(); });
    REQUIRE(closing_owner.s.wait_for([&] { return closing_owner.errors == 1; }));
    {
        auto lk = closing_owner.s.lock();
        CHECK(closing_owner.last_error == asio::error::operation_aborted);
    }
    // The cancellation's own completion came out of the kernel with the
    // cancelled read's; one more transfer, started after, completes after both.
    std::byte marker_in[1] = {};
    on_worker(w, [&] { marker_owner.op.start_read(marker.ours, marker_in, 1); });
    REQUIRE(::write(marker.peer, "m", 1) == 1);
    REQUIRE(marker_owner.s.wait_for([&] { return marker_owner.done == 1; }));

    {
        auto lk = busy_owner.s.lock();
        CHECK(busy_owner.done == rounds);
        CHECK(busy_owner.errors == 0);
    }
    ctx.enter();
    const bool busy_idle = busy_owner.op.idle();
    ctx.leave();
    CHECK_FALSE(busy_idle);
    REQUIRE(::write(busy.peer, "b", 1) == 1);
    REQUIRE(busy_owner.s.wait_for([&] { return busy_owner.done == rounds + 1; }));
    auto lk = busy_owner.s.lock();
    CHECK(busy_owner.errors == 0);
    CHECK(busy_owner.transferred == 1);
    CHECK(busy_in[0] == std::byte{'b'});
}
