// inproc endpoints: the bind and the connect of an inproc:// name, and the
// process-wide registry that joins them. The pipes themselves (two halves and
// a shared link) are in inproc_pipe.hpp.
//
// The registry is the transport's only global state, behind its own mutex. It
// maps each name to the binder holding it (if any; with that bind's protocol
// id and a generation number unique to the bind) and to every connector made
// for the name, paired or not.
//
// Pairing is always started by the connector, inside its own socket's ctx:
//   1. it reads the name's binder from the registry and checks that its own
//      socket accepts the binder's protocol;
//   2. it makes a link and its own half (offered), queues the link on the
//      binder and kicks the binder (an fsm_event, delivered inside the
//      binder's socket's ctx once the connector's ctx is left);
//   3. the binder checks that its socket accepts the connector's protocol,
//      makes its half and adds it to its socket, and kicks the connecting
//      half, which then adds itself to its socket.
// So a connect to a bound name pairs at once, with no reconnect delay. A bind
// kicks every connector of the name that has no pipe, and each pairs as above:
// a connect made before the bind pairs when the bind happens.
//
// Decisions, with their reasons:
// - Incompatible protocols (either socket's accepts_peer says no) never pair:
//   no pipe is added on either side. The connector stays unpaired and does
//   not ask that bind again (its answer cannot change); a new bind of the
//   name is tried as usual.
// - When the binder closes, its pipes close on both sides and each connector
//   waits for the next bind of the name, pairing the moment it happens.
// - A pipe that a protocol closed or refused (PAIR with a peer already, a
//   malformed message) while its bind stays: the connector pairs with that
//   bind again after NN_RECONNECT_IVL, doubling up to NN_RECONNECT_IVL_MAX
//   when that is larger, and back to NN_RECONNECT_IVL once a pipe was
//   accepted - exactly what a tcp or ipc dialer does, so a PAIR socket over
//   inproc gets its peer once the previous one leaves, as over tcp. (nanomsg
//   leaves a refused inproc pipe dead until the binder closes.)
// - Counters: accepted (binder side) and established (connector side) when a
//   pipe is added, broken when the peer half went away, dropped when our own
//   endpoint closed an added pipe, bind_error on EADDRINUSE.
//
// Lock order: the registry's mutex, then a link's mutex; neither is held while
// a socket is called.
#include "transport/inproc/inproc.hpp"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "aio/fsm.hpp"
#include "aio/log.hpp"
#include "aio/pool.hpp"
#include "aio/timer.hpp"
#include "transport/inproc/inproc_pipe.hpp"

namespace nanoport::transport {

namespace {

class inproc_binder;
class inproc_connector;

// The names in use in this process.
struct registry {
    struct name_entry {
        inproc_binder* binder = nullptr;            // the endpoint bound to the name, if any
        std::uint16_t binder_protocol = 0;          // its socket's protocol id
        std::uint64_t generation = 0;               // which bind it is (never reused)
        std::vector<inproc_connector*> connectors;  // every open connect to the name
    };

    std::mutex mutex;
    std::unordered_map<std::string, name_entry> names;  // guarded by mutex
    std::uint64_t last_generation = 0;                  // guarded by mutex

    // Drops the name once nothing refers to it. With mutex held.
    void forget_if_unused(std::unordered_map<std::string, name_entry>::iterator it) {
        if (!it->second.binder && it->second.connectors.empty()) names.erase(it);
    }
};

registry& the_registry() {
    static registry r;
    return r;
}

// ---- binder ----------------------------------------------------------------

// The endpoint of an inproc bind: holds the name in the registry and answers
// the links connectors offer it, one half per connector.
//
//   active   the name is ours; offers are answered as they come
//   closing  the name is released; waiting for our halves and for the events
//            aimed at us to be gone
//   stopped  endpoint_stopped was reported; the socket may free us
//
//   active  -> closing   close()
//   closing -> stopped   no half left, no offer kick or reap event queued
class inproc_binder final : public endpoint, private aio::fsm, private inproc_pipe_parent {
public:
    inproc_binder(socket_hooks& socket, const transport::address& addr)
        : aio::fsm(socket.ctx()), socket_(socket), address_(addr.raw), name_(addr.path),
          priorities_(endpoint_priorities::of(socket)) {}
    ~inproc_binder() override { assert(state_ == state::stopped || !registered_); }

    // Takes the name; EADDRINUSE when it is bound already.
    std::error_code start();
    void close() override;
    const std::string& address() const override { return address_; }

    // A connector offers a link. With the registry's mutex held, inside the
    // connector's socket's ctx (from).
    void take_offer(std::shared_ptr<inproc_link> link, aio::fsm_ctx& from) {
        offers_.push_back(std::move(link));
        if (!offers_kick_.active()) from.raise(offers_kick_, *this, source_offers, 0);
    }

private:
    enum class state { active, closing, stopped };

