// soak_peer: one process of scripts/soak.sh's mixed traffic. The script
// starts one per role, kills and restarts the churned ones, and reads the
// counters each writes to its status file.
//
//   soak_peer pub  STATUS LONG_URL CHURN_URL   binds both, publishes numbered messages
//   soak_peer sub  STATUS URL [slow]           counts what arrives, and the gaps
//   soak_peer rep  STATUS URL                  binds, answers each request with itself
//   soak_peer req  STATUS URL...               connects to all, one request at a time
//   soak_peer push STATUS URL STREAM           connects, sends numbered messages
//   soak_peer pull STATUS URL                  binds, checks every stream's numbering
//   soak_peer free-port                        prints a loopback tcp port free a moment ago
//
// SOAK_DEADLINE_S in the environment ends the process (SIGALRM) after that
// many seconds, so no peer outlives a script that lost track of it.
//
// STATUS is rewritten about every second (write then rename, so a reader
// never sees half a file) as one line of name=value pairs; "final=1" marks
// the last one. SIGTERM asks a peer to finish cleanly:
//   - pub sends end markers until one reaches every subscriber on LONG_URL
//     without a drop, then exits; a sub exits at the first end marker, so
//     every drop the publisher counted on LONG_URL falls inside the range the
//     subscriber saw, and gaps == drops can be checked exactly.
//   - req finishes the request in flight; push closes with a linger so its
//     queue is delivered; the others stop at once.
// SIGKILL (churn) is the unclean way, and the point of the exercise.
#include <nanomsg/nn.h>
#include <nanomsg/pipeline.h>
#include <nanomsg/pubsub.h>
#include <nanomsg/reqrep.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>

#include "nanoport/socket.hpp"

namespace {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

volatile sig_atomic_t stopping = 0;

std::string status_path;

void write_status(const std::string& line, bool final) {
    const std::string tmp = status_path + ".tmp";
    if (FILE* f = std::fopen(tmp.c_str(), "w")) {
        std::fprintf(f, "%s final=%d\n", line.c_str(), final ? 1 : 0);
        std::fclose(f);
        std::rename(tmp.c_str(), status_path.c_str());
    }
}

// Calls report() about once a second.
class reporter {
public:
    template <typename F>
    void tick(F report) {
        if (clock_type::now() >= next_) {
            write_status(report(), false);
            next_ = clock_type::now() + 1s;
        }
    }

private:
    clock_type::time_point next_ = clock_type::now();
};

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "soak_peer: %s: %s\n", what, nn_strerror(nn_errno()));
    std::exit(1);
}

void set_int(int s, int level, int option, int value) {
    if (nn_setsockopt(s, level, option, &value, sizeof value) < 0) die("nn_setsockopt");
}

// Binds, retrying while the address is still held (a restarted binder
// whose predecessor was killed a moment ago).
void bind_retrying(int s, const char* url) {
    const auto until = clock_type::now() + 10s;
    while (nn_bind(s, url) < 0) {
        if (nn_errno() != EADDRINUSE || clock_type::now() > until) die(url);
        std::this_thread::sleep_for(50ms);
    }
}

// Message layout shared by pub/sub and push/pull: stream (4 bytes), number
// (8 bytes), end flag (1 byte), zero padding to the size.
struct numbered {
    std::uint32_t stream = 0;
    std::uint64_t number = 0;
    bool end = false;
};
// Published messages are larger, so that a paused subscriber fills the
// socket buffers between it and the publisher within seconds.
constexpr int pushed_size = 64;
constexpr int published_size = 1024;
constexpr int largest_size = published_size;

void encode(char* out, int size, const numbered& m) {
    std::memset(out, 0, static_cast<std::size_t>(size));
    std::memcpy(out, &m.stream, 4);
    std::memcpy(out + 4, &m.number, 8);
    out[12] = m.end ? 1 : 0;
}

bool decode(const char* in, int size, int expected, numbered& m) {
    if (size != expected) return false;
    std::memcpy(&m.stream, in, 4);
    std::memcpy(&m.number, in + 4, 8);
    m.end = in[12] != 0;
    return true;
}

