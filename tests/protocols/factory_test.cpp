// Tests of src/protocols/factory.cpp: nn_socket's (domain, protocol) to a
// protocol object or an error.
#include "protocols/protocol.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <typeinfo>

#include "protocols/pair/pair.hpp"
#include "protocols/pair/xpair.hpp"
#include "protocols/pipeline/pull.hpp"
#include "protocols/pipeline/push.hpp"
#include "protocols/pipeline/xpull.hpp"
#include "protocols/pipeline/xpush.hpp"
#include "protocols/bus/bus.hpp"
#include "protocols/bus/xbus.hpp"
#include "protocols/pubsub/pub.hpp"
#include "protocols/pubsub/sub.hpp"
#include "protocols/pubsub/xpub.hpp"
#include "protocols/pubsub/xsub.hpp"
#include "protocols/reqrep/rep.hpp"
#include "protocols/reqrep/req.hpp"
#include "protocols/reqrep/xrep.hpp"
#include "protocols/reqrep/xreq.hpp"
#include "protocols/survey/respondent.hpp"
#include "protocols/survey/surveyor.hpp"
#include "protocols/survey/xrespondent.hpp"
#include "protocols/survey/xsurveyor.hpp"

using namespace nanoport::protocols;

namespace {

template <typename expected>
void check_made(int domain, int id) {
    std::unique_ptr<protocol> out;
    REQUIRE_FALSE(make_protocol(domain, id, out));
    REQUIRE(out != nullptr);
    CHECK(out->id() == id);
    // The exact class: cooked sockets are the cooked subclass, raw the base.
    CHECK(typeid(*out) == typeid(expected));
}

std::error_code make(int domain, int id) {
    std::unique_ptr<protocol> out;
    const auto ec = make_protocol(domain, id, out);
    if (ec) CHECK(out == nullptr);
    return ec;
}

}  // namespace

TEST_CASE("factory makes pair, push and pull in both domains") {
    check_made<pair>(domain_cooked, 16);
    check_made<xpair>(domain_raw, 16);
    check_made<push>(domain_cooked, 80);
    check_made<xpush>(domain_raw, 80);
    check_made<pull>(domain_cooked, 81);
    check_made<xpull>(domain_raw, 81);
}

TEST_CASE("factory refuses an unknown domain with EAFNOSUPPORT") {
    for (int domain : {0, 3, -1, 10}) {
        CHECK(make(domain, 16) == std::errc::address_family_not_supported);
        CHECK(make(domain, 12345) == std::errc::address_family_not_supported);
    }
}

TEST_CASE("factory refuses an unknown protocol id with EINVAL") {
    for (int id : {0, 1, 17, 34, 82, 96, 97, 113, 4095, -16}) {
        CAPTURE(id);
        CHECK(make(domain_cooked, id) == std::errc::invalid_argument);
        CHECK(make(domain_raw, id) == std::errc::invalid_argument);
    }
}

TEST_CASE("factory makes pub, sub, req, rep, surveyor, respondent and bus in both domains") {
    check_made<pub>(domain_cooked, 32);
    check_made<xpub>(domain_raw, 32);
    check_made<sub>(domain_cooked, 33);
    check_made<xsub>(domain_raw, 33);
    check_made<req>(domain_cooked, 48);
    check_made<xreq>(domain_raw, 48);
    check_made<rep>(domain_cooked, 49);
    check_made<xrep>(domain_raw, 49);
    check_made<surveyor>(domain_cooked, 98);
    check_made<xsurveyor>(domain_raw, 98);
    check_made<respondent>(domain_cooked, 99);
    check_made<xrespondent>(domain_raw, 99);
    check_made<bus>(domain_cooked, 112);
    check_made<xbus>(domain_raw, 112);
}
