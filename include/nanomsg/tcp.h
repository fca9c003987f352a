/*
    nanoport's nanomsg-compatible header for the TCP transport
    ("tcp://[iface;]host:port"). Values are those of nanomsg 1.1.5.
*/

#ifndef TCP_H_INCLUDED
#define TCP_H_INCLUDED

#ifdef __cplusplus
extern "C" {
#endif

/*  Option level of the transport (transport levels are negative). */
#define NN_TCP -3

/*  Option at level NN_TCP: disable Nagle's algorithm (int, boolean). */
#define NN_TCP_NODELAY 1

#ifdef __cplusplus
}
#endif

#endif /* TCP_H_INCLUDED */
