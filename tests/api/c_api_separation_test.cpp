// Separation of protocols (nanomsg's tests/separation.c, for every pair):
// sockets whose protocols are not each other's peers never get a pipe and
// never exchange a message, over inproc, ipc and tcp, whichever side binds;
// the peers that do belong together (PAIR-PAIR, PUB-SUB, REQ-REP,
// PUSH-PULL, SURVEYOR-RESPONDENT, BUS-BUS) exchange messages.
#include "nanomsg/nn.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "api/c_api_support.hpp"
#include "nanomsg/bus.h"
#include "nanomsg/pair.h"
#include "nanomsg/pipeline.h"
#include "nanomsg/pubsub.h"
#include "nanomsg/reqrep.h"
#include "nanomsg/survey.h"

using namespace nanoport::test;

namespace {

struct protocol {
    int number;
    const char* name;
};

constexpr protocol protocols[] = {
    {NN_PAIR, "PAIR"}, {NN_PUB, "PUB"},           {NN_SUB, "SUB"},
    {NN_REQ, "REQ"},   {NN_REP, "REP"},           {NN_PUSH, "PUSH"},
    {NN_PULL, "PULL"}, {NN_SURVEYOR, "SURVEYOR"}, {NN_RESPONDENT, "RESPONDENT"},
    {NN_BUS, "BUS"},
};

// The protocol that talks to p.
int peer_of(int p) {
    switch (p) {
        case NN_PUB:
            return NN_SUB;
        case NN_SUB:
            return NN_PUB;
        case NN_REQ:
            return NN_REP;
        case NN_REP:
            return NN_REQ;
        case NN_PUSH:
            return NN_PULL;
        case NN_PULL:
            return NN_PUSH;
        case NN_SURVEYOR:
            return NN_RESPONDENT;
        case NN_RESPONDENT:
            return NN_SURVEYOR;
        default:
            return p;  // PAIR, BUS
    }
}

bool sends(int p) { return p != NN_SUB && p != NN_PULL; }
bool receives(int p) { return p != NN_PUB && p != NN_PUSH; }

enum class transport { inproc, ipc, tcp };

// A socket of protocol p, with finite timeouts, a fast reconnect, a long
// survey deadline and (SUB) a subscription to everything.
int make_socket(int p) {
    const int s = nanoport::test::make_socket(AF_SP, p);
    set_socket_option(s, NN_RECONNECT_IVL, 5);
    if (p == NN_SUB) REQUIRE(nn_setsockopt(s, NN_SUB, NN_SUB_SUBSCRIBE, "", 0) == 0);
    if (p == NN_SURVEYOR) {
        REQUIRE(set_int_option(s, NN_SURVEYOR, NN_SURVEYOR_DEADLINE, 10000) == 0);
    }
    return s;
}

// Binds s to a fresh address of transport t; returns it.
std::string bind_fresh(int s, transport t) {
    switch (t) {
        case transport::inproc:
            return bind_inproc(s, "separation");
        case transport::ipc: {
            const std::string address = ipc_address("separation");
            REQUIRE(nn_bind(s, address.c_str()) > 0);
            return address;
        }
        case transport::tcp: {
            const std::string address = bind_free_tcp(s, nn_bind);
            REQUIRE_FALSE(address.empty());
            return address;
        }
    }
    return {};
}

// The bound socket b (protocol bp) and the connected one c (cp) must not
// pair. For tcp and ipc, waits until c's dialer has connected twice (so the
// first connection's greetings were exchanged and refused, and it tried
// again); for inproc, the connect made after the bind decided at once. Then
// a compatible probe connects to b and pairs (b is alive and processed the
// refused attempt first), and neither b nor c holds a pipe to the other or
// gets a message from it.
void check_separated(transport t, int bp, int cp) {
    const int b = make_socket(bp);
    const int c = make_socket(cp);
    const int probe = make_socket(peer_of(bp));
    const std::string address = bind_fresh(b, t);
    REQUIRE(nn_connect(c, address.c_str()) > 0);
    if (t != transport::inproc) {
        REQUIRE(wait_for_statistic_at_least(c, NN_STAT_ESTABLISHED_CONNECTIONS, 2));
    }
    REQUIRE(nn_connect(probe, address.c_str()) > 0);
    REQUIRE(wait_for_statistic_equal(probe, NN_STAT_CURRENT_CONNECTIONS, 1));
    REQUIRE(wait_for_statistic_equal(b, NN_STAT_CURRENT_CONNECTIONS, 1));  // the probe only
    CHECK(nn_get_statistic(c, NN_STAT_CURRENT_CONNECTIONS) == 0);

    // Whatever either side manages to send, the other never receives it.
    if (sends(cp)) (void)nn_send(c, "from c", 6, NN_DONTWAIT);
    if (sends(bp)) (void)nn_send(b, "from b", 6, NN_DONTWAIT);
    char buf[16];
    if (receives(cp)) CHECK(nn_recv(c, buf, sizeof buf, NN_DONTWAIT) == -1);
    if (receives(bp)) CHECK(nn_recv(b, buf, sizeof buf, NN_DONTWAIT) == -1);
    CHECK(nn_get_statistic(b, NN_STAT_CURRENT_CONNECTIONS) == 1);
    for (int s : {b, c, probe}) CHECK(nn_close(s) == 0);
}

// b (protocol bp, bound) and c (cp = peer_of(bp), connected) exchange a
// message in each direction their protocols allow.
void check_connected(transport t, int bp, int cp) {
    const int b = make_socket(bp);
    const int c = make_socket(cp);
    const std::string address = bind_fresh(b, t);
    REQUIRE(nn_connect(c, address.c_str()) > 0);
    // PUB, SURVEYOR and BUS drop messages sent before a pipe is up.
    REQUIRE(wait_for_statistic_equal(b, NN_STAT_CURRENT_CONNECTIONS, 1));
    REQUIRE(wait_for_statistic_equal(c, NN_STAT_CURRENT_CONNECTIONS, 1));
    // The side that speaks first: the one that is not a replier or a receiver only.
    const bool b_first = bp == NN_PUB || bp == NN_REQ || bp == NN_PUSH || bp == NN_SURVEYOR ||
                         bp == NN_PAIR || bp == NN_BUS;
    const int first = b_first ? b : c;
    const int second = b_first ? c : b;
    const int first_protocol = b_first ? bp : cp;
    send_text(first, "hello");
    CHECK(receive_text(second) == "hello");
    if (first_protocol != NN_PUB && first_protocol != NN_PUSH) {
        send_text(second, "back");  // a reply, or the other direction of PAIR / BUS
        CHECK(receive_text(first) == "back");
    }
    CHECK(nn_close(b) == 0);
    CHECK(nn_close(c) == 0);
}

void check_all_incompatible(transport t) {
    int pairs = 0;
    for (const protocol& bound : protocols) {
        for (const protocol& connecting : protocols) {
            if (peer_of(bound.number) == connecting.number) continue;
            CAPTURE(bound.name);
            CAPTURE(connecting.name);
            check_separated(t, bound.number, connecting.number);
            ++pairs;
        }
    }
    CHECK(pairs == 90);  // 10 x 10 ordered pairs, less the 10 that belong together
}

void check_all_compatible(transport t) {
    for (const protocol& bound : protocols) {
        CAPTURE(bound.name);
        check_connected(t, bound.number, peer_of(bound.number));
    }
}

}  // namespace

TEST_CASE("incompatible protocols never pair or exchange a message over inproc") {
    check_all_incompatible(transport::inproc);
}

TEST_CASE("incompatible protocols never pair or exchange a message over ipc") {
    check_all_incompatible(transport::ipc);
}

TEST_CASE("incompatible protocols never pair or exchange a message over tcp") {
    check_all_incompatible(transport::tcp);
}

TEST_CASE("compatible protocols pair and exchange messages over inproc") {
    check_all_compatible(transport::inproc);
}

TEST_CASE("compatible protocols pair and exchange messages over ipc") {
    check_all_compatible(transport::ipc);
}

TEST_CASE("compatible protocols pair and exchange messages over tcp") {
    check_all_compatible(transport::tcp);
}
