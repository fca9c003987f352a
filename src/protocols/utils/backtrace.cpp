// backtrace: see backtrace.hpp.
#include "protocols/utils/backtrace.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>
#include <vector>

#include "nanomsg/nn.h"

namespace nanoport::protocols::utils::backtrace {

split_result split(std::span<const std::byte> payload, int max_ttl) noexcept {
    const auto words = static_cast<std::size_t>(std::clamp(max_ttl, min_max_ttl, max_max_ttl));
    for (std::size_t i = 0;; ++i) {
        // The hop count first, as NNG does: a backtrace that is both too long
        // and unterminated counts as too long (both are dropped).
        if (i == words) return {status::too_many_hops, 0};
        const std::size_t end = (i + 1) * word_size;
        if (end > payload.size()) return {status::malformed, 0};
        if (read_word(payload.subspan(i * word_size)) & last_word_bit) return {status::ok, end};
    }
}

split_result check_header(std::span<const std::byte> header, int max_ttl) noexcept {
    const split_result r = split(header, max_ttl);
    if (r.outcome == status::ok && r.header_size != header.size()) return {status::malformed, 0};
    return r;
}

std::uint32_t read_word(std::span<const std::byte> bytes) noexcept {
    return std::uint32_t(bytes[0]) << 24 | std::uint32_t(bytes[1]) << 16 |
           std::uint32_t(bytes[2]) << 8 | std::uint32_t(bytes[3]);
}

namespace {

void write_word(std::uint32_t word, std::byte* at) noexcept {
    at[0] = std::byte(word >> 24);
    at[1] = std::byte(word >> 16);
    at[2] = std::byte(word >> 8);
    at[3] = std::byte(word);
}

}  // namespace

bool take(aio::message& m, int max_ttl) {
    if (!m.header().empty()) return check_header(m.header(), max_ttl).outcome == status::ok;
    const split_result r = split(m.body(), max_ttl);
    if (r.outcome != status::ok) return false;
    m.set_header(m.body().first(r.header_size));
    m.trim_front(r.header_size);
    return true;
}

bool take_with_hop(aio::message& m, std::uint32_t hop, int max_ttl) {
    const bool already_split = !m.header().empty();
    const std::span<const std::byte> source = already_split ? m.header() : m.body();
    const split_result r = already_split ? check_header(source, max_ttl) : split(source, max_ttl);
    if (r.outcome != status::ok) return false;
    // [hop][backtrace] assembled aside: set_header() must not read from the
    // header it overwrites. r.header_size <= 255 words, so it fits.
    std::array<std::byte, max_header_size> assembled;
    write_word(hop, assembled.data());
    std::memcpy(assembled.data() + word_size, source.data(), r.header_size);
    m.set_header({assembled.data(), word_size + r.header_size});
    if (!already_split) m.trim_front(r.header_size);
    return true;
}

std::optional<std::uint32_t> pop_word(aio::message& m) {
    const std::span<const std::byte> header = m.header();
    if (header.size() < word_size) return std::nullopt;
    const std::uint32_t word = read_word(header);
    const std::span<const std::byte> rest = header.subspan(word_size);
    // The rest is copied aside first (set_header() must not read from the
    // header it overwrites). Only a raw user can hand us a header longer than
    // any backtrace; that rare case pays for a heap copy.
    if (rest.size() <= max_header_size) {
        std::array<std::byte, max_header_size> copy;
        if (!rest.empty()) std::memcpy(copy.data(), rest.data(), rest.size());
        m.set_header({copy.data(), rest.size()});
    } else {
        const std::vector<std::byte> copy(rest.begin(), rest.end());
        m.set_header(copy);
    }
    return word;
}

std::uint32_t random_id() noexcept {
    std::uint32_t seed = 0;
    try {
        std::random_device device;
        seed = device();
    } catch (...) {
        // No entropy source: the clock is unpredictable enough for ids
        // that only need to differ from a previous run's.
        seed =
            static_cast<std::uint32_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    }
    return seed & id_mask;
}

bool is_max_ttl_option(int level, int option) noexcept {
    return level == NN_SOL_SOCKET && option == NN_MAXTTL;
}

std::error_code parse_max_ttl(std::span<const std::byte> value, int& out) noexcept {
    int v = 0;
    if (std::error_code ec = parse_int(value, v)) return ec;
    if (v < min_max_ttl || v > max_max_ttl)
        return std::make_error_code(std::errc::invalid_argument);
    out = v;
    return {};
}

std::error_code parse_int(std::span<const std::byte> value, int& out) noexcept {
    if (value.size() != sizeof(int)) return std::make_error_code(std::errc::invalid_argument);
    std::memcpy(&out, value.data(), sizeof(int));
    return {};
}

void put_int(int v, std::span<std::byte> value, std::size_t& size) noexcept {
    if (!value.empty()) std::memcpy(value.data(), &v, std::min(value.size(), sizeof(int)));
    size = sizeof(int);
}

bool saved::keep(std::span<const std::byte> header) noexcept {
    if (header.size() > bytes_.size()) {
        size_ = 0;
        return false;
    }
    if (!header.empty()) std::memcpy(bytes_.data(), header.data(), header.size());
    size_ = header.size();
    return true;
}

}  // namespace nanoport::protocols::utils::backtrace