// A steady rate without busy-waiting: per_second messages, in bursts.
class pacer {
public:
    explicit pacer(int per_second) : interval_(1'000'000 / per_second) {}
    void wait() {
        next_ += interval_;
        const auto now = clock_type::now();
        if (next_ > now) std::this_thread::sleep_until(next_);
        else if (now - next_ > 1s) next_ = now;  // fell behind: do not burst to catch up
    }

private:
    std::chrono::microseconds interval_;
    clock_type::time_point next_ = clock_type::now();
};

int run_pub(const char* long_url, const char* churn_url) {
    nanoport::pub_socket pub;
    const int s = pub.handle();
    // A short queue per subscriber: a slow one costs drops soon, not memory.
    pub.set_send_buffer(16 * 1024);
    bind_retrying(s, long_url);
    bind_retrying(s, churn_url);
    // Drops per kind of subscriber. A pipe's counters go with it, so the
    // last value read for each long-lived subscriber's pipe is kept: they are
    // read before and after every end marker, and a subscriber leaves only
    // after one reached it, so nothing dropped for it goes unread. The
    // churned subscribers' drops are those of the pipes held now (shown only).
    std::map<std::uint64_t, std::uint64_t> long_pipe_drops;  // pipe id -> dropped
    const auto drops = [&pub, &long_pipe_drops](std::uint64_t& long_drops,
                                                std::uint64_t& churn_drops, int& long_pipes) {
        churn_drops = 0;
        for (const auto& p : pub.statistics().pipes) {
            if (p.address.rfind("ipc://", 0) == 0) {
                churn_drops += p.dropped;
            } else {
                long_pipe_drops[p.id] = p.dropped;
            }
        }
        long_drops = 0;
        for (const auto& [id, dropped] : long_pipe_drops) long_drops += dropped;
        long_pipes = static_cast<int>(long_pipe_drops.size());
    };
    std::uint64_t sent = 0, long_drops = 0, churn_drops = 0;
    int long_pipes = 0;
    const auto report = [&] {
        drops(long_drops, churn_drops, long_pipes);
        char line[256];
        std::snprintf(line, sizeof line,
                      "sent=%" PRIu64 " long_pipes_seen=%d long_drops=%" PRIu64 " churn_drops=%" PRIu64,
                      sent, long_pipes, long_drops, churn_drops);
        return std::string(line);
    };
    reporter status;
    pacer pace(4000);
    char body[largest_size];
    while (!stopping) {
        encode(body, published_size, {0, sent, false});
        while (nn_send(s, body, published_size, 0) != published_size) {
            if (nn_errno() != EINTR) die("nn_send");
        }
        ++sent;  // a PUB send never waits: queued, or dropped and counted
        status.tick(report);
        pace.wait();
    }
    // End markers until one goes out with no new drop on the long-lived pipes.
    const auto until = clock_type::now() + 10s;
    for (;;) {
        std::uint64_t before = 0, after = 0, unused = 0;
        int pipes = 0;
        drops(before, unused, pipes);
        encode(body, published_size, {0, sent, true});
        if (nn_send(s, body, published_size, 0) != published_size) die("nn_send");
        ++sent;
        drops(after, unused, pipes);
        if (after == before) break;
        if (clock_type::now() > until) {
            std::fprintf(stderr, "soak_peer pub: end marker keeps being dropped\n");
            break;
        }
        std::this_thread::sleep_for(10ms);  // let the subscribers drain
    }
    // Linger: the markers still queued are delivered before close returns.
    pub.set_linger(5s);
    write_status(report(), true);
    return 0;
}

