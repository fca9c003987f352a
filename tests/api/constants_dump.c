/*
    Prints what a nanomsg program can observe of the nanomsg headers at
    compile time, one "NAME TYPE VALUE" line each: every macro, the results
    of the NN_CMSG_* macros, and the size, alignment and member offsets and
    types of every public struct.

    constants_check.cmake compiles this file twice, once against a real
    nanomsg's headers and once against nanoport's, runs both and compares
    the outputs line by line. It supplies two generated files:
    constants_headers.h includes the headers under test by absolute path (so
    a header missing from one set cannot be picked up from the other), and
    constants_macros.inc holds one #ifdef block per macro name found in
    either set, calling np_value, np_defined or np_missing.

    Only headers are involved: the one function the macros call,
    nn_cmsg_nxthdr_, is defined below to record its arguments.
*/

#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <constants_headers.h>

/*  The type of an expression, by name. _Generic does not promote, so a
    short member reads "short". */
#define NP_TYPE(x)                                                            \
    _Generic ((x), _Bool: "_Bool", char: "char",                             \
        signed char: "signed_char", unsigned char: "unsigned_char",          \
        short: "short", unsigned short: "unsigned_short", int: "int",        \
        unsigned int: "unsigned_int", long: "long",                          \
        unsigned long: "unsigned_long", long long: "long_long",              \
        unsigned long long: "unsigned_long_long", void *: "void_pointer",    \
        char *: "char_pointer", const char *: "const_char_pointer",          \
        unsigned char *: "unsigned_char_pointer",                            \
        struct nn_iovec *: "struct_nn_iovec_pointer",                        \
        struct nn_cmsghdr *: "struct_nn_cmsghdr_pointer",                    \
        default: "other")

static void np_value (const char *name, const char *type, long long value)
{
    printf ("%s %s %lld\n", name, type, value);
}

static void np_defined (const char *name)
{
    printf ("%s defined\n", name);
}

static void np_missing (const char *name)
{
    printf ("%s MISSING\n", name);
}

static void dump_macros (void)
{
#include <constants_macros.inc>
}

/*  Layout of a struct or union: size, alignment, and per member its offset,
    size and type. */
