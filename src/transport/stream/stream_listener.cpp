#include "transport/stream/stream_listener.hpp"

#include <asio/ip/tcp.hpp>
#include <asio/ip/v6_only.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "aio/log.hpp"
#include "aio/pool.hpp"

namespace nanoport::transport {

namespace {
// Pause after an accept error (out of descriptors, ...) before trying again.
constexpr auto accept_retry_delay = std::chrono::milliseconds(100);

std::error_code as_errno(const std::error_code& ec) {
    return std::error_code(ec.value(), std::generic_category());
}
}  // namespace

struct stream_listener::accept_completion {
    stream_listener* self;

    using allocator_type = aio::slot_allocator<void>;
    allocator_type get_allocator() const noexcept { return allocator_type(self->accept_memory_); }

    void operator()(const std::error_code& ec) const {
        aio::fsm_ctx& ctx = self->ctx();
        ctx.enter();
        self->accept_busy_ = false;
        self->on_accepted(ec);
        ctx.leave();
    }
};

stream_listener::stream_listener(socket_hooks& socket, stream_kind kind, connection_setup setup,
                                 std::string url, std::string unlink_path)
    : aio::fsm(socket.ctx()),
      socket_(&socket),
      priorities_(endpoint_priorities::of(socket)),
      kind_(kind),
      setup_(std::move(setup)),
      url_(std::move(url)),
      unlink_path_(std::move(unlink_path)),
      worker_(&socket.workers().choose_worker()),
      acceptor_(worker_->context()),
      task_(*this, source_task),
      retry_timer_(*worker_, *this, source_retry) {}

stream_listener::~stream_listener() { aio::pool::release(*worker_); }

std::error_code stream_listener::open(socket_hooks& socket, stream_kind kind,
                                      connection_setup setup,
                                      const asio::generic::stream_protocol::endpoint& ep,
                                      std::string url, std::string unlink_path, int permissions,
                                      std::unique_ptr<endpoint>& out) {
    std::unique_ptr<stream_listener> l(
        new stream_listener(socket, kind, std::move(setup), std::move(url), std::move(unlink_path)));
    l->setup_.server = true;
    std::error_code ec;
    if (!l->setup_.ws_route_key.empty()) {
        stream_listener* self = l.get();
        try {
            l->route_ = std::make_shared<ws_route>([self] { self->worker_->post(self->task_); });
        } catch (const std::bad_alloc&) {
            l->state_ = state::stopped;
            return std::make_error_code(std::errc::not_enough_memory);
        }
        ec = ws_routes::join(l->setup_.ws_route_key, l->setup_.ws_path, l->route_, l->port_owner_);
        if (ec) {
            socket.count_bind_error();
            l->route_.reset();
            l->state_ = state::stopped;
            return ec;
        }
        if (!l->port_owner_) {
            aio::log("%s: listening (sharing the port of another listener)", l->url_.c_str());
            l->worker_->post(l->task_);
            out = std::move(l);
            return {};
        }
    }
    l->acceptor_.open(ep.protocol(), ec);
    if (!ec && kind == stream_kind::tcp) {
        l->acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
        if (!ec && ep.protocol().family() == AF_INET6) {
            // "*" on IPv6 serves IPv4 too, as with nanomsg's NN_IPV4ONLY=0.
            l->acceptor_.set_option(asio::ip::v6_only(false), ec);
        }
    }
    if (!ec) l->acceptor_.bind(ep, ec);
    if (ec && l->route_) {
        l->route_->shut();
        ws_routes::leave(l->setup_.ws_route_key, l->setup_.ws_path, [] { return ws_route::handover{}; });
        l->route_.reset();
    }
    if (ec) {
        socket.count_bind_error();
        l->unlink_path_.clear();  // not ours to remove
        l->state_ = state::stopped;
        return as_errno(ec);
    }
    // A Unix socket refuses connections until it listens: its file gets its
    // mode before anybody can use the umask's.
    if (kind == stream_kind::ipc && permissions >= 0 &&
        ::chmod(l->unlink_path_.c_str(), static_cast<mode_t>(permissions)) != 0) {
        ec = std::error_code(errno, std::generic_category());
    }
    if (!ec) l->acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        socket.count_bind_error();
        std::error_code ignored;
        l->acceptor_.close(ignored);
        if (!l->unlink_path_.empty()) ::unlink(l->unlink_path_.c_str());  // ours: we bound it
        l->unlink_path_.clear();
        l->state_ = state::stopped;
        return as_errno(ec);
    }
    aio::log("%s: listening", l->url_.c_str());
    l->worker_->post(l->task_);
    out = std::move(l);
    return {};
}

