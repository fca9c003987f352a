// nanoport/json.hpp: statistics as JSON documents (nlohmann/json).
//
//     nlohmann::json doc = socket.statistics();
//     std::cout << doc.dump(2) << '\n';
//
// The library itself does not depend on nlohmann/json: these conversions are
// inline, compiled into the program that includes this header.
//
// Document: every socket_statistics field by its name, "protocol" and "mode"
// as words, and "pipes": an array of objects with pipe_statistics' fields.
#pragma once

#include <nlohmann/json.hpp>

#include "nanoport/socket.hpp"

namespace nanoport {

inline const char* to_string(protocol p) noexcept {
    switch (p) {
        case protocol::pair: return "pair";
        case protocol::pub: return "pub";
        case protocol::sub: return "sub";
        case protocol::req: return "req";
        case protocol::rep: return "rep";
        case protocol::push: return "push";
        case protocol::pull: return "pull";
        case protocol::surveyor: return "surveyor";
        case protocol::respondent: return "respondent";
        case protocol::bus: return "bus";
    }
    return "unknown";
}

inline void to_json(nlohmann::json& out, const pipe_statistics& s) {
    out = nlohmann::json{{"id", s.id},
                         {"address", s.address},
                         {"messages_sent", s.messages_sent},
                         {"messages_received", s.messages_received},
                         {"bytes_sent", s.bytes_sent},
                         {"bytes_received", s.bytes_received},
                         {"dropped", s.dropped}};
}

inline void to_json(nlohmann::json& out, const socket_statistics& s) {
    out = nlohmann::json{{"name", s.name},
                         {"protocol", to_string(s.kind)},
                         {"mode", s.flavour == mode::raw ? "raw" : "cooked"},
                         {"established_connections", s.established_connections},
                         {"accepted_connections", s.accepted_connections},
                         {"dropped_connections", s.dropped_connections},
                         {"broken_connections", s.broken_connections},
                         {"connect_errors", s.connect_errors},
                         {"bind_errors", s.bind_errors},
                         {"accept_errors", s.accept_errors},
                         {"current_connections", s.current_connections},
                         {"inprogress_connections", s.inprogress_connections},
                         {"current_endpoint_errors", s.current_endpoint_errors},
                         {"messages_sent", s.messages_sent},
                         {"messages_received", s.messages_received},
                         {"bytes_sent", s.bytes_sent},
                         {"bytes_received", s.bytes_received},
                         {"current_send_priority", s.current_send_priority},
                         {"failed_handshakes", s.failed_handshakes},
                         {"rejected_greetings", s.rejected_greetings},
                         {"handshake_timeouts", s.handshake_timeouts},
                         {"oversized_messages", s.oversized_messages},
                         {"malformed_frames", s.malformed_frames},
                         {"refused_connections", s.refused_connections},
                         {"pending_connections", s.pending_connections},
                         {"dropped_messages", s.dropped_messages},
                         {"pipes", s.pipes}};
}

}  // namespace nanoport
