// np_aio_oploop: how many worker ops per second the engine completes.
//
// Two ends of a Unix socketpair are driven by worker_ops on one worker: a
// write op sends a block, a read op receives it, and each restarts itself from
// its own completion (the loop an SP pipe runs). It reports completed ops per
// second for the compiled-in backend (epoll or io_uring) as one JSON line.
//
//   np_aio_oploop [block-bytes=64] [seconds=2]
#include <asio/post.hpp>

#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "aio/worker.hpp"
#include "aio/worker_op.hpp"

using namespace nanoport::aio;
using clock_type = std::chrono::steady_clock;

namespace {

struct op_loop : fsm {
    op_loop(fsm_ctx& c, worker& w, std::size_t block)
        : fsm(c), a(w.context()), b(w.context()), write_op(*this, 1), read_op(*this, 2),
          out(block, std::byte{0x42}), in(block) {
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) {
            std::perror("socketpair");
            std::exit(1);
        }
        a.assign(asio::generic::stream_protocol(AF_UNIX, 0), fds[0]);
        b.assign(asio::generic::stream_protocol(AF_UNIX, 0), fds[1]);
        out_buffer = asio::const_buffer(out.data(), out.size());
    }
    void start() {
        read_op.start_read(b, in, in.size());
        write_op.start_write(a, std::span(&out_buffer, 1));
    }
    void handle(int source, int type, worker_op* op) override {
        if (type != event::done) {
            std::fprintf(stderr, "np_aio_oploop: %s\n", op->error().message().c_str());
            std::exit(1);
        }
        ++ops;
        if (!stopping && clock_type::now() >= deadline) stopping = true;
        if (!stopping) {
            if (source == 2) {
                read_op.start_read(b, in, in.size());
            } else {
                write_op.start_write(a, std::span(&out_buffer, 1));
            }
            return;
        }
        // Stopping: start no more writes, keep reading until the last write
        // has landed, and finish once both ops are idle (nothing may refer to
        // this object when main destroys it).
        if (source == 2 && !write_op.idle()) {
            read_op.start_read(b, in, in.size());
        } else if (read_op.idle() && write_op.idle()) {
            finish();
        }
    }
    void finish() {
        std::lock_guard<std::mutex> lock(m);
        finished = true;
        cv.notify_all();
    }
    worker_op::stream a, b;
    worker_op write_op, read_op;
    std::vector<std::byte> out, in;
    asio::const_buffer out_buffer;
    long ops = 0;
    bool stopping = false;
    bool finished = false;
    clock_type::time_point deadline;
    std::mutex m;
    std::condition_variable cv;
};

}  // namespace

int main(int argc, char** argv) {
    const std::size_t block = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 64;
    const double seconds = argc > 2 ? std::strtod(argv[2], nullptr) : 2.0;
    if (block == 0 || seconds <= 0) {
        std::fprintf(stderr, "usage: np_aio_oploop [block-bytes>0] [seconds>0]\n");
        return 2;
    }
    worker w(0);
    fsm_ctx ctx;
    op_loop loop(ctx, w, block);
    const auto start = clock_type::now();
    loop.deadline = start + std::chrono::duration_cast<clock_type::duration>(
                                std::chrono::duration<double>(seconds));
    asio::post(w.context(), [&] {
        ctx.enter();
        loop.start();
        ctx.leave();
    });
    {
        std::unique_lock<std::mutex> lock(loop.m);
        loop.cv.wait(lock, [&] { return loop.finished; });
    }
    ctx.enter();  // the handler may still be finishing its last event
    const long ops = loop.ops;
    ctx.leave();
    const double elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
    std::printf("{\"bench\":\"aio_oploop\",\"backend\":\"%s\",\"block\":%zu,\"ops\":%ld,"
                "\"seconds\":%.3f,\"ops_per_s\":%.0f}\n",
                worker::backend(), block, ops, elapsed, ops / elapsed);
    return 0;
}
