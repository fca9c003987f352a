// libFuzzer target for nn_setsockopt and nn_getsockopt: any level, option,
// value and buffer size, on a real socket of any type, checked against a
// model of the rules in core/options.hpp, WIRE.md and nanomsg's manual.
//
// Input: byte 0 picks the socket (domain and protocol, or a bad pair that
// nn_socket must refuse); then operations until the input runs out:
//   byte   bit 0: 0 set, 1 get; bits 1-4: level (table, 15 = 4 raw bytes
//          follow); bits 5-7 with the next byte's low nibble: option (table,
//          last = 4 raw bytes follow)
//   byte   value length for set / buffer room for get, 0..254; 255: a null
//          pointer instead (set: with length 0, or 1 on odd operations, which
//          is EFAULT; get: EFAULT, with a null size too on odd operations)
//   bytes  the value (set only; as many as the length, or what is left)
// Every 16th operation goes to a closed handle instead (EBADF).
//
// Buffers are heap blocks of exactly the length given, so AddressSanitizer
// catches any read or write past them.
//
// Model (abort when the library disagrees):
// - NN_SOL_SOCKET int options: a set of other than sizeof(int) bytes is
//   EINVAL; values out of range are EINVAL and change nothing; a get returns
//   the last value set (defaults as WIRE.md lists them). DOMAIN and PROTOCOL
//   read the socket's own; SNDFD/RCVFD give an fd or ENOPROTOOPT for a type
//   that cannot send/receive; those four are read-only (ENOPROTOOPT).
//   SOCKET_NAME: up to 63 bytes, cut at a NUL; read back strncpy-style.
// - NN_TCP, NN_IPC, NN_WS options and their checks; NN_INPROC and unknown
//   negative levels: ENOPROTOOPT.
// - Protocol levels: NN_SUB subscribe/unsubscribe (write-only), NN_REQ
//   resend interval and NN_SURVEYOR deadline (> 0) on cooked sockets; all
//   else ENOPROTOOPT.
// - A get copies min(room, size) bytes and reports the full size.
#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "nanomsg/bus.h"
#include "nanomsg/inproc.h"
#include "nanomsg/ipc.h"
#include "nanomsg/nn.h"
#include "nanomsg/pair.h"
#include "nanomsg/pipeline.h"
#include "nanomsg/pubsub.h"
#include "nanomsg/reqrep.h"
#include "nanomsg/survey.h"
#include "nanomsg/tcp.h"
#include "nanomsg/ws.h"

