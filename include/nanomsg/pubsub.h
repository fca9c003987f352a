/*
    nanoport's nanomsg-compatible header for the PUB/SUB protocol: PUB
    sends every message to all subscribers, SUB keeps those that start with
    one of its subscribed prefixes. Values are those of nanomsg 1.1.5.
*/

#ifndef PUBSUB_H_INCLUDED
#define PUBSUB_H_INCLUDED

#ifdef __cplusplus
extern "C" {
#endif

#define NN_PROTO_PUBSUB 2

/*  Socket types = protocol number * 16 + role. */
#define NN_PUB (NN_PROTO_PUBSUB * 16 + 0)
#define NN_SUB (NN_PROTO_PUBSUB * 16 + 1)

/*  Options at level NN_SUB; the value is the prefix (any bytes, empty
    matches everything). Both are write-only. */
#define NN_SUB_SUBSCRIBE 1
#define NN_SUB_UNSUBSCRIBE 2

#ifdef __cplusplus
}
#endif

#endif /* PUBSUB_H_INCLUDED */