#define NP_SIZE(t)                                                            \
    np_value ("sizeof(" #t ")", "size_t", (long long) sizeof (t));           \
    np_value ("alignof(" #t ")", "size_t", (long long) alignof (t))
#define NP_MEMBER(t, m)                                                       \
    np_value ("offsetof(" #t "." #m ")", NP_TYPE (((t *) 0)->m),             \
        (long long) offsetof (t, m));                                         \
    np_value ("sizeof(" #t "." #m ")", "size_t",                             \
        (long long) sizeof (((t *) 0)->m))

static void dump_layouts (void)
{
    NP_SIZE (struct nn_symbol_properties);
    NP_MEMBER (struct nn_symbol_properties, value);
    NP_MEMBER (struct nn_symbol_properties, name);
    NP_MEMBER (struct nn_symbol_properties, ns);
    NP_MEMBER (struct nn_symbol_properties, type);
    NP_MEMBER (struct nn_symbol_properties, unit);

    NP_SIZE (struct nn_iovec);
    NP_MEMBER (struct nn_iovec, iov_base);
    NP_MEMBER (struct nn_iovec, iov_len);

    NP_SIZE (struct nn_msghdr);
    NP_MEMBER (struct nn_msghdr, msg_iov);
    NP_MEMBER (struct nn_msghdr, msg_iovlen);
    NP_MEMBER (struct nn_msghdr, msg_control);
    NP_MEMBER (struct nn_msghdr, msg_controllen);

    NP_SIZE (struct nn_cmsghdr);
    NP_MEMBER (struct nn_cmsghdr, cmsg_len);
    NP_MEMBER (struct nn_cmsghdr, cmsg_level);
    NP_MEMBER (struct nn_cmsghdr, cmsg_type);

    NP_SIZE (struct nn_pollfd);
    NP_MEMBER (struct nn_pollfd, fd);
    NP_MEMBER (struct nn_pollfd, events);
    NP_MEMBER (struct nn_pollfd, revents);

    NP_SIZE (union nn_req_handle);
    NP_SIZE (nn_req_handle);
    NP_MEMBER (union nn_req_handle, i);
    NP_MEMBER (union nn_req_handle, ptr);
}

/*  The arguments NN_CMSG_FIRSTHDR / NN_CMSG_NXTHDR passed last. */
static const struct nn_msghdr *np_last_mhdr;
static const struct nn_cmsghdr *np_last_cmsg;
static int np_calls;

struct nn_cmsghdr *nn_cmsg_nxthdr_ (const struct nn_msghdr *mhdr,
    const struct nn_cmsghdr *cmsg)
{
    static struct nn_cmsghdr result;
    np_last_mhdr = mhdr;
    np_last_cmsg = cmsg;
    ++np_calls;
    return &result;
}

/*  Pointer p as a distance from base, for printing. */
static long long np_offset (const void *p, const void *base)
{
    if (p == NULL)
        return -1;
    return (long long) ((const char *) p - (const char *) base);
}

static void dump_cmsg_macros (void)
{
    static const size_t lengths[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17,
        23, 24, 25, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 1000, 4096};
    char name[64];
    size_t i;
    union {
        struct nn_cmsghdr header;
        unsigned char bytes[256];
    } buffer;
    struct nn_msghdr mhdr;
    void *opaque_mhdr = &mhdr;
    const void *opaque_cmsg = &buffer.header;
    struct nn_cmsghdr *returned;

    for (i = 0; i != sizeof lengths / sizeof lengths[0]; ++i) {
        snprintf (name, sizeof name, "NN_CMSG_ALIGN_(%zu)", lengths[i]);
        np_value (name, NP_TYPE (NN_CMSG_ALIGN_ (lengths[i])),
            (long long) NN_CMSG_ALIGN_ (lengths[i]));
        snprintf (name, sizeof name, "NN_CMSG_SPACE(%zu)", lengths[i]);
        np_value (name, NP_TYPE (NN_CMSG_SPACE (lengths[i])),
            (long long) NN_CMSG_SPACE (lengths[i]));
        snprintf (name, sizeof name, "NN_CMSG_LEN(%zu)", lengths[i]);
        np_value (name, NP_TYPE (NN_CMSG_LEN (lengths[i])),
            (long long) NN_CMSG_LEN (lengths[i]));
    }
    /*  With an int argument, as programs often write it. */
    np_value ("NN_CMSG_SPACE(int 12)", NP_TYPE (NN_CMSG_SPACE (12)),
        (long long) NN_CMSG_SPACE (12));
    np_value ("NN_CMSG_LEN(int 12)", NP_TYPE (NN_CMSG_LEN (12)),
        (long long) NN_CMSG_LEN (12));
    np_value ("NN_CMSG_ALIGN_(int 12)", NP_TYPE (NN_CMSG_ALIGN_ (12)),
        (long long) NN_CMSG_ALIGN_ (12));

    np_value ("NN_CMSG_DATA(cmsg)-cmsg", NP_TYPE (NN_CMSG_DATA (opaque_cmsg)),
        np_offset (NN_CMSG_DATA (opaque_cmsg), &buffer));

    memset (&mhdr, 0, sizeof mhdr);
    np_calls = 0;
    returned = NN_CMSG_FIRSTHDR (opaque_mhdr);
    np_value ("NN_CMSG_FIRSTHDR(mhdr).calls", "int", np_calls);
    np_value ("NN_CMSG_FIRSTHDR(mhdr).mhdr", "offset",
        np_offset (np_last_mhdr, &mhdr));
    np_value ("NN_CMSG_FIRSTHDR(mhdr).cmsg", "offset",
        np_offset (np_last_cmsg, &buffer));
    np_value ("NN_CMSG_FIRSTHDR(mhdr).result", NP_TYPE (returned),
        returned != NULL);

    np_calls = 0;
    returned = NN_CMSG_NXTHDR (opaque_mhdr, opaque_cmsg);
    np_value ("NN_CMSG_NXTHDR(mhdr,cmsg).calls", "int", np_calls);
    np_value ("NN_CMSG_NXTHDR(mhdr,cmsg).mhdr", "offset",
        np_offset (np_last_mhdr, &mhdr));
    np_value ("NN_CMSG_NXTHDR(mhdr,cmsg).cmsg", "offset",
        np_offset (np_last_cmsg, &buffer));
    np_value ("NN_CMSG_NXTHDR(mhdr,cmsg).result", NP_TYPE (returned),
        returned != NULL);
}

int main (void)
{
    dump_macros ();
    dump_layouts ();
    dump_cmsg_macros ();
    return fflush (stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
