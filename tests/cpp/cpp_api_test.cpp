// The C++ API (include/nanoport), linked against the shipped libnanoport.so
// exactly as a user program is: only exported symbols are reachable.
#include <doctest/doctest.h>

#include <nanomsg/nn.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "nanoport/extensions.h"
#include "nanoport/json.hpp"
#include "nanoport/nanoport.hpp"
#include "support/addresses.hpp"
#include "support/tls_certs.hpp"
#include "support/wait.hpp"

using namespace std::chrono_literals;

namespace {

std::string unique_inproc(const char* what) {
    static std::atomic<int> counter{0};
    return std::string("inproc://cpp_api_") + what + "_" + std::to_string(counter++);
}


}  // namespace

// --- sockets ---------------------------------------------------------------------------

TEST_CASE("a socket is an nn_* handle of its protocol and closes when it goes out of scope") {
    int handle = -1;
    {
        nanoport::pull_socket pull;
        REQUIRE(pull.valid());
        handle = pull.handle();
        int protocol = 0;
        size_t size = sizeof protocol;
        REQUIRE(nn_getsockopt(handle, NN_SOL_SOCKET, NN_PROTOCOL, &protocol, &size) == 0);
        CHECK(protocol == static_cast<int>(nanoport::protocol::pull));
    }
    int protocol = 0;
    size_t size = sizeof protocol;
    CHECK(nn_getsockopt(handle, NN_SOL_SOCKET, NN_PROTOCOL, &protocol, &size) == -1);
    CHECK(nn_errno() == EBADF);
}

TEST_CASE("a moved-from socket is empty and the target owns the handle") {
    nanoport::pair_socket a;
    const int handle = a.handle();
    nanoport::socket b(std::move(a));
    CHECK_FALSE(a.valid());
    CHECK(b.handle() == handle);
    std::error_code ec;
    a.bind(unique_inproc("moved"), ec);
    CHECK(ec == std::errc::bad_file_descriptor);
}

TEST_CASE("request and reply over inproc, tcp and ipc") {
    const nanoport::test::ipc_path ipc;
    for (const std::string& url : {unique_inproc("reqrep"), nanoport::test::tcp_url(), ipc.url()}) {
        CAPTURE(url);
        nanoport::rep_socket rep;
        rep.set_receive_timeout(10s);
        rep.bind(url);
        nanoport::req_socket req;
        req.set_receive_timeout(10s);
        req.connect(url);

        req.send("ping");
        const nanoport::message request = rep.receive();
        CHECK(request.text() == "ping");
        rep.send(std::string(request.text()) + "/pong");
        CHECK(req.receive().text() == "ping/pong");
    }
}

TEST_CASE("tls+tcp and ws: string options set the TLS files; errors come as codes") {
    const nanoport::test::tls_certs certs;
    const std::string port = std::to_string(nanoport::test::free_tcp_port());
    nanoport::rep_socket rep;
    rep.set_receive_timeout(10s);
    rep.set_option(NANOPORT_TLS, NANOPORT_TLS_CERT_FILE, certs.file("server-combined.pem"));
    rep.bind("tls+tcp://127.0.0.1:" + port);
    nanoport::req_socket req;
    req.set_receive_timeout(10s);

    std::error_code ec;
    req.set_option(NANOPORT_TLS, NANOPORT_TLS_CA_FILE, certs.file("nothing-here.pem"));
    req.connect("tls+tcp://127.0.0.1:" + port, ec);
    CHECK(ec == std::errc::no_such_file_or_directory);

    req.set_option(NANOPORT_TLS, NANOPORT_TLS_CA_FILE, certs.file("ca.pem"));
    req.connect("tls+tcp://127.0.0.1:" + port);
    req.send("secret");
    CHECK(rep.receive().text() == "secret");
    rep.send("reply");
    CHECK(req.receive().text() == "reply");

    nanoport::pair_socket a, b;
    a.set_receive_timeout(10s);
    const std::string ws = "ws://127.0.0.1:" + std::to_string(nanoport::test::free_tcp_port()) + "/cpp";
    a.bind(ws);
    b.connect(ws);
    b.send("over ws");
    CHECK(a.receive().text() == "over ws");
}

TEST_CASE("errors come as std::error_code or as std::system_error carrying the same code") {
    nanoport::pair_socket s;
    std::error_code ec;
    CHECK(s.bind("nonsense://x", ec) == -1);
    CHECK(ec == std::errc::protocol_not_supported);
    try {
        s.bind("tcp://no-port-here");
        FAIL("bind of a malformed address did not throw");
    } catch (const std::system_error& e) {
        CHECK(e.code() == std::errc::invalid_argument);
    }
    s.bind(unique_inproc("ok"), ec);
    CHECK_FALSE(ec);  // cleared on success
}