namespace {

[[noreturn]] void fail(const char* what, int level, int option, int detail) {
    std::fprintf(stderr, "options_fuzz: %s (level %d, option %d, %d)\n", what, level, option,
                 detail);
    std::abort();
}

struct socket_kind {
    int domain;
    int protocol;
};

constexpr std::array<socket_kind, 24> kinds{{
    {AF_SP, NN_PAIR},
    {AF_SP, NN_PUB},
    {AF_SP, NN_SUB},
    {AF_SP, NN_REQ},
    {AF_SP, NN_REP},
    {AF_SP, NN_PUSH},
    {AF_SP, NN_PULL},
    {AF_SP, NN_SURVEYOR},
    {AF_SP, NN_RESPONDENT},
    {AF_SP, NN_BUS},
    {AF_SP_RAW, NN_PAIR},
    {AF_SP_RAW, NN_PUB},
    {AF_SP_RAW, NN_SUB},
    {AF_SP_RAW, NN_REQ},
    {AF_SP_RAW, NN_REP},
    {AF_SP_RAW, NN_PUSH},
    {AF_SP_RAW, NN_PULL},
    {AF_SP_RAW, NN_SURVEYOR},
    {AF_SP_RAW, NN_RESPONDENT},
    {AF_SP_RAW, NN_BUS},
    // Not sockets: nn_socket must refuse them.
    {AF_SP, 0},
    {3, NN_PAIR},
    {AF_SP, 17},
    {AF_SP_RAW, -1},
}};

constexpr std::array<int, 15> levels{NN_SOL_SOCKET, NN_INPROC, NN_IPC,      NN_TCP,  NN_WS,
                                     NN_SUB,        NN_REQ,    NN_SURVEYOR, NN_REP,  NN_PUB,
                                     NN_RESPONDENT, -5,        1,           INT_MIN, INT_MAX};
constexpr std::array<int, 23> options{0,
                                      NN_LINGER,
                                      NN_SNDBUF,
                                      NN_RCVBUF,
                                      NN_SNDTIMEO,
                                      NN_RCVTIMEO,
                                      NN_RECONNECT_IVL,
                                      NN_RECONNECT_IVL_MAX,
                                      NN_SNDPRIO,
                                      NN_RCVPRIO,
                                      NN_SNDFD,
                                      NN_RCVFD,
                                      NN_DOMAIN,
                                      NN_PROTOCOL,
                                      NN_IPV4ONLY,
                                      NN_SOCKET_NAME,
                                      NN_RCVMAXSIZE,
                                      NN_MAXTTL,
                                      18,
                                      100,
                                      -1,
                                      INT_MIN,
                                      INT_MAX};

// Range of each int option the model stores, and its default.
struct int_rule {
    int low;
    int high;
    int value;
};

class model {
public:
    model(int domain, int protocol) : domain_(domain), protocol_(protocol) {
        const int any_low = INT_MIN;
        const int any_high = INT_MAX;
        ints_[{NN_SOL_SOCKET, NN_LINGER}] = {any_low, any_high, 1000};
        ints_[{NN_SOL_SOCKET, NN_SNDBUF}] = {1, any_high, 128 * 1024};
        ints_[{NN_SOL_SOCKET, NN_RCVBUF}] = {1, any_high, 128 * 1024};
        ints_[{NN_SOL_SOCKET, NN_SNDTIMEO}] = {any_low, any_high, -1};
        ints_[{NN_SOL_SOCKET, NN_RCVTIMEO}] = {any_low, any_high, -1};
        ints_[{NN_SOL_SOCKET, NN_RECONNECT_IVL}] = {0, any_high, 100};
        ints_[{NN_SOL_SOCKET, NN_RECONNECT_IVL_MAX}] = {0, any_high, 0};
        ints_[{NN_SOL_SOCKET, NN_SNDPRIO}] = {1, 16, 8};
        ints_[{NN_SOL_SOCKET, NN_RCVPRIO}] = {1, 16, 8};
        ints_[{NN_SOL_SOCKET, NN_IPV4ONLY}] = {0, 1, 1};
        ints_[{NN_SOL_SOCKET, NN_RCVMAXSIZE}] = {-1, any_high, 1024 * 1024};
        ints_[{NN_SOL_SOCKET, NN_MAXTTL}] = {1, 255, 8};
        ints_[{NN_TCP, NN_TCP_NODELAY}] = {0, 1, 0};
        ints_[{NN_WS, NN_WS_MSG_TYPE}] = {NN_WS_MSG_TYPE_TEXT, NN_WS_MSG_TYPE_BINARY,
                                          NN_WS_MSG_TYPE_BINARY};
        if (domain == AF_SP && protocol == NN_REQ)
            ints_[{NN_REQ, NN_REQ_RESEND_IVL}] = {1, any_high, 60000};
        if (domain == AF_SP && protocol == NN_SURVEYOR)
            ints_[{NN_SURVEYOR, NN_SURVEYOR_DEADLINE}] = {1, any_high, 1000};
    }

    // What nn_setsockopt should return: 0 or an errno. Updates the model.
    int set(int level, int option, const void* value, std::size_t size) {
        if (!value && size) return EFAULT;
        if (level == NN_SOL_SOCKET) {
            switch (option) {
                case NN_DOMAIN:
                case NN_PROTOCOL:
                case NN_SNDFD:
                case NN_RCVFD:
                    return size != sizeof(int) ? EINVAL : ENOPROTOOPT;
                case NN_SOCKET_NAME:
                    if (size > 63) return EINVAL;
                    name_ = std::string(static_cast<const char*>(value), size);
                    name_.resize(std::strlen(name_.c_str()));
                    return 0;
                default:
                    return set_int(level, option, value, size, true);
            }
        }
        if (level == NN_IPC) {
            if (size < sizeof(int)) return EINVAL;
            switch (option) {
                case NN_IPC_SEC_ATTR:
                    ipc_security_ = value;
                    return 0;
                case NN_IPC_OUTBUFSZ:
                case NN_IPC_INBUFSZ:
                    std::memcpy(&ipc_buffers_[option], value, sizeof(int));
                    return 0;
                default:
                    return ENOPROTOOPT;
            }
        }
        if (level == NN_TCP || level == NN_WS) return set_int(level, option, value, size, true);
        if (level == NN_SUB && protocol_ == NN_SUB &&
            (option == NN_SUB_SUBSCRIBE || option == NN_SUB_UNSUBSCRIBE))
            return 0;
        if (level > 0) return set_int(level, option, value, size, false);
        return ENOPROTOOPT;
    }

