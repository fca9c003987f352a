#include "run.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <nanomsg/nn.h>
#include <nanoport/extensions.h>

#include "exchange.hpp"
#include "failure.hpp"
#include "format.hpp"
#include "lines.hpp"
#include "socket.hpp"

namespace npcat {

namespace {

using clock = std::chrono::steady_clock;

int millis_until(clock::time_point t, clock::time_point now) {
    if (t <= now) return 0;
    return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(t - now).count());
}

std::string read_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        throw failure("can't read file '" + path + "': " + std::strerror(errno), exit_input);
    }
    try {
        std::string all = read_all(fd, "file '" + path + "'");
        ::close(fd);
        return all;
    } catch (...) {
        ::close(fd);
        throw;
    }
}

// --stats on SIGINT/SIGTERM/SIGHUP: those signals are blocked in every
// thread (the library's workers inherit the mask from the main thread, which
// blocks them before the first socket) and taken by one thread in sigwait(),
// which prints the statistics, once, and ends the process as the signal
// would have (status 128 + signal number). The state is static: the thread
// outlives run().
class statistics_on_exit {
public:
    static statistics_on_exit& instance() {
        static statistics_on_exit the_one;
        return the_one;
    }

    // Before the socket is created, on the main thread.
    void block_signals() {
        sigemptyset(&signals_);
        sigaddset(&signals_, SIGINT);
        sigaddset(&signals_, SIGTERM);
        sigaddset(&signals_, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
    }

    void watch(const sp_socket& s) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            socket_ = &s;
        }
        std::thread([this] {
            int sig = SIGTERM;
            sigwait(&signals_, &sig);
            print();
            std::_Exit(128 + sig);
        }).detach();
    }

    // Prints the statistics unless already printed, and forgets the socket
    // (which is about to close).
    void print() {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!socket_) return;
        std::fprintf(stderr, "%s\n", socket_->statistics_json().c_str());
        std::fflush(stderr);
        socket_ = nullptr;
    }

private:
    sigset_t signals_{};
    std::mutex mutex_;
    const sp_socket* socket_ = nullptr;  // guarded by mutex_
};

// The loops, one per way nanocat works (nanocat's names where it has the
// loop), plus the three that read messages from stdin.
class runner {
public:
    runner(const config& cfg, sp_socket& socket, exchange& ex, std::optional<std::string> data)
        : cfg_(cfg), socket_(socket), exchange_(ex), data_(std::move(data)) {}

    void go() {
        switch (cfg_.socket_role) {
            case role::push:
            case role::pub:
                data_ ? send_loop() : send_lines();
                return;
            case role::pull:
            case role::sub:
                recv_loop();
                return;
            case role::bus:
            case role::pair:
                data_ ? rw_loop() : duplex_lines();
                return;
            case role::req:
            case role::surveyor:
                data_ ? rw_loop() : request_lines();
                return;
            case role::rep:
            case role::respondent:
                data_ ? resp_loop() : recv_loop();
                return;
        }
    }

private:
    int recv_timeout() const { return cfg_.recv_timeout_ms.value_or(-1); }

    // --count: sent messages for PUSH and PUB, received ones otherwise.
    bool limit_reached() const {
        if (cfg_.count == 0) return false;
        return (role_receives(cfg_.socket_role) ? received_ : sent_) >= cfg_.count;
    }

    void note(const char* what) const {
        if (cfg_.verbosity > 0) std::fprintf(stderr, "npcat: %s\n", what);
    }

    // A receive timed out. If connections failed their TLS or WebSocket
    // handshake meanwhile, that is the likelier story: say so (the reason
    // itself is in the library's log).
    void timed_out() const {
        note("receive timed out");
        const int s = socket_.handle();
        const std::uint64_t tls = nn_get_statistic(s, NANOPORT_STAT_TLS_FAILURES);
        const std::uint64_t ws = nn_get_statistic(s, NANOPORT_STAT_WS_PROTOCOL_ERRORS);
        if (tls != 0 && tls != UINT64_MAX) {
            warn(std::to_string(tls) + " TLS handshake(s) failed (a certificate refused, or no "
                 "TLS on the other side); NANOPORT_LOG=1 shows why");
        }
        if (ws != 0 && ws != UINT64_MAX) {
            warn(std::to_string(ws) + " WebSocket connection(s) refused (wrong path or peer "
                 "protocol, or a protocol error); NANOPORT_LOG=1 shows why");
        }
    }

    void warn(const std::string& what) const {
        if (cfg_.verbosity >= 0) std::fprintf(stderr, "npcat: %s\n", what.c_str());
    }

    void deliver(const incoming& m) {
        ++received_;
        const std::string out = format_message(cfg_.echo, m.body, m.info);
        if (!out.empty()) {
            std::fwrite(out.data(), 1, out.size(), stdout);
            std::fflush(stdout);
        }
    }

