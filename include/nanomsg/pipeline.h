/*
    nanoport's nanomsg-compatible header for the PIPELINE protocol: PUSH
    load-balances messages over its peers, PULL fair-queues them. Values
    are those of nanomsg 1.1.5.
*/

#ifndef PIPELINE_H_INCLUDED
#define PIPELINE_H_INCLUDED

#ifdef __cplusplus
extern "C" {
#endif

#define NN_PROTO_PIPELINE 5

/*  Socket types = protocol number * 16 + role. */
#define NN_PUSH (NN_PROTO_PIPELINE * 16 + 0)
#define NN_PULL (NN_PROTO_PIPELINE * 16 + 1)

#ifdef __cplusplus
}
#endif

#endif /* PIPELINE_H_INCLUDED */
