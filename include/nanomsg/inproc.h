/*
    nanoport's nanomsg-compatible header for the in-process transport
    ("inproc://name"). Values are those of nanomsg 1.1.5.
*/

#ifndef INPROC_H_INCLUDED
#define INPROC_H_INCLUDED

#ifdef __cplusplus
extern "C" {
#endif

/*  Option level of the transport (transport levels are negative). */
#define NN_INPROC -1

#ifdef __cplusplus
}
#endif

#endif /* INPROC_H_INCLUDED */
