// xrespondent: raw RESPONDENT (AF_SP_RAW, NN_RESPONDENT = 99), and the base
// of cooked RESPONDENT (respondent.hpp).
//
// A respondent routes exactly as raw REP does (xrep.hpp), over survey ids
// instead of request ids: surveys are fair-queued from all SURVEYOR peers,
// and the user gets header() = [pipe id][hop words...][survey id]; a response
// goes back to the pipe named by its first header word, or is dropped
// silently if that pipe is gone or full. Malformed and over-NN_MAXTTL surveys
// are dropped and counted. Only the SP ids differ, so this is xrep with
// RESPONDENT's id (nanomsg's xrespondent.c is a copy of xrep.c). Talks to
// SURVEYOR (98) only. Header-only: there is nothing of its own to compile.
//
// Called by core::socket inside its ctx (no locks).
#pragma once

#include <cstdint>

#include "protocols/reqrep/xrep.hpp"

namespace nanoport::protocols {

class xrespondent : public xrep {
public:
    static constexpr std::uint16_t sp_id = 99;

    std::uint16_t id() const override { return sp_id; }
};

}  // namespace nanoport::protocols
