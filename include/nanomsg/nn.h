/*
    nanoport's nanomsg-compatible core header: address families, socket
    options, error numbers, message headers, polling, statistics and every
    nn_* function.

    Names, values, prototypes and struct layouts are those of nanomsg 1.1.5,
    so a nanomsg program compiles against nanoport unchanged and a binary
    built for nanomsg sees the same numbers. tests/api/constants_check.cmake
    compares every macro here with the reference nanomsg headers. Do not add
    macros of nanoport's own to this file: programs probe for nanomsg
    features with #ifdef, and the test rejects names nanomsg lacks.

    The comments use C89 style: the header must stay usable from any C or
    C++ dialect.
*/

#ifndef NN_H_INCLUDED
#define NN_H_INCLUDED

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*  NN_EXPORT marks the public functions. nanoport is built with hidden
    visibility by default, so on GCC and Clang it must request default
    visibility. On Windows it selects dllexport while the DLL itself is
    built (NN_SHARED_LIB, or NN_EXPORTS as older nanomsg spelled it), nothing
    for a static library (NN_STATIC_LIB, which its users define too) and
    dllimport otherwise. A program may predefine NN_EXPORT to override. */
#if !defined(NN_EXPORT)
#    if defined(_WIN32) || defined(__CYGWIN__)
#        if defined(NN_STATIC_LIB)
#            define NN_EXPORT extern
#        elif defined(NN_SHARED_LIB) || defined(NN_EXPORTS)
#            define NN_EXPORT extern __declspec(dllexport)
#        else
#            define NN_EXPORT extern __declspec(dllimport)
#        endif
#    elif defined(__GNUC__) || defined(__clang__)
#        define NN_EXPORT extern __attribute__((visibility("default")))
#    else
#        define NN_EXPORT extern
#    endif
#endif

/*  libtool-style interface version of the nanomsg ABI that nanoport
    provides (current:revision:age). */
#define NN_VERSION_CURRENT 5
#define NN_VERSION_REVISION 1
#define NN_VERSION_AGE 0

/* ------------------------------------------------------------------------ */
/*  Error numbers                                                           */
/* ------------------------------------------------------------------------ */

/*  Base of the error numbers nanomsg defines itself; chosen far away from
    any system's errno range. */
#define NN_HAUSNUMERO 156384712

/*  Fallbacks for POSIX error numbers a platform's <errno.h> may lack. Where
    the system defines one, the system's value is used. */
#ifndef ENOTSUP
#define ENOTSUP (NN_HAUSNUMERO + 1)
#endif
#ifndef EPROTONOSUPPORT
#define EPROTONOSUPPORT (NN_HAUSNUMERO + 2)
#endif
#ifndef ENOBUFS
#define ENOBUFS (NN_HAUSNUMERO + 3)
#endif
#ifndef ENETDOWN
#define ENETDOWN (NN_HAUSNUMERO + 4)
#endif
#ifndef EADDRINUSE
#define EADDRINUSE (NN_HAUSNUMERO + 5)
#endif
#ifndef EADDRNOTAVAIL
#define EADDRNOTAVAIL (NN_HAUSNUMERO + 6)
#endif
#ifndef ECONNREFUSED
#define ECONNREFUSED (NN_HAUSNUMERO + 7)
#endif
#ifndef EINPROGRESS
#define EINPROGRESS (NN_HAUSNUMERO + 8)
#endif
#ifndef ENOTSOCK
#define ENOTSOCK (NN_HAUSNUMERO + 9)
#endif
#ifndef EAFNOSUPPORT
#define EAFNOSUPPORT (NN_HAUSNUMERO + 10)
#endif
#ifndef EPROTO
#define EPROTO (NN_HAUSNUMERO + 11)
#endif
#ifndef EAGAIN
#define EAGAIN (NN_HAUSNUMERO + 12)
#endif
#ifndef EBADF
#define EBADF (NN_HAUSNUMERO + 13)
#endif
#ifndef EINVAL
#define EINVAL (NN_HAUSNUMERO + 14)
#endif
#ifndef EMFILE
#define EMFILE (NN_HAUSNUMERO + 15)
#endif
#ifndef EFAULT
#define EFAULT (NN_HAUSNUMERO + 16)
#endif
#ifndef EACCES
#define EACCES (NN_HAUSNUMERO + 17)
#endif
/*  nanomsg's historical misspelling, kept for programs that use it. */
#ifndef EACCESS
#define EACCESS (EACCES)
#endif
#ifndef ENETRESET
#define ENETRESET (NN_HAUSNUMERO + 18)
#endif
#ifndef ENETUNREACH
#define ENETUNREACH (NN_HAUSNUMERO + 19)
#endif
#ifndef EHOSTUNREACH
#define EHOSTUNREACH (NN_HAUSNUMERO + 20)
#endif
#ifndef ENOTCONN
#define ENOTCONN (NN_HAUSNUMERO + 21)
#endif
#ifndef EMSGSIZE
#define EMSGSIZE (NN_HAUSNUMERO + 22)
#endif
#ifndef ETIMEDOUT
#define ETIMEDOUT (NN_HAUSNUMERO + 23)
#endif
#ifndef ECONNABORTED
#define ECONNABORTED (NN_HAUSNUMERO + 24)
#endif
#ifndef ECONNRESET
#define ECONNRESET (NN_HAUSNUMERO + 25)
#endif
#ifndef ENOPROTOOPT
#define ENOPROTOOPT (NN_HAUSNUMERO + 26)
#endif
/*  NN_EISCONN_DEFINED tells a program that EISCONN is ours, not the
    system's. */
