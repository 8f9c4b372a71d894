#ifndef MAGNUS_CSQLITE_SHIM_H
#define MAGNUS_CSQLITE_SHIM_H
#include <sqlite3.h>

/// SQLITE_TRANSIENT is a macro casting -1 to a function pointer, which Swift cannot import:
/// SQLite copies a value bound with it before the bind call returns.
static inline sqlite3_destructor_type magnus_sqlite_transient(void) { return SQLITE_TRANSIENT; }

/// sqlite3_db_config is variadic; this is its form for the boolean options
/// (SQLITE_DBCONFIG_DQS_DML, SQLITE_DBCONFIG_DEFENSIVE, ...). Returns the result code and
/// stores the option's new state in *state when state is not NULL.
static inline int magnus_sqlite_db_config_flag(sqlite3 *db, int option, int on, int *state) {
    return sqlite3_db_config(db, option, on, state);
}

#endif
