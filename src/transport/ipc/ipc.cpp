// ipc transport: the SP IPC mapping over Unix domain stream sockets (type
// byte + length framing). A stale socket file left by a dead process is
// probed and removed before binding; a live one means EADDRINUSE. The file is
// removed again when the listener closes.
//
// The file's mode: what the process's umask leaves of 0777, unless
// NANOPORT_IPC_PERMISSIONS (nanoport/extensions.h) says otherwise; the
// listener applies it before it listens.
#include <asio/local/stream_protocol.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "transport/stream/stream_dialer.hpp"
#include "transport/stream/stream_endpoints.hpp"
#include "transport/stream/stream_listener.hpp"

namespace nanoport::transport {

namespace {

// If path is a socket file nobody listens on, removes it. Returns
// EADDRINUSE when somebody does.
std::error_code clear_stale_socket(const std::string& path) {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) return {};
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path.size() >= sizeof sa.sun_path) return std::make_error_code(std::errc::filename_too_long);
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return std::error_code(errno, std::generic_category());
    const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
    const int err = errno;
    ::close(fd);
    if (rc == 0) return std::make_error_code(std::errc::address_in_use);
    if (err == ECONNREFUSED) ::unlink(path.c_str());
    return {};
}

connection_setup ipc_setup() {
    connection_setup setup;
    setup.framing = sp_wire::framing::ipc;
    return setup;
}

}  // namespace

std::error_code make_ipc_endpoint(socket_hooks& socket, const address& addr, bool bind,
                                  std::unique_ptr<endpoint>& out) {
    const asio::local::stream_protocol::endpoint ep(addr.path);
    if (bind) {
        if (std::error_code ec = clear_stale_socket(addr.path)) {
            socket.count_bind_error();
            return ec;
        }
        return stream_listener::open(socket, stream_kind::ipc, ipc_setup(), ep, addr.raw, addr.path,
                                     socket.current_options().ipc_permissions, out);
    }
    out = stream_dialer::open(socket, stream_kind::ipc, ipc_setup(), addr, std::nullopt);
    return {};
}

}  // namespace nanoport::transport
