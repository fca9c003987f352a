/*
    nanoport's nanomsg-compatible header for the IPC transport
    ("ipc://path": a Unix domain socket, a named pipe on Windows). Values
    are those of nanomsg 1.1.5.
*/

#ifndef IPC_H_INCLUDED
#define IPC_H_INCLUDED

#ifdef __cplusplus
extern "C" {
#endif

/*  Option level of the transport (transport levels are negative). */
#define NN_IPC -2

/*  Options at level NN_IPC, meaningful on Windows: the security attributes
    of the named pipe (a pointer, which must stay valid while the socket
    uses it) and the pipe's output and input buffer sizes (int, bytes). */
#define NN_IPC_SEC_ATTR 1
#define NN_IPC_OUTBUFSZ 2
#define NN_IPC_INBUFSZ 3

#ifdef __cplusplus
}
#endif

#endif /* IPC_H_INCLUDED */
