// np_hostile: a hostile SP peer on the command line. It connects to a
// listener (nanoport's, nanomsg's, NNG's) and sends one kind of bad input,
// then says on one JSON line what the listener did, and exits 0 when that is
// what a sound listener does (closes the connection, or keeps it for input
// it should only drop), 1 when it is not, 2 on a usage or connection error.
//
//   np_hostile ATTACK URL [--as ID] [--limit BYTES] [--count N] [--hold MS]
//
// URL: tcp://127.0.0.1:PORT or ipc:///path (loopback and local files only).
// --as: the SP protocol id it claims in its greeting (default 80, PUSH);
// --limit: the listener's NN_RCVMAXSIZE (default 1 MiB); --count and --hold:
// how many connections "flood" opens and how long it keeps them (default
// 1000 and 2000 ms).
//
// Attacks (what a sound listener does):
//   garbage       8 bytes that are no greeting              closes
//   stranger      a greeting from protocol id 0xffff         closes
//   reserved      a greeting with reserved bytes 00 01       closes
//   huge-length   a message header announcing 2^63 bytes     closes
//   over-limit    a header announcing --limit + 1 bytes      closes
//   bad-type      (ipc) a message type byte of 2             closes
//   slow          the greeting, one byte a second            closes before the end
//   cut-close     half a message, then close                 (nothing to see: exits 0)
//   backtrace     (--as 48 or 98, at REP or RESPONDENT) malformed and 255-hop
//                 backtraces                                 keeps the connection
//   flood         --count connections that never greet, kept --hold ms;
//                 reports how many the listener closed       (exits 0)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "hostile/raw_peer.hpp"

namespace {

using namespace nanoport::hostile;
using clock_type = std::chrono::steady_clock;

struct settings {
    std::string attack;
    std::string url;
    std::uint16_t as = 80;
    std::uint64_t limit = 1024 * 1024;
    int count = 1000;
    int hold_ms = 2000;
};

int usage() {
    std::fprintf(
        stderr,
        "usage: np_hostile ATTACK URL [--as ID] [--limit BYTES] [--count N] [--hold MS]\n"
        "attacks: garbage stranger reserved huge-length over-limit bad-type slow cut-close\n"
        "         backtrace flood\n");
    return 2;
}

bool parse(int argc, char** argv, settings& s) {
    if (argc < 3) return false;
    s.attack = argv[1];
    s.url = argv[2];
    for (int i = 3; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        char* end = nullptr;
        const unsigned long long v = std::strtoull(argv[i + 1], &end, 0);
        if (*end != '\0') return false;
        if (flag == "--as" && v <= 0xffff) {
            s.as = static_cast<std::uint16_t>(v);
        } else if (flag == "--limit") {
            s.limit = v;
        } else if (flag == "--count" && v > 0 && v <= 100000) {
            s.count = static_cast<int>(v);
        } else if (flag == "--hold" && v <= 600000) {
            s.hold_ms = static_cast<int>(v);
        } else {
            return false;
        }
    }
    return (argc - 3) % 2 == 0;
}

long long since(clock_type::time_point start) {
    return std::chrono::duration_cast<milliseconds>(clock_type::now() - start).count();
}

int report(const settings& s, bool sound, const std::string& what, clock_type::time_point start) {
    std::printf("{\"attack\":\"%s\",\"url\":\"%s\",\"listener\":\"%s\",\"ms\":%lld,\"sound\":%s}\n",
                s.attack.c_str(), s.url.c_str(), what.c_str(), since(start),
                sound ? "true" : "false");
    return sound ? 0 : 1;
}

// Sends data and expects the listener to close the connection.
int expect_close(const settings& s, raw_peer& p, const bytes& data) {
    const auto start = clock_type::now();
    if (!p.send(data)) return report(s, true, "closed while we sent", start);
    const bool closed = p.wait_closed(milliseconds(5000));
    return report(s, closed, closed ? "closed the connection" : "kept the connection", start);
}

bytes with_greeting(const settings& s, const bytes& rest) {
    bytes out = greeting(s.as);
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
}

int run(const settings& s) {
    raw_peer p;
    const auto start = clock_type::now();
    if (s.attack == "flood") {
        std::vector<raw_peer> peers(static_cast<std::size_t>(s.count));
        for (raw_peer& one : peers) {
            if (!one.connect(s.url)) {
                std::perror("np_hostile: connect");
                return 2;
            }
        }
        int closed = 0;
        for (raw_peer& one : peers) {
            const auto left = milliseconds(s.hold_ms) - milliseconds(since(start));
            if (one.wait_closed(left.count() > 0 ? left : milliseconds(0))) ++closed;
        }
        return report(s, true,
                      std::to_string(closed) + " of " + std::to_string(s.count) + " closed", start);
    }
    if (!p.connect(s.url)) {
        std::perror("np_hostile: connect");
        return 2;
    }
    const bool ipc = p.ipc();
    if (s.attack == "garbage") return expect_close(s, p, {'G', 'A', 'R', 'B', 'A', 'G', 'E', '!'});
    if (s.attack == "stranger") return expect_close(s, p, greeting(0xffff));
    if (s.attack == "reserved") return expect_close(s, p, greeting(s.as, 0, 1));
    if (s.attack == "huge-length") {
        return expect_close(s, p, with_greeting(s, frame_header(ipc, std::uint64_t(1) << 63)));
    }
    if (s.attack == "over-limit")
        return expect_close(s, p, with_greeting(s, frame_header(ipc, s.limit + 1)));
    if (s.attack == "bad-type") {
        if (!ipc) return usage();
        return expect_close(s, p, with_greeting(s, frame_header(true, 1, 0x02)));
    }
    if (s.attack == "slow") {
        const bytes g = greeting(s.as);
        for (std::size_t sent = 0; sent < g.size(); ++sent) {
            if (!p.send(bytes{g[sent]})) return report(s, true, "closed while we sent", start);
            if (p.wait_closed(milliseconds(1000))) {
                return report(s, true, "closed after " + std::to_string(sent + 1) + " bytes",
                              start);
            }
        }
        return report(s, false, "took the whole greeting", start);
    }
    if (s.attack == "cut-close") {
        bytes cut = frame(ipc, bytes(1000, 0x42));
        cut.resize(cut.size() / 2);
        p.send(with_greeting(s, cut));
        return report(s, true, "sent half a message and closed", start);
    }
    if (s.attack == "backtrace") {
        bytes no_end;
        put_word(no_end, 1, false);
        bytes deep;
        for (std::uint32_t hop = 1; hop <= 255; ++hop) put_word(deep, hop, false);
        put_word(deep, 1, true);
        bytes data = with_greeting(s, frame(ipc, no_end));
        for (const bytes& f : {frame(ipc, {}), frame(ipc, deep)})
            data.insert(data.end(), f.begin(), f.end());
        if (!p.send(data)) return report(s, false, "closed while we sent", start);
        const bool closed = p.wait_closed(milliseconds(500));
        return report(s, !closed, closed ? "closed the connection" : "kept the connection", start);
    }
    return usage();
}

}  // namespace

int main(int argc, char** argv) {
    settings s;
    if (!parse(argc, argv, s)) return usage();
    return run(s);
}
