// The bridge between the C++ API's nanoport::message and the engine's
// aio::message: both hold a reference to an aio::chunk, so a conversion
// moves that reference and copies no body byte. Internal to src/api.
#pragma once

#include "aio/message.hpp"
#include "nanoport/message.hpp"

namespace nanoport::detail {

struct message_access {
    // m is left empty.
    static aio::message to_engine(nanoport::message&& m);
    static nanoport::message from_engine(aio::message&& m);
};

}  // namespace nanoport::detail
