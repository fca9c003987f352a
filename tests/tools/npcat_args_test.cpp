// Unit tests of npcat's argument parser (tools/npcat/args.cpp), its check
// of the files the TLS options name (run.cpp) and its message formats
// (tools/npcat/format.cpp); the scripts beside this file test the whole
// program.
#include "args.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "failure.hpp"
#include "format.hpp"
#include "run.hpp"

namespace {

npcat::parse_result parse(std::vector<std::string> args) {
    args.insert(args.begin(), "npcat");
    return npcat::parse_args(args);
}

npcat::config parsed(std::vector<std::string> args) {
    const npcat::parse_result r = parse(std::move(args));
    INFO(r.error);
    REQUIRE(r.what == npcat::parse_result::action::run);
    return r.cfg;
}

std::string failure_of(std::vector<std::string> args) {
    const npcat::parse_result r = parse(std::move(args));
    REQUIRE(r.what == npcat::parse_result::action::fail);
    return r.error;
}

}  // namespace

TEST_CASE("a socket type and an address make a complete command line") {
    const npcat::config c = parsed({"--pull", "--bind", "tcp://127.0.0.1:5555"});
    CHECK(c.socket_role == npcat::role::pull);
    CHECK(c.bind_addresses == std::vector<std::string>{"tcp://127.0.0.1:5555"});
    CHECK(c.echo == npcat::format::none);
    CHECK(c.data.from == npcat::data_source::kind::standard_input_lines);
}

TEST_CASE("the program name np_<type> selects the socket type") {
    const npcat::parse_result r = npcat::parse_args({"/usr/bin/np_rep", "-X", "/tmp/s"});
    REQUIRE(r.what == npcat::parse_result::action::run);
    CHECK(r.cfg.socket_role == npcat::role::rep);
    CHECK(npcat::parse_args({"/usr/bin/np_rep", "--req", "-X", "s"}).what ==
          npcat::parse_result::action::fail);
    CHECK(npcat::parse_args({"np_rep", "--rep", "-X", "s"}).what ==
          npcat::parse_result::action::run);
}

TEST_CASE("the address shorthands expand as nanocat expands them") {
    const npcat::config c = parsed({"--pair", "-X", "/a", "-x", "/b", "-L", "1", "-l65535"});
    CHECK(c.bind_addresses == std::vector<std::string>{"ipc:///a", "tcp://127.0.0.1:1"});
    CHECK(c.connect_addresses == std::vector<std::string>{"ipc:///b", "tcp://127.0.0.1:65535"});
}

TEST_CASE("short options cluster and take their value from the rest of the word") {
    const npcat::config c = parsed({"--rep", "-vvqA", "-Dpong", "-L1234"});
    CHECK(c.verbosity == 1);
    CHECK(c.echo == npcat::format::ascii);
    CHECK(c.data.from == npcat::data_source::kind::literal);
    CHECK(c.data.value == "pong");
}

TEST_CASE("long options take --name=value and unambiguous prefixes") {
    const npcat::config c =
        parsed({"--surv", "--connect=ipc://x", "--form=json", "--recv-t", "1.5"});
    CHECK(c.socket_role == npcat::role::surveyor);
    CHECK(c.connect_addresses == std::vector<std::string>{"ipc://x"});
    CHECK(c.echo == npcat::format::json);
    CHECK(c.recv_timeout_ms == 1500);
    CHECK(failure_of({"--p", "-X", "x"}).find("ambiguous") != std::string::npos);
    // An exact name wins over the longer names it is a prefix of.
    CHECK(parsed({"--pair", "--bind", "ipc://x"}).bind_addresses.size() == 1);
}

TEST_CASE("seconds become whole milliseconds") {
    const npcat::config c =
        parsed({"--push", "-X", "x", "-i", "0.25", "-d", "2", "--send-timeout", "0.0005"});
    CHECK(c.interval_ms == 250);
    CHECK(c.delay_ms == 2000);
    CHECK(c.send_timeout_ms == 0);
    CHECK(failure_of({"--push", "-X", "x", "-i", "-1"}).find("seconds") != std::string::npos);
    CHECK(failure_of({"--push", "-X", "x", "-i", "nan"}).find("seconds") != std::string::npos);
}

TEST_CASE("--recv-maxsz 0 and -1 both lift the limit") {
    CHECK(parsed({"--pull", "-X", "x", "--recv-maxsz", "0"}).recv_max_size == -1);
    CHECK(parsed({"--pull", "-X", "x", "-Z", "-1"}).recv_max_size == -1);
    CHECK(parsed({"--pull", "-X", "x", "-Z", "4096"}).recv_max_size == 4096);
}