#ifndef EISCONN
#define EISCONN (NN_HAUSNUMERO + 27)
#define NN_EISCONN_DEFINED
#endif
#ifndef ESOCKTNOSUPPORT
#define ESOCKTNOSUPPORT (NN_HAUSNUMERO + 28)
#endif

/*  Error numbers of nanomsg's own: the library was terminated by nn_term(),
    and an operation that the socket's protocol state does not allow now
    (a REP sending before it received, for instance). */
#ifndef ETERM
#define ETERM (NN_HAUSNUMERO + 53)
#endif
#ifndef EFSM
#define EFSM (NN_HAUSNUMERO + 54)
#endif

/*  The errno of the calling thread as the library set it. Use this rather
    than errno where the program and the library may use different C
    runtimes. */
NN_EXPORT int nn_errno (void);

/*  Message for a system or nanomsg error number. */
NN_EXPORT const char *nn_strerror (int errnum);

/* ------------------------------------------------------------------------ */
/*  Symbol introspection                                                    */
/* ------------------------------------------------------------------------ */

/*  Name and value of the i-th symbol the library knows ("NN_REQ", 48),
    counting from 0. Past the last one: NULL and errno EINVAL. */
NN_EXPORT const char *nn_symbol (int i, int *value);

/*  Namespaces (nn_symbol_properties.ns). */
#define NN_NS_NAMESPACE 0
#define NN_NS_VERSION 1
#define NN_NS_DOMAIN 2
#define NN_NS_TRANSPORT 3
#define NN_NS_PROTOCOL 4
#define NN_NS_OPTION_LEVEL 5
#define NN_NS_SOCKET_OPTION 6
#define NN_NS_TRANSPORT_OPTION 7
#define NN_NS_OPTION_TYPE 8
#define NN_NS_OPTION_UNIT 9
#define NN_NS_FLAG 10
#define NN_NS_ERROR 11
#define NN_NS_LIMIT 12
#define NN_NS_EVENT 13
#define NN_NS_STATISTIC 14

/*  Option value types (nn_symbol_properties.type). */
#define NN_TYPE_NONE 0
#define NN_TYPE_INT 1
#define NN_TYPE_STR 2

/*  Option value units (nn_symbol_properties.unit). */
#define NN_UNIT_NONE 0
#define NN_UNIT_BYTES 1
#define NN_UNIT_MILLISECONDS 2
#define NN_UNIT_PRIORITY 3
#define NN_UNIT_BOOLEAN 4
#define NN_UNIT_MESSAGES 5
#define NN_UNIT_COUNTER 6

