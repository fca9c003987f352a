// make_protocol: the one place that maps nn_socket's (domain, protocol) to a
// protocol object; see protocol.hpp. Called by core::socket when a socket is
// created, on the user's thread, before the socket has any pipe.
#include <new>

#include "protocols/pair/pair.hpp"
#include "protocols/pair/xpair.hpp"
#include "protocols/pipeline/pull.hpp"
#include "protocols/pipeline/push.hpp"
#include "protocols/pipeline/xpull.hpp"
#include "protocols/pipeline/xpush.hpp"
#include "protocols/protocol.hpp"

namespace nanoport::protocols {

namespace {

// SP protocol ids (WIRE.md) of the socket types that nanomsg defines and that
// nanoport has not written yet. Issue 4 adds them (PUB/SUB, REQ/REP,
// SURVEYOR/RESPONDENT, BUS); until then nn_socket reports EPROTONOSUPPORT
// for them, which says "known, not available" where EINVAL would say "no
// such protocol".
constexpr int pub_id = 32;
constexpr int sub_id = 33;
constexpr int req_id = 48;
constexpr int rep_id = 49;
constexpr int surveyor_id = 98;
constexpr int respondent_id = 99;
constexpr int bus_id = 112;

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
        case pub_id:
        case sub_id:
        case req_id:
        case rep_id:
        case surveyor_id:
        case respondent_id:
        case bus_id:
            return std::make_error_code(std::errc::protocol_not_supported);
        default:
            return std::make_error_code(std::errc::invalid_argument);
        }
    } catch (const std::bad_alloc&) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
}

}  // namespace nanoport::protocols
