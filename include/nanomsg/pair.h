/*
    nanoport's nanomsg-compatible header for the PAIR protocol: one peer at
    a time, messages both ways. Values are those of nanomsg 1.1.5.
*/

#ifndef PAIR_H_INCLUDED
#define PAIR_H_INCLUDED

#ifdef __cplusplus
extern "C" {
#endif

#define NN_PROTO_PAIR 1

/*  Socket type = protocol number * 16 + role. */
#define NN_PAIR (NN_PROTO_PAIR * 16 + 0)

#ifdef __cplusplus
}
#endif

#endif /* PAIR_H_INCLUDED */
