// ws_routes: several ws (or wss) listeners - of different sockets - sharing
// one TCP port, each with its own path, as NNG allows.
//
// The first listener on a port binds it and accepts (the owner); later ones
// on the same port and scheme only join with their path (EADDRINUSE for a
// path already taken, or for the other scheme). Every listener has a
// ws_route: the owner's connections read their upgrade request, and one for
// another listener's path is handed to that listener's route (the socket and
// the bytes read so far), whose listener goes on with the handshake as if it
// had accepted it. When the owner closes while others remain, the listening
// socket itself (a dup of it) is handed to one of them, which accepts from
// then on.
//
// Threads: any. A route's offer() runs on the worker of the listener that
// accepted, inside that socket's ctx; it takes only the route's mutex and
// posts the receiving listener's task, never entering another ctx. Lock
// order: the registry's mutex, then a route's.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

namespace nanoport::transport {

class ws_route {
public:
    // A connection (or, with acceptor set, the listening socket) handed over.
    struct handover {
        int fd = -1;
        int family = 0;
        bool acceptor = false;
        std::vector<std::byte> head;  // bytes already read from the connection
    };

    // wake: posts the listener's task; called with the route's mutex held.
    explicit ws_route(std::function<void()> wake) : wake_(std::move(wake)) {}

    // Takes h (and its descriptor) unless the listener has closed.
    bool offer(handover&& h);
    // The listener's side: what was handed over since the last call.
    std::vector<handover> take();
    // The listener is closing: no more offers. Descriptors still waiting
    // are closed.
    void shut();

private:
    std::mutex mutex_;
    bool open_ = true;
    std::function<void()> wake_;
    std::vector<handover> waiting_;
};

namespace ws_routes {

// A listener on key (scheme, address and port, as bound) with path. owner:
// true when this listener must bind the port itself (the first one), false
// when it joined an owner's. address_in_use for a path already served there.
std::error_code join(const std::string& key, const std::string& path,
                     std::shared_ptr<ws_route> route, bool& owner);

// The route that serves path on key, if any.
std::shared_ptr<ws_route> find(const std::string& key, const std::string& path);

// A listener leaves. An owner passes a function that gives a duplicate of
// its listening socket; when another listener remains, that one becomes the
// owner and receives the duplicate.
void leave(const std::string& key, const std::string& path,
           const std::function<ws_route::handover()>& duplicate_acceptor);

}  // namespace ws_routes

}  // namespace nanoport::transport
