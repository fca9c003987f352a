// nanoport/error.hpp: the error codes nanoport adds to the system's.
//
// Every nanoport call reports failure as a std::error_code. Most are the
// system's own conditions (generic category: std::errc::timed_out,
// std::errc::resource_unavailable_try_again, std::errc::bad_file_descriptor,
// ...), whose value() is the errno the nanomsg C API sets. Two have no errno:
// nanomsg gave them numbers of its own (ETERM and EFSM in <nanomsg/nn.h>), and
// nanoport gives them this category, named "nanoport".
//
// Threads: any (pure).
#pragma once

#include <system_error>
#include <type_traits>

#include "nanoport/export.hpp"

namespace nanoport {

enum class errc {
    terminated = 1,  // nn_term() / nanoport::terminate() was called (ETERM)
    bad_state = 2,   // the protocol's state does not allow this now (EFSM)
};

NANOPORT_API const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), error_category()};
}

}  // namespace nanoport

template <>
struct std::is_error_code_enum<nanoport::errc> : std::true_type {};
