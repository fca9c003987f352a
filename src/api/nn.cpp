// The nanomsg C API over nanoport's core: int handles from the socket table,
// nanomsg's argument checks, scatter/gather and control data, errno.
//
// Each call holds its socket (socket_table::ref) for its duration, so that a
// concurrent nn_close is safe: it wakes this call (EBADF) and waits for it.
//
// "nanomsg/nn.h" is nanoport's own header: the project's include/ directory
// comes before the system's on the include path. Were Debian's copy picked up
// instead, its NN_EXPORT (no visibility attribute) would leave these
// functions hidden, which tests/api/c_api_exports_test.cmake catches.
#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "aio/message.hpp"
#include "api/errors.hpp"
#include "core/device.hpp"
#include "core/error.hpp"
#include "core/poll.hpp"
#include "core/socket.hpp"
#include "core/socket_table.hpp"
#include "nanomsg/nn.h"

namespace {

using nanoport::aio::chunk;
using nanoport::aio::chunk_ref;
using nanoport::aio::message;
using nanoport::api::fail;
using nanoport::api::fail_errno;
using nanoport::api::guarded;
using nanoport::core::socket_table;

static_assert(NN_DONTWAIT == nanoport::core::dont_wait);

socket_table& table() { return socket_table::global(); }

// --- sending ---------------------------------------------------------------------

// The body described by hdr's iovecs: a copy of the gathered bytes, or the
// user's NN_MSG chunk itself (zero_copy; the message then holds the user's
// reference).
int gather_body(const nn_msghdr& hdr, message& m, bool& zero_copy) {
    zero_copy = false;
    if (hdr.msg_iovlen > 0 && !hdr.msg_iov) return fail_errno(EFAULT);
    if (hdr.msg_iovlen == 1 && hdr.msg_iov[0].iov_len == NN_MSG) {
        if (!hdr.msg_iov[0].iov_base) return fail_errno(EFAULT);
        void* data = *static_cast<void**>(hdr.msg_iov[0].iov_base);
        if (!data) return fail_errno(EFAULT);
        m = message::adopt(chunk_ref(chunk::from_data(data)));
        zero_copy = true;
        return 0;
    }
    std::size_t total = 0;
    for (int i = 0; i < hdr.msg_iovlen; ++i) {
        const nn_iovec& iov = hdr.msg_iov[i];
        if (iov.iov_len == NN_MSG) return fail_errno(EINVAL);  // NN_MSG only as the sole iovec
        if (!iov.iov_base && iov.iov_len) return fail_errno(EFAULT);
        if (total + iov.iov_len < total) return fail_errno(EINVAL);
        total += iov.iov_len;
    }
    m = message(total);
    std::byte* out = m.mutable_body().data();
    for (int i = 0; i < hdr.msg_iovlen; ++i) {
        const nn_iovec& iov = hdr.msg_iov[i];
        if (iov.iov_len) std::memcpy(out, iov.iov_base, iov.iov_len);
        out += iov.iov_len;
    }
    return 0;
}

// The SP header (PROTO_SP / SP_HDR control message) for a raw socket. Its
// data is a size_t byte count followed by the header bytes, as nn_recvmsg
// writes it; data without a fitting count is taken as nanomsg takes it.
void scatter_header(const nn_msghdr& hdr, message& m) {
    for (nn_cmsghdr* c = NN_CMSG_FIRSTHDR(&hdr); c; c = NN_CMSG_NXTHDR(&hdr, c)) {
        if (c->cmsg_level != PROTO_SP || c->cmsg_type != SP_HDR) continue;
        const unsigned char* data = NN_CMSG_DATA(c);
        std::size_t length = c->cmsg_len > NN_CMSG_LEN(0) ? c->cmsg_len - NN_CMSG_LEN(0) : 0;
        if (length > sizeof(std::size_t)) {
            std::size_t declared;
            std::memcpy(&declared, data, sizeof declared);
            data += sizeof(std::size_t);
            length -= sizeof(std::size_t);
            length = std::min(length, declared);
        }
        m.set_header(std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), length));
        return;
    }
}

int send_message(int s, const nn_msghdr* hdr, int flags) {
    socket_table::ref sock;
    if (std::error_code ec = table().hold(s, sock)) return fail(ec);
    if (!hdr) return fail_errno(EINVAL);
    if (hdr->msg_iovlen < 0) return fail_errno(EMSGSIZE);

    message m;
    bool zero_copy = false;
    if (gather_body(*hdr, m, zero_copy) < 0) return -1;
    if (hdr->msg_control) scatter_header(*hdr, m);
    const std::size_t size = m.size();

    if (std::error_code ec = sock->send(m, flags)) {
        // Not sent: an NN_MSG buffer still belongs to the caller.
        if (zero_copy) {
            chunk_ref keep = m.body_chunk();
            m = message();
            (void)keep.detach();
        }
        return fail(ec);
    }
    // Sent: an NN_MSG control buffer was consumed too.
    if (hdr->msg_control && hdr->msg_controllen == NN_MSG) {
        if (void* control = *static_cast<void**>(hdr->msg_control)) {
            chunk::from_data(control)->release();
        }
    }
    return static_cast<int>(std::min<std::size_t>(size, INT_MAX));
}

