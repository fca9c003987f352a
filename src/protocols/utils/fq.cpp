// fq: see fq.hpp.
#include "protocols/utils/fq.hpp"

namespace nanoport::protocols::utils {

void fq::add(node& n, transport::pipe& p) noexcept {
    pipes_.add(n, p, p.receive_priority());
}

std::error_code fq::receive(aio::message& m) noexcept {
    transport::pipe* from = nullptr;
    return receive(m, from);
}

std::error_code fq::receive(aio::message& m, transport::pipe*& from) noexcept {
    while (transport::pipe* p = pipes_.current()) {
        const auto got = p->receive(m);
        // A pipe that was readable but gives nothing broke its promise; drop
        // it from the round and try the next one rather than report EAGAIN
        // while others have messages. Each pass removes one pipe, so this ends.
        pipes_.advance(!got.received || !got.more);
        if (got.received) {
            from = p;
            return {};
        }
    }
    return std::make_error_code(std::errc::resource_unavailable_try_again);
}

}  // namespace nanoport::protocols::utils
