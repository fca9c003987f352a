// Helpers shared by the fuzz targets that drive real sockets (stream_fuzz,
// ws_pipe_fuzz): the chunking's random numbers. (Free ports come from the
// tests' support/addresses.hpp.)
#pragma once

#include <cstdint>

namespace nanoport::fuzz {

// xorshift32: a cheap deterministic chunking from a seed.
inline std::uint32_t next_random(std::uint32_t& state) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
}

}  // namespace nanoport::fuzz
