// trie: a SUB socket's subscriptions, and the prefix match run on every
// message it receives. nanomsg's nn_trie.
//
// A subscription is any byte string, empty included (the empty one matches
// every message). A message matches when one of the subscribed strings is a
// prefix of its body. Subscriptions are counted, as nanomsg counts them:
// subscribing to the same prefix twice needs two unsubscribes before the
// prefix stops matching. Unsubscribing a prefix that is not subscribed
// changes nothing and is not an error (nanomsg 1.1.5 returns success for it
// too; NNG says ENOENT).
//
// Shape: a radix trie (a byte trie whose chains of single-child nodes are
// merged into one node with a multi-byte label). Each node's children are
// kept sorted by the first byte of their label. match() walks down from the
// root, consuming the message's bytes, and stops at the first node that ends
// a subscription: every node but the root consumes at least one byte, each
// byte is compared once against a label, and a child is found by binary search
// over at most 256 edges (8 steps). So its cost grows with the length of the
// matching prefix - at most one node per byte of the message, plus the root -
// not with the number of subscriptions, and it allocates nothing.
// subscribe() allocates (labels, child lists); unsubscribe() only frees, and
// merges a node left with one child into that child when memory allows (the
// trie stays correct and bounded without the merge).
//
// Callers: xsub, inside the socket's ctx (one thread at a time, no locks).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nanoport::protocols {

class trie {
public:
    trie();

    // Adds one count to prefix. Throws std::bad_alloc, leaving the trie as
    // it was.
    void subscribe(std::span<const std::byte> prefix);
    // Removes one count from prefix; false when prefix was not subscribed
    // (nothing changes). A prefix whose count drops to zero is forgotten and
    // its nodes are freed or merged back into their neighbours.
    bool unsubscribe(std::span<const std::byte> prefix) noexcept;

    // True when a subscribed prefix is a prefix of message.
    bool match(std::span<const std::byte> message) const noexcept;
    // The same, also reporting how many nodes the walk visited (the root
    // included), for tests that pin the cost.
    bool match(std::span<const std::byte> message, std::size_t& nodes_visited) const noexcept;

    // How often prefix is subscribed (0 = not at all).
    std::size_t count(std::span<const std::byte> prefix) const noexcept;
    // No prefix is subscribed: nothing matches.
    bool empty() const noexcept { return distinct_ == 0; }
    // Distinct prefixes subscribed.
    std::size_t size() const noexcept { return distinct_; }
    // Nodes in use, the root included (1 when empty): tests check that
    // unsubscribing frees what subscribing made.
    std::size_t node_count() const noexcept { return nodes_.size() - free_.size(); }

private:
    using index = std::uint32_t;
    static constexpr index root = 0;
    static constexpr index none = static_cast<index>(-1);

    struct edge {
        unsigned char first;  // first byte of the child's label
        index child;
    };
    struct node {
        std::string label;      // bytes from the parent to here; empty only at the root
        std::size_t count = 0;  // times the prefix ending here was subscribed
        index parent = none;
        std::vector<edge> children;  // sorted by first; labels start with different bytes
    };

    // The child of n whose label starts with byte, or none.
    index child_of(index n, unsigned char byte) const noexcept;
    // Inserts / removes n's edge to child (which must exist / have a label).
    void link(index parent, index child) noexcept;
    void unlink(index parent, index child) noexcept;
    // A free node with the given label and parent, no count, no children.
    // Throws std::bad_alloc, changing nothing.
    index make_node(std::string_view label, index parent);
    void free_node(index n) noexcept;
    // After n lost its count or a child: frees n if it is useless, or merges
    // it with its only child; then the same for its parent when n was freed.
    void prune(index n) noexcept;
    // The node whose path is exactly prefix, or none.
    index find(std::span<const std::byte> prefix) const noexcept;

    std::vector<node> nodes_;  // nodes_[root] is the root, always in use
    std::vector<index> free_;  // slots of nodes_ not in use
    std::size_t distinct_ = 0;
};

}  // namespace nanoport::protocols
