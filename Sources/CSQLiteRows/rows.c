#include "CSQLiteRows.h"
#include <string.h>

// The pointer type tag: sqlite3_bind_pointer only hands a pointer to code asking for the same tag.
static const char rows_tag[] = "rcom_suppression_rows";

enum { COLUMN_EMAIL, COLUMN_REASON_ID, COLUMN_SUPPRESSED_AT, COLUMN_ROWS };

typedef struct {
    sqlite3_vtab base;
} rows_table;

typedef struct {
    sqlite3_vtab_cursor base;
    const rcom_suppression_rows *rows;
    int64_t index;
} rows_cursor;

static int rows_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                        sqlite3_vtab **table, char **error) {
    (void)aux; (void)argc; (void)argv; (void)error;
    int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(email TEXT, reason_id INTEGER, "
                                      "suppressed_at INTEGER, rows HIDDEN)");
    if (rc != SQLITE_OK) return rc;
    sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
    rows_table *t = sqlite3_malloc(sizeof *t);
    if (!t) return SQLITE_NOMEM;
    memset(t, 0, sizeof *t);
    *table = &t->base;
    return SQLITE_OK;
}

static int rows_disconnect(sqlite3_vtab *table) {
    sqlite3_free(table);
    return SQLITE_OK;
}

// The only usable plan is the one given the rows pointer: without it there is nothing to scan.
static int rows_best_index(sqlite3_vtab *table, sqlite3_index_info *info) {
    (void)table;
    for (int i = 0; i < info->nConstraint; i++) {
        const struct sqlite3_index_constraint *c = &info->aConstraint[i];
        if (c->iColumn == COLUMN_ROWS && c->op == SQLITE_INDEX_CONSTRAINT_EQ && c->usable) {
            info->aConstraintUsage[i].argvIndex = 1;
            info->aConstraintUsage[i].omit = 1;
            info->estimatedCost = 1;
            info->estimatedRows = 2000;
            return SQLITE_OK;
        }
    }
    return SQLITE_CONSTRAINT;
}

static int rows_open(sqlite3_vtab *table, sqlite3_vtab_cursor **cursor) {
    (void)table;
    rows_cursor *c = sqlite3_malloc(sizeof *c);
    if (!c) return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    *cursor = &c->base;
    return SQLITE_OK;
}

static int rows_close(sqlite3_vtab_cursor *cursor) {
    sqlite3_free(cursor);
    return SQLITE_OK;
}

static int rows_filter(sqlite3_vtab_cursor *cursor, int plan, const char *planText,
                       int argc, sqlite3_value **argv) {
    (void)plan; (void)planText;
    rows_cursor *c = (rows_cursor *)cursor;
    c->rows = argc > 0 ? sqlite3_value_pointer(argv[0], rows_tag) : NULL;
    c->index = 0;
    return SQLITE_OK;
}

static int rows_next(sqlite3_vtab_cursor *cursor) {
    ((rows_cursor *)cursor)->index++;
    return SQLITE_OK;
}

static int rows_eof(sqlite3_vtab_cursor *cursor) {
    const rows_cursor *c = (const rows_cursor *)cursor;
    return c->rows == NULL || c->index >= c->rows->count;
}

static int rows_column(sqlite3_vtab_cursor *cursor, sqlite3_context *context, int column) {
    const rows_cursor *c = (const rows_cursor *)cursor;
    const rcom_suppression_row *row = &c->rows->rows[c->index];
    switch (column) {
    case COLUMN_EMAIL:
        sqlite3_result_text(context, row->email, row->email_length, SQLITE_STATIC);
        break;
    case COLUMN_REASON_ID:
        sqlite3_result_int64(context, row->reason_id);
        break;
    case COLUMN_SUPPRESSED_AT:
        sqlite3_result_int64(context, row->suppressed_at);
        break;
    default:
        sqlite3_result_null(context);
        break;
    }
    return SQLITE_OK;
}

static int rows_rowid(sqlite3_vtab_cursor *cursor, sqlite3_int64 *rowid) {
    *rowid = ((const rows_cursor *)cursor)->index;
    return SQLITE_OK;
}

static sqlite3_module rows_module = {
    .iVersion = 0,
    .xCreate = NULL,            // eponymous only: used as rcom_suppression_rows(?), never CREATEd
    .xConnect = rows_connect,
    .xBestIndex = rows_best_index,
    .xDisconnect = rows_disconnect,
    .xDestroy = NULL,
    .xOpen = rows_open,
    .xClose = rows_close,
    .xFilter = rows_filter,
    .xNext = rows_next,
    .xEof = rows_eof,
    .xColumn = rows_column,
    .xRowid = rows_rowid,
};

static void count_row(sqlite3_context *context, int argc, sqlite3_value **argv) {
    (void)argc;
    rcom_suppression_rows *rows = sqlite3_value_pointer(argv[0], rows_tag);
    if (rows) rows->counted++;
    sqlite3_result_value(context, argv[1]);
}

int rcom_register_suppression_rows(sqlite3 *db) {
    int rc = sqlite3_create_module(db, "rcom_suppression_rows", &rows_module, NULL);
    if (rc != SQLITE_OK) return rc;
    // Not SQLITE_DETERMINISTIC: it must run once per row, never be factored out.
    return sqlite3_create_function(db, "rcom_count_row", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY,
                                   NULL, count_row, NULL, NULL);
}

int rcom_bind_suppression_rows(sqlite3_stmt *stmt, int index, rcom_suppression_rows *rows) {
    return sqlite3_bind_pointer(stmt, index, rows, rows_tag, NULL);
}
