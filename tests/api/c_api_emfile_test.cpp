// A full socket table: run with NANOPORT_MAX_SOCKETS=4 in the environment
// (set by CTest), so this file is its own process.
#include "nanomsg/nn.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "nanomsg/pair.h"

TEST_CASE("nn_socket fails with EMFILE when the table is full, and a closed slot is reused") {
    const char* configured = std::getenv("NANOPORT_MAX_SOCKETS");
    REQUIRE(configured != nullptr);
    REQUIRE(std::string(configured) == "4");
    int s[4];
    for (int i = 0; i < 4; ++i) {
        s[i] = nn_socket(AF_SP, NN_PAIR);
        CHECK(s[i] == i);
    }
    CHECK(nn_socket(AF_SP, NN_PAIR) == -1);
    CHECK(nn_errno() == EMFILE);
    CHECK(nn_close(s[2]) == 0);
    CHECK(nn_socket(AF_SP, NN_PAIR) == 2);
    for (int i = 0; i < 4; ++i) CHECK(nn_close(s[i]) == 0);
}