    // What nn_getsockopt should return, and the bytes it should report.
    int get(int level, int option, std::string& bytes, bool& any_fd) {
        any_fd = false;
        if (level == NN_SOL_SOCKET) {
            switch (option) {
                case NN_DOMAIN:
                    return put(domain_, bytes);
                case NN_PROTOCOL:
                    return put(protocol_, bytes);
                case NN_SNDFD:
                case NN_RCVFD: {
                    const bool sends = protocol_ != NN_PULL && protocol_ != NN_SUB;
                    const bool receives = protocol_ != NN_PUSH && protocol_ != NN_PUB;
                    if (!(option == NN_SNDFD ? sends : receives)) return ENOPROTOOPT;
                    any_fd = true;
                    return put(-1, bytes);
                }
                case NN_SOCKET_NAME:
                    bytes = name_;
                    return 0;
                default:
                    break;
            }
        }
        if (level == NN_IPC) {
            switch (option) {
                case NN_IPC_SEC_ATTR:
                    bytes.assign(reinterpret_cast<const char*>(&ipc_security_),
                                 sizeof ipc_security_);
                    return 0;
                case NN_IPC_OUTBUFSZ:
                case NN_IPC_INBUFSZ:
                    return put(ipc_buffers_[option], bytes);
                default:
                    return ENOPROTOOPT;
            }
        }
        const auto found = ints_.find({level, option});
        if (found == ints_.end()) return ENOPROTOOPT;
        return put(found->second.value, bytes);
    }

    void learn_name(std::string name) { name_ = std::move(name); }

private:
    // Socket and transport levels check the size before the option
    // (check_size_first); protocol levels look the option up first.
    int set_int(int level, int option, const void* value, std::size_t size, bool check_size_first) {
        const auto found = ints_.find({level, option});
        if (check_size_first && size != sizeof(int)) return EINVAL;
        if (found == ints_.end()) return ENOPROTOOPT;
        if (size != sizeof(int)) return EINVAL;
        int v;
        std::memcpy(&v, value, sizeof v);
        if (v < found->second.low || v > found->second.high) return EINVAL;
        found->second.value = v;
        return 0;
    }

    static int put(int v, std::string& bytes) {
        bytes.assign(reinterpret_cast<const char*>(&v), sizeof v);
        return 0;
    }

    int domain_;
    int protocol_;
    std::map<std::pair<int, int>, int_rule> ints_;
    std::string name_;
    const void* ipc_security_ = nullptr;
    std::map<int, int> ipc_buffers_{{NN_IPC_OUTBUFSZ, 4096}, {NN_IPC_INBUFSZ, 4096}};
};

class reader {
public:
    reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
    bool empty() const { return at_ >= size_; }
    std::uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }
    int raw_int() {
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i) v = v << 8 | byte();
        return static_cast<int>(v);
    }
    // Up to n bytes, fewer at the end of the input.
    std::size_t take(std::size_t n, const std::uint8_t*& out) {
        out = data_ + at_;
        n = std::min(n, size_ - std::min(at_, size_));
        at_ += n;
        return n;
    }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t at_ = 0;
};

