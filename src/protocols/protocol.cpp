#include "protocols/protocol.hpp"

#include "transport/sp_wire.hpp"

namespace nanoport::protocols {

bool protocol::accepts_peer(std::uint16_t peer_id) const {
    return transport::sp_wire::is_peer(id(), peer_id);
}

std::error_code protocol::set_option(int, int, std::span<const std::byte>) {
    return std::make_error_code(std::errc::no_protocol_option);
}

std::error_code protocol::get_option(int, int, std::span<std::byte>, std::size_t&) const {
    return std::make_error_code(std::errc::no_protocol_option);
}

}  // namespace nanoport::protocols
