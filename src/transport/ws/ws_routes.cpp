#include "transport/ws/ws_routes.hpp"

#include <unistd.h>

#include <map>
#include <utility>

namespace nanoport::transport {

bool ws_route::offer(handover&& h) {
    std::lock_guard lock(mutex_);
    if (!open_) return false;
    waiting_.push_back(std::move(h));
    if (waiting_.size() == 1) wake_();
    return true;
}

std::vector<ws_route::handover> ws_route::take() {
    std::lock_guard lock(mutex_);
    return std::exchange(waiting_, {});
}

void ws_route::shut() {
    std::vector<handover> left;
    {
        std::lock_guard lock(mutex_);
        open_ = false;
        left = std::exchange(waiting_, {});
    }
    for (const handover& h : left) ::close(h.fd);
}

namespace ws_routes {

namespace {

struct port {
    std::string owner_path;
    std::map<std::string, std::shared_ptr<ws_route>> paths;
};

std::mutex registry_mutex;
std::map<std::string, port>& registry() {
    static std::map<std::string, port> ports;
    return ports;
}

// "ws://127.0.0.1:5555" and "wss://127.0.0.1:5555" are one port: the scheme
// is the part before "://", the rest the port's identity.
std::string port_of(const std::string& key) {
    const auto at = key.find("://");
    return at == std::string::npos ? key : key.substr(at + 3);
}

}  // namespace

std::error_code join(const std::string& key, const std::string& path,
                     std::shared_ptr<ws_route> route, bool& owner) {
    std::lock_guard lock(registry_mutex);
    auto& ports = registry();
    // The other scheme on the same port cannot share it.
    for (const auto& [k, p] : ports) {
        if (k != key && port_of(k) == port_of(key)) {
            return std::make_error_code(std::errc::address_in_use);
        }
    }
    auto it = ports.find(key);
    if (it == ports.end()) {
        port p;
        p.owner_path = path;
        p.paths.emplace(path, std::move(route));
        ports.emplace(key, std::move(p));
        owner = true;
        return {};
    }
    if (!it->second.paths.emplace(path, std::move(route)).second) {
        return std::make_error_code(std::errc::address_in_use);
    }
    owner = false;
    return {};
}

std::shared_ptr<ws_route> find(const std::string& key, const std::string& path) {
    std::lock_guard lock(registry_mutex);
    auto& ports = registry();
    const auto it = ports.find(key);
    if (it == ports.end()) return nullptr;
    const auto route = it->second.paths.find(path);
    return route == it->second.paths.end() ? nullptr : route->second;
}

void leave(const std::string& key, const std::string& path,
           const std::function<ws_route::handover()>& duplicate_acceptor) {
    std::lock_guard lock(registry_mutex);
    auto& ports = registry();
    const auto it = ports.find(key);
    if (it == ports.end()) return;
    port& p = it->second;
    p.paths.erase(path);
    if (p.owner_path != path) return;
    // The owner goes: the listening socket passes to a listener that stays.
    while (!p.paths.empty()) {
        auto next = p.paths.begin();
        ws_route::handover h = duplicate_acceptor();
        if (h.fd < 0) break;
        if (next->second->offer(std::move(h))) {
            p.owner_path = next->first;
            return;
        }
        ::close(h.fd);
        p.paths.erase(next);  // closing too: not a successor
    }
    ports.erase(it);
}

}  // namespace ws_routes

}  // namespace nanoport::transport