    // A blocking send; nanocat's warning when it would block. Returns
    // whether the message was sent.
    bool send_one(const std::string& body) {
        switch (exchange_.send(body)) {
            case sp_socket::status::done:
                ++sent_;
                if (cfg_.verbosity > 0)
                    std::fprintf(stderr, "npcat: sent %zu bytes\n", body.size());
                return true;
            case sp_socket::status::would_block:
            case sp_socket::status::timed_out:
                warn("message not sent (EAGAIN)");
                return false;
            case sp_socket::status::bad_state:
                throw failure(std::string("can't send: ") + nn_strerror(EFSM), exit_socket);
        }
        return false;
    }

    // -i with messages from stdin: at most one send per interval.
    void pace(std::optional<clock::time_point>& last_send) const {
        if (cfg_.interval_ms && last_send) {
            std::this_thread::sleep_until(*last_send +
                                          std::chrono::milliseconds(*cfg_.interval_ms));
        }
        last_send = clock::now();
    }

    // PUSH, PUB with -D/-F: send once, or every -i seconds.
    void send_loop() {
        for (;;) {
            const clock::time_point start = clock::now();
            send_one(*data_);
            if (limit_reached() || !cfg_.interval_ms) return;
            std::this_thread::sleep_until(start + std::chrono::milliseconds(*cfg_.interval_ms));
        }
    }

    // PUSH, PUB without -D/-F: each line of stdin, until its end.
    void send_lines() {
        line_reader input(STDIN_FILENO);
        std::optional<clock::time_point> last_send;
        while (!limit_reached()) {
            std::optional<std::string> line = input.next();
            if (!line) return;
            pace(last_send);
            send_one(*line);
        }
    }

    // Receive and print until a timeout, EFSM (nothing more can come) or --count.
    void recv_loop() {
        incoming m;
        while (!limit_reached()) {
            switch (exchange_.receive(m, recv_timeout())) {
                case sp_socket::status::done:
                    deliver(m);
                    break;
                case sp_socket::status::would_block:
                    break;
                case sp_socket::status::timed_out:
                    timed_out();
                    return;
                case sp_socket::status::bad_state:
                    return;
            }
        }
    }

    // REQ, SURVEYOR, PAIR, BUS with -D/-F: send, then receive; with -i,
    // send again every interval and receive in between (nanocat's rw loop:
    // the receive timeout then only shortens each wait).
    void rw_loop() {
        incoming m;
        for (;;) {
            const clock::time_point start = clock::now();
            send_one(*data_);
            if (!cfg_.interval_ms) {
                recv_loop();
                return;
            }
            const clock::time_point next = start + std::chrono::milliseconds(*cfg_.interval_ms);
            for (;;) {
                if (limit_reached()) return;
                const clock::time_point now = clock::now();
                if (now >= next) break;
                int wait = millis_until(next, now);
                if (recv_timeout() >= 0 && wait > recv_timeout()) wait = recv_timeout();
                const sp_socket::status st = exchange_.receive(m, wait);
                if (st == sp_socket::status::done) {
                    deliver(m);
                } else if (st != sp_socket::status::would_block) {
                    std::this_thread::sleep_until(next);
                }
            }
        }
    }

    // REP, RESPONDENT with -D/-F: answer every request with the data.
    void resp_loop() {
        incoming m;
        while (!limit_reached()) {
            switch (exchange_.receive(m, recv_timeout())) {
                case sp_socket::status::done:
                    deliver(m);
                    send_one(*data_);
                    break;
                case sp_socket::status::would_block:
                    break;
                case sp_socket::status::timed_out:
                    timed_out();
                    return;
                case sp_socket::status::bad_state:
                    return;
            }
        }
    }

    // REQ, SURVEYOR without -D/-F: each line of stdin is a request; its
    // reply (REQ) or the responses until the deadline (SURVEYOR) are
    // printed before the next line is sent.
    void request_lines() {
        line_reader input(STDIN_FILENO);
        std::optional<clock::time_point> last_send;
        incoming m;
        while (!limit_reached()) {
            std::optional<std::string> line = input.next();
            if (!line) return;
            pace(last_send);
            if (!send_one(*line)) continue;
            bool answered = false;
            while (!answered && !limit_reached()) {
                switch (exchange_.receive(m, recv_timeout())) {
                    case sp_socket::status::done:
                        deliver(m);
                        answered = cfg_.socket_role == role::req;
                        break;
                    case sp_socket::status::would_block:
                        break;
                    case sp_socket::status::timed_out:
                        if (cfg_.socket_role == role::req) {
                            warn("no reply within the receive timeout; next request");
                        }
                        answered = true;
                        break;
                    case sp_socket::status::bad_state:
                        answered = true;
                        break;
                }
            }
        }
    }

