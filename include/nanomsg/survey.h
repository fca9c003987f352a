/*
    nanoport's nanomsg-compatible header for the SURVEY protocol: a
    SURVEYOR broadcasts a question and collects the RESPONDENTs' answers
    until a deadline. Values are those of nanomsg 1.1.5.
*/

#ifndef SURVEY_H_INCLUDED
#define SURVEY_H_INCLUDED

#ifdef __cplusplus
extern "C" {
#endif

#define NN_PROTO_SURVEY 6

/*  Socket types = protocol number * 16 + role. Roles 2 and 3: roles 0 and
    1 belonged to an older survey protocol without backtraces that does not
    interoperate with this one. */
#define NN_SURVEYOR (NN_PROTO_SURVEY * 16 + 2)
#define NN_RESPONDENT (NN_PROTO_SURVEY * 16 + 3)

/*  Option at level NN_SURVEYOR: milliseconds to collect answers for, after
    which nn_recv fails with ETIMEDOUT (int). */
#define NN_SURVEYOR_DEADLINE 1

#ifdef __cplusplus
}
#endif

#endif /* SURVEY_H_INCLUDED */
