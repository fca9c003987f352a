#include "core/poll.hpp"

#include <poll.h>

#include <cerrno>
#include <vector>

namespace nanoport::core {

std::error_code poll(socket_table& table, std::span<poll_item> items, int timeout_ms, int& ready) {
    ready = 0;
    std::vector<socket_table::ref> held;
    std::vector<pollfd> fds;
    held.reserve(items.size());
    fds.reserve(items.size() * 2);
    for (poll_item& item : items) {
        item.can_receive = item.can_send = false;
        if (!item.want_receive && !item.want_send) continue;
        socket_table::ref s;
        if (std::error_code ec = table.hold(item.handle, s)) return ec;
        for (bool for_send : {false, true}) {
            if (!(for_send ? item.want_send : item.want_receive)) continue;
            int fd = -1;
            if (std::error_code ec = s->readiness_fd(for_send, fd)) return ec;
            fds.push_back(pollfd{fd, POLLIN, 0});
        }
        held.push_back(std::move(s));
    }

    const int n =
        ::poll(fds.data(), static_cast<nfds_t>(fds.size()), timeout_ms < 0 ? -1 : timeout_ms);
    if (n < 0) return {errno, std::generic_category()};
    if (n == 0) return {};

    std::size_t at = 0;
    for (poll_item& item : items) {
        if (!item.want_receive && !item.want_send) continue;
        if (item.want_receive) item.can_receive = (fds[at++].revents & POLLIN) != 0;
        if (item.want_send) item.can_send = (fds[at++].revents & POLLIN) != 0;
        if (item.can_receive || item.can_send) ++ready;
    }
    return {};
}

}  // namespace nanoport::core
