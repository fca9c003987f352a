// Test support: throwaway TLS certificates (tests/support/tls_certs.sh, the
// openssl CLI) in a directory of their own, removed when the object goes.
// See the script for the files made. The script's path comes from the build
// (NANOPORT_TLS_CERTS_SCRIPT).
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace nanoport::test {

class tls_certs {
public:
    tls_certs() {
        char pattern[] = "/tmp/nanoport-certs-XXXXXX";
        if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
        dir_ = pattern;
        const std::string command =
            std::string("'") + NANOPORT_TLS_CERTS_SCRIPT + "' '" + dir_ + "' >/dev/null";
        if (std::system(command.c_str()) != 0) {
            std::filesystem::remove_all(dir_);
            throw std::runtime_error("tls_certs.sh failed (is the openssl CLI installed?)");
        }
    }
    ~tls_certs() {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    tls_certs(const tls_certs&) = delete;
    tls_certs& operator=(const tls_certs&) = delete;

    // The path of one of the script's files ("ca.pem", "server.key", ...).
    std::string file(const std::string& name) const { return dir_ + "/" + name; }

private:
    std::string dir_;
};

}  // namespace nanoport::test