/*  One symbol as described by nn_symbol_info(). */
struct nn_symbol_properties {
    int value;
    const char *name;
    int ns; /* NN_NS_*; 0 for the namespace symbols themselves */
    int type; /* NN_TYPE_*, for options */
    int unit; /* NN_UNIT_*, for options */
};

/*  Copies at most buflen bytes of the i-th symbol's properties into buf and
    returns the number copied; 0 past the last symbol. */
NN_EXPORT int nn_symbol_info (int i, struct nn_symbol_properties *buf,
    int buflen);

/* ------------------------------------------------------------------------ */
/*  Shutdown                                                                */
/* ------------------------------------------------------------------------ */

/*  Makes every blocked and every later call on any socket fail with ETERM,
    so that threads can be joined before the program exits. */
NN_EXPORT void nn_term (void);

/* ------------------------------------------------------------------------ */
/*  Zero-copy messages                                                      */
/* ------------------------------------------------------------------------ */

/*  Passed as the length to nn_send/nn_recv (and as iov_len) to say the
    buffer is a message from nn_allocmsg, handed over by pointer. */
#define NN_MSG ((size_t) -1)

NN_EXPORT void *nn_allocmsg (size_t size, int type);
NN_EXPORT void *nn_reallocmsg (void *msg, size_t size);
NN_EXPORT int nn_freemsg (void *msg);

/* ------------------------------------------------------------------------ */
/*  Scatter/gather messages and control data                                */
/* ------------------------------------------------------------------------ */

struct nn_iovec {
    void *iov_base;
    size_t iov_len;
};

struct nn_msghdr {
    struct nn_iovec *msg_iov;
    int msg_iovlen;
    void *msg_control; /* control data, or a pointer to an NN_MSG chunk */
    size_t msg_controllen; /* its size, or NN_MSG */
};

/*  A control message header; its data follows, aligned to size_t. */
struct nn_cmsghdr {
    size_t cmsg_len;
    int cmsg_level;
    int cmsg_type;
};

/*  Walks the control data of a message header: the first header when cmsg
    is NULL, else the one after cmsg; NULL at the end. Implementation of
    NN_CMSG_FIRSTHDR and NN_CMSG_NXTHDR; call those instead. */
NN_EXPORT struct nn_cmsghdr *nn_cmsg_nxthdr_ (const struct nn_msghdr *mhdr,
    const struct nn_cmsghdr *cmsg);

/*  len rounded up to a multiple of sizeof (size_t). */
#define NN_CMSG_ALIGN_(len) \
    (((len) + sizeof (size_t) - 1) & (size_t) ~(sizeof (size_t) - 1))

/*  The control message accessors, as POSIX and RFC 3542 define them for
    struct cmsghdr. */
#define NN_CMSG_FIRSTHDR(mhdr) \
    nn_cmsg_nxthdr_ ((struct nn_msghdr*) (mhdr), NULL)
#define NN_CMSG_NXTHDR(mhdr, cmsg) \
    nn_cmsg_nxthdr_ ((struct nn_msghdr*) (mhdr), (struct nn_cmsghdr*) (cmsg))
#define NN_CMSG_DATA(cmsg) \
    ((unsigned char*) (((struct nn_cmsghdr*) (cmsg)) + 1))
#define NN_CMSG_SPACE(len) \
    (NN_CMSG_ALIGN_ (len) + NN_CMSG_ALIGN_ (sizeof (struct nn_cmsghdr)))
#define NN_CMSG_LEN(len) \
    (NN_CMSG_ALIGN_ (sizeof (struct nn_cmsghdr)) + (len))

/* ------------------------------------------------------------------------ */
/*  Sockets                                                                 */
/* ------------------------------------------------------------------------ */

/*  Domains: full protocol semantics, or raw (headers passed through, used
    by devices). */
#define AF_SP 1
#define AF_SP_RAW 2

/*  Longest address string accepted, terminating NUL included. */
#define NN_SOCKADDR_MAX 128

/*  Option level of the generic options. Protocols use their own positive
    levels (the socket type, e.g. NN_SUB); transports negative ones
    (NN_TCP, ...). */
