// make_protocol: the one place that maps nn_socket's (domain, protocol) to a
// protocol object; see protocol.hpp. Called by core::socket when a socket is
// created, on the user's thread, before the socket has any pipe.
#include <new>

#include "protocols/bus/bus.hpp"
#include "protocols/bus/xbus.hpp"
#include "protocols/pair/pair.hpp"
#include "protocols/pair/xpair.hpp"
#include "protocols/pipeline/pull.hpp"
#include "protocols/pipeline/push.hpp"
#include "protocols/pipeline/xpull.hpp"
#include "protocols/pipeline/xpush.hpp"
#include "protocols/protocol.hpp"
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

namespace nanoport::protocols {

namespace {

template <typename cooked, typename raw>
std::unique_ptr<protocol> make(bool is_raw) {
    if (is_raw) return std::make_unique<raw>();
    return std::make_unique<cooked>();
}

}  // namespace

std::error_code make_protocol(int domain, int protocol_id, std::unique_ptr<protocol>& out) {
    if (domain != domain_cooked && domain != domain_raw) {
        return std::make_error_code(std::errc::address_family_not_supported);
    }
    const bool is_raw = domain == domain_raw;
    try {
        switch (protocol_id) {
        case xpair::sp_id:
            out = make<pair, xpair>(is_raw);
            return {};
        case xpush::sp_id:
            out = make<push, xpush>(is_raw);
            return {};
        case xpull::sp_id:
            out = make<pull, xpull>(is_raw);
            return {};
        case xpub::sp_id:
            out = make<pub, xpub>(is_raw);
            return {};
        case xsub::sp_id:
            out = make<sub, xsub>(is_raw);
            return {};
        case xbus::sp_id:
            out = make<bus, xbus>(is_raw);
            return {};
        case xreq::sp_id:
            out = make<req, xreq>(is_raw);
            return {};
        case xrep::sp_id:
            out = make<rep, xrep>(is_raw);
            return {};
        case xsurveyor::sp_id:
            out = make<surveyor, xsurveyor>(is_raw);
            return {};
        case xrespondent::sp_id:
            out = make<respondent, xrespondent>(is_raw);
            return {};
        default:
            return std::make_error_code(std::errc::invalid_argument);
        }
    } catch (const std::bad_alloc&) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
}

}  // namespace nanoport::protocols
