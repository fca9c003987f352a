#include "aio/ring_queue.hpp"

#include <doctest/doctest.h>

#include <memory>

using nanoport::aio::ring_queue;

TEST_CASE("ring_queue is first in, first out across growth and wrap-around") {
    ring_queue<int> q;
    CHECK(q.empty());
    int next_in = 0;
    int next_out = 0;
    // Push 5, pop 3, repeatedly: the head walks around the array while it grows.
    for (int round = 0; round < 200; ++round) {
        for (int i = 0; i < 5; ++i) q.push_back(int(next_in++));
        for (int i = 0; i < 3; ++i) {
            REQUIRE(q.front() == next_out++);
            q.pop_front();
        }
        CHECK(q.size() == static_cast<std::size_t>(next_in - next_out));
        for (std::size_t i = 0; i < q.size(); ++i) CHECK(q[i] == next_out + static_cast<int>(i));
    }
    while (!q.empty()) {
        REQUIRE(q.front() == next_out++);
        q.pop_front();
    }
    CHECK(next_out == next_in);
}

TEST_CASE("a popped or cleared element releases what it held at once") {
    ring_queue<std::shared_ptr<int>> q;
    auto held = std::make_shared<int>(7);
    q.push_back(std::shared_ptr<int>(held));
    q.push_back(std::shared_ptr<int>(held));
    CHECK(held.use_count() == 3);
    q.pop_front();
    CHECK(held.use_count() == 2);
    q.clear();
    CHECK(held.use_count() == 1);
    CHECK(q.empty());
}

TEST_CASE("after a burst the queue shrinks and still works") {
    ring_queue<std::unique_ptr<int>> q;
    for (int i = 0; i < 10000; ++i) q.push_back(std::make_unique<int>(i));
    for (int i = 0; i < 10000; ++i) {
        REQUIRE(*q.front() == i);
        q.pop_front();
    }
    // Small rounds after the burst: the array is given back step by step.
    for (int round = 0; round < 50; ++round) {
        for (int i = 0; i < 3; ++i) q.push_back(std::make_unique<int>(round * 3 + i));
        for (int i = 0; i < 3; ++i) {
            REQUIRE(*q.front() == round * 3 + i);
            q.pop_front();
        }
    }
    CHECK(q.empty());
}
