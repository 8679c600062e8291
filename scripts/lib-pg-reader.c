// The PostgreSQL reader of scripts/bench-blacklist: point look-ups by email, as `rcom send`
// does them (PostgresSuppressionStore.suppression), on its own connection, until STOP exists.
// Prints "<queries> <p99_ms> <worst_ms>" on exit. Latency is measured per query, here.
//   lib-pg-reader URL EMAILS STOP RATE      (RATE look-ups/s in bursts of 50; 0: flat out)
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <ctype.h>

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: %s URL EMAILS STOP RATE\n", argv[0]); return 2; }
    double rate = atof(argv[4]);
    FILE *f = fopen(argv[2], "r");
    if (!f) { perror(argv[2]); return 1; }
    size_t n = 0, cap = 200000;
    char **keys = malloc(cap * sizeof *keys);
    char line[1024];
    while (n < cap && fgets(line, sizeof line, f)) {
        char *s = line, *e;
        while (*s == ' ' || *s == '\t') s++;
        e = s + strlen(s);
        while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t')) *--e = 0;
        if (!strchr(s, '@')) continue;
        for (char *p = s; *p; p++) *p = (char)tolower((unsigned char)*p);
        keys[n++] = strdup(s);
    }
    fclose(f);
    if (n == 0) { fprintf(stderr, "no addresses\n"); return 1; }
    PGconn *c = PQconnectdb(argv[1]);
    if (PQstatus(c) != CONNECTION_OK) { fprintf(stderr, "%s", PQerrorMessage(c)); return 1; }
    PGresult *r = PQprepare(c, "lookup", "SELECT r.reason, p.suppressed_at FROM suppressions p "
                            "LEFT JOIN suppression_reasons r ON r.id = p.reason_id WHERE p.email = $1", 1, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) { fprintf(stderr, "%s", PQerrorMessage(c)); return 1; }
    PQclear(r);
    size_t lat_n = 0, lat_cap = 1 << 20;
    double *lat = malloc(lat_cap * sizeof *lat);
    char ready[4096];
    snprintf(ready, sizeof ready, "%s.ready", argv[3]);
    fclose(fopen(ready, "w"));
    int burst = rate > 0 ? 50 : 200;
    double next = now_s();
    srand(1);
    while (access(argv[3], F_OK) != 0) {
        if (rate > 0) {
            next += burst / rate;
            double pause = next - now_s();
            if (pause > 0) usleep((useconds_t)(pause * 1e6));
        }
        for (int i = 0; i < burst; i++) {
            const char *k = keys[(size_t)rand() % n];
            double t = now_s();
            r = PQexecPrepared(c, "lookup", 1, &k, NULL, NULL, 0);
            double d = now_s() - t;
            if (PQresultStatus(r) != PGRES_TUPLES_OK) { fprintf(stderr, "%s", PQerrorMessage(c)); return 1; }
            PQclear(r);
            if (lat_n == lat_cap) { lat_cap *= 2; lat = realloc(lat, lat_cap * sizeof *lat); }
            lat[lat_n++] = d * 1e3;
        }
    }
    qsort(lat, lat_n, sizeof *lat, by_value);
    printf("%zu %.4f %.3f\n", lat_n, lat[(size_t)(lat_n * 0.99)], lat[lat_n - 1]);
    PQfinish(c);
    return 0;
}