// --- receiving -------------------------------------------------------------------

// The body as an NN_MSG buffer: the message's own chunk when the body is all
// of it and nobody else refers to it (zero copy), else a copy.
void* take_body(message& m) {
    const chunk_ref& body = m.body_chunk();
    if (m.body_is_whole_chunk() && !body.get()->shared()) {
        chunk_ref mine = body;
        m = message();
        return mine.detach()->data();
    }
    chunk* c = chunk::allocate(m.size());
    if (m.size()) std::memcpy(c->data(), m.body().data(), m.size());
    return c->data();
}

// Writes the SP header as a PROTO_SP / SP_HDR control message, laid out as
// nanomsg does: cmsg_len = NN_CMSG_SPACE(sizeof(size_t) + n), data = size_t n
// then the n header bytes. A caller's buffer too small for it gets nothing.
void gather_header(nn_msghdr& hdr, const message& m) {
    const std::span<const std::byte> sp = m.header();
    const std::size_t total = NN_CMSG_SPACE(sizeof(std::size_t) + sp.size());
    unsigned char* out;
    if (hdr.msg_controllen == NN_MSG) {
        out = reinterpret_cast<unsigned char*>(chunk::allocate(total)->data());
        *static_cast<void**>(hdr.msg_control) = out;
    } else {
        if (hdr.msg_controllen < total) return;
        out = static_cast<unsigned char*>(hdr.msg_control);
    }
    nn_cmsghdr c{};
    c.cmsg_len = total;
    c.cmsg_level = PROTO_SP;
    c.cmsg_type = SP_HDR;
    std::memset(out, 0, total);
    std::memcpy(out, &c, sizeof c);
    const std::size_t n = sp.size();
    unsigned char* data = NN_CMSG_DATA(out);
    std::memcpy(data, &n, sizeof n);
    if (n) std::memcpy(data + sizeof n, sp.data(), n);
}

int receive_message(int s, nn_msghdr* hdr, int flags) {
    socket_table::ref sock;
    if (std::error_code ec = table().hold(s, sock)) return fail(ec);
    if (!hdr) return fail_errno(EINVAL);
    if (hdr->msg_iovlen < 0) return fail_errno(EMSGSIZE);
    const bool zero_copy =
        hdr->msg_iovlen == 1 && hdr->msg_iov && hdr->msg_iov[0].iov_len == NN_MSG;
    if (hdr->msg_iovlen > 0 && !hdr->msg_iov) return fail_errno(EFAULT);
    for (int i = 0; i < hdr->msg_iovlen; ++i) {
        const nn_iovec& iov = hdr->msg_iov[i];
        if (iov.iov_len == NN_MSG && !zero_copy) return fail_errno(EINVAL);
        if (!iov.iov_base && iov.iov_len) return fail_errno(EFAULT);
    }

    message m;
    if (std::error_code ec = sock->receive(m, flags)) return fail(ec);
    const std::size_t size = m.size();

    if (hdr->msg_control) gather_header(*hdr, m);
    if (zero_copy) {
        *static_cast<void**>(hdr->msg_iov[0].iov_base) = take_body(m);
    } else {
        // Scatter; what does not fit is cut off (the full size is returned).
        std::span<const std::byte> rest = m.body();
        for (int i = 0; i < hdr->msg_iovlen && !rest.empty(); ++i) {
            const nn_iovec& iov = hdr->msg_iov[i];
            const std::size_t n = std::min(iov.iov_len, rest.size());
            if (n) std::memcpy(iov.iov_base, rest.data(), n);
            rest = rest.subspan(n);
        }
    }
    return static_cast<int>(std::min<std::size_t>(size, INT_MAX));
}

}  // namespace

// --- sockets ---------------------------------------------------------------------

extern "C" int nn_socket(int domain, int protocol) {
    return guarded([&] {
        if (table().terminated()) return fail(nanoport::core::errc::terminated);
        std::unique_ptr<nanoport::core::socket> s;
        if (std::error_code ec = nanoport::core::make_socket(domain, protocol, s)) return fail(ec);
        int handle = -1;
        if (std::error_code ec = table().open(std::move(s), handle)) return fail(ec);
        return handle;
    });
}

extern "C" int nn_close(int s) {
    return guarded([&] {
        if (std::error_code ec = table().close(s)) return fail(ec);
        return 0;
    });
}

