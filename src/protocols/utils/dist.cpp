#include "protocols/utils/dist.hpp"

namespace nanoport::protocols::utils {

void dist::add(node& n, transport::pipe& p) noexcept {
    n.pipe = &p;
    n.writable = true;
    n.dropped = 0;
    n.prev = nullptr;
    n.next = head_;
    if (head_) head_->prev = &n;
    head_ = &n;
    ++count_;
}

void dist::remove(node& n) noexcept {
    if (!n.pipe) return;
    if (n.prev) {
        n.prev->next = n.next;
    } else {
        head_ = n.next;
    }
    if (n.next) n.next->prev = n.prev;
    n.prev = n.next = nullptr;
    n.pipe = nullptr;
    n.writable = false;
    --count_;
}

dist::result dist::send(const aio::message& m, const transport::pipe* except) {
    result r;
    for (node* n = head_; n; n = n->next) {
        if (n->pipe == except) continue;
        if (!n->writable) {
            ++n->dropped;
            ++n->pipe->counters.dropped;
            ++r.dropped;
            continue;
        }
        if (!n->pipe->send_shared(m)) n->writable = false;
        ++r.delivered;
    }
    return r;
}

}  // namespace nanoport::protocols::utils
