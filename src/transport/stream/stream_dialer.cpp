#include "transport/stream/stream_dialer.hpp"

#include <asio/local/stream_protocol.hpp>

#include <algorithm>
#include <cstring>

#include "aio/log.hpp"
#include "aio/pool.hpp"

namespace nanoport::transport {

struct stream_dialer::connect_completion {
    stream_dialer* self;

    using allocator_type = aio::slot_allocator<void>;
    allocator_type get_allocator() const noexcept { return allocator_type(self->connect_memory_); }

    void operator()(const std::error_code& ec) const {
        aio::fsm_ctx& ctx = self->ctx();
        ctx.enter();
        self->connect_busy_ = false;
        self->on_connected(ec);
        ctx.leave();
    }
};

// Name resolution is rare (once per connection attempt): its handler may allocate.
struct stream_dialer::resolve_completion {
    stream_dialer* self;

    void operator()(const std::error_code& ec, asio::ip::tcp::resolver::results_type results) const {
        aio::fsm_ctx& ctx = self->ctx();
        ctx.enter();
        self->resolve_busy_ = false;
        self->on_resolved(ec, results);
        ctx.leave();
    }
};

stream_dialer::stream_dialer(socket_hooks& socket, stream_kind kind, connection_setup setup,
                             transport::address target,
                             std::optional<asio::generic::stream_protocol::endpoint> local)
    : aio::fsm(socket.ctx()),
      socket_(&socket),
      priorities_(endpoint_priorities::of(socket)),
      kind_(kind),
      setup_(std::move(setup)),
      target_(std::move(target)),
      local_(std::move(local)),
      worker_(&socket.workers().choose_worker()),
      stream_(worker_->context()),
      resolver_(worker_->context()),
      task_(*this, source_task),
      reconnect_timer_(*worker_, *this, source_timer),
      random_(std::random_device{}()) {}

stream_dialer::~stream_dialer() { aio::pool::release(*worker_); }

std::unique_ptr<endpoint> stream_dialer::open(
    socket_hooks& socket, stream_kind kind, connection_setup setup, transport::address target,
    std::optional<asio::generic::stream_protocol::endpoint> local) {
    std::unique_ptr<stream_dialer> d(new stream_dialer(socket, kind, std::move(setup),
                                                       std::move(target), std::move(local)));
    d->setup_.server = false;
    d->current_interval_ms_ = socket.current_options().reconnect_interval_ms;
    d->worker_->post(d->task_);
    return d;
}

void stream_dialer::close() {
    if (state_ == state::closing || state_ == state::stopped) return;
    state_ = state::closing;
    set_in_error(false);  // a closed endpoint is in no error state
    worker_->post(task_);
}

void stream_dialer::handle(int source, int type, aio::worker_op*) {
    switch (source) {
    case source_task:
        if (state_ == state::closing) {
            resolver_.cancel();
            std::error_code ignored;
            stream_.close(ignored);  // a connect in flight completes as cancelled
            reconnect_timer_.stop();
            if (pipe_) pipe_->drop();
            check_stopped();
        } else if (state_ == state::connecting && !resolve_busy_ && !connect_busy_) {
            begin_connect();
        }
        return;
    case source_timer:
        if (type == aio::event::timeout && state_ == state::waiting) {
            state_ = state::connecting;
            begin_connect();
        }
        check_stopped();
        return;
    case source_reap:
        if (pipe_ && pipe_->stopped()) pipe_.reset();
        if (state_ == state::connected) {
            retry_later();
        } else {
            check_stopped();
        }
        return;
    }
}

void stream_dialer::begin_connect() {
    if (kind_ == stream_kind::ipc) {
        connect_to(asio::local::stream_protocol::endpoint(target_.path));
        return;
    }
    // Literal addresses need no resolver; names are resolved by Asio's
    // resolver thread, off this worker.
    std::error_code not_literal;
    const auto ip = asio::ip::make_address(target_.host, not_literal);
    if (!not_literal) {
        connect_to(asio::ip::tcp::endpoint(ip, target_.port));
        return;
    }
    const bool ipv4_only = socket_->current_options().ipv4_only;
    resolve_busy_ = true;
    if (ipv4_only) {
        resolver_.async_resolve(asio::ip::tcp::v4(), target_.host, std::to_string(target_.port),
                                asio::ip::resolver_base::numeric_service, resolve_completion{this});
    } else {
        resolver_.async_resolve(target_.host, std::to_string(target_.port),
                                asio::ip::resolver_base::numeric_service, resolve_completion{this});
    }
}

void stream_dialer::on_resolved(const std::error_code& ec,
                                const asio::ip::tcp::resolver::results_type& results) {
    if (state_ != state::connecting) {
        check_stopped();
        return;
    }
    if (ec || results.empty()) {
        aio::log("%s: cannot resolve %s: %s", target_.raw.c_str(), target_.host.c_str(),
                 ec ? ec.message().c_str() : "no address");
        socket_->count_connect_error();
        set_in_error(true);
        retry_later();
        return;
    }
    connect_to(results.begin()->endpoint());
}

void stream_dialer::connect_to(const asio::generic::stream_protocol::endpoint& ep) {
    std::error_code ec;
    if (stream_.is_open()) stream_.close(ec);
    stream_.open(ep.protocol(), ec);
    if (!ec && local_) stream_.bind(*local_, ec);
    if (ec) {
        aio::log("%s: cannot open a socket: %s", target_.raw.c_str(), ec.message().c_str());
        socket_->count_connect_error();
        set_in_error(true);
        stream_.close(ec);
        retry_later();
        return;
    }
    connect_busy_ = true;
    socket_->count_connect_started();
    stream_.async_connect(ep, connect_completion{this});
}

void stream_dialer::on_connected(const std::error_code& ec) {
    socket_->count_connect_finished();
    if (state_ != state::connecting) {
        check_stopped();
        return;
    }
    if (ec) {
        aio::log("%s: connect failed: %s", target_.raw.c_str(), ec.message().c_str());
        socket_->count_connect_error();
        set_in_error(true);
        std::error_code ignored;
        stream_.close(ignored);
        retry_later();
        return;
    }
    const pipe_options options = socket_->current_options();
    if (kind_ == stream_kind::tcp) {
        std::error_code ignored;
        stream_.set_option(asio::ip::tcp::no_delay(options.tcp_nodelay), ignored);
    }
    current_interval_ms_ = options.reconnect_interval_ms;  // a connection resets the back-off
    socket_->count_established();
    set_in_error(false);
    state_ = state::connected;
    pipe_ = make_connection(*socket_, static_cast<connection_parent&>(*this), *worker_,
                            std::move(stream_), setup_, target_.raw);
    stream_ = aio::worker_op::stream(worker_->context());
    pipe_->start();
}

void stream_dialer::pipe_stopped(connection&) {
    // Freed in the reap event, after the pipe's own handler has returned.
    if (!reap_event_.active()) ctx().raise(reap_event_, *this, source_reap, 1);
}

void stream_dialer::retry_later() {
    const pipe_options options = socket_->current_options();
    const int base = std::max(options.reconnect_interval_ms, 1);
    int interval = std::max(current_interval_ms_, base);
    // Randomised within [interval/2, interval] so that many dialers that lost
    // one server do not all come back at the same instant.
    std::uniform_int_distribution<int> spread(interval / 2, interval);
    const int wait_ms = std::max(spread(random_), 1);
    if (options.reconnect_interval_max_ms > base) {
        current_interval_ms_ = std::min(interval * 2, options.reconnect_interval_max_ms);
    } else {
        current_interval_ms_ = base;
    }
    state_ = state::waiting;
    reconnect_timer_.start(std::chrono::milliseconds(wait_ms));
}

void stream_dialer::set_in_error(bool in_error) {
    if (in_error == in_error_) return;
    in_error_ = in_error;
    socket_->endpoint_error_state(in_error);
}

void stream_dialer::check_stopped() {
    if (state_ != state::closing) return;
    if (resolve_busy_ || connect_busy_ || !reconnect_timer_.idle() || task_.queued() || pipe_ ||
        reap_event_.active()) {
        return;
    }
    state_ = state::stopped;
    socket_->endpoint_stopped(*this);
}

}  // namespace nanoport::transport