int closed_handle() {
    static const int handle = [] {
        const int s = nn_socket(AF_SP, NN_PAIR);
        nn_close(s);
        return s;
    }();
    return handle;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    reader in(data, size);
    const socket_kind kind = kinds[in.byte() % kinds.size()];
    const int s = nn_socket(kind.domain, kind.protocol);
    const bool valid = kind.protocol > 0 && kind.protocol != 17 &&
                       (kind.domain == AF_SP || kind.domain == AF_SP_RAW);
    if (!valid) {
        if (s >= 0)
            fail("nn_socket accepted a bad domain or protocol", kind.domain, kind.protocol, s);
        if (nn_errno() != EINVAL && nn_errno() != EAFNOSUPPORT)
            fail("nn_socket refused with an unexpected errno", kind.domain, kind.protocol,
                 nn_errno());
        return 0;
    }
    if (s < 0) fail("nn_socket failed", kind.domain, kind.protocol, nn_errno());

    model expected(kind.domain, kind.protocol);
    {
        char name[64] = {};
        std::size_t n = sizeof name;
        if (nn_getsockopt(s, NN_SOL_SOCKET, NN_SOCKET_NAME, name, &n) != 0 || n >= sizeof name)
            fail("reading the default socket name failed", NN_SOL_SOCKET, NN_SOCKET_NAME,
                 nn_errno());
        expected.learn_name(std::string(name, n));
    }

    for (int count = 1; !in.empty(); ++count) {
        const std::uint8_t op = in.byte();
        const bool is_get = op & 1;
        const unsigned level_pick = (op >> 1) & 15;
        const int level = level_pick < levels.size() ? levels[level_pick] : in.raw_int();
        const unsigned option_pick = ((op >> 5) | (in.byte() & 15) << 3) % (options.size() + 1);
        const int option = option_pick < options.size() ? options[option_pick] : in.raw_int();
        const std::uint8_t length = in.byte();
        const bool null_buffer = length == 255;
        const int handle = count % 16 == 0 ? closed_handle() : s;

        if (!is_get) {
            const std::uint8_t* bytes = nullptr;
            const std::size_t n = null_buffer ? 0 : in.take(length, bytes);
            // A block of exactly n bytes, or a null pointer.
            std::unique_ptr<std::uint8_t[]> value;
            std::size_t value_size = n;
            if (null_buffer) {
                value_size = count & 1;
            } else {
                value.reset(new std::uint8_t[n]);
                if (n) std::memcpy(value.get(), bytes, n);
            }
            const int rc = nn_setsockopt(handle, level, option, value.get(), value_size);
            const int err = rc == 0 ? 0 : nn_errno();
            if (rc != 0 && rc != -1)
                fail("nn_setsockopt returned other than 0 or -1", level, option, rc);
            if (handle != s) {
                if (err != EBADF)
                    fail("nn_setsockopt on a closed socket is not EBADF", level, option, err);
                continue;
            }
            const int want = expected.set(level, option, value.get(), value_size);
            if (err != want)
                fail("nn_setsockopt: errno differs from the model", level, option, err);
            continue;
        }

        const std::size_t room = null_buffer ? 0 : length;
        std::unique_ptr<std::uint8_t[]> buffer(null_buffer ? nullptr : new std::uint8_t[room]);
        if (room) std::memset(buffer.get(), 0xee, room);
        std::size_t reported = room;
        const bool null_size = null_buffer && (count & 1);
        const int rc =
            nn_getsockopt(handle, level, option, buffer.get(), null_size ? nullptr : &reported);
        const int err = rc == 0 ? 0 : nn_errno();
        if (rc != 0 && rc != -1)
            fail("nn_getsockopt returned other than 0 or -1", level, option, rc);
        if (handle != s) {
            if (err != EBADF && err != EFAULT)
                fail("nn_getsockopt on a closed socket is not EBADF", level, option, err);
            continue;
        }
        if (null_buffer) {
            if (err != EFAULT)
                fail("nn_getsockopt with a null buffer or size is not EFAULT", level, option, err);
            continue;
        }
        std::string want_bytes;
        bool any_fd = false;
        const int want = expected.get(level, option, want_bytes, any_fd);
        if (err != want) fail("nn_getsockopt: errno differs from the model", level, option, err);
        if (err != 0) {
            if (reported != room)
                fail("a failed nn_getsockopt changed the size", level, option,
                     static_cast<int>(reported));
            continue;
        }
        if (reported != want_bytes.size())
            fail("nn_getsockopt reports the wrong size", level, option, static_cast<int>(reported));
        const std::size_t copied = std::min(room, want_bytes.size());
        if (any_fd) {
            int fd = -1;
            if (room >= sizeof fd) {
                std::memcpy(&fd, buffer.get(), sizeof fd);
                if (fd < 0) fail("SNDFD/RCVFD gave no fd", level, option, fd);
            }
        } else if (std::memcmp(buffer.get(), want_bytes.data(), copied) != 0) {
            fail("nn_getsockopt returned other bytes than the model's", level, option,
                 static_cast<int>(copied));
        }
        // Past the copy: zeros for SOCKET_NAME (strncpy), untouched otherwise.
        const bool zero_filled = level == NN_SOL_SOCKET && option == NN_SOCKET_NAME;
        for (std::size_t i = copied; i < room; ++i) {
            if (buffer[i] != (zero_filled ? 0 : 0xee))
                fail("nn_getsockopt wrote past the value", level, option, static_cast<int>(i));
        }
    }
    if (nn_close(s) != 0) fail("nn_close failed", 0, 0, nn_errno());
    return 0;
}
