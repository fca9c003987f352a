// test_socket: a minimal transport::socket_hooks for transport tests, standing
// in for core::socket. It owns the ctx, records what its pipes report, drains
// every readable pipe into `received` (unless holding is set), and lets a test
// wait for any of it. All recorded state is guarded by the ctx; read it via
// inside() or the wait helpers.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "aio/fsm.hpp"
#include "aio/message.hpp"
#include "aio/pool.hpp"
#include "transport/pipe.hpp"
#include "transport/sp_wire.hpp"

namespace nanoport::test {

class test_socket : public transport::socket_hooks {
public:
    test_socket(aio::pool& pool, std::uint16_t protocol_id) : pool_(pool), id_(protocol_id) {}

    aio::fsm_ctx& ctx() override { return ctx_; }
    std::uint16_t protocol_id() const override { return id_; }
    bool accepts_peer(std::uint16_t peer) const override { return transport::sp_wire::is_peer(id_, peer); }
    transport::pipe_options current_options() const override { return options; }
    aio::pool& workers() override { return pool_; }

    std::error_code pipe_added(transport::pipe& p) override {
        pipes.push_back(&p);
        ++added;
        writable_pipes.push_back(&p);
        changed();
        return {};
    }
    void pipe_removed(transport::pipe& p) override {
        pipes.erase(std::remove(pipes.begin(), pipes.end(), &p), pipes.end());
        writable_pipes.erase(std::remove(writable_pipes.begin(), writable_pipes.end(), &p), writable_pipes.end());
        ++removed;
        changed();
    }
    void pipe_readable(transport::pipe& p) override {
        ++readable_events;
        if (holding) {
            readable_pipes.push_back(&p);
        } else {
            drain(p);
        }
        changed();
    }
    void pipe_writable(transport::pipe& p) override {
        ++writable_events;
        writable_pipes.push_back(&p);
        changed();
    }
    void endpoint_stopped(transport::endpoint&) override {
        ++endpoints_stopped;
        changed();
    }
    void count_established() override { ++established; changed(); }
    void count_accepted() override { ++accepted; changed(); }
    void count_broken() override { ++broken; changed(); }
    void count_connect_error() override { ++connect_errors; changed(); }

    // Runs f inside the ctx.
    template <typename F>
    auto inside(F f) {
        ctx_.enter();
        struct leave_on_exit {
            aio::fsm_ctx& c;
            ~leave_on_exit() { c.leave(); }
        } guard{ctx_};
        return f();
    }

    // Waits (up to the deadline) until pred() holds, pred evaluated inside the ctx.
    template <typename Pred>
    bool wait(Pred pred, std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
        const auto until = std::chrono::steady_clock::now() + deadline;
        std::unique_lock<std::mutex> lk(mutex_);
        for (;;) {
            const std::uint64_t seen = version_;
            lk.unlock();
            if (inside(pred)) return true;
            lk.lock();
            if (!cv_.wait_until(lk, until, [&] { return version_ != seen; })) return inside(pred);
        }
    }

    // Sends m on the first writable pipe; false if none is.
    bool send(aio::message m) {
        return inside([&] {
            if (writable_pipes.empty()) return false;
            transport::pipe* p = writable_pipes.front();
            if (!p->send(std::move(m))) {
                writable_pipes.erase(writable_pipes.begin());
            }
            return true;
        });
    }

    void drain(transport::pipe& p) {
        for (;;) {
            aio::message m;
            const auto r = p.receive(m);
            if (r.received) received.push_back(std::move(m));
            if (!r.more) break;
        }
    }

    std::error_code endpoint(const std::string& url, bool bind, std::unique_ptr<transport::endpoint>& out) {
        return inside([&] { return transport::make_endpoint(*this, url, bind, out); });
    }

    // Closes e and waits until it reported endpoint_stopped; then frees it.
    bool close_endpoint(std::unique_ptr<transport::endpoint>& e) {
        const int before = inside([&] { return endpoints_stopped; });
        inside([&] { e->close(); });
        const bool ok = wait([&] { return endpoints_stopped > before; });
        inside([&] { e.reset(); });  // under the ctx: the worker has left it
        return ok;
    }

    transport::pipe_options options;
    bool holding = false;  // when set, readable pipes are listed, not drained
    std::vector<transport::pipe*> pipes;
    std::vector<transport::pipe*> writable_pipes;
    std::vector<transport::pipe*> readable_pipes;
    std::deque<aio::message> received;
    int added = 0, removed = 0, readable_events = 0, writable_events = 0, endpoints_stopped = 0;
    int established = 0, accepted = 0, broken = 0, connect_errors = 0;

private:
    void changed() {
        {
            std::lock_guard<std::mutex> lk(mutex_);
            ++version_;
        }
        cv_.notify_all();
    }

    aio::pool& pool_;
    std::uint16_t id_;
    aio::fsm_ctx ctx_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::uint64_t version_ = 0;
};

}  // namespace nanoport::test
