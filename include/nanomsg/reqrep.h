/*
    nanoport's nanomsg-compatible header for the REQ/REP protocol: REQ sends
    a request and waits for the matching reply, resending it if none comes;
    REP answers requests one at a time. Values are those of nanomsg 1.1.5.
*/

#ifndef REQREP_H_INCLUDED
#define REQREP_H_INCLUDED

#include "nn.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NN_PROTO_REQREP 3

/*  Socket types = protocol number * 16 + role. */
#define NN_REQ (NN_PROTO_REQREP * 16 + 0)
#define NN_REP (NN_PROTO_REQREP * 16 + 1)

/*  Option at level NN_REQ: milliseconds after which an unanswered request
    is sent again (int). */
#define NN_REQ_RESEND_IVL 1

/*  Request handle of nanomsg's experimental request API; no function of
    the public API takes it, it is here so that code naming it compiles. */
typedef union nn_req_handle {
    int i;
    void *ptr;
} nn_req_handle;

#ifdef __cplusplus
}
#endif

#endif /* REQREP_H_INCLUDED */