void stream_listener::close() {
    if (state_ != state::active) return;
    state_ = state::closing;
    set_in_error(false);  // a closed endpoint is in no error state
    worker_->post(task_);
}

void stream_listener::handle(int source, int type, aio::worker_op*) {
    switch (source) {
    case source_task:
        if (state_ == state::active) {
            if (route_) take_handovers();
            if (acceptor_.is_open() && !accept_busy_ && !retry_timer_.armed()) start_accept();
            return;
        }
        if (state_ == state::closing) {
            std::error_code ignored;
            if (route_) {
                route_->shut();
                // Another listener on this port takes over the listening socket.
                ws_routes::leave(setup_.ws_route_key, setup_.ws_path, [this] {
                    ws_route::handover h;
                    if (!acceptor_.is_open()) return h;
                    h.fd = ::dup(acceptor_.native_handle());
                    std::error_code ec;
                    h.family = acceptor_.local_endpoint(ec).protocol().family();
                    h.acceptor = true;
                    return h;
                });
                route_.reset();
            }
            acceptor_.close(ignored);  // the accept in flight completes as cancelled
            if (!unlink_path_.empty()) {
                ::unlink(unlink_path_.c_str());
                unlink_path_.clear();
            }
            retry_timer_.stop();
            for (auto& p : pipes_) p->drop();
            check_stopped();
        }
        return;
    case source_retry:
        if (type == aio::event::timeout && state_ == state::active) start_accept();
        check_stopped();
        return;
    case source_reap:
        reap();
        return;
    }
}

void stream_listener::start_accept() {
    accept_worker_ = &socket_->workers().choose_worker();
    accepted_.emplace(accept_worker_->context());
    accept_busy_ = true;
    acceptor_.async_accept(*accepted_, accept_completion{this});
}

void stream_listener::on_accepted(const std::error_code& ec) {
    aio::worker& bound = *accept_worker_;
    accept_worker_ = nullptr;
    if (ec || state_ != state::active) {
        accepted_.reset();
        aio::pool::release(bound);
        if (state_ != state::active) {
            check_stopped();
            return;
        }
        socket_->count_accept_error();
        set_in_error(true);
        aio::log("%s: accept failed: %s", url_.c_str(), ec.message().c_str());
        retry_timer_.start(accept_retry_delay);
        return;
    }
    const pipe_options options = socket_->current_options();
    if (pending_ >= options.max_pending_connections) {
        // Closed before anything is allocated for it: a flood of connections
        // that never greet costs at most the cap's worth of pipes.
        std::error_code ignored;
        accepted_->close(ignored);
        accepted_.reset();
        aio::pool::release(bound);
        socket_->count_refused_connection();
        set_in_error(false);
        aio::log("%s: connection refused: %d handshakes pending", url_.c_str(), pending_);
        start_accept();
        return;
    }
    std::string description = url_;
    if (kind_ == stream_kind::tcp) {
        std::error_code ignored;
        accepted_->set_option(asio::ip::tcp::no_delay(options.tcp_nodelay), ignored);
        const auto remote = accepted_->remote_endpoint(ignored);
        if (!ignored) {
            const auto* sa = reinterpret_cast<const sockaddr*>(remote.data());
            asio::ip::tcp::endpoint tcp_remote;
            if (remote.size() <= tcp_remote.capacity()) {
                std::memcpy(tcp_remote.data(), sa, remote.size());
                description = url_.substr(0, url_.find("://")) + "://" +
                              tcp_remote.address().to_string() + ":" +
                              std::to_string(tcp_remote.port()) + " (accepted on " + url_ + ")";
            }
        }
    }
    std::unique_ptr<connection> p;
    try {
        p = make_connection(*socket_, static_cast<connection_parent&>(*this), bound,
                            std::move(*accepted_), setup_, description);
    } catch (const std::bad_alloc&) {
        std::error_code ignored;
        if (accepted_->is_open()) accepted_->close(ignored);
        accepted_.reset();
        aio::pool::release(bound);
        socket_->count_accept_error();
        aio::log("%s: no memory for a new connection", url_.c_str());
        start_accept();
        return;
    }
    accepted_.reset();
    socket_->count_accepted();
    set_in_error(false);
    aio::log("%s: accepted on worker %u", description.c_str(), bound.index());
    change_pending(1);
    p->start();
    pipes_.push_back(std::move(p));
    start_accept();
}

