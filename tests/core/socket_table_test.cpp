#include "core/socket_table.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "core/fakes.hpp"

using namespace nanoport;
using namespace nanoport::test;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<core::socket> fake_socket() {
    return std::make_unique<core::socket>(1, 16, std::make_unique<fake_protocol>(), fake_pool(),
                                          &fake_endpoints::make);
}

int open(core::socket_table& t) {
    int handle = -1;
    REQUIRE_FALSE(t.open(fake_socket(), handle));
    return handle;
}

const std::error_code bad_fd = std::make_error_code(std::errc::bad_file_descriptor);

}  // namespace

TEST_CASE("handles are the lowest free slots, as in nanomsg") {
    core::socket_table t(8);
    CHECK(open(t) == 0);
    CHECK(open(t) == 1);
    CHECK(open(t) == 2);
    REQUIRE_FALSE(t.close(1));
    CHECK(open(t) == 1);
    CHECK(open(t) == 3);
}

TEST_CASE("a full table is EMFILE") {
    core::socket_table t(2);
    open(t);
    open(t);
    int handle = -1;
    CHECK(t.open(fake_socket(), handle) == std::errc::too_many_files_open);
    REQUIRE_FALSE(t.close(0));
    CHECK_FALSE(t.open(fake_socket(), handle));
    CHECK(handle == 0);
}

TEST_CASE("the default socket name is the handle") {
    core::socket_table t(8);
    open(t);
    const int h = open(t);
    core::socket_table::ref s;
    REQUIRE_FALSE(t.hold(h, s));
    char name[8] = {};
    std::size_t size = sizeof name;
    REQUIRE_FALSE(
        s->get_option(0, 15, std::as_writable_bytes(std::span<char>(name, sizeof name)), size));
    CHECK(std::string(name, size) == "1");
}

TEST_CASE("holding a handle that is not open is EBADF") {
    core::socket_table t(4);
    core::socket_table::ref s;
    CHECK(t.hold(-1, s) == bad_fd);
    CHECK(t.hold(4, s) == bad_fd);
    CHECK(t.hold(0, s) == bad_fd);
    const int h = open(t);
    REQUIRE_FALSE(t.close(h));
    CHECK(t.hold(h, s) == bad_fd);
    CHECK(t.close(h) == bad_fd);
    CHECK(t.close(100) == bad_fd);
}

TEST_CASE("close waits until every ref is released") {
    core::socket_table t(4);
    const int h = open(t);
    core::socket_table::ref held;
    REQUIRE_FALSE(t.hold(h, held));
    std::atomic<bool> closed{false};
    std::thread closer([&] {
        CHECK_FALSE(t.close(h));
        closed = true;
    });
    // Once close has begun, new holds fail; ours keeps the socket alive.
    core::socket_table::ref other;
    const auto until = std::chrono::steady_clock::now() + 20s;
    while (!t.hold(h, other) && std::chrono::steady_clock::now() < until) {
        other.reset();
        std::this_thread::yield();
    }
    CHECK(t.hold(h, other) == bad_fd);
    CHECK_FALSE(closed.load());
    aio::message m;
    CHECK(held->receive(m, core::dont_wait) == bad_fd);  // the socket is closing
    held.reset();
    closer.join();
    CHECK(closed.load());
}

TEST_CASE("close wakes a call blocked in the socket, which returns EBADF") {
    core::socket_table t(4);
    const int h = open(t);
    std::error_code result;
    std::thread receiver([&] {
        core::socket_table::ref s;
        REQUIRE_FALSE(t.hold(h, s));
        aio::message m;
        result = s->receive(m, 0);
    });
    {
        core::socket_table::ref s;
        REQUIRE_FALSE(t.hold(h, s));
        const auto until = std::chrono::steady_clock::now() + 20s;
        while (s->sleeping_callers() == 0 && std::chrono::steady_clock::now() < until) {
            std::this_thread::yield();
        }
        REQUIRE(s->sleeping_callers() == 1);
    }
    CHECK_FALSE(t.close(h));
    receiver.join();
    CHECK(result == bad_fd);
}

TEST_CASE("after terminate, holds and opens fail with ETERM and close still works") {
    core::socket_table t(4);
    const int h = open(t);
    std::error_code result;
    std::thread receiver([&] {
        core::socket_table::ref s;
        REQUIRE_FALSE(t.hold(h, s));
        aio::message m;
        result = s->receive(m, 0);
    });
    {
        core::socket_table::ref s;
        REQUIRE_FALSE(t.hold(h, s));
        const auto until = std::chrono::steady_clock::now() + 20s;
        while (s->sleeping_callers() == 0 && std::chrono::steady_clock::now() < until) {
            std::this_thread::yield();
        }
    }
    t.terminate();
    receiver.join();
    CHECK(result == core::errc::terminated);
    core::socket_table::ref s;
    CHECK(t.hold(h, s) == core::errc::terminated);
    int handle = -1;
    CHECK(t.open(fake_socket(), handle) == core::errc::terminated);
    CHECK_FALSE(t.close(h));
    CHECK(t.close(h) == bad_fd);
}

TEST_CASE("holds racing with close and reopen never see a freed socket") {
    core::socket_table t(2);
    std::atomic<bool> stop{false};
    std::vector<std::thread> holders;
    for (int i = 0; i < 3; ++i) {
        holders.emplace_back([&] {
            while (!stop.load()) {
                core::socket_table::ref s;
                if (!t.hold(0, s)) {
                    aio::message m;
                    const std::error_code ec = s->receive(m, core::dont_wait);
                    CHECK((ec == std::errc::resource_unavailable_try_again || ec == bad_fd));
                }
            }
        });
    }
    for (int i = 0; i < 500; ++i) {
        int handle = -1;
        REQUIRE_FALSE(t.open(fake_socket(), handle));
        REQUIRE(handle == 0);
        REQUIRE_FALSE(t.close(handle));
    }
    stop = true;
    for (auto& h : holders) h.join();
}
