// error: the socket layer's names for nanoport's own error codes, which are
// defined in the public include/nanoport/error.hpp (the C++ API hands them to
// users as they are). src/api maps them to nanomsg's ETERM and EFSM.
#pragma once

#include "nanoport/error.hpp"

namespace nanoport::core {

using nanoport::errc;
using nanoport::error_category;
using nanoport::make_error_code;

}  // namespace nanoport::core