// A slow subscriber stops reading for 4 s in every 12, long enough for the
// publisher's queue to it and the socket buffers between them to fill, so
// the publisher drops (and must count) messages for it.
int run_sub(const char* url, bool slow) {
    const int s = nn_socket(AF_SP, NN_SUB);
    if (s < 0) die("nn_socket");
    if (nn_setsockopt(s, NN_SUB, NN_SUB_SUBSCRIBE, "", 0) < 0) die("subscribe");
    set_int(s, NN_SOL_SOCKET, NN_RCVTIMEO, 200);
    set_int(s, NN_SOL_SOCKET, NN_RECONNECT_IVL, 50);
    if (nn_connect(s, url) < 0) die("nn_connect");
    std::uint64_t received = 0, gaps = 0, disorder = 0, first = 0, last = 0;
    bool ended = false;
    const auto report = [&] {
        char line[256];
        std::snprintf(line, sizeof line,
                      "received=%" PRIu64 " gaps=%" PRIu64 " disorder=%" PRIu64 " first=%" PRIu64
                      " last=%" PRIu64 " ended=%d",
                      received, gaps, disorder, first, last, ended ? 1 : 0);
        return std::string(line);
    };
    reporter status;
    char body[largest_size + 1];
    auto next_pause = clock_type::now() + 8s;
    while (!stopping && !ended) {
        if (slow && clock_type::now() >= next_pause) {
            std::this_thread::sleep_for(4s);
            next_pause = clock_type::now() + 8s;
        }
        const int n = nn_recv(s, body, sizeof body, 0);
        if (n >= 0) {
            numbered m;
            if (!decode(body, n, published_size, m)) {
                ++disorder;
            } else if (received == 0) {
                first = last = m.number;
            } else if (m.number <= last) {
                ++disorder;
            } else {
                gaps += m.number - last - 1;
                last = m.number;
            }
            ++received;
            ended = m.end;
        }
        status.tick(report);
    }
    write_status(report(), true);
    nn_close(s);
    return 0;
}

int run_rep(const char* url) {
    const int s = nn_socket(AF_SP, NN_REP);
    if (s < 0) die("nn_socket");
    set_int(s, NN_SOL_SOCKET, NN_RCVTIMEO, 200);
    bind_retrying(s, url);
    std::uint64_t answered = 0;
    reporter status;
    const auto report = [&] { return "answered=" + std::to_string(answered); };
    while (!stopping) {
        void* body = nullptr;
        const int n = nn_recv(s, &body, NN_MSG, 0);
        if (n >= 0) {
            if (nn_send(s, &body, NN_MSG, 0) < 0) {
                nn_freemsg(body);
            } else {
                ++answered;
            }
        }
        status.tick(report);
    }
    write_status(report(), true);
    nn_close(s);
    return 0;
}

int run_req(int urls, char** url) {
    const int s = nn_socket(AF_SP, NN_REQ);
    if (s < 0) die("nn_socket");
    // A request whose REP was killed is sent again to another one; the
    // resend interval covers a REP that dies after reading it.
    set_int(s, NN_REQ, NN_REQ_RESEND_IVL, 500);
    set_int(s, NN_SOL_SOCKET, NN_RCVTIMEO, 30000);
    set_int(s, NN_SOL_SOCKET, NN_RECONNECT_IVL, 50);
    for (int i = 0; i < urls; ++i) {
        if (nn_connect(s, url[i]) < 0) die("nn_connect");
    }
    std::uint64_t sent = 0, answered = 0, wrong = 0, failed = 0;
    reporter status;
    const auto report = [&] {
        char line[256];
        std::snprintf(line, sizeof line,
                      "sent=%" PRIu64 " answered=%" PRIu64 " wrong=%" PRIu64 " failed=%" PRIu64,
                      sent, answered, wrong, failed);
        return std::string(line);
    };
    pacer pace(1000);
    while (!stopping) {
        char request[32], reply[64];
        const int size = std::snprintf(request, sizeof request, "%d:%" PRIu64, getpid(), sent);
        int put;
        do {
            put = nn_send(s, request, static_cast<size_t>(size), 0);
        } while (put < 0 && nn_errno() == EINTR);
        if (put != size) die("nn_send");
        ++sent;
        // SIGTERM may interrupt the wait (EINTR); the request in flight is
        // still finished.
        int n;
        do {
            n = nn_recv(s, reply, sizeof reply, 0);
        } while (n < 0 && nn_errno() == EINTR);
        if (n < 0) {
            ++failed;
        } else if (n != size || std::memcmp(request, reply, static_cast<size_t>(size)) != 0) {
            ++wrong;
        } else {
            ++answered;
        }
        status.tick(report);
        pace.wait();
    }
    write_status(report(), true);
    nn_close(s);
    return 0;
}

