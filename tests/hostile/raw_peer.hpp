// raw_peer: a connection to an SP listener that speaks whatever bytes a test
// wants - the hostile peer of the hostile tests and of np_hostile. It knows
// only enough of the wire (WIRE.md) to build greetings and frames; it checks
// nothing of what it sends, which is the point.
//
// Every call that waits takes a deadline, and the socket has send and receive
// timeouts of its own, so that no test can hang on a peer that misbehaves in
// the other direction. One thread at a time per raw_peer.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace nanoport::hostile {

using bytes = std::vector<std::uint8_t>;
using std::chrono::milliseconds;

// The 8-byte SP greeting with the given fields (a valid one by default).
inline bytes greeting(std::uint16_t protocol_id, std::uint8_t version = 0,
                      std::uint16_t reserved = 0) {
    return {0x00,
            'S',
            'P',
            version,
            static_cast<std::uint8_t>(protocol_id >> 8),
            static_cast<std::uint8_t>(protocol_id),
            static_cast<std::uint8_t>(reserved >> 8),
            static_cast<std::uint8_t>(reserved)};
}

// A frame header: tcp = 64-bit big-endian length; ipc = type byte + length.
inline bytes frame_header(bool ipc, std::uint64_t length, std::uint8_t ipc_type = 0x01) {
    bytes out;
    if (ipc) out.push_back(ipc_type);
    for (int shift = 56; shift >= 0; shift -= 8)
        out.push_back(static_cast<std::uint8_t>(length >> shift));
    return out;
}

// A whole frame carrying payload.
inline bytes frame(bool ipc, const bytes& payload) {
    bytes out = frame_header(ipc, payload.size());
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

// A backtrace word, big-endian; last = the top bit (end of the backtrace).
inline void put_word(bytes& out, std::uint32_t word, bool last) {
    if (last) word |= 0x80000000u;
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<std::uint8_t>(word >> shift));
}

class raw_peer {
public:
    raw_peer() = default;
    raw_peer(raw_peer&& o) noexcept : fd_(std::exchange(o.fd_, -1)), ipc_(o.ipc_) {}
    raw_peer& operator=(raw_peer&& o) noexcept {
        if (this != &o) {
            close();
            fd_ = std::exchange(o.fd_, -1);
            ipc_ = o.ipc_;
        }
        return *this;
    }
    raw_peer(const raw_peer&) = delete;
    raw_peer& operator=(const raw_peer&) = delete;
    ~raw_peer() { close(); }

    // Takes over a connected TCP socket (one a test accepted, playing the
    // server to a nanoport dialer), with the same timeouts as connect's.
    static raw_peer adopt(int fd) {
        raw_peer p;
        p.fd_ = fd;
        p.set_timeouts();
        return p;
    }

    // Connects to "tcp://127.0.0.1:port" or "ipc:///path"; false when that
    // fails (errno says why). Loopback and local paths only.
    bool connect(const std::string& url) {
        close();
        if (url.rfind("ipc://", 0) == 0) {
            ipc_ = true;
            const std::string path = url.substr(6);
            sockaddr_un sa{};
            sa.sun_family = AF_UNIX;
            if (path.size() >= sizeof sa.sun_path) return false;
            std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
            fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd_ < 0) return false;
            set_timeouts();
            return ::connect(fd_, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0;
        }
        if (url.rfind("tcp://127.0.0.1:", 0) != 0) return false;
        ipc_ = false;
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sa.sin_port = htons(static_cast<std::uint16_t>(std::stoi(url.substr(16))));
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) return false;
        set_timeouts();
        return ::connect(fd_, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0;
    }

    bool ipc() const { return ipc_; }
    int fd() const { return fd_; }

    // Writes all of data (blocking, bounded by the socket's send timeout).
    bool send(const bytes& data) {
        std::size_t done = 0;
        while (done < data.size()) {
            const ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
            if (n <= 0) return false;
            done += static_cast<std::size_t>(n);
        }
        return true;
    }

    // Reads exactly n bytes, or false when the deadline passes or the
    // connection ends first.
    bool read_exact(bytes& out, std::size_t n, milliseconds deadline) {
        out.resize(n);
        std::size_t done = 0;
        const auto until = std::chrono::steady_clock::now() + deadline;
        while (done < n) {
            if (!readable_before(until)) return false;
            const ssize_t got = ::recv(fd_, out.data() + done, n - done, 0);
            if (got <= 0) return false;
            done += static_cast<std::size_t>(got);
        }
        return true;
    }

    // Reads byte by byte up to and including the first occurrence of end
    // (an HTTP head's blank line, say) into out; false when the deadline
    // passes, the connection ends or limit bytes came without it.
    bool read_until(std::string& out, const std::string& end, std::size_t limit,
                    milliseconds deadline) {
        out.clear();
        const auto until = std::chrono::steady_clock::now() + deadline;
        while (out.size() < limit) {
            if (!readable_before(until)) return false;
            char c;
            if (::recv(fd_, &c, 1, 0) != 1) return false;
            out.push_back(c);
            if (out.ends_with(end)) return true;
        }
        return false;
    }

    // Waits until the other side closes the connection (EOF or reset),
    // discarding what it sends meanwhile (its greeting, say). True when it
    // did within the deadline.
    bool wait_closed(milliseconds deadline) {
        const auto until = std::chrono::steady_clock::now() + deadline;
        char sink[4096];
        for (;;) {
            if (!readable_before(until)) return false;
            const ssize_t got = ::recv(fd_, sink, sizeof sink, 0);
            if (got == 0) return true;
            if (got < 0) return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
        }
    }

    // Reads the listener's greeting (8 bytes); true when it came.
    bool read_greeting(milliseconds deadline = milliseconds(5000)) {
        bytes g;
        return read_exact(g, 8, deadline);
    }

    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    void set_timeouts() {
        timeval tv{5, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }

    bool readable_before(std::chrono::steady_clock::time_point until) {
        for (;;) {
            const auto left =
                std::chrono::duration_cast<milliseconds>(until - std::chrono::steady_clock::now());
            if (left.count() < 0) return false;
            pollfd p{fd_, POLLIN, 0};
            const int rc = ::poll(&p, 1, static_cast<int>(left.count()));
            if (rc > 0) return true;
            if (rc == 0) return false;
            if (errno != EINTR) return false;
        }
    }

    int fd_ = -1;
    bool ipc_ = false;
};

}  // namespace nanoport::hostile
