// nn_errno, nn_strerror and the error-code-to-errno mapping.
#include "api/errors.hpp"

#include <cerrno>
#include <cstring>

#include "core/error.hpp"
#include "nanomsg/nn.h"

namespace nanoport::api {

int to_errno(const std::error_code& ec) noexcept {
    if (ec.category() == core::error_category()) {
        switch (static_cast<core::errc>(ec.value())) {
            case core::errc::terminated:
                return ETERM;
            case core::errc::bad_state:
                return EFSM;
        }
        return EINVAL;
    }
    if (ec.category() == std::generic_category() || ec.category() == std::system_category()) {
        return ec.value();
    }
    const std::error_condition condition = ec.default_error_condition();
    if (condition.category() == std::generic_category()) return condition.value();
    return EIO;  // a library's own code with no errno equivalent
}

int fail(const std::error_code& ec) noexcept { return fail_errno(to_errno(ec)); }

int fail_errno(int errnum) noexcept {
    errno = errnum;
    return -1;
}

namespace {

// Texts for the error numbers nanomsg defines itself. Only numbers above
// NN_HAUSNUMERO are looked up here: on a platform whose <errno.h> has the
// POSIX name, the header uses the system's number and strerror() knows it.
struct error_text {
    int number;
    const char* text;
};

constexpr error_text own_errors[] = {
    {ETERM, "Nanomsg library was terminated"},
    {EFSM, "Operation cannot be performed in this state"},
    {ENOTSUP, "Not supported"},
    {EPROTONOSUPPORT, "Protocol not supported"},
    {ENOBUFS, "No buffer space available"},
    {ENETDOWN, "Network is down"},
    {EADDRINUSE, "Address in use"},
    {EADDRNOTAVAIL, "Address not available"},
    {ECONNREFUSED, "Connection refused"},
    {EINPROGRESS, "Operation in progress"},
    {ENOTSOCK, "Not a socket"},
    {EAFNOSUPPORT, "Address family not supported"},
    {EPROTO, "Protocol error"},
    {EAGAIN, "Resource unavailable, try again"},
    {EBADF, "Bad file descriptor"},
    {EINVAL, "Invalid argument"},
    {EMFILE, "Too many open files"},
    {EFAULT, "Bad address"},
    {EACCES, "Permission denied"},
    {ENETRESET, "Connection aborted by network"},
    {ENETUNREACH, "Network unreachable"},
    {EHOSTUNREACH, "Host is unreachable"},
    {ENOTCONN, "The socket is not connected"},
    {EMSGSIZE, "Message too long"},
    {ETIMEDOUT, "Timed out"},
    {ECONNABORTED, "Connection aborted"},
    {ECONNRESET, "Connection reset"},
    {ENOPROTOOPT, "Protocol not available"},
    {EISCONN, "Socket is connected"},
    {ESOCKTNOSUPPORT, "Socket type not supported"},
};

}  // namespace

}  // namespace nanoport::api

extern "C" int nn_errno(void) { return errno; }

extern "C" const char* nn_strerror(int errnum) {
    if (errnum > NN_HAUSNUMERO) {
        for (const auto& e : nanoport::api::own_errors) {
            if (e.number == errnum) return e.text;
        }
    }
    return std::strerror(errnum);
}
