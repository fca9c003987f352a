// trie: see trie.hpp. Nodes live in one vector and name each other by index;
// freed slots are reused. free_ always has room for every node (it is
// reserved as nodes_ grows), so freeing never allocates and unsubscribe()
// can be noexcept.
#include "protocols/pubsub/trie.hpp"

#include <algorithm>
#include <cstring>
#include <new>

namespace nanoport::protocols {

namespace {

std::string_view as_text(std::span<const std::byte> bytes) noexcept {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

unsigned char first_byte(std::string_view s) noexcept {
    return static_cast<unsigned char>(s.front());
}

}  // namespace

trie::trie() {
    nodes_.emplace_back();
    free_.reserve(1);
}

void trie::subscribe(std::span<const std::byte> prefix) {
    std::string_view key = as_text(prefix);
    index n = root;
    for (;;) {
        if (key.empty()) {
            if (nodes_[n].count++ == 0) ++distinct_;
            return;
        }
        const index c = child_of(n, first_byte(key));
        if (c == none) {
            // A new leaf under n holding the rest of the key.
            std::vector<edge>& edges = nodes_[n].children;
            if (edges.size() == edges.capacity()) edges.reserve(2 * edges.size() + 1);
            const index leaf = make_node(key, n);
            nodes_[leaf].count = 1;
            link(n, leaf);
            ++distinct_;
            return;
        }
        const std::string_view label = nodes_[c].label;
        const std::size_t common = static_cast<std::size_t>(
            std::mismatch(label.begin(), label.end(), key.begin(), key.end()).first -
            label.begin());
        if (common == label.size()) {
            key.remove_prefix(common);
            n = c;
            continue;
        }
        // The key leaves c's label part-way (1 <= common < label size): split
        // c into a middle node holding the shared bytes, with c's remainder
        // under it and, if the key goes on, a new leaf beside it. Everything
        // that can throw comes first; make_node may move nodes_, so no
        // reference into it is held across the calls.
        const index middle = make_node(key.substr(0, common), n);
        index leaf = none;
        try {
            nodes_[middle].children.reserve(2);
            if (common < key.size()) leaf = make_node(key.substr(common), middle);
        } catch (...) {
            free_node(middle);
            throw;
        }
        for (edge& e : nodes_[n].children) {
            if (e.child == c) e.child = middle;  // same first byte: the order holds
        }
        nodes_[c].label.erase(0, common);
        nodes_[c].parent = middle;
        link(middle, c);
        if (leaf != none) {
            nodes_[leaf].count = 1;
            link(middle, leaf);
        } else {
            nodes_[middle].count = 1;
        }
        ++distinct_;
        return;
    }
}

bool trie::unsubscribe(std::span<const std::byte> prefix) noexcept {
    const index n = find(prefix);
    if (n == none || nodes_[n].count == 0) return false;
    if (--nodes_[n].count == 0) {
        --distinct_;
        prune(n);
    }
    return true;
}

bool trie::match(std::span<const std::byte> message) const noexcept {
    std::size_t nodes_visited = 0;
    return match(message, nodes_visited);
}

bool trie::match(std::span<const std::byte> message, std::size_t& nodes_visited) const noexcept {
    const auto* data = reinterpret_cast<const unsigned char*>(message.data());
    const std::size_t size = message.size();
    std::size_t at = 0;
    index n = root;
    nodes_visited = 1;
    for (;;) {
        if (nodes_[n].count != 0) return true;
        if (at == size) return false;
        const index c = child_of(n, data[at]);
        if (c == none) return false;
        const std::string& label = nodes_[c].label;
        // child_of compared the first byte already.
        if (size - at < label.size() ||
            std::memcmp(data + at + 1, label.data() + 1, label.size() - 1) != 0) {
            return false;
        }
        at += label.size();
        n = c;
        ++nodes_visited;
    }
}

std::size_t trie::count(std::span<const std::byte> prefix) const noexcept {
    const index n = find(prefix);
    return n == none ? 0 : nodes_[n].count;
}

trie::index trie::child_of(index n, unsigned char byte) const noexcept {
    const std::vector<edge>& edges = nodes_[n].children;
    const auto it = std::lower_bound(edges.begin(), edges.end(), byte,
                                     [](const edge& e, unsigned char b) { return e.first < b; });
    return it != edges.end() && it->first == byte ? it->child : none;
}

void trie::link(index parent, index child) noexcept {
    std::vector<edge>& edges = nodes_[parent].children;
    const edge e{first_byte(nodes_[child].label), child};
    const auto at = std::lower_bound(edges.begin(), edges.end(), e.first,
                                     [](const edge& x, unsigned char b) { return x.first < b; });
    // Every caller reserved the room, so this cannot reallocate (or throw).
    edges.insert(at, e);
}

void trie::unlink(index parent, index child) noexcept {
    std::vector<edge>& edges = nodes_[parent].children;
    const auto it = std::find_if(edges.begin(), edges.end(),
                                 [child](const edge& e) { return e.child == child; });
    if (it != edges.end()) edges.erase(it);
}

trie::index trie::make_node(std::string_view label, index parent) {
    if (!free_.empty()) {
        const index n = free_.back();
        nodes_[n].label.assign(label);  // may throw; the slot stays free
        nodes_[n].parent = parent;
        free_.pop_back();
        return n;
    }
    if (nodes_.size() >= static_cast<std::size_t>(none)) throw std::bad_alloc();
    free_.reserve(nodes_.size() + 1);  // so that freeing this node later cannot allocate
    nodes_.push_back(node{std::string(label), 0, parent, {}});
    return static_cast<index>(nodes_.size() - 1);
}

void trie::free_node(index n) noexcept {
    node& x = nodes_[n];
    std::string().swap(x.label);
    std::vector<edge>().swap(x.children);
    x.count = 0;
    x.parent = none;
    free_.push_back(n);  // within the reserved capacity
}

void trie::prune(index n) noexcept {
    while (n != root) {
        node& x = nodes_[n];
        if (x.count != 0 || x.children.size() > 1) return;
        const index parent = x.parent;
        if (x.children.empty()) {
            unlink(parent, n);
            free_node(n);
            n = parent;  // which may now be useless in turn
            continue;
        }
        // One child and no subscription of its own: fold n into the child.
        // Optional, so a failed allocation just leaves n in place.
        const index child = x.children.front().child;
        std::string merged;
        try {
            merged.reserve(x.label.size() + nodes_[child].label.size());
        } catch (const std::bad_alloc&) {
            return;
        }
        merged.append(x.label).append(nodes_[child].label);
        nodes_[child].label.swap(merged);
        nodes_[child].parent = parent;
        for (edge& e : nodes_[parent].children) {
            if (e.child == n) e.child = child;  // same first byte: the order holds
        }
        free_node(n);
        return;
    }
}

trie::index trie::find(std::span<const std::byte> prefix) const noexcept {
    std::string_view key = as_text(prefix);
    index n = root;
    while (!key.empty()) {
        const index c = child_of(n, first_byte(key));
        if (c == none) return none;
        const std::string& label = nodes_[c].label;
        if (key.size() < label.size() || key.compare(0, label.size(), label) != 0) return none;
        key.remove_prefix(label.size());
        n = c;
    }
    return n;
}

}  // namespace nanoport::protocols
