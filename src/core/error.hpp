// error: the error codes nanoport's socket layer adds to the system's.
//
// Everything else in nanoport reports std::errc values (generic category),
// whose value() is the errno the C API passes on. Two conditions have no
// errno of their own; nanomsg invented numbers for them (nn.h: ETERM and EFSM,
// above NN_HAUSNUMERO), and so does this category. src/api maps them back.
//
// Threads: any (pure).
#pragma once

#include <system_error>
#include <type_traits>

namespace nanoport::core {

enum class errc {
    terminated = 1,  // nn_term() was called (ETERM)
    bad_state = 2,   // the protocol's state does not allow this now (EFSM)
};

const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), error_category()};
}

}  // namespace nanoport::core

template <>
struct std::is_error_code_enum<nanoport::core::errc> : std::true_type {};