TEST_CASE("options that need a sending or receiving socket type are refused on others") {
    CHECK(failure_of({"--pull", "-X", "x", "-D", "d"}).find("sends") != std::string::npos);
    CHECK(failure_of({"--pub", "-X", "x", "-Q"}).find("receives") != std::string::npos);
    CHECK(failure_of({"--req", "-X", "x", "--subscribe", "a"}).find("--sub") != std::string::npos);
    // The type may come after the option it qualifies.
    CHECK(parsed({"-D", "d", "-X", "x", "--push"}).socket_role == npcat::role::push);
}

TEST_CASE("the TLS options name the files, the server name and whether to verify") {
    const npcat::config c =
        parsed({"--req", "--connect", "tls+tcp://127.0.0.1:4433", "--cacert", "ca.pem", "-E",
                "client.pem", "--key=client.key", "--server-name", "server.example", "-k"});
    CHECK(c.tls.ca_file == "ca.pem");
    CHECK(c.tls.cert_file == "client.pem");
    CHECK(c.tls.key_file == "client.key");
    CHECK(c.tls.server_name == "server.example");
    CHECK(c.tls.insecure);
    CHECK(parse({"--req", "--connect", "tls+tcp://h:1", "--insecure"}).cfg.tls.insecure);
    CHECK(parsed({"--rep", "--bind", "wss://127.0.0.1:1/x", "--cert", "s.pem"}).tls.cert_file ==
          "s.pem");
    const npcat::config none = parsed({"--req", "--connect", "tls+tcp://h:1"});
    CHECK_FALSE(none.tls.any());
    CHECK_FALSE(none.ws_text);
}

TEST_CASE("--key without --cert and empty TLS values are refused") {
    CHECK(failure_of({"--rep", "--bind", "tls+tcp://h:1", "--key", "k.pem"}).find("needs -E") !=
          std::string::npos);
    CHECK(failure_of({"--req", "--connect", "tls+tcp://h:1", "--cacert", ""})
              .find("--cacert needs a file name") != std::string::npos);
    CHECK(failure_of({"--req", "--connect", "tls+tcp://h:1", "-E", ""}).find("needs a file name") !=
          std::string::npos);
    CHECK(failure_of({"--req", "--connect", "tls+tcp://h:1", "--server-name="})
              .find("needs a host name") != std::string::npos);
    CHECK(failure_of({"--req", "--connect", "tls+tcp://h:1", "--insecure=yes"})
              .find("takes no value") != std::string::npos);
}

TEST_CASE("TLS options without a tls+tcp:// or wss:// address draw a warning") {
    const npcat::parse_result r =
        parse({"--req", "-l", "4433", "--cacert", "ca.pem", "-k", "--cacert", "other.pem"});
    REQUIRE(r.what == npcat::parse_result::action::run);
    REQUIRE(r.warnings.size() == 1);
    CHECK(r.warnings[0] ==
          "TLS options --cacert, -k (--insecure) have no effect: no address uses tls+tcp:// or "
          "wss://");
    CHECK(r.cfg.tls.ca_file == "other.pem");
    CHECK(parse({"--req", "--connect", "tcp://h:1", "--server-name", "h"}).warnings ==
          std::vector<std::string>{
              "TLS option --server-name has no effect: no address uses tls+tcp:// or wss://"});
    // One address that uses TLS is enough.
    CHECK(parse({"--req", "--connect", "tcp://h:1", "--connect", "tls+tcp://h:2", "-k"})
              .warnings.empty());
    CHECK(parse({"--rep", "--bind", "wss://h:1/p", "-E", "s.pem"}).warnings.empty());
}

TEST_CASE("--ws-text asks for text frames and warns without a ws:// or wss:// address") {
    CHECK(parsed({"--push", "--connect", "ws://127.0.0.1:1/p", "--ws-text"}).ws_text);
    CHECK(parse({"--push", "--connect", "wss://h:1/p", "--ws-text"}).warnings.empty());
    CHECK(parse({"--push", "-X", "x", "--ws-text"}).warnings ==
          std::vector<std::string>{"--ws-text has no effect: no address uses ws:// or wss://"});
}

TEST_CASE("a TLS file that cannot be read is refused naming the option and the file") {
    char dir_template[] = "/tmp/npcat_args_test.XXXXXX";
    const char* dir = mkdtemp(dir_template);
    REQUIRE(dir != nullptr);
    const std::string readable = std::string(dir) + "/ca.pem";
    REQUIRE(close(creat(readable.c_str(), 0600)) == 0);

    npcat::config c = parsed({"--req", "--connect", "tls+tcp://h:1"});
    CHECK_NOTHROW(npcat::check_files(c));
    c.tls.ca_file = readable;
    c.tls.cert_file = readable;
    c.tls.key_file = readable;
    CHECK_NOTHROW(npcat::check_files(c));

    const auto refusal = [](const npcat::config& cfg) -> std::string {
        try {
            npcat::check_files(cfg);
        } catch (const npcat::failure& f) {
            CHECK(f.status() == npcat::exit_input);
            return f.what();
        }
        return "";
    };
    const std::string missing = std::string(dir) + "/missing.pem";
    c.tls.key_file = missing;
    CHECK(refusal(c) == "can't read --key file '" + missing + "': " + std::strerror(ENOENT));
    c.tls.key_file = readable;
    c.tls.cert_file = dir;
    CHECK(refusal(c) ==
          "can't read --cert file '" + std::string(dir) + "': " + std::strerror(EISDIR));
    c.tls.ca_file = missing;
    CHECK(refusal(c).starts_with("can't read --cacert file '" + missing + "'"));

    unlink(readable.c_str());
    rmdir(dir);
}

