// np_bench.cpp - the benchmark written against nanoport's own C++ API
// (<nanoport/nanoport.hpp>): the second nanoport row of the tables, next to
// nn_bench.c compiled against nanoport's nanomsg C API.
//
// Same roles, command line, environment and JSON lines as every other
// program here (bench_common.h). What the two modes mean with this API:
//
//   buf  send(std::span<const std::byte>) from the caller's buffer (the
//        library copies it into a message); receive() hands back a message
//        that is read in place - the C++ API has no receive-into-buffer
//        call, so there is no copy-out on this side. The echo side of a
//        latency run sends the received message back (no copy).
//   msg  a nanoport::message of SIZE bytes is built in place (mutable_data)
//        and moved into send(); receive as in buf.
//
// Senders set a 10 s linger and close: nanoport's close flushes what is
// still queued, so they end by themselves (the driver may end them sooner).
// The fan-out publisher reads each pipe's drop counter
// (socket::statistics().pipes[].dropped) before and after the data phase and
// reports the difference, so the driver can check sent = delivered + drops.
#include "bench_common.h"

#include <nanoport/nanoport.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <cstddef>
#include <exception>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#ifndef BENCH_LIB
#define BENCH_LIB "nanoport-cpp"
#endif
#ifndef BENCH_LIB_VERSION
#define BENCH_LIB_VERSION ""
#endif

