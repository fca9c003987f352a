// priolist: a protocol's pipes grouped by priority, the list that lb (sending)
// and fq (receiving) pick pipes from. nanomsg's nn_priolist.
//
// Every pipe sits in one of 16 priority slots, 1 (preferred) to 16, fixed when
// it is added (the NN_SNDPRIO / NN_RCVPRIO of the endpoint that made it). A
// pipe is active (lb: it takes messages; fq: it has one to give) or not. Only
// active pipes are linked into their slot's ring. current() is the pipe to use
// now: the cursor of the best (lowest-numbered) slot that has an active pipe.
// After using it, the caller calls advance(): the cursor moves on to the next
// pipe of the slot, which is strict round robin within the slot; release =
// true also takes the pipe out of the ring (it is full, or has nothing more).
// A worse slot is used only while every better slot is empty, and the better
// slot is preferred again the moment one of its pipes is activated.
//
// A pipe that becomes active joins the back of the round: it is linked just
// before the cursor, so every pipe already waiting in its slot is served first.
//
// Callers: lb and fq, for a protocol, inside the socket's ctx: one thread at a
// time, no locks. Every operation is O(1) and allocates nothing: the links are
// in the node, which lives in the protocol's transport::pipe_attachment, and a
// 16-bit mask of non-empty slots finds the best one.
#pragma once

#include <cstdint>

#include "transport/pipe.hpp"

namespace nanoport::protocols::utils {

class priolist;

// One pipe's place in one priolist. Owned by the protocol (inside its
// pipe_attachment); it must be removed from its priolist before it dies.
class priolist_node {
public:
    priolist_node() = default;
    priolist_node(const priolist_node&) = delete;
    priolist_node& operator=(const priolist_node&) = delete;
    ~priolist_node();

    transport::pipe* pipe() const noexcept { return pipe_; }
    int priority() const noexcept { return priority_; }
    bool active() const noexcept { return next_ != nullptr; }

private:
    friend class priolist;
    transport::pipe* pipe_ = nullptr;
    int priority_ = 0;
    // Ring links while active; both null while inactive.
    priolist_node* prev_ = nullptr;
    priolist_node* next_ = nullptr;
};

class priolist {
public:
    static constexpr int best_priority = 1;
    static constexpr int worst_priority = 16;

    priolist() = default;
    priolist(const priolist&) = delete;
    priolist& operator=(const priolist&) = delete;

    // Registers p under node n, inactive. A priority outside 1..16 is clamped
    // into it (the socket validates NN_SNDPRIO/NN_RCVPRIO; this only keeps a
    // bad value from indexing out of the slots).
    void add(priolist_node& n, transport::pipe& p, int priority) noexcept;
    // Forgets n, active or not. Afterwards n may be destroyed.
    void remove(priolist_node& n) noexcept;
    // Puts n into the round. Activating an active node changes nothing.
    void activate(priolist_node& n) noexcept;

    // The pipe to use now, or null when no pipe is active.
    transport::pipe* current() const noexcept;
    // The priority of current(), or 0 when no pipe is active.
    int current_priority() const noexcept;
    bool empty() const noexcept { return non_empty_ == 0; }
    // After using current() (which must not be null): moves the round on, and
    // with release = true also deactivates the pipe just used.
    void advance(bool release) noexcept;

private:
    struct slot {
        priolist_node* cursor = nullptr;  // next to use; null while the ring is empty
    };
    int best_slot() const noexcept;
    void unlink(priolist_node& n) noexcept;

    slot slots_[worst_priority];
    std::uint16_t non_empty_ = 0;  // bit i set: slots_[i] has an active pipe
};

}  // namespace nanoport::protocols::utils