TEST_CASE("receive with a timeout ends with timed_out; zero does not wait") {
    nanoport::pull_socket pull;
    pull.bind(unique_inproc("timeout"));
    std::error_code ec;
    const auto start = std::chrono::steady_clock::now();
    pull.receive(50ms, ec);
    CHECK(ec == std::errc::timed_out);
    CHECK(std::chrono::steady_clock::now() - start >= 50ms);
    pull.receive(0ms, ec);
    CHECK(ec == std::errc::resource_unavailable_try_again);
    CHECK_FALSE(pull.try_receive().has_value());
    pull.set_receive_timeout(20ms);
    CHECK_THROWS_AS(pull.receive(), std::system_error);
}

TEST_CASE("a reply without a request is bad_state in the nanoport category (EFSM)") {
    nanoport::rep_socket rep;
    std::error_code ec;
    rep.send(nanoport::message("stray"), ec);
    CHECK(ec == nanoport::errc::bad_state);
    CHECK(std::string(ec.category().name()) == "nanoport");
    CHECK_FALSE(ec.message().empty());
}

TEST_CASE("a socket type that cannot send says operation not supported") {
    nanoport::sub_socket sub;
    std::error_code ec;
    sub.send(nanoport::message("x"), ec);
    CHECK(ec == std::errc::not_supported);
}

TEST_CASE("subscriptions filter by prefix and can be removed") {
    const std::string url = unique_inproc("pubsub");
    nanoport::pub_socket pub;
    pub.bind(url);
    nanoport::sub_socket sub;
    sub.set_receive_timeout(10s);
    sub.subscribe("news.");
    sub.connect(url);
    pub.send("weather.rain");
    pub.send("news.first");
    CHECK(sub.receive().text() == "news.first");
    sub.unsubscribe("news.");
    pub.send("news.second");
    CHECK_FALSE(sub.try_receive().has_value());
}

TEST_CASE("a survey collects responses until its deadline, then timed_out") {
    const std::string url = unique_inproc("survey");
    nanoport::surveyor_socket surveyor;
    surveyor.set_deadline(200ms);
    surveyor.bind(url);
    nanoport::respondent_socket respondent;
    respondent.set_receive_timeout(10s);
    respondent.connect(url);

    // inproc connects synchronously: the survey reaches the respondent.
    surveyor.send("who?");
    CHECK(respondent.receive().text() == "who?");
    respondent.send("me");
    CHECK(surveyor.receive().text() == "me");
    std::error_code ec;
    surveyor.receive(ec);
    CHECK(ec == std::errc::timed_out);
}

TEST_CASE("options set through the C++ API read back through the C API") {
    nanoport::bus_socket s;
    s.set_linger(250ms);
    s.set_send_timeout(nanoport::socket::infinite);
    s.set_receive_max_size(std::nullopt);
    s.set_name("front door");
    CHECK(s.option(NN_SOL_SOCKET, NN_LINGER) == 250);
    CHECK(s.option(NN_SOL_SOCKET, NN_SNDTIMEO) == -1);
    CHECK(s.option(NN_SOL_SOCKET, NN_RCVMAXSIZE) == -1);
    CHECK(s.name() == "front door");
    CHECK_THROWS_AS(s.set_send_priority(17), std::system_error);
}

// --- messages ------------------------------------------------------------------------------

TEST_CASE("copies of a message share one body; writing copies it first") {
    nanoport::message a("shared bytes");
    nanoport::message b = a;
    CHECK(b.shares_body_with(a));
    CHECK(b == a);
    b.mutable_data()[0] = std::byte{'S'};
    CHECK_FALSE(b.shares_body_with(a));
    CHECK(a.text() == "shared bytes");
    CHECK(b.text() == "Shared bytes");
}

TEST_CASE("a message sent over inproc arrives as the same body, not a copy") {
    const std::string url = unique_inproc("zerocopy");
    nanoport::push_socket push;
    push.bind(url);
    nanoport::pull_socket pull;
    pull.set_receive_timeout(10s);
    pull.connect(url);

    nanoport::message big(std::size_t{1} << 20);
    std::fill(big.mutable_data().begin(), big.mutable_data().end(), std::byte{0x5a});
    const nanoport::message kept = big;
    push.send(std::move(big));
    const nanoport::message got = pull.receive();
    CHECK(got.shares_body_with(kept));
    CHECK(got == kept);
}

TEST_CASE("an empty message is a message") {
    const std::string url = unique_inproc("empty");
    nanoport::pair_socket a;
    a.bind(url);
    nanoport::pair_socket b;
    b.set_receive_timeout(10s);
    b.connect(url);
    a.send(nanoport::message());
    CHECK(b.receive().empty());
}