namespace {

using namespace std::chrono_literals;
namespace np = nanoport;

constexpr const char* api = "cpp";

void print_thr(const bench_args& a, std::uint64_t ns) { bench_print_thr(BENCH_LIB, api, BENCH_LIB_VERSION, &a, ns); }

np::socket open_socket(np::protocol p) {
    np::socket s(p);
    s.set_receive_max_size(std::nullopt);  // no limit (1 MiB bodies)
    return s;
}

np::protocol thr_proto(const bench_args& a, bool receiver) {
    if (std::string_view(a.pattern) == "pair") return np::protocol::pair;
    return receiver ? np::protocol::pull : np::protocol::push;
}

np::protocol lat_proto(const bench_args& a, bool echo) {
    if (std::string_view(a.pattern) == "pair") return np::protocol::pair;
    return echo ? np::protocol::rep : np::protocol::req;
}

std::span<const std::byte> bytes_of(const unsigned char* p, std::size_t n) {
    return {reinterpret_cast<const std::byte*>(p), n};
}

void send_one(np::socket& s, const bench_args& a, unsigned char* payload, std::uint64_t seq) {
    if (a.msg_mode) {
        np::message m(a.size);
        std::span<std::byte> body = m.mutable_data();
        if (a.size) std::memcpy(body.data(), payload, a.size);
        bench_stamp(body.data(), a.size, seq);
        s.send(std::move(m));
    } else {
        bench_stamp(payload, a.size, seq);
        s.send(bytes_of(payload, a.size));
    }
}

void recv_one(np::socket& s, const bench_args& a, std::uint64_t seq) {
    np::message m = s.receive();
    bench_check(m.data().data(), m.size(), a.size, seq);
}

// ---- throughput --------------------------------------------------------------

struct stream {
    np::socket s;
    std::uint64_t t0 = 0, t1 = 0;
};

void recv_stream(stream& st, const bench_args& a) {
    np::message marker = st.s.receive();
    if (!marker.empty()) bench_die("start marker has %zu bytes, expected 0", marker.size());
    st.t0 = bench_now_ns();
    for (long i = 0; i < a.count; i++) recv_one(st.s, a, static_cast<std::uint64_t>(i));
    st.t1 = bench_now_ns();
}

void send_stream(stream& st, const bench_args& a) {
    unsigned char* payload = bench_payload(a.size);
    st.s.send(np::message());  // start marker
    for (long i = 0; i < a.count; i++) send_one(st.s, a, payload, static_cast<std::uint64_t>(i));
    std::free(payload);
}

template <class F>
void run_streams(std::vector<stream>& st, F fn) {
    if (st.size() == 1) {
        fn(st[0]);
        return;
    }
    std::vector<std::thread> threads;
    for (stream& one : st) threads.emplace_back([&one, &fn] { fn(one); });
    for (std::thread& t : threads) t.join();
}

std::string stream_url(const bench_args& a, int i) {
    char url[512];
    bench_stream_url(a.url, i, url, sizeof url);
    return url;
}

void local_thr(const bench_args& a) {
    const int n = bench_streams();
    std::vector<stream> st(n);
    for (int i = 0; i < n; i++) {
        st[i].s = open_socket(thr_proto(a, true));
        st[i].s.bind(stream_url(a, i));
    }
    bench_ready();
    run_streams(st, [&a](stream& one) { recv_stream(one, a); });
    if (n == 1) {
        print_thr(a, st[0].t1 - st[0].t0);
        return;
    }
    std::uint64_t t0 = st[0].t0, t1 = st[0].t1;
    std::string extra = ",\"streams\":" + std::to_string(n) + ",\"stream_msgs_per_s\":[";
    for (int i = 0; i < n; i++) {
        t0 = std::min(t0, st[i].t0);
        t1 = std::max(t1, st[i].t1);
        char v[32];
        std::snprintf(v, sizeof v, "%s%.1f", i ? "," : "",
                      static_cast<double>(a.count) * 1e9 / static_cast<double>(st[i].t1 - st[i].t0 + 1));
        extra += v;
    }
    extra += "]";
    bench_print_thr_ex(BENCH_LIB, api, BENCH_LIB_VERSION, &a, a.count * n, t1 - t0, extra.c_str());
}

void remote_thr(const bench_args& a) {
    const int n = bench_streams();
    std::vector<stream> st(n);
    for (int i = 0; i < n; i++) {
        st[i].s = open_socket(thr_proto(a, false));
        st[i].s.set_linger(10s);  // close() flushes what is still queued
        st[i].s.connect(stream_url(a, i));
    }
    run_streams(st, [&a](stream& one) { send_stream(one, a); });
}  // the sockets close here, flushing

// ---- latency -----------------------------------------------------------------

void echo_loop(np::socket& s, const bench_args& a) {
    const long total = a.count + bench_lat_warmup(a.count);
    for (long i = 0; i < total; i++) {
        np::message m = s.receive();
        if (m.size() != a.size) bench_die("echo: got %zu bytes, expected %zu", m.size(), a.size);
        s.send(std::move(m));
    }
}

void ping_loop(np::socket& s, const bench_args& a) {
    unsigned char* payload = bench_payload(a.size);
    const long warm = bench_lat_warmup(a.count);
    std::vector<std::uint64_t> rtt(static_cast<std::size_t>(a.count));
    for (long i = 0; i < warm; i++) {
        send_one(s, a, payload, static_cast<std::uint64_t>(i));
        recv_one(s, a, static_cast<std::uint64_t>(i));
    }
    std::uint64_t t0 = bench_now_ns(), ts = t0;
    for (long i = 0; i < a.count; i++) {
        send_one(s, a, payload, static_cast<std::uint64_t>(warm + i));
        recv_one(s, a, static_cast<std::uint64_t>(warm + i));
        const std::uint64_t te = bench_now_ns();
        rtt[static_cast<std::size_t>(i)] = te - ts;
        ts = te;
    }
    bench_print_lat(BENCH_LIB, api, BENCH_LIB_VERSION, &a, ts - t0, rtt.data());
    std::free(payload);
}

void local_lat(const bench_args& a) {
    np::socket s = open_socket(lat_proto(a, true));
    s.set_linger(10s);  // the last reply leaves before the close returns
    s.bind(a.url);
    bench_ready();
    echo_loop(s, a);
}

void remote_lat(const bench_args& a) {
    np::socket s = open_socket(lat_proto(a, false));
    s.connect(a.url);
    ping_loop(s, a);
}

// ---- inproc: both ends in this process ---------------------------------------

void inproc_thr(const bench_args& a) {
    stream rx, tx;
    rx.s = open_socket(thr_proto(a, true));
    rx.s.bind(a.url);
    tx.s = open_socket(thr_proto(a, false));
    tx.s.connect(a.url);
    std::thread sender([&] { send_stream(tx, a); });
    recv_stream(rx, a);
    sender.join();
    print_thr(a, rx.t1 - rx.t0);
}

void inproc_lat(const bench_args& a) {
    np::socket echo = open_socket(lat_proto(a, true));
    echo.bind(a.url);
    np::socket s = open_socket(lat_proto(a, false));
    s.connect(a.url);
    std::thread echoer([&] { echo_loop(echo, a); });
    ping_loop(s, a);
    echoer.join();
}

// ---- fan-out -----------------------------------------------------------------

const char* sync_url() {
    const char* u = std::getenv("BENCH_SYNC_URL");
    if (!u || !*u) bench_die("pub/sub need BENCH_SYNC_URL");
    return u;
}

void pub_handshake(np::socket& pub, np::socket& sync, char ctl, char reply, int want) {
    const std::uint64_t deadline = bench_now_ns() + 30000000000ull;
    int got = 0;
    while (got < want) {
        pub.send(std::string_view(&ctl, 1));
        while (std::optional<np::message> m = sync.try_receive()) {
            if (m->size() == 1 && m->text()[0] == reply) got++;
        }
        if (bench_now_ns() > deadline)
            bench_die("fan-out: only %d of %d subscribers answered '%c'", got, want, reply);
        if (got < want) bench_sleep_ms(1);
    }
}

// pipe id -> messages that pipe missed so far
std::map<std::uint64_t, std::uint64_t> drops_by_pipe(const np::socket& s) {
    std::map<std::uint64_t, std::uint64_t> out;
    for (const np::pipe_statistics& p : s.statistics().pipes) out[p.id] = p.dropped;
    return out;
}

void pub_role(const bench_args& a) {
    const int subs = static_cast<int>(bench_env_long("BENCH_SUBS", 4));
    np::pub_socket pub;
    np::socket sync = open_socket(np::protocol::pull);
    unsigned char* payload = bench_payload(a.size);
    pub.bind(a.url);
    sync.bind(sync_url());
    bench_ready();
    pub_handshake(pub, sync, BENCH_CTL_PROBE, 'R', subs);
    const auto before = drops_by_pipe(pub);
    const std::uint64_t t0 = bench_now_ns();
    for (long i = 0; i < a.count; i++) send_one(pub, a, payload, static_cast<std::uint64_t>(i));
    const std::uint64_t t1 = bench_now_ns();
    const auto after = drops_by_pipe(pub);  // drops are counted when send() returns
    pub_handshake(pub, sync, BENCH_CTL_END, 'D', subs);
    long long total = 0;
    std::string per_pipe = "[";
    for (const auto& [id, dropped] : after) {
        const auto it = before.find(id);
        const std::uint64_t d = dropped - (it == before.end() ? 0 : it->second);
        total += static_cast<long long>(d);
        per_pipe += (per_pipe.size() > 1 ? "," : "") + std::to_string(d);
    }
    per_pipe += "]";
    if (after.size() != static_cast<std::size_t>(subs))
        bench_die("fan-out: %zu pipes at the end of the data phase, expected %d", after.size(), subs);
    bench_print_pub(BENCH_LIB, api, BENCH_LIB_VERSION, &a, subs, t1 - t0, total, per_pipe.c_str());
    std::free(payload);
}

void sub_role(const bench_args& a) {
    np::sub_socket sub;
    sub.set_receive_max_size(std::nullopt);
    sub.subscribe("");
    sub.set_receive_timeout(30s);
    np::socket sync = open_socket(np::protocol::push);
    sync.set_linger(5s);
    sub.connect(a.url);
    sync.connect(sync_url());
    bench_sub_state st;
    bench_sub_init(&st);
    for (;;) {
        np::message m = sub.receive();
        const int what = bench_sub_feed(&st, &a, m.data().data(), m.size());
        if (what == 'P') sync.send("R");
        if (what == 'E') break;
    }
    bench_print_sub(BENCH_LIB, api, BENCH_LIB_VERSION, &a, &st);
    sync.send("D");
}  // the close of sync flushes "done"

}  // namespace

int main(int argc, char** argv) {
    bench_args a;
    bench_parse(argc, argv, &a);
    try {
        switch (a.role) {
        case ROLE_LOCAL_THR: local_thr(a); break;
        case ROLE_REMOTE_THR: remote_thr(a); break;
        case ROLE_LOCAL_LAT: local_lat(a); break;
        case ROLE_REMOTE_LAT: remote_lat(a); break;
        case ROLE_PUB: pub_role(a); break;
        case ROLE_SUB: sub_role(a); break;
        case ROLE_INPROC_THR: inproc_thr(a); break;
        case ROLE_INPROC_LAT: inproc_lat(a); break;
        }
    } catch (const std::exception& e) {
        bench_die("%s (%s)", e.what(), BENCH_LIB);
    }
    return 0;
}