TEST_CASE("--help and --version end parsing at once") {
    CHECK(parse({"--bogus", "--help"}).what == npcat::parse_result::action::fail);
    CHECK(parse({"--help", "--bogus"}).what == npcat::parse_result::action::help);
    CHECK(parse({"--version"}).what == npcat::parse_result::action::version);
}

TEST_CASE("any argument vector parses without throwing") {
    const std::vector<std::vector<std::string>> odd{
        {},
        {""},
        {"-"},
        {"--"},
        {"--="},
        {"-\xff"},
        {"--pull", "-X"},
        {"-D"},
        {"--format="},
        {"-vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv"}};
    for (const auto& args : odd) {
        std::vector<std::string> argv = args;
        CHECK_NOTHROW(npcat::parse_args(argv));
    }
}

TEST_CASE("nanocat's formats print bytes as nanocat 1.1.5 does") {
    const std::string body("a\"b\\c\n\r\t\0\x7f\x80\xff z", 14);
    const npcat::message_info info{};
    CHECK(npcat::format_message(npcat::format::raw, body, info) == body);
    CHECK(npcat::format_message(npcat::format::ascii, body, info) == "a\"b\\c....... z\n");
    CHECK(npcat::format_message(npcat::format::quoted, body, info) ==
          "\"a\\\"b\\\\c\\n\\r\\x09\\x00\\x7f\\x80\\xff z\"\n");
    CHECK(npcat::format_message(npcat::format::hex, "A\x01", info) == "\"\\x41\\x01\"\n");
    CHECK(npcat::format_message(npcat::format::msgpack, "ab", info) == std::string("\xc4\x02"
                                                                                   "ab"));
    CHECK(npcat::format_message(npcat::format::msgpack, std::string(256, 'x'), info).substr(0, 3) ==
          std::string("\xc5\x01\x00", 3));
    CHECK(npcat::format_message(npcat::format::none, body, info).empty());
}

TEST_CASE("UTF-8 validity follows RFC 3629") {
    CHECK(npcat::is_valid_utf8(""));
    CHECK(npcat::is_valid_utf8("h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80"));
    CHECK(npcat::is_valid_utf8(std::string("\0", 1)));
    CHECK_FALSE(npcat::is_valid_utf8("\xff"));
    CHECK_FALSE(npcat::is_valid_utf8("\xc0\xaf"));          // overlong '/'
    CHECK_FALSE(npcat::is_valid_utf8("\xe0\x80\xaf"));      // overlong, 3 bytes
    CHECK_FALSE(npcat::is_valid_utf8("\xed\xa0\x80"));      // surrogate
    CHECK_FALSE(npcat::is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
    CHECK_FALSE(npcat::is_valid_utf8("\xe2\x82"));          // cut short
    CHECK_FALSE(npcat::is_valid_utf8("\x80"));              // continuation first
}

TEST_CASE("base64 pads as RFC 4648 says") {
    CHECK(npcat::base64_encode("") == "");
    CHECK(npcat::base64_encode("f") == "Zg==");
    CHECK(npcat::base64_encode("fo") == "Zm8=");
    CHECK(npcat::base64_encode("foo") == "Zm9v");
    CHECK(npcat::base64_encode("foobar") == "Zm9vYmFy");
    CHECK(npcat::base64_encode(std::string("\xff\x00\x80", 3)) == "/wCA");
}

TEST_CASE("json lines carry the time, size, encoding, body and request id") {
    npcat::message_info info{
        std::chrono::system_clock::time_point(std::chrono::microseconds(1500001)), 42};
    CHECK(npcat::format_json("hi", info) ==
          "{\"time\":\"1970-01-01T00:00:01.500001Z\",\"size\":2,\"encoding\":\"utf-8\","
          "\"body\":\"hi\",\"request_id\":42}\n");
    info.request_id.reset();
    CHECK(npcat::format_json("\xff", info) ==
          "{\"time\":\"1970-01-01T00:00:01.500001Z\",\"size\":1,\"encoding\":\"base64\","
          "\"body\":\"/w==\"}\n");
}