    static constexpr int source_offers = 1;  // connectors queued offers (raised by them)
    static constexpr int source_reap = 2;    // a half stopped (raised by us)

    inproc_pipe_parent& as_parent() noexcept { return *this; }
    void handle(int source, int type, aio::worker_op* op) override;
    void pipe_stopped(inproc_pipe& p) override;
    endpoint_priorities priorities() const override { return priorities_; }
    void answer_offers();
    void free_stopped_pipes();
    void stop_if_done();

    socket_hooks& socket_;
    const std::string address_;
    const std::string name_;
    const endpoint_priorities priorities_;  // NN_SNDPRIO/NN_RCVPRIO when made
    state state_ = state::active;
    bool registered_ = false;
    std::vector<std::unique_ptr<inproc_pipe>> pipes_;
    // Guarded by the registry's mutex: links offered and not yet answered.
    std::vector<std::shared_ptr<inproc_link>> offers_;
    // Raised by connectors, in their ctxs, under the registry's mutex, only
    // while we hold the name.
    aio::fsm_event offers_kick_;
    aio::fsm_event reap_event_;
};

// ---- connector -------------------------------------------------------------

// The endpoint of an inproc connect: at most one pipe at a time, to whichever
// endpoint binds the name.
//
//   waiting   no pipe: the name is not bound, or bound by a socket we cannot
//             talk to; the next bind kicks us
//   paired    our one half exists (offered or active)
//   retrying  our pipe was closed by a protocol while its bind stays; the
//             reconnect timer runs
//   closing   close() was called; waiting for our half, our timer and the
//             events aimed at us
//   stopped   endpoint_stopped was reported; the socket may free us
//
//   waiting  -> paired    kicked by a bind we can talk to
//   paired   -> waiting   our half stopped and its bind is gone (or refused us)
//   paired   -> paired    our half stopped and a newer bind holds the name
//   paired   -> retrying  our half stopped and its bind stays
//   retrying -> paired    timer expired (or a new bind kicked us)
//   any      -> closing   close()
//   closing  -> stopped   no half, timer idle, no kick or reap event queued
class inproc_connector final : public endpoint, private aio::fsm, private inproc_pipe_parent {
public:
    inproc_connector(socket_hooks& socket, const transport::address& addr)
        : aio::fsm(socket.ctx()), socket_(socket), address_(addr.raw), name_(addr.path),
          priorities_(endpoint_priorities::of(socket)), worker_(socket.workers().choose_worker()), retry_timer_(worker_, *this, source_retry) {}
    ~inproc_connector() override {
        assert(state_ == state::stopped);
        aio::pool::release(worker_);
    }

    // Registers for the name and pairs if it is bound.
    void start();
    void close() override;
    const std::string& address() const override { return address_; }

    // The name was bound. With the registry's mutex held, inside the binder's
    // socket's ctx (from).
    void kick_bound(aio::fsm_ctx& from) {
        if (!bound_kick_.active()) from.raise(bound_kick_, *this, source_bound, 0);
    }

private:
    enum class state { waiting, paired, retrying, closing, stopped };

    static constexpr int source_bound = 1;  // a bind of our name (raised by the binder)
    static constexpr int source_reap = 2;   // our half stopped (raised by us)
    static constexpr int source_retry = 3;  // the reconnect timer

    inproc_pipe_parent& as_parent() noexcept { return *this; }
    void handle(int source, int type, aio::worker_op* op) override;
    void pipe_stopped(inproc_pipe& p) override;
    endpoint_priorities priorities() const override { return priorities_; }
    void on_bound();
    void on_pipe_stopped();
    void try_pair();
    void stop_if_done();

