// np_hostile (the command-line hostile peer) against a nanoport listener in
// this process: each attack ends, says the listener was sound, and moves the
// statistic that records it.
#include "nanomsg/nn.h"

#include <doctest/doctest.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "nanomsg/pipeline.h"
#include "nanomsg/reqrep.h"
#include "nanoport/extensions.h"
#include "support/addresses.hpp"

extern char** environ;

namespace {

using std::chrono::milliseconds;

// Runs np_hostile with args; its exit status, or -1 if it did not end within
// the deadline (it is killed then).
int run_np_hostile(const std::vector<std::string>& args,
                   milliseconds deadline = milliseconds(20000)) {
    std::vector<char*> argv;
    std::string program = NP_HOSTILE_PATH;
    argv.push_back(program.data());
    std::vector<std::string> copies = args;
    for (std::string& a : copies) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    if (posix_spawn(&pid, program.c_str(), nullptr, nullptr, argv.data(), environ) != 0) return -1;
    const auto until = std::chrono::steady_clock::now() + deadline;
    int status = 0;
    for (;;) {
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) break;
        if (std::chrono::steady_clock::now() > until) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            return -1;
        }
        std::this_thread::sleep_for(milliseconds(5));
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool statistic_reaches(int s, int id, std::uint64_t value) {
    const auto until = std::chrono::steady_clock::now() + milliseconds(10000);
    while (nn_get_statistic(s, id) < value) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(milliseconds(1));
    }
    return true;
}

}  // namespace

TEST_CASE("np_hostile's attacks are refused by a nanoport listener and counted") {
    nanoport::test::ipc_path path;
    for (const bool ipc : {false, true}) {
        CAPTURE(ipc);
        const int s = nn_socket(AF_SP, NN_PULL);
        REQUIRE(s >= 0);
        std::string url;
        int rc = -1;
        for (int attempt = 0; attempt < 20 && rc < 0; ++attempt) {
            url = ipc ? path.url() : nanoport::test::tcp_url();
            rc = nn_bind(s, url.c_str());
        }
        REQUIRE(rc >= 0);

        CHECK(run_np_hostile({"garbage", url}) == 0);
        CHECK(run_np_hostile({"stranger", url}) == 0);
        CHECK(run_np_hostile({"reserved", url}) == 0);
        CHECK(statistic_reaches(s, NANOPORT_STAT_REJECTED_GREETINGS, 3));
        CHECK(run_np_hostile({"huge-length", url}) == 0);
        CHECK(run_np_hostile({"over-limit", url}) == 0);
        CHECK(statistic_reaches(s, NANOPORT_STAT_OVERSIZED_MESSAGES, 2));
        if (ipc) {
            CHECK(run_np_hostile({"bad-type", url}) == 0);
            CHECK(statistic_reaches(s, NANOPORT_STAT_MALFORMED_FRAMES, 1));
        }
        CHECK(run_np_hostile({"slow", url}) == 0);
        CHECK(statistic_reaches(s, NANOPORT_STAT_HANDSHAKE_TIMEOUTS, 1));
        CHECK(run_np_hostile({"cut-close", url}) == 0);
        CHECK(run_np_hostile({"flood", url, "--count", "50", "--hold", "100"}) == 0);
        CHECK(statistic_reaches(s, NN_STAT_ACCEPTED_CONNECTIONS, ipc ? 58 : 57));
        CHECK(nn_close(s) == 0);
    }
}

TEST_CASE("np_hostile's malformed backtraces leave the connection to a REP up") {
    const int s = nn_socket(AF_SP, NN_REP);
    REQUIRE(s >= 0);
    std::string url;
    int rc = -1;
    for (int attempt = 0; attempt < 20 && rc < 0; ++attempt) {
        url = nanoport::test::tcp_url();
        rc = nn_bind(s, url.c_str());
    }
    REQUIRE(rc >= 0);
    CHECK(run_np_hostile({"backtrace", url, "--as", "48"}) == 0);
    CHECK(run_np_hostile({"garbage", "not-an-url"}) == 2);
    CHECK(nn_close(s) == 0);
}
