#ifndef SIGMARIS_CLIBPQ_SHIM_H
#define SIGMARIS_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