    socket_hooks& socket_;
    const std::string address_;
    const std::string name_;
    const endpoint_priorities priorities_;  // NN_SNDPRIO/NN_RCVPRIO when made
    aio::worker& worker_;
    aio::timer retry_timer_;
    state state_ = state::waiting;
    std::unique_ptr<inproc_pipe> pipe_;
    std::uint64_t incompatible_generation_ = 0;  // a bind that cannot talk to us: not asked again
    int next_retry_ms_ = 0;                      // back-off; 0 = NN_RECONNECT_IVL
    // Raised by binders, in their ctxs, under the registry's mutex, only
    // while we are registered.
    aio::fsm_event bound_kick_;
    aio::fsm_event reap_event_;
};

// ---- binder, behaviour -----------------------------------------------------

std::error_code inproc_binder::start() {
    registry& reg = the_registry();
    const std::uint16_t protocol = socket_.protocol_id();
    {
        std::lock_guard<std::mutex> lock(reg.mutex);
        registry::name_entry& entry = reg.names[name_];
        if (!entry.binder) {
            entry.binder = this;
            entry.binder_protocol = protocol;
            entry.generation = ++reg.last_generation;
            registered_ = true;
            for (inproc_connector* c : entry.connectors) c->kick_bound(ctx());
            return {};
        }
    }
    socket_.count_bind_error();
    return std::make_error_code(std::errc::address_in_use);
}

void inproc_binder::close() {
    assert(ctx().inside());
    switch (state_) {
        case state::closing:
        case state::stopped:
            return;
        case state::active:
            break;
    }
    state_ = state::closing;
    std::vector<std::shared_ptr<inproc_link>> unanswered;
    {
        registry& reg = the_registry();
        std::lock_guard<std::mutex> lock(reg.mutex);
        auto it = reg.names.find(name_);
        assert(it != reg.names.end() && it->second.binder == this);
        it->second.binder = nullptr;
        reg.forget_if_unused(it);
        unanswered.swap(offers_);
    }
    for (const auto& link : unanswered) inproc_pipe::refuse(*link, ctx(), false);
    for (const auto& p : pipes_) p->drop();
    // endpoint_stopped must not be reported from inside close().
    if (!reap_event_.active()) ctx().raise(reap_event_, *this, source_reap, 0);
}

void inproc_binder::handle(int source, int, aio::worker_op*) {
    switch (source) {
        case source_offers:
            answer_offers();
            break;
        case source_reap:
            free_stopped_pipes();
            break;
        default:
            assert(false && "unknown event source");
            break;
    }
    stop_if_done();
}

void inproc_binder::answer_offers() {
    std::vector<std::shared_ptr<inproc_link>> offers;
    {
        registry& reg = the_registry();
        std::lock_guard<std::mutex> lock(reg.mutex);
        offers.swap(offers_);
    }
    for (const auto& link : offers) {
        // close() may be called from a hook while we answer.
        if (state_ != state::active) {
            inproc_pipe::refuse(*link, ctx(), false);
            continue;
        }
        const std::uint16_t peer = link->protocol(connecting_side);
        if (!socket_.accepts_peer(peer)) {
            aio::log("%s: refused a connect from protocol %u", address_.c_str(), unsigned{peer});
            inproc_pipe::refuse(*link, ctx(), true);
            continue;
        }
        auto half = std::make_unique<inproc_pipe>(socket_, as_parent(), link, bound_side);
        inproc_pipe* added = half.get();
        pipes_.push_back(std::move(half));
        if (!added->accept()) {
            // The connecting half left before we answered: never attached.
            auto it = std::find_if(pipes_.begin(), pipes_.end(),
                                   [added](const auto& p) { return p.get() == added; });
            pipes_.erase(it);
        }
    }
}

void inproc_binder::pipe_stopped(inproc_pipe&) {
    if (!reap_event_.active()) ctx().raise(reap_event_, *this, source_reap, 0);
}

void inproc_binder::free_stopped_pipes() {
    std::erase_if(pipes_, [](const auto& p) { return p->stopped(); });
}

void inproc_binder::stop_if_done() {
    switch (state_) {
        case state::active:
        case state::stopped:
            return;
        case state::closing:
            break;
    }
    if (!pipes_.empty() || offers_kick_.active() || reap_event_.active()) return;
    state_ = state::stopped;
    socket_.endpoint_stopped(*this);
}

// ---- connector, behaviour --------------------------------------------------

void inproc_connector::start() {
    {
        registry& reg = the_registry();
        std::lock_guard<std::mutex> lock(reg.mutex);
        reg.names[name_].connectors.push_back(this);
    }
    try_pair();
}

void inproc_connector::try_pair() {
    registry& reg = the_registry();
    for (;;) {
        std::uint64_t generation = 0;
        std::uint16_t peer = 0;
        {
            std::lock_guard<std::mutex> lock(reg.mutex);
            const registry::name_entry& entry = reg.names.at(name_);
            if (!entry.binder || entry.generation == incompatible_generation_) {
                state_ = state::waiting;
                return;
            }
            generation = entry.generation;
            peer = entry.binder_protocol;
        }
        // Our socket is asked without the registry's mutex held.
        if (!socket_.accepts_peer(peer)) {
            aio::log("%s: cannot talk to the bound protocol %u", address_.c_str(), unsigned{peer});
            incompatible_generation_ = generation;
            state_ = state::waiting;
            return;
        }
        auto link =
            std::make_shared<inproc_link>(address_, generation, peer, socket_.protocol_id());
        auto half = std::make_unique<inproc_pipe>(socket_, as_parent(), link, connecting_side);
        {
            std::lock_guard<std::mutex> lock(reg.mutex);
            registry::name_entry& entry = reg.names.at(name_);
            if (entry.binder && entry.generation == generation) {
                half->offer();
                entry.binder->take_offer(std::move(link), ctx());
                pipe_ = std::move(half);
                state_ = state::paired;
                return;
            }
        }
        // The bind changed while we looked: look again (half was never attached).
    }
}

void inproc_connector::close() {
    assert(ctx().inside());
    switch (state_) {
        case state::closing:
        case state::stopped:
            return;
        case state::waiting:
        case state::paired:
        case state::retrying:
            break;
    }
    state_ = state::closing;
    {
        registry& reg = the_registry();
        std::lock_guard<std::mutex> lock(reg.mutex);
        auto it = reg.names.find(name_);
        assert(it != reg.names.end());
        std::erase(it->second.connectors, this);
        reg.forget_if_unused(it);
    }
    retry_timer_.stop();
    if (pipe_) pipe_->drop();
    // endpoint_stopped must not be reported from inside close().
    if (!reap_event_.active()) ctx().raise(reap_event_, *this, source_reap, 0);
}

void inproc_connector::handle(int source, int type, aio::worker_op*) {
    switch (source) {
        case source_bound:
            on_bound();
            break;
        case source_reap:
            on_pipe_stopped();
            break;
        case source_retry:
            // event::stopped (a cancelled wait finished) only matters to stop_if_done.
            if (type == aio::event::timeout && state_ == state::retrying) try_pair();
            break;
        default:
            assert(false && "unknown event source");
            break;
    }
    stop_if_done();
}

void inproc_connector::on_bound() {
    switch (state_) {
        case state::retrying:
            retry_timer_.stop();  // a new bind: no need to wait
            try_pair();
            return;
        case state::waiting:
            try_pair();
            return;
        case state::paired:
        case state::closing:
        case state::stopped:
            return;
    }
}

void inproc_connector::pipe_stopped(inproc_pipe&) {
    if (!reap_event_.active()) ctx().raise(reap_event_, *this, source_reap, 0);
}

void inproc_connector::on_pipe_stopped() {
    if (!pipe_ || !pipe_->stopped()) return;
    const std::unique_ptr<inproc_pipe> gone = std::move(pipe_);
    switch (state_) {
        case state::paired:
            break;
        case state::waiting:
        case state::retrying:
        case state::closing:
        case state::stopped:
            return;
    }
    const std::uint64_t generation = gone->link().bind_generation();
    if (gone->refused_as_incompatible()) incompatible_generation_ = generation;
    if (gone->accepted_by_socket()) next_retry_ms_ = 0;

    bool same_bind = false;
    {
        registry& reg = the_registry();
        std::lock_guard<std::mutex> lock(reg.mutex);
        const registry::name_entry& entry = reg.names.at(name_);
        same_bind = entry.binder && entry.generation == generation;
    }
    if (!same_bind || incompatible_generation_ == generation) {
        try_pair();  // a newer bind pairs at once; none: wait for one
        return;
    }
    // A protocol closed the pipe while its bind stays: retry later, as a
    // dialer reconnects.
    const pipe_options options = socket_.current_options();
    const int interval = next_retry_ms_ > 0 ? next_retry_ms_ : options.reconnect_interval_ms;
    if (options.reconnect_interval_max_ms > options.reconnect_interval_ms) {
        next_retry_ms_ = std::min(interval * 2, options.reconnect_interval_max_ms);
    }
    state_ = state::retrying;
    retry_timer_.start(std::chrono::milliseconds(std::max(interval, 0)));
}

void inproc_connector::stop_if_done() {
    switch (state_) {
        case state::waiting:
        case state::paired:
        case state::retrying:
        case state::stopped:
            return;
        case state::closing:
            break;
    }
    if (pipe_ || !retry_timer_.idle() || bound_kick_.active() || reap_event_.active()) return;
    state_ = state::stopped;
    socket_.endpoint_stopped(*this);
}

}  // namespace

std::error_code make_inproc_endpoint(socket_hooks& socket, const address& addr, bool bind,
                                     std::unique_ptr<endpoint>& out) {
    assert(socket.ctx().inside());
    if (addr.kind != scheme::inproc) return std::make_error_code(std::errc::invalid_argument);
    if (bind) {
        auto binder = std::make_unique<inproc_binder>(socket, addr);
        if (std::error_code ec = binder->start()) return ec;
        out = std::move(binder);
    } else {
        auto connector = std::make_unique<inproc_connector>(socket, addr);
        connector->start();
        out = std::move(connector);
    }
    return {};
}

}  // namespace nanoport::transport
