// errors: how the C API reports failure - return -1 (or NULL) and set errno,
// which nn_errno() reads back. Internal to src/api (hidden visibility; none
// of these names may start with nn_, see WIRE.md "Symbols").
#pragma once

#include <new>
#include <system_error>

namespace nanoport::api {

// The errno for an error code: std::errc / system values as they are,
// nanoport's own (core::errc) as nanomsg's ETERM and EFSM.
int to_errno(const std::error_code& ec) noexcept;

// Sets errno and returns -1.
int fail(const std::error_code& ec) noexcept;
int fail_errno(int errnum) noexcept;

// Runs body (which returns int) with exceptions turned into errno: no C++
// exception may cross into a C caller.
template <typename Body>
int guarded(Body&& body) noexcept {
    try {
        return body();
    } catch (const std::bad_alloc&) {
        return fail(std::make_error_code(std::errc::not_enough_memory));
    } catch (const std::system_error& e) {
        return fail(e.code());
    } catch (...) {
        return fail(std::make_error_code(std::errc::io_error));
    }
}

}  // namespace nanoport::api
