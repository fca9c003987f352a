// When the io_uring backend is compiled in but the kernel refuses io_uring at
// run time (too old: ENOSYS; disabled by kernel.io_uring_disabled or a
// container's seccomp profile: EPERM), constructing a worker must fail with an
// engine_error that names io_uring and the cause -- never crash.
//
// The refusal is made real with a seccomp filter that fails io_uring_setup.
// A filter cannot be removed again, so it is installed in a forked child,
// which reports through its exit status; the parent only checks that status.
// In an epoll build there is nothing to refuse: the worker must simply start.
#include "aio/worker.hpp"

#include <doctest/doctest.h>

#include <string>

#if defined(ASIO_HAS_IO_URING)
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <system_error>
#endif

using nanoport::aio::engine_error;
using nanoport::aio::worker;

#if defined(ASIO_HAS_IO_URING)

namespace {

#if defined(__x86_64__)
constexpr unsigned native_audit_arch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr unsigned native_audit_arch = AUDIT_ARCH_AARCH64;
#else
constexpr unsigned native_audit_arch = 0;  // unknown: the test reports itself skipped
#endif

// The child's exit status: 0 when the worker failed as it should, else which
// expectation it broke.
enum child_status : int {
    ok = 0,
    no_new_privs_failed = 10,
    seccomp_failed = 11,
    worker_started = 12,   // the constructor succeeded despite the filter
    wrong_exception = 13,  // something other than engine_error was thrown
    message_lacks_io_uring = 14,
    message_lacks_cause = 15,
    wrong_error_code = 16,
};

const char* describe(int status) {
    switch (status) {
        case ok:
            return "the worker failed as it should";
        case no_new_privs_failed:
            return "prctl(PR_SET_NO_NEW_PRIVS) failed";
        case seccomp_failed:
            return "installing the seccomp filter failed";
        case worker_started:
            return "the worker started although io_uring_setup fails";
        case wrong_exception:
            return "the worker threw something other than engine_error";
        case message_lacks_io_uring:
            return "engine_error::what() does not mention io_uring";
        case message_lacks_cause:
            return "engine_error::what() does not name the cause";
        case wrong_error_code:
            return "engine_error::code() is not the refusal's errno";
        default:
            return "unexpected exit status";
    }
}

// Makes every later io_uring_setup of this process fail with `error`; other
// system calls (and other architectures' calls) are untouched.
bool refuse_io_uring_setup(int error) {
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, native_audit_arch, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
        BPF_STMT(BPF_RET | BPF_K,
                 SECCOMP_RET_ERRNO | (static_cast<unsigned>(error) & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog program{static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
    return ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) == 0;
}

// Runs in the forked child: no doctest macros here, only the exit status.
[[noreturn]] void child(int error) {
    ::alarm(30);  // a hang becomes SIGALRM, which the parent reports
    // Unprivileged processes may install a filter only with no_new_privs set.
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(no_new_privs_failed);
    if (!refuse_io_uring_setup(error)) ::_exit(seccomp_failed);
    try {
        worker w(0);
    } catch (const engine_error& e) {
        const std::string what = e.what();
        if (what.find("io_uring") == std::string::npos) ::_exit(message_lacks_io_uring);
        if (what.find(std::strerror(error)) == std::string::npos) ::_exit(message_lacks_cause);
        if (e.code().value() != error) ::_exit(wrong_error_code);
        ::_exit(ok);
    } catch (...) {
        ::_exit(wrong_exception);
    }
    ::_exit(worker_started);
}

void check_refusal(int error) {
    if (native_audit_arch == 0) {
        MESSAGE("SKIPPED: no seccomp architecture constant for this CPU");
        return;
    }
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) child(error);
    int status = 0;
    pid_t waited;
    do {
        waited = ::waitpid(pid, &status, 0);
    } while (waited < 0 && errno == EINTR);
    REQUIRE(waited == pid);
    if (WIFSIGNALED(status)) {
        const std::string signal_name = strsignal(WTERMSIG(status));
        FAIL("the child died of signal " << WTERMSIG(status) << " (" << signal_name
                                         << ") while constructing the worker");
    }
    REQUIRE(WIFEXITED(status));
    INFO("child: " << std::string(describe(WEXITSTATUS(status))));
    CHECK(WEXITSTATUS(status) == ok);
}

}  // namespace

TEST_CASE(
    "a worker reports a kernel without io_uring (ENOSYS) as an engine_error naming the cause") {
    check_refusal(ENOSYS);
}

TEST_CASE(
    "a worker reports io_uring refused by policy (EPERM) as an engine_error naming the cause") {
    check_refusal(EPERM);
}

TEST_CASE("an io_uring build names its backend io_uring") {
    CHECK(std::string(worker::backend()) == "io_uring");
}

#else  // epoll: io_uring is not used, so it cannot be missing

TEST_CASE("an epoll build starts its worker and names its backend epoll") {
    CHECK(std::string(worker::backend()) == "epoll");
    worker w(0);
    CHECK(w.index() == 0u);
}

#endif
