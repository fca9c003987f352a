// The one translation unit that compiles Asio (ASIO_SEPARATE_COMPILATION):
// every other unit includes Asio's headers only.

#if defined(NANOPORT_IO_URING)
// A repair to Asio 1.22's io_uring backend (Debian 12's libasio-dev), made
// here because this is where its io_uring service is compiled.
//
// Asio takes submission queue entries with io_uring_get_sqe(), which hands
// back a slot of the ring as its last request left it. Its operations set
// their user data (the queue the completion goes to), but its cancellations
// (closing, releasing or cancelling a socket with a transfer in flight) and
// one timeout removal do not: their completions carry the user data of
// whatever request used the slot a ring's length (16384 requests) earlier.
// In a fresh ring that is zero, which Asio ignores; in one that has gone
// round, it names some socket's queue, and that socket's transfer is
// completed with the cancellation's result (-ENOENT, 0) while its real
// request is still in the kernel, whose completion then lands on the next
// transfer. Seen as a read failing with "No such file or directory" and
// pipes that never finish closing. Later Asio clears the user data of every
// entry it takes; we clear it for these two requests, the only ones that
// leave it unset.
#include <liburing.h>

// Asio calls both as ::io_uring_prep_...: global names, then macros.
inline void nanoport_io_uring_prep_cancel(::io_uring_sqe* sqe, void* target, int flags) {
    ::io_uring_prep_cancel(sqe, target, flags);
    ::io_uring_sqe_set_data(sqe, nullptr);
}
inline void nanoport_io_uring_prep_timeout_remove(::io_uring_sqe* sqe, __u64 target,
                                                  unsigned flags) {
    ::io_uring_prep_timeout_remove(sqe, target, flags);
    ::io_uring_sqe_set_data(sqe, nullptr);
}
#define io_uring_prep_cancel nanoport_io_uring_prep_cancel
#define io_uring_prep_timeout_remove nanoport_io_uring_prep_timeout_remove
#endif

#include <asio/impl/src.hpp>
#include <asio/ssl/impl/src.hpp>
