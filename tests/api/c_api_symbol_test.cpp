// nn_symbol and nn_symbol_info (nanomsg's tests/symbol.c): the table of
// names and values a binding reads instead of the headers, and that it
// agrees with what the library does with those values.
#include "nanomsg/nn.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "nanomsg/pair.h"
#include "nanomsg/pipeline.h"
#include "nanomsg/tcp.h"

namespace {

// Every entry of nn_symbol_info, in order.
std::vector<nn_symbol_properties> all_symbols() {
    std::vector<nn_symbol_properties> out;
    nn_symbol_properties p{};
    for (int i = 0; nn_symbol_info(i, &p, sizeof p) > 0; ++i) out.push_back(p);
    return out;
}

}  // namespace

TEST_CASE("nn_symbol walks the table in nanomsg's order and ends with EINVAL") {
    int value = -1;
    const char* first = nn_symbol(0, &value);
    REQUIRE(first != nullptr);
    CHECK(std::string(first) == "NN_NS_NAMESPACE");
    CHECK(value == NN_NS_NAMESPACE);
    bool saw_push = false, saw_nodelay = false, saw_eterm = false;
    int i = 0;
    for (; const char* name = nn_symbol(i, &value); ++i) {
        const std::string n(name);
        if (n == "NN_PUSH") saw_push = value == NN_PUSH;
        if (n == "NN_TCP_NODELAY") saw_nodelay = value == NN_TCP_NODELAY;
        if (n == "ETERM") saw_eterm = value == ETERM;
    }
    CHECK(i == 140);  // nanomsg 1.1.5's 121, then nanoport's 19 (nanoport/extensions.h)
    CHECK(nn_errno() == EINVAL);
    CHECK(saw_push);
    CHECK(saw_nodelay);
    CHECK(saw_eterm);
    CHECK(nn_symbol(-1, &value) == nullptr);
}

TEST_CASE("nn_symbol_info describes options with their type and unit") {
    nn_symbol_properties p{};
    bool found = false;
    for (int i = 0; nn_symbol_info(i, &p, sizeof p) > 0; ++i) {
        if (std::string(p.name) == "NN_SNDBUF") {
            found = true;
            CHECK(p.value == NN_SNDBUF);
            CHECK(p.ns == NN_NS_SOCKET_OPTION);
            CHECK(p.type == NN_TYPE_INT);
            CHECK(p.unit == NN_UNIT_BYTES);
        }
    }
    CHECK(found);
    CHECK(nn_symbol_info(10000, &p, sizeof p) == 0);
    CHECK(nn_symbol_info(0, &p, 4) == 4);  // copies at most buflen bytes
}

TEST_CASE("nn_symbol_info lists the same names and values as nn_symbol, in the same order") {
    const std::vector<nn_symbol_properties> symbols = all_symbols();
    REQUIRE(symbols.size() == 140);
    for (int i = 0; i < static_cast<int>(symbols.size()); ++i) {
        CAPTURE(i);
        int value = -1;
        const char* name = nn_symbol(i, &value);
        REQUIRE(name != nullptr);
        CHECK(std::string(name) == symbols[static_cast<std::size_t>(i)].name);
        CHECK(value == symbols[static_cast<std::size_t>(i)].value);
    }
}

TEST_CASE("every statistic nn_symbol_info names is one nn_get_statistic answers") {
    const int s = nn_socket(AF_SP, NN_PAIR);
    REQUIRE(s >= 0);
    int statistics = 0;
    for (const nn_symbol_properties& p : all_symbols()) {
        if (p.ns != NN_NS_STATISTIC) continue;
        CAPTURE(p.name);
        ++statistics;
        CHECK(nn_get_statistic(s, p.value) != UINT64_MAX);
    }
    CHECK(statistics == 25);  // 101..107, 201..203, 301..304, 401 and nanoport's 1001..1010
    CHECK(nn_close(s) == 0);
}

TEST_CASE("every int socket option nn_symbol_info names can be read with nn_getsockopt") {
    const int s = nn_socket(AF_SP, NN_PAIR);
    REQUIRE(s >= 0);
    int options = 0;
    for (const nn_symbol_properties& p : all_symbols()) {
        if (p.ns != NN_NS_SOCKET_OPTION || p.type != NN_TYPE_INT) continue;
        CAPTURE(p.name);
        ++options;
        int value = -12345;
        size_t size = sizeof value;
        CHECK(nn_getsockopt(s, NN_SOL_SOCKET, p.value, &value, &size) == 0);
        CHECK(size == sizeof value);
    }
    CHECK(options == 18);  // nanomsg's 16 and nanoport's two (nanoport/extensions.h)
    CHECK(nn_close(s) == 0);
}
