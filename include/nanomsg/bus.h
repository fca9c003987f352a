/*
    nanoport's nanomsg-compatible header for the BUS protocol: every message
    goes to every connected peer. Values are those of nanomsg 1.1.5.
*/

#ifndef BUS_H_INCLUDED
#define BUS_H_INCLUDED

#ifdef __cplusplus
extern "C" {
#endif

#define NN_PROTO_BUS 7

/*  Socket type = protocol number * 16 + role. */
#define NN_BUS (NN_PROTO_BUS * 16 + 0)

#ifdef __cplusplus
}
#endif

#endif /* BUS_H_INCLUDED */