TEST_CASE("raw sockets carry the SP header in the message") {
    const std::string url = unique_inproc("raw");
    nanoport::rep_socket raw_rep(nanoport::mode::raw);
    raw_rep.set_receive_timeout(10s);
    raw_rep.bind(url);
    nanoport::req_socket req;
    req.set_receive_timeout(10s);
    req.connect(url);

    req.send("question");
    nanoport::message request = raw_rep.receive();
    CHECK(request.text() == "question");
    REQUIRE(request.header().size() >= 4);
    // The request id's top bit marks the end of the backtrace.
    CHECK((std::to_integer<unsigned>(request.header()[request.header().size() - 4]) & 0x80U) != 0);
    nanoport::message reply("answer");
    reply.set_header(request.header());
    raw_rep.send(std::move(reply));
    CHECK(req.receive().text() == "answer");
}

// --- pipe events and statistics --------------------------------------------------------------

TEST_CASE("pipe events report peers arriving and leaving, with their address") {
    const std::string url = nanoport::test::tcp_url();
    nanoport::test::notifier changed;
    std::vector<nanoport::pipe_event> events;
    nanoport::pair_socket server;
    server.on_pipe_event([&](const nanoport::pipe_event& e) {
        auto lock = changed.lock();
        events.push_back(e);
        changed.notify();
    });
    server.bind(url);
    {
        nanoport::pair_socket client;
        client.connect(url);
        REQUIRE(changed.wait_for([&] { return events.size() >= 1; }));
    }
    REQUIRE(changed.wait_for([&] { return events.size() >= 2; }));
    auto lock = changed.lock();
    REQUIRE(events.size() == 2);
    CHECK(events[0].what == nanoport::pipe_event::kind::added);
    CHECK(events[1].what == nanoport::pipe_event::kind::removed);
    CHECK(events[0].pipe == events[1].pipe);
    CHECK(events[0].address.find("tcp://127.0.0.1:") == 0);
}

TEST_CASE("a pipe event callback may use its socket") {
    const std::string url = unique_inproc("greeter");
    nanoport::pair_socket server;
    server.on_pipe_event([&server](const nanoport::pipe_event& e) {
        if (e.what == nanoport::pipe_event::kind::added) server.send("welcome");
    });
    server.bind(url);
    nanoport::pair_socket client;
    client.set_receive_timeout(10s);
    client.connect(url);
    CHECK(client.receive().text() == "welcome");
}

TEST_CASE("statistics count per pipe, including what PUB dropped for a full peer") {
    const std::string url = unique_inproc("drops");
    nanoport::pub_socket pub;
    pub.bind(url);
    nanoport::sub_socket sub;
    sub.set_receive_buffer(1024);  // inproc: the sender sees the receiver's buffer
    sub.subscribe("");
    sub.connect(url);

    constexpr int sent = 200;
    const std::string payload(100, 'x');
    for (int i = 0; i < sent; ++i) pub.send(payload);

    const nanoport::socket_statistics stats = pub.statistics();
    CHECK(stats.kind == nanoport::protocol::pub);
    CHECK(stats.messages_sent == sent);
    REQUIRE(stats.pipes.size() == 1);
    const nanoport::pipe_statistics& pipe = stats.pipes[0];
    CHECK(pipe.dropped > 0);
    CHECK(pipe.messages_sent + pipe.dropped == sent);
    CHECK(pipe.bytes_sent == pipe.messages_sent * payload.size());

    const nlohmann::json doc = stats;
    CHECK(doc["protocol"] == "pub");
    CHECK(doc["pipes"][0]["dropped"].get<std::uint64_t>() == pipe.dropped);
    CHECK(doc["messages_sent"].get<std::uint64_t>() == sent);
}

// --- devices -----------------------------------------------------------------------------------

TEST_CASE("a device forwards between raw sockets and ends with an exception when one closes") {
    const std::string front = unique_inproc("front");
    const std::string back = unique_inproc("back");
    nanoport::rep_socket raw_rep(nanoport::mode::raw);
    raw_rep.bind(front);
    nanoport::req_socket raw_req(nanoport::mode::raw);
    raw_req.bind(back);

    std::atomic<bool> ended{false};
    std::error_code end_code;
    std::thread relay([&] {
        try {
            nanoport::device(raw_rep, raw_req);
        } catch (const std::system_error& e) {
            end_code = e.code();
        }
        ended = true;
    });

    nanoport::rep_socket server;
    server.set_receive_timeout(10s);
    server.connect(back);
    nanoport::req_socket client;
    client.set_receive_timeout(10s);
    client.connect(front);
    client.send("via device");
    CHECK(server.receive().text() == "via device");
    server.send("back again");
    CHECK(client.receive().text() == "back again");

    raw_req.close();
    relay.join();
    CHECK(ended);
    CHECK(end_code == std::errc::bad_file_descriptor);
}
