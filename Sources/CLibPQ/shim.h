#ifndef SIGMARIS_CLIBPQ_SHIM_H
#define SIGMARIS_CLIBPQ_SHIM_H
#include <libpq-fe.h>

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
#endif
