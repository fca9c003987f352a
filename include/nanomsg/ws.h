/*
    nanoport's nanomsg-compatible header for the WebSocket transport
    ("ws://host:port/path"). Values are those of nanomsg 1.1.5.
*/

#ifndef WS_H_INCLUDED
#define WS_H_INCLUDED

#include "nn.h"

#ifdef __cplusplus
extern "C" {
#endif

/*  Option level of the transport (transport levels are negative). */
#define NN_WS -4

/*  Option at level NN_WS: the WebSocket frame type that messages are sent
    as (int). Only text and binary frames are supported. */
#define NN_WS_MSG_TYPE 1

/*  Frame opcodes from RFC 6455, section 5.2. */
#define NN_WS_MSG_TYPE_TEXT 0x01
#define NN_WS_MSG_TYPE_BINARY 0x02

#ifdef __cplusplus
}
#endif

#endif /* WS_H_INCLUDED */
