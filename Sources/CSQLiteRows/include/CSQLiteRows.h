#ifndef RCOM_CSQLITEROWS_H
#define RCOM_CSQLITEROWS_H
// A batch of suppressions handed to SQLite in one statement instead of one statement per row:
// per-row statements spent ~40 % of their time starting and ending statements (cursor opens,
// statement journals, mutexes), not in the B-trees. Same idea as SQLite's carray extension,
// which the system library does not ship.
#include <sqlite3.h>
#include <stdint.h>

typedef struct rcom_suppression_row {
    const char *email;       // UTF-8, not NUL-terminated; must outlive the statement's step
    int32_t email_length;
    int64_t reason_id;
    int64_t suppressed_at;   // Unix seconds
} rcom_suppression_row;

typedef struct rcom_suppression_rows {
    const rcom_suppression_row *rows;
    int64_t count;
    // Incremented by rcom_count_row(?, value) for each row that reaches it (see the store's SQL).
    int64_t counted;
} rcom_suppression_rows;

// Registers, on this connection only, the table-valued function rcom_suppression_rows(?1)
// (columns email, reason_id, suppressed_at; ?1 bound with rcom_bind_suppression_rows) and the
// function rcom_count_row(?1, value), which adds one to ?1's `counted` and returns value.
// Both are direct-only: triggers and views cannot reach them. Returns an SQLite result code.
int rcom_register_suppression_rows(sqlite3 *db);

// Binds `rows` (not copied: it must outlive the step) to parameter `index`.
int rcom_bind_suppression_rows(sqlite3_stmt *stmt, int index, rcom_suppression_rows *rows);

#endif