extern "C" int nn_setsockopt(int s, int level, int option, const void* optval, size_t optvallen) {
    return guarded([&] {
        socket_table::ref sock;
        if (std::error_code ec = table().hold(s, sock)) return fail(ec);
        if (!optval && optvallen) return fail_errno(EFAULT);
        const auto value =
            std::span<const std::byte>(static_cast<const std::byte*>(optval), optvallen);
        if (std::error_code ec = sock->set_option(level, option, value)) return fail(ec);
        return 0;
    });
}

extern "C" int nn_getsockopt(int s, int level, int option, void* optval, size_t* optvallen) {
    return guarded([&] {
        socket_table::ref sock;
        if (std::error_code ec = table().hold(s, sock)) return fail(ec);
        if (!optval || !optvallen) return fail_errno(EFAULT);
        std::size_t size = *optvallen;
        const auto value = std::span<std::byte>(static_cast<std::byte*>(optval), *optvallen);
        if (std::error_code ec = sock->get_option(level, option, value, size)) return fail(ec);
        *optvallen = size;
        return 0;
    });
}

namespace {

int add_endpoint(int s, const char* addr, bool bind) {
    return guarded([&] {
        socket_table::ref sock;
        if (std::error_code ec = table().hold(s, sock)) return fail(ec);
        if (!addr) return fail_errno(EINVAL);
        int id = -1;
        if (std::error_code ec = sock->add_endpoint(addr, bind, id)) return fail(ec);
        return id;
    });
}

}  // namespace

extern "C" int nn_bind(int s, const char* addr) { return add_endpoint(s, addr, true); }

extern "C" int nn_connect(int s, const char* addr) { return add_endpoint(s, addr, false); }

extern "C" int nn_shutdown(int s, int how) {
    return guarded([&] {
        socket_table::ref sock;
        if (std::error_code ec = table().hold(s, sock)) return fail(ec);
        if (std::error_code ec = sock->remove_endpoint(how)) return fail(ec);
        return 0;
    });
}

// --- messages --------------------------------------------------------------------

extern "C" int nn_send(int s, const void* buf, size_t len, int flags) {
    nn_iovec iov{const_cast<void*>(buf), len};
    nn_msghdr hdr{&iov, 1, nullptr, 0};
    return guarded([&] { return send_message(s, &hdr, flags); });
}

extern "C" int nn_recv(int s, void* buf, size_t len, int flags) {
    nn_iovec iov{buf, len};
    nn_msghdr hdr{&iov, 1, nullptr, 0};
    return guarded([&] { return receive_message(s, &hdr, flags); });
}

extern "C" int nn_sendmsg(int s, const struct nn_msghdr* msghdr, int flags) {
    return guarded([&] { return send_message(s, msghdr, flags); });
}

extern "C" int nn_recvmsg(int s, struct nn_msghdr* msghdr, int flags) {
    return guarded([&] { return receive_message(s, msghdr, flags); });
}

// --- polling, devices, statistics, termination ------------------------------------

extern "C" int nn_poll(struct nn_pollfd* fds, int nfds, int timeout) {
    return guarded([&] {
        if (nfds < 0) return fail_errno(EINVAL);
        if (nfds > 0 && !fds) return fail_errno(EFAULT);
        std::vector<nanoport::core::poll_item> items(static_cast<std::size_t>(nfds));
        for (int i = 0; i < nfds; ++i) {
            items[static_cast<std::size_t>(i)].handle = fds[i].fd;
            items[static_cast<std::size_t>(i)].want_receive = (fds[i].events & NN_POLLIN) != 0;
            items[static_cast<std::size_t>(i)].want_send = (fds[i].events & NN_POLLOUT) != 0;
        }
        int ready = 0;
        if (std::error_code ec = nanoport::core::poll(table(), items, timeout, ready))
            return fail(ec);
        for (int i = 0; i < nfds; ++i) {
            const auto& item = items[static_cast<std::size_t>(i)];
            fds[i].revents = static_cast<short>((item.can_receive ? NN_POLLIN : 0) |
                                                (item.can_send ? NN_POLLOUT : 0));
        }
        return ready;
    });
}

extern "C" int nn_device(int s1, int s2) {
    return guarded([&] { return fail(nanoport::core::run_device(table(), s1, s2)); });
}

extern "C" uint64_t nn_get_statistic(int s, int stat) {
    std::uint64_t value = UINT64_MAX;
    guarded([&] {
        socket_table::ref sock;
        if (std::error_code ec = table().hold(s, sock)) return fail(ec);
        const auto found = sock->statistic(stat);
        if (!found) return fail_errno(EINVAL);
        value = *found;
        return 0;
    });
    return value;
}

extern "C" void nn_term(void) {
    try {
        table().terminate();
    } catch (...) {
        // Only the table's first creation can throw (out of memory); then
        // there is no socket to wake either.
    }
}
