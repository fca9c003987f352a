// priolist: see priolist.hpp. Each slot is a circular doubly linked ring of
// active nodes with a cursor; non_empty_ has one bit per slot with a ring.
#include "protocols/utils/priolist.hpp"

#include <algorithm>
#include <bit>
#include <cassert>

namespace nanoport::protocols::utils {

priolist_node::~priolist_node() {
    // Our invariant, not a peer's: a protocol removes a pipe's node from its
    // priolist before the attachment holding the node goes.
    assert(!active());
}

void priolist::add(priolist_node& n, transport::pipe& p, int priority) noexcept {
    assert(!n.active());
    n.pipe_ = &p;
    n.priority_ = std::clamp(priority, best_priority, worst_priority);
}

void priolist::remove(priolist_node& n) noexcept {
    if (n.active()) unlink(n);
    n.pipe_ = nullptr;
}

void priolist::activate(priolist_node& n) noexcept {
    if (n.active() || !n.pipe_) return;
    const int index = n.priority_ - 1;
    slot& s = slots_[index];
    if (!s.cursor) {
        n.prev_ = &n;
        n.next_ = &n;
        s.cursor = &n;
        non_empty_ = static_cast<std::uint16_t>(non_empty_ | (1u << index));
        return;
    }
    // Just before the cursor: the last one served in this round.
    priolist_node* before = s.cursor->prev_;
    n.prev_ = before;
    n.next_ = s.cursor;
    before->next_ = &n;
    s.cursor->prev_ = &n;
}

transport::pipe* priolist::current() const noexcept {
    if (empty()) return nullptr;
    return slots_[best_slot()].cursor->pipe_;
}

int priolist::current_priority() const noexcept {
    return empty() ? 0 : best_slot() + 1;
}

void priolist::advance(bool release) noexcept {
    assert(!empty());
    slot& s = slots_[best_slot()];
    priolist_node* used = s.cursor;
    if (release) {
        unlink(*used);  // moves the cursor on by itself
    } else {
        s.cursor = used->next_;
    }
}

int priolist::best_slot() const noexcept {
    return std::countr_zero(static_cast<unsigned>(non_empty_));
}

void priolist::unlink(priolist_node& n) noexcept {
    const int index = n.priority_ - 1;
    slot& s = slots_[index];
    if (n.next_ == &n) {
        s.cursor = nullptr;
        non_empty_ = static_cast<std::uint16_t>(non_empty_ & ~(1u << index));
    } else {
        if (s.cursor == &n) s.cursor = n.next_;
        n.prev_->next_ = n.next_;
        n.next_->prev_ = n.prev_;
    }
    n.prev_ = nullptr;
    n.next_ = nullptr;
}

}  // namespace nanoport::protocols::utils