    // PAIR, BUS without -D/-F: send the lines of stdin while receiving, like
    // a netcat; the end of stdin ends sending only. Single-threaded: poll()
    // on stdin and on the socket's NN_RCVFD/NN_SNDFD, non-blocking calls.
    void duplex_lines() {
        constexpr std::size_t max_pending = 64;  // lines read ahead of the socket
        line_reader input(STDIN_FILENO);
        std::deque<std::string> pending;
        bool input_open = true;
        const int receive_fd = socket_.receive_fd();
        const int send_fd = socket_.send_fd();
        std::optional<clock::time_point> quiet_until;  // --recv-timeout: silence that ends npcat
        if (recv_timeout() >= 0)
            quiet_until = clock::now() + std::chrono::milliseconds(recv_timeout());
        std::optional<clock::time_point> next_send;  // -i pacing
        incoming m;
        for (;;) {
            if (limit_reached()) return;
            pollfd fds[3];
            nfds_t n = 0;
            fds[n++] = {receive_fd, POLLIN, 0};
            int input_index = -1, output_index = -1;
            if (input_open && pending.size() < max_pending) {
                input_index = static_cast<int>(n);
                fds[n++] = {STDIN_FILENO, POLLIN, 0};
            }
            clock::time_point now = clock::now();
            const bool may_send = !next_send || now >= *next_send;
            if (!pending.empty() && may_send) {
                output_index = static_cast<int>(n);
                fds[n++] = {send_fd, POLLIN, 0};
            }
            int timeout = -1;
            if (quiet_until) timeout = millis_until(*quiet_until, now);
            if (!pending.empty() && !may_send) {
                const int pacing = millis_until(*next_send, now);
                if (timeout < 0 || pacing < timeout) timeout = pacing;
            }
            if (::poll(fds, n, timeout) < 0) {
                if (errno == EINTR) continue;
                throw failure(std::string("poll: ") + std::strerror(errno), exit_socket);
            }
            now = clock::now();
            if (fds[0].revents & POLLIN) {
                while (!limit_reached() &&
                       exchange_.receive(m, -1, NN_DONTWAIT) == sp_socket::status::done) {
                    deliver(m);
                    if (quiet_until)
                        quiet_until = clock::now() + std::chrono::milliseconds(recv_timeout());
                }
            } else if (quiet_until && now >= *quiet_until) {
                timed_out();
                return;
            }
            if (input_index >= 0 && fds[input_index].revents) {
                input_open =
                    (fds[input_index].revents & POLLNVAL) == 0 && input.read_available(pending);
            }
            if (output_index >= 0 && (fds[output_index].revents & POLLIN)) {
                while (!pending.empty() && (!next_send || clock::now() >= *next_send)) {
                    const sp_socket::status st = exchange_.send(pending.front(), NN_DONTWAIT);
                    if (st != sp_socket::status::done) break;
                    ++sent_;
                    pending.pop_front();
                    if (cfg_.interval_ms) {
                        next_send = clock::now() + std::chrono::milliseconds(*cfg_.interval_ms);
                    }
                }
            }
        }
    }

    const config& cfg_;
    sp_socket& socket_;
    exchange& exchange_;
    std::optional<std::string> data_;  // -D/-F; none: stdin lines
    std::uint64_t sent_ = 0;
    std::uint64_t received_ = 0;
};

}  // namespace

void check_files(const config& cfg) {
    struct named_file {
        const char* option;
        const std::optional<std::string>& path;
    };
    const named_file files[] = {
        {"--cacert", cfg.tls.ca_file}, {"--cert", cfg.tls.cert_file}, {"--key", cfg.tls.key_file}};
    for (const named_file& file : files) {
        if (!file.path) continue;
        // O_NONBLOCK: a FIFO (--cert <(...)) opens without waiting for a
        // writer. Nothing is read, so that the library still gets every byte.
        const int fd = ::open(file.path->c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        int error = fd < 0 ? errno : 0;
        if (fd >= 0) {
            struct stat st {};
            if (::fstat(fd, &st) < 0) {
                error = errno;
            } else if (S_ISDIR(st.st_mode)) {
                error = EISDIR;
            }
            ::close(fd);
        }
        if (error != 0) {
            throw failure(std::string("can't read ") + file.option + " file '" + *file.path +
                              "': " + std::strerror(error),
                          exit_input);
        }
    }
}

int run(const config& cfg) {
    check_files(cfg);
    std::optional<std::string> data;
    switch (cfg.data.from) {
        case data_source::kind::standard_input_lines:
            break;
        case data_source::kind::literal:
            data = cfg.data.value;
            break;
        case data_source::kind::file:
            data =
                cfg.data.value == "-" ? read_all(STDIN_FILENO, "stdin") : read_file(cfg.data.value);
            break;
    }

    statistics_on_exit& statistics = statistics_on_exit::instance();
    if (cfg.stats) statistics.block_signals();
    const int domain = exchange::domain_for(cfg.socket_role, cfg.echo == format::json);
    sp_socket socket(cfg, domain);
    if (cfg.stats) statistics.watch(socket);
    exchange ex(socket, cfg.socket_role, domain == AF_SP_RAW);

    if (cfg.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(cfg.delay_ms));
    try {
        runner(cfg, socket, ex, std::move(data)).go();
    } catch (...) {
        if (cfg.stats) statistics.print();
        throw;
    }
    if (cfg.stats) statistics.print();
    return exit_ok;  // the socket closes here, waiting NN_LINGER for queued messages
}

}  // namespace npcat
