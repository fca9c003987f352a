// Counts every malloc of the process (this executable replaces malloc and its
// relatives, forwarding to glibc's own) to check issue #6's promise: in a
// steady stream of small messages, nn_send and nn_recv allocate nothing per
// message - the sender's body is one reused chunk per thread, the pipe copies
// it into its stage, and the receiver's messages are slices of its read
// buffers. Allocations per read buffer (a few hundred messages each) and per
// stage growth are allowed; one per message is not.
//
// Sanitizer builds replace malloc themselves, so there this test only says so.
#include "nanomsg/nn.h"

#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <cstring>
#include <string>

#include "api/c_api_support.hpp"
#include "nanomsg/pipeline.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define NANOPORT_TEST_COUNTS_MALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define NANOPORT_TEST_COUNTS_MALLOC 0
#endif
#endif
#ifndef NANOPORT_TEST_COUNTS_MALLOC
#define NANOPORT_TEST_COUNTS_MALLOC 1
#endif

#if NANOPORT_TEST_COUNTS_MALLOC
namespace {
std::atomic<long> mallocs{0};
}

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);

void* malloc(std::size_t n) {
    mallocs.fetch_add(1, std::memory_order_relaxed);
    return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) {
    mallocs.fetch_add(1, std::memory_order_relaxed);
    return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t n) {
    mallocs.fetch_add(1, std::memory_order_relaxed);
    return __libc_realloc(p, n);
}
void* memalign(std::size_t alignment, std::size_t n) {
    mallocs.fetch_add(1, std::memory_order_relaxed);
    return __libc_memalign(alignment, n);
}
void* aligned_alloc(std::size_t alignment, std::size_t n) {
    mallocs.fetch_add(1, std::memory_order_relaxed);
    return __libc_memalign(alignment, n);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t n) {
    mallocs.fetch_add(1, std::memory_order_relaxed);
    void* p = __libc_memalign(alignment, n);
    if (!p) return 12;  // ENOMEM
    *out = p;
    return 0;
}
void free(void* p) { __libc_free(p); }
}
#endif

using namespace nanoport::test;

namespace {

#if NANOPORT_TEST_COUNTS_MALLOC
long mallocs_now() { return mallocs.load(std::memory_order_relaxed); }
#else
long mallocs_now() { return 0; }
#endif

// Sends count messages of size bytes from push to pull and receives them all,
// checking each one's stamp; returns the mallocs of the process meanwhile.
long stream(int push, int pull, std::size_t size, int count) {
    std::string out(size, 'x');
    std::string in(size + 1, '\0');
    const long before = mallocs_now();
    int received = 0;
    // Receives one message; with wait false, only if one is there.
    auto receive_one = [&](bool wait) {
        const int n = nn_recv(pull, in.data(), in.size(), wait ? 0 : NN_DONTWAIT);
        if (n < 0) {
            REQUIRE(!wait);
            REQUIRE(nn_errno() == EAGAIN);
            return false;
        }
        REQUIRE(n == static_cast<int>(size));
        int stamp;
        std::memcpy(&stamp, in.data(), sizeof stamp);
        REQUIRE(stamp == received);
        ++received;
        return true;
    };
    for (int sent = 0; sent < count;) {
        std::memcpy(out.data(), &sent, sizeof sent);
        // Waits only when nothing is on its way (not connected yet);
        // otherwise a full pipe means this thread, the receiver too, must
        // take a message first.
        const int n = nn_send(push, out.data(), out.size(), sent > received ? NN_DONTWAIT : 0);
        if (n < 0) {
            REQUIRE(nn_errno() == EAGAIN);
            REQUIRE(receive_one(true));
            continue;
        }
        REQUIRE(n == static_cast<int>(size));
        ++sent;
        while (receive_one(false)) {
        }
    }
    while (received < count) REQUIRE(receive_one(true));
    return mallocs_now() - before;
}

}  // namespace

TEST_CASE("a steady stream of small messages allocates nothing per message, over tcp and ipc") {
#if !NANOPORT_TEST_COUNTS_MALLOC
    MESSAGE("sanitizer build: malloc is the sanitizer's, not counted here");
#else
    for (const std::string& address : {tcp_address(free_tcp_port()), ipc_address("alloc")}) {
        CAPTURE(address);
        const int pull = make_socket(AF_SP, NN_PULL);
        const int push = make_socket(AF_SP, NN_PUSH);
        REQUIRE(nn_bind(pull, address.c_str()) >= 0);
        REQUIRE(nn_connect(push, address.c_str()) >= 0);
        for (const std::size_t size : {16u, 256u, 1000u}) {
            CAPTURE(size);
            (void)stream(push, pull, size, 20000);  // warm up: buffers reach their sizes
            constexpr int count = 100000;
            const long allocations = stream(push, pull, size, count);
            MESSAGE(address << ", " << size << " B: " << allocations << " mallocs for " << count
                            << " messages");
            // One per message would be 100000; read buffers (256 KiB) and
            // stage growth take a few hundred at most.
            CHECK(allocations < count / 50);
        }
        CHECK(nn_close(push) == 0);
        CHECK(nn_close(pull) == 0);
    }
#endif
}