#define NN_SOL_SOCKET 0

/*  Generic options (level NN_SOL_SOCKET). */
#define NN_LINGER 1
#define NN_SNDBUF 2
#define NN_RCVBUF 3
#define NN_SNDTIMEO 4
#define NN_RCVTIMEO 5
#define NN_RECONNECT_IVL 6
#define NN_RECONNECT_IVL_MAX 7
#define NN_SNDPRIO 8
#define NN_RCVPRIO 9
#define NN_SNDFD 10
#define NN_RCVFD 11
#define NN_DOMAIN 12
#define NN_PROTOCOL 13
#define NN_IPV4ONLY 14
#define NN_SOCKET_NAME 15
#define NN_RCVMAXSIZE 16
#define NN_MAXTTL 17

/*  Flag for nn_send/nn_recv/nn_sendmsg/nn_recvmsg: fail with EAGAIN
    instead of blocking. */
#define NN_DONTWAIT 1

/*  Control message level and type that carry the SP header of a message
    (its backtrace) through nn_recvmsg/nn_sendmsg. */
#define PROTO_SP 1
#define SP_HDR 1

NN_EXPORT int nn_socket (int domain, int protocol);
NN_EXPORT int nn_close (int s);
NN_EXPORT int nn_setsockopt (int s, int level, int option, const void *optval,
    size_t optvallen);
NN_EXPORT int nn_getsockopt (int s, int level, int option, void *optval,
    size_t *optvallen);
NN_EXPORT int nn_bind (int s, const char *addr);
NN_EXPORT int nn_connect (int s, const char *addr);
NN_EXPORT int nn_shutdown (int s, int how);
NN_EXPORT int nn_send (int s, const void *buf, size_t len, int flags);
NN_EXPORT int nn_recv (int s, void *buf, size_t len, int flags);
NN_EXPORT int nn_sendmsg (int s, const struct nn_msghdr *msghdr, int flags);
NN_EXPORT int nn_recvmsg (int s, struct nn_msghdr *msghdr, int flags);

/* ------------------------------------------------------------------------ */
/*  Polling                                                                 */
/* ------------------------------------------------------------------------ */

#define NN_POLLIN 1
#define NN_POLLOUT 2

struct nn_pollfd {
    int fd;
    short events;
    short revents;
};

NN_EXPORT int nn_poll (struct nn_pollfd *fds, int nfds, int timeout);

/* ------------------------------------------------------------------------ */
/*  Devices                                                                 */
/* ------------------------------------------------------------------------ */

/*  Forwards messages between two raw sockets (or loops one back) until the
    library is terminated. */
NN_EXPORT int nn_device (int s1, int s2);

/* ------------------------------------------------------------------------ */
/*  Statistics (nn_get_statistic)                                           */
/* ------------------------------------------------------------------------ */

/*  Connection events, counted since the socket was created. */
#define NN_STAT_ESTABLISHED_CONNECTIONS 101
#define NN_STAT_ACCEPTED_CONNECTIONS 102
#define NN_STAT_DROPPED_CONNECTIONS 103
#define NN_STAT_BROKEN_CONNECTIONS 104
#define NN_STAT_CONNECT_ERRORS 105
#define NN_STAT_BIND_ERRORS 106
#define NN_STAT_ACCEPT_ERRORS 107

/*  Current levels. */
#define NN_STAT_CURRENT_CONNECTIONS 201
#define NN_STAT_INPROGRESS_CONNECTIONS 202
#define NN_STAT_CURRENT_EP_ERRORS 203

/*  Traffic through the socket. */
#define NN_STAT_MESSAGES_SENT 301
#define NN_STAT_MESSAGES_RECEIVED 302
#define NN_STAT_BYTES_SENT 303
#define NN_STAT_BYTES_RECEIVED 304

/*  Protocol state: the priority of the pipes currently sent to. */
#define NN_STAT_CURRENT_SND_PRIORITY 401

NN_EXPORT uint64_t nn_get_statistic (int s, int stat);

#ifdef __cplusplus
}
#endif

#endif /* NN_H_INCLUDED */