void stream_listener::take_handovers() {
    for (ws_route::handover& h : route_->take()) adopt(std::move(h));
}

void stream_listener::adopt(ws_route::handover&& h) {
    const asio::generic::stream_protocol protocol(h.family, SOCK_STREAM);
    std::error_code ec;
    if (h.acceptor) {
        if (acceptor_.is_open()) {
            ::close(h.fd);
            return;
        }
        acceptor_.assign(protocol, h.fd, ec);
        if (ec) {
            ::close(h.fd);
            aio::log("%s: cannot take over the port: %s", url_.c_str(), ec.message().c_str());
            return;
        }
        aio::log("%s: took over the port", url_.c_str());
        port_owner_ = true;
        return;  // the task goes on to start accepting
    }
    aio::worker& bound = socket_->workers().choose_worker();
    std::unique_ptr<connection> p;
    try {
        aio::worker_op::stream s(bound.context());
        s.assign(protocol, h.fd, ec);
        if (ec) {
            ::close(h.fd);
            aio::pool::release(bound);
            return;
        }
        p = make_connection(*socket_, static_cast<connection_parent&>(*this), bound, std::move(s),
                            setup_, url_ + " (handed over)", std::move(h.head));
    } catch (const std::bad_alloc&) {
        aio::pool::release(bound);
        return;
    }
    socket_->count_accepted();
    change_pending(1);
    p->start();
    pipes_.push_back(std::move(p));
}

void stream_listener::pipe_greeted(connection&) { change_pending(-1); }

void stream_listener::pipe_stopped(connection& p) {
    // Its memory goes in reap(), in a moment: it no longer counts as pending.
    if (!p.greeted()) change_pending(-1);
    // Freed by reap(), after the pipe's own handler has returned.
    if (!reap_event_.active()) ctx().raise(reap_event_, *this, source_reap, 1);
}

void stream_listener::change_pending(int delta) {
    pending_ += delta;
    socket_->pending_connections_changed(delta);
}

void stream_listener::reap() {
    auto stopped = std::stable_partition(pipes_.begin(), pipes_.end(),
                                         [](const auto& p) { return !p->stopped(); });
    for (auto it = stopped; it != pipes_.end(); ++it) aio::pool::release((*it)->worker());
    pipes_.erase(stopped, pipes_.end());
    check_stopped();
}

void stream_listener::set_in_error(bool in_error) {
    if (in_error == in_error_) return;
    in_error_ = in_error;
    socket_->endpoint_error_state(in_error);
}

void stream_listener::check_stopped() {
    if (state_ != state::closing) return;
    if (accept_busy_ || !retry_timer_.idle() || task_.queued() || !pipes_.empty() ||
        reap_event_.active()) {
        return;
    }
    state_ = state::stopped;
    socket_->endpoint_stopped(*this);
}

}  // namespace nanoport::transport
