#ifndef SIGMARIS_CLIBPQ_SHIM_H
#define SIGMARIS_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#include <stdlib.h>

/* libpq names its diagnostic fields with character-literal macros ('C', 'M', ...),
   which Swift does not import; these constants carry the same values. */
enum {
    sigmaris_pg_diag_sqlstate = PG_DIAG_SQLSTATE,
    sigmaris_pg_diag_message_primary = PG_DIAG_MESSAGE_PRIMARY,
    sigmaris_pg_diag_schema_name = PG_DIAG_SCHEMA_NAME,
    sigmaris_pg_diag_table_name = PG_DIAG_TABLE_NAME,
    sigmaris_pg_diag_column_name = PG_DIAG_COLUMN_NAME,
    sigmaris_pg_diag_constraint_name = PG_DIAG_CONSTRAINT_NAME,
};

/* A cancel request for the statement running on a connection, usable from another thread and after
   the connection is closed. libpq 17 added PQcancelCreate/PQcancelBlocking, whose cancel connection
   honours the original's connect_timeout, keepalives and TLS settings; older libpq has only
   PQgetCancel/PQcancel. Which one is chosen here, at compile time, so Swift sees one API. */
typedef struct sigmaris_cancel sigmaris_cancel;

static inline sigmaris_cancel *sigmaris_cancel_create(PGconn *conn) {
#ifdef LIBPQ_HAS_ASYNC_CANCEL
    PGcancelConn *cancel = PQcancelCreate(conn);
    if (cancel != NULL && PQcancelStatus(cancel) == CONNECTION_BAD) {
        PQcancelFinish(cancel);
        return NULL;
    }
    return (sigmaris_cancel *)cancel;
#else
    return (sigmaris_cancel *)PQgetCancel(conn);
#endif
}

/* Blocks until the server has the request (or sending it failed); 1 on success. */
static inline int sigmaris_cancel_send(sigmaris_cancel *cancel) {
#ifdef LIBPQ_HAS_ASYNC_CANCEL
    return PQcancelBlocking((PGcancelConn *)cancel);
#else
    char message[256];
    return PQcancel((PGcancel *)cancel, message, (int)sizeof message);
#endif
}

static inline void sigmaris_cancel_free(sigmaris_cancel *cancel) {
#ifdef LIBPQ_HAS_ASYNC_CANCEL
    PQcancelFinish((PGcancelConn *)cancel);
#else
    PQfreeCancel((PGcancel *)cancel);
#endif
}
#endif
