#include "aio/message.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <thread>
#include <utility>
#include <vector>

using namespace nanoport::aio;

namespace {
std::span<const std::byte> bytes_of(const char* s) {
    return {reinterpret_cast<const std::byte*>(s), std::strlen(s)};
}
}  // namespace

TEST_CASE("copies of a message share one body: sharing copies nothing") {
    message m = message::copy_of(bytes_of("hello, subscribers"));
    std::vector<message> fan_out(16, m);
    for (auto& copy : fan_out) {
        CHECK(copy.body().data() == m.body().data());
        CHECK(copy.size() == m.size());
    }
    CHECK(m.body_chunk().get()->shared());
    fan_out.clear();
    CHECK_FALSE(m.body_chunk().get()->shared());
}

TEST_CASE("a message body outlives the message it came from") {
    message copy;
    {
        message m = message::copy_of(bytes_of("persist"));
        copy = m;
    }
    CHECK(std::memcmp(copy.body().data(), "persist", 7) == 0);
}

TEST_CASE("trim_front and truncate narrow the body view without copying") {
    static const char wire[] = "\x80\x00\x00\x01payload";
    message m = message::copy_of({reinterpret_cast<const std::byte*>(wire), sizeof wire - 1});
    const std::byte* start = m.body().data();
    m.trim_front(4);
    CHECK(m.body().data() == start + 4);
    CHECK(m.size() == 7);
    m.truncate(3);
    CHECK(std::memcmp(m.body().data(), "pay", 3) == 0);
    CHECK_FALSE(m.body_is_whole_chunk());
}

TEST_CASE("header words are kept in network byte order, inline and beyond") {
    message m(0);
    m.push_header_word(0x80000001u);
    REQUIRE(m.header().size() == 4);
    CHECK(m.header()[0] == std::byte{0x80});
    CHECK(m.header()[3] == std::byte{0x01});
    for (std::uint32_t i = 0; i < 40; ++i) m.push_header_word(i);  // past the inline room
    CHECK(m.header().size() == 164);
    CHECK(m.header()[0] == std::byte{0x80});
    CHECK(m.header()[163] == std::byte{39});
    message moved = std::move(m);
    CHECK(moved.header().size() == 164);
    message copied = moved;
    CHECK(copied.header().size() == 164);
    CHECK(std::memcmp(copied.header().data(), moved.header().data(), 164) == 0);
    CHECK(m.header().empty());
}

TEST_CASE("a moved message with an inline header keeps it") {
    message m = message::copy_of(bytes_of("x"));
    m.push_header_word(0x80000007u);
    message n = std::move(m);
    REQUIRE(n.header().size() == 4);
    CHECK(n.header()[3] == std::byte{7});
    CHECK(n.wire_size() == 5);
}

TEST_CASE("a chunk is found again from its data pointer") {
    chunk* c = chunk::allocate(100);
    CHECK(chunk::from_data(c->data()) == c);
    c->release();
}

TEST_CASE("shrinking a chunk keeps its address; growing keeps its bytes") {
    chunk* c = chunk::allocate(64);
    std::memset(c->data(), 0xab, 64);
    std::byte* before = c->data();
    chunk* shrunk = chunk::reallocate(c, 16);
    REQUIRE(shrunk != nullptr);
    CHECK(shrunk->data() == before);
    CHECK(shrunk->size() == 16);
    chunk* grown = chunk::reallocate(shrunk, 1 << 20);
    REQUIRE(grown != nullptr);
    CHECK(grown->size() == (1u << 20));
    CHECK(grown->data()[15] == std::byte{0xab});
    grown->release();
}

TEST_CASE("a slice shares its chunk and sees only its own bytes") {
    chunk_ref c(chunk::allocate(64));
    for (std::size_t i = 0; i < 64; ++i) c.get()->data()[i] = std::byte(i);
    message a = message::slice(c, 10, 5);
    message b = message::slice(c, 15, 0);
    CHECK(a.size() == 5);
    CHECK(a.body()[0] == std::byte(10));
    CHECK(a.body()[4] == std::byte(14));
    CHECK(b.size() == 0);
    CHECK(a.body_chunk().get() == c.get());
    CHECK(c.get()->shared());
    CHECK_FALSE(a.body_is_whole_chunk());
}

TEST_CASE("a freed small chunk is reused by the thread's next allocation of its size class") {
    chunk* first = chunk::allocate(100);
    CHECK(first->size() == 100);
    CHECK(first->capacity() == 128);  // rounded up to its class
    first->release();
    chunk* second = chunk::allocate(120);  // same class: the same block again
    CHECK(second == first);
    CHECK(second->size() == 120);
    chunk* other = chunk::allocate(120);  // the cache held one: a new block
    CHECK(other != second);
    second->release();
    other->release();
    chunk* huge = chunk::allocate(5'000'000);  // beyond the classes: exact capacity
    CHECK(huge->capacity() == 5'000'000);
    huge->release();
}

TEST_CASE("a large chunk's capacity is a quarter step, at most 25% over its size") {
    const std::pair<std::size_t, std::size_t> expected[] = {
        {4097, 5120},       {5120, 5120},       {65536, 65536},     {65537, 81920},
        {100000, 114688},   {1 << 20, 1 << 20}, {(1 << 20) + 1, 1310720},
        {4 << 20, 4 << 20},
    };
    for (const auto& [size, capacity] : expected) {
        CAPTURE(size);
        chunk* c = chunk::allocate(size);
        CHECK(c->size() == size);
        CHECK(c->capacity() == capacity);
        CHECK(c->capacity() * 4 <= size * 5);
        c->release();
    }
}

TEST_CASE("a large chunk freed on one thread is reused by the next allocation of its class on another") {
    // A sender allocates big bodies on its thread; a worker frees them on its own.
    chunk* first = chunk::allocate(3'000'000);  // a class of its own in this test
    std::thread([first] { first->release(); }).join();
    chunk* second = chunk::allocate(3'000'000 - 1000);  // the same class
    CHECK(second == first);
    chunk* third = chunk::allocate(3'000'000);  // the cache held one: a new block
    CHECK(third != second);
    second->release();
    third->release();
}
