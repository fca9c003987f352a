// nanoport/nanoport.hpp: the whole C++ API (sockets, messages, errors).
// Statistics as JSON: nanoport/json.hpp (needs nlohmann/json).
#pragma once

#include "nanoport/error.hpp"
#include "nanoport/message.hpp"
#include "nanoport/socket.hpp"