int run_push(const char* url, std::uint32_t stream) {
    const int s = nn_socket(AF_SP, NN_PUSH);
    if (s < 0) die("nn_socket");
    set_int(s, NN_SOL_SOCKET, NN_SNDTIMEO, 200);
    set_int(s, NN_SOL_SOCKET, NN_LINGER, 10000);
    set_int(s, NN_SOL_SOCKET, NN_RECONNECT_IVL, 50);
    if (nn_connect(s, url) < 0) die("nn_connect");
    std::uint64_t sent = 0, blocked = 0;
    reporter status;
    const auto report = [&] {
        return "sent=" + std::to_string(sent) + " blocked=" + std::to_string(blocked);
    };
    pacer pace(4000);
    char body[largest_size];
    while (!stopping) {
        encode(body, pushed_size, {stream, sent, false});
        // A send that times out (no puller yet, or a full pipe) is tried
        // again with the same number: nothing is skipped.
        if (nn_send(s, body, pushed_size, 0) == pushed_size) {
            ++sent;
            pace.wait();
        } else {
            ++blocked;
        }
        status.tick(report);
    }
    // Close lingers until the queue is delivered.
    nn_close(s);
    write_status(report(), true);
    return 0;
}

int run_pull(const char* url) {
    const int s = nn_socket(AF_SP, NN_PULL);
    if (s < 0) die("nn_socket");
    set_int(s, NN_SOL_SOCKET, NN_RCVTIMEO, 200);
    bind_retrying(s, url);
    // Per stream: the next number expected. Stream 0 is the long-lived
    // pusher and must start at 0; a churned pusher's stream (its pid) may
    // lose its tail when it is killed, never a message in the middle.
    std::map<std::uint32_t, std::uint64_t> next;
    std::uint64_t received = 0, stream0 = 0, gaps = 0, disorder = 0, churned = 0;
    reporter status;
    const auto report = [&] {
        char line[256];
        std::snprintf(line, sizeof line,
                      "received=%" PRIu64 " stream0=%" PRIu64 " churned=%" PRIu64 " streams=%zu gaps=%" PRIu64
                      " disorder=%" PRIu64,
                      received, stream0, churned, next.size(), gaps, disorder);
        return std::string(line);
    };
    char body[largest_size + 1];
    while (!stopping) {
        const int n = nn_recv(s, body, sizeof body, 0);
        if (n >= 0) {
            numbered m;
            ++received;
            if (!decode(body, n, pushed_size, m)) {
                ++disorder;
            } else {
                auto [it, fresh] = next.try_emplace(m.stream, 0);
                if (m.number < it->second) ++disorder;
                if (m.number > it->second) gaps += m.number - it->second;
                it->second = m.number + 1;
                if (m.stream == 0) ++stream0; else ++churned;
            }
        }
        status.tick(report);
    }
    write_status(report(), true);
    nn_close(s);
    return 0;
}

}  // namespace

int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
        return 1;
    }
    std::printf("%d\n", ntohs(sa.sin_port));
    ::close(fd);
    return 0;
}

int main(int argc, char** argv) {
    if (argc == 2 && std::string(argv[1]) == "free-port") return free_port();
    if (const char* deadline = std::getenv("SOAK_DEADLINE_S")) ::alarm(static_cast<unsigned>(std::atoi(deadline)));
    if (argc < 4) {
        std::fprintf(stderr, "usage: soak_peer ROLE STATUS URL... (see soak_peer.cpp)\n");
        return 1;
    }
    struct sigaction on_term{};
    on_term.sa_handler = [](int) { stopping = 1; };
    on_term.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &on_term, nullptr);
    sigaction(SIGINT, &on_term, nullptr);
    const std::string role = argv[1];
    status_path = argv[2];
    if (role == "pub" && argc == 5) return run_pub(argv[3], argv[4]);
    if (role == "sub") return run_sub(argv[3], argc == 5 && std::string(argv[4]) == "slow");
    if (role == "rep") return run_rep(argv[3]);
    if (role == "req") return run_req(argc - 3, argv + 3);
    if (role == "push" && argc == 5) {
        return run_push(argv[3], static_cast<std::uint32_t>(std::strtoul(argv[4], nullptr, 10)));
    }
    if (role == "pull") return run_pull(argv[3]);
    std::fprintf(stderr, "soak_peer: unknown role or arguments: %s\n", role.c_str());
    return 1;
}
