#ifndef MAGNUS_CZEROMQ_SHIM_H
#define MAGNUS_CZEROMQ_SHIM_H
#include <zmq.h>
#include <errno.h>

/// errno as a function, so Swift reads it right after a failing libzmq call.
static inline int magnus_zmq_errno(void) { return zmq_errno(); }

#endif
