// Tests of src/protocols/pubsub/trie.cpp: counted prefix subscriptions and the
// match a SUB socket runs on every message.
#include "protocols/pubsub/trie.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdio>
#include <map>
#include <random>
#include <span>
#include <string>
#include <string_view>

using nanoport::protocols::trie;

namespace {

std::span<const std::byte> bytes(std::string_view text) {
    return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

// A subscription like "topic/00042" for i = 42.
std::string topic(int i) {
    char name[32];
    std::snprintf(name, sizeof name, "topic/%05d", i);
    return name;
}

}  // namespace

TEST_CASE("an empty trie matches nothing, not even an empty message") {
    const trie t;
    CHECK(t.empty());
    CHECK_FALSE(t.match(bytes("")));
    CHECK_FALSE(t.match(bytes("anything")));
    CHECK(t.node_count() == 1);
}

TEST_CASE("a message matches when a subscription is a prefix of it") {
    trie t;
    t.subscribe(bytes("ab"));
    CHECK(t.match(bytes("ab")));
    CHECK(t.match(bytes("abc")));
    CHECK_FALSE(t.match(bytes("a")));
    CHECK_FALSE(t.match(bytes("ba")));
    CHECK_FALSE(t.match(bytes("")));
}

TEST_CASE("the empty subscription matches every message") {
    trie t;
    t.subscribe(bytes(""));
    CHECK(t.match(bytes("")));
    CHECK(t.match(bytes("x")));
    CHECK(t.count(bytes("")) == 1);
}

TEST_CASE("subscriptions sharing a prefix split and stay exact") {
    trie t;
    t.subscribe(bytes("abcd"));
    t.subscribe(bytes("abxy"));  // splits "abcd" at "ab"
    t.subscribe(bytes("ab"));    // lands on the split node
    t.subscribe(bytes("a"));     // splits again, above
    CHECK(t.size() == 4);
    CHECK(t.count(bytes("abcd")) == 1);
    CHECK(t.count(bytes("abc")) == 0);
    CHECK(t.count(bytes("abxy")) == 1);
    CHECK(t.count(bytes("ab")) == 1);
    CHECK(t.count(bytes("a")) == 1);
    CHECK(t.match(bytes("az")));
    REQUIRE(t.unsubscribe(bytes("a")));
    CHECK_FALSE(t.match(bytes("az")));
    CHECK(t.match(bytes("ab")));
    REQUIRE(t.unsubscribe(bytes("ab")));
    CHECK_FALSE(t.match(bytes("ab")));
    CHECK_FALSE(t.match(bytes("abc")));
    CHECK(t.match(bytes("abcde")));
    CHECK(t.match(bytes("abxyz")));
}

TEST_CASE("subscriptions are counted; unsubscribing what is not subscribed changes nothing") {
    trie t;
    t.subscribe(bytes("news"));
    t.subscribe(bytes("news"));
    CHECK(t.count(bytes("news")) == 2);
    CHECK(t.size() == 1);
    CHECK(t.unsubscribe(bytes("news")));
    CHECK(t.match(bytes("news!")));
    CHECK(t.unsubscribe(bytes("news")));
    CHECK_FALSE(t.match(bytes("news!")));
    CHECK_FALSE(t.unsubscribe(bytes("news")));
    CHECK_FALSE(t.unsubscribe(bytes("new")));
    CHECK_FALSE(t.unsubscribe(bytes("")));
    CHECK(t.empty());
}

TEST_CASE("unsubscribing everything frees every node but the root") {
    trie t;
    for (int i = 0; i < 500; ++i) t.subscribe(bytes(topic(i * 7 % 500)));
    t.subscribe(bytes(""));
    t.subscribe(bytes("topic/"));
    CHECK(t.node_count() > 500);
    for (int i = 0; i < 500; ++i) REQUIRE(t.unsubscribe(bytes(topic(i))));
    REQUIRE(t.unsubscribe(bytes("")));
    REQUIRE(t.unsubscribe(bytes("topic/")));
    CHECK(t.empty());
    CHECK(t.node_count() == 1);
    // The freed slots are reused.
    t.subscribe(bytes("again"));
    CHECK(t.match(bytes("again and again")));
}

TEST_CASE("subscriptions are bytes, zeros and high bytes included") {
    trie t;
    const std::string binary("\0\xff\x80", 3);
    t.subscribe(bytes(binary));
    CHECK(t.match(bytes(binary + std::string("\0", 1))));
    CHECK_FALSE(t.match(bytes(std::string("\0\xff", 2))));
    CHECK_FALSE(t.match(bytes(std::string("\0\xfe\x80", 3))));
}

TEST_CASE("ten thousand subscriptions still match fast") {
    // Fast means: the walk visits at most one node per byte of the message
    // (plus the root), however many subscriptions there are.
    trie t;
    for (int i = 0; i < 10000; ++i) t.subscribe(bytes(topic(i)));
    CHECK(t.size() == 10000);
    for (int i = 0; i < 10000; i += 37) {
        const std::string hit = topic(i) + "/payload";
        std::size_t visited = 0;
        CHECK(t.match(bytes(hit), visited));
        CHECK(visited <= topic(i).size() + 1);
        CHECK(visited >= 2);
    }
    for (const std::string_view miss : {"topic/1", "topic/x0000", "topic", "", "other/00001"}) {
        std::size_t visited = 0;
        CHECK_FALSE(t.match(bytes(miss), visited));
        CHECK(visited <= miss.size() + 1);
    }
    std::size_t visited = 0;
    CHECK_FALSE(t.match(bytes("topic/10000"), visited));
    CHECK(visited <= 12);
}

TEST_CASE("the trie agrees with a plain list of counted prefixes under random changes") {
    std::mt19937 random(12345);
    std::uniform_int_distribution<int> length(0, 4), letter(0, 2), action(0, 2);
    auto word = [&](int n) {
        std::string w;
        for (int i = 0; i < n; ++i) w.push_back(static_cast<char>('a' + letter(random)));
        return w;
    };
    trie t;
    std::map<std::string, int> model;
    for (int round = 0; round < 4000; ++round) {
        const std::string prefix = word(length(random));
        if (action(random) == 0) {
            const bool had = model.count(prefix) != 0;
            CHECK(t.unsubscribe(bytes(prefix)) == had);
            if (had && --model[prefix] == 0) model.erase(prefix);
        } else {
            t.subscribe(bytes(prefix));
            ++model[prefix];
        }
        CHECK(t.size() == model.size());
        const std::string message = word(length(random) + 1);
        bool expected = false;
        for (const auto& [p, n] : model) expected = expected || message.starts_with(p);
        CHECK(t.match(bytes(message)) == expected);
        CHECK(t.count(bytes(prefix)) == (model.count(prefix) ? std::size_t(model[prefix]) : 0u));
    }
    for (const auto& [p, n] : model) {
        for (int i = 0; i < n; ++i) REQUIRE(t.unsubscribe(bytes(p)));
    }
    CHECK(t.node_count() == 1);
}
