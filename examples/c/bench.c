/*
 * Throughput of txe_enrich_batch (structs) against txe_enrich_json (Salt
 * Edge JSON in and out) over the same 100 transactions, best of several
 * runs. Pin it to one core to compare the paths themselves:
 *
 *   make -C examples/c bench        (runs it with taskset -c 1)
 *
 * Usage: bench [SECONDS_PER_RUN] [RUNS]   (default 1 s, 5 runs)
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "txenrich.h"

#define COUNT 100

static const struct {
    const char *description;
    const char *currency;
    double amount;
    unsigned mcc;
    const char *payee;
} lines[] = {
    {"CARD PAYMENT TO TESCO STORES 2345 ON 12 MAR", "GBP", -23.47, 0, NULL},
    {"TST* BLUE HERON TAVERN PORTLAND OR", "USD", -38.50, 5813, NULL},
    {"BGC NORTHFIELD ENGINEERING LTD SALARY MAR26", "GBP", 2487.36, 0, NULL},
    {"Kartenzahlung REWE Markt GmbH//Hamburg/DE", "EUR", -31.08, 5411, NULL},
    {"NETFLIX.COM 866-579-7172 CA", "USD", -15.49, 4899, NULL},
    {"ATM WITHDRAWAL 12/03 HIGH STREET", "GBP", -60.00, 6011, NULL},
    {"SQ *SALT CREEK PIZZERIA Austin TX", "USD", -27.40, 0, NULL},
    {"FASTER PAYMENT TO PAUL SMITH REF FOOTBALL", "GBP", -20.00, 0, NULL},
    {"TESCO PFS 3456 CROYDON GB", "GBP", -62.30, 5541, NULL},
    {"AMAZON MKTP UK*1A2B3C4D5", "GBP", -17.99, 5942, NULL},
    {"SEPA-Lastschrift Rechnung 03/2026", "EUR", -39.95, 0,
     "Telekom Deutschland GmbH"},
    {"UBER *TRIP HELP.UBER.COM", "EUR", -14.20, 4121, NULL},
    {"MERCADONA VALENCIA", "EUR", -47.83, 5411, NULL},
    {"PAYPAL *SPOTIFY 35314369001", "EUR", -10.99, 0, NULL},
    {"DD BRITISH GAS 8500123456", "GBP", -84.00, 0, NULL},
    {"STARBUCKS 0421 SEATTLE WA", "USD", -6.45, 5814, NULL},
    {"ZAHLUNG DANKE LIDL SAGT 1234//BERLIN/DE", "EUR", -12.34, 5411, NULL},
    {"CARREFOUR CITY PARIS 11 FR", "EUR", -8.90, 5411, NULL},
    {"RENT STANDING ORDER FLAT 4B", "GBP", -950.00, 0, NULL},
    {"IKEA MALMO SE", "SEK", -1299.00, 5712, NULL},
};
#define KINDS (sizeof lines / sizeof lines[0])

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, txe_error *err) {
    fprintf(stderr, "%s: %s\n", what, txe_error_message(err));
    exit(1);
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 1.0;
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    txe_transaction txs[COUNT];
    txe_result results[COUNT];
    txe_engine *engine = NULL;
    txe_arena *arena = txe_arena_new();
    txe_error *err = NULL;
    char *request = malloc(COUNT * 300 + 64);
    size_t at, request_len;
    double best_batch = 0, best_json = 0;
    int i, run;

    if (txe_engine_builtin(&engine, &err) != TXE_STATUS_OK) {
        die("engine", err);
    }
    memset(txs, 0, sizeof txs);
    at = (size_t)sprintf(request, "{\"data\":{\"transactions\":[");
    for (i = 0; i < COUNT; i++) {
        size_t k = (size_t)i % KINDS;
        txe_transaction *t = &txs[i];
        t->description.ptr = (const uint8_t *)lines[k].description;
        t->description.len = strlen(lines[k].description);
        t->currency_code.ptr = (const uint8_t *)lines[k].currency;
        t->currency_code.len = 3;
        t->amount = lines[k].amount;
        t->mcc = (uint16_t)lines[k].mcc;
        if (lines[k].payee) {
            t->payee.ptr = (const uint8_t *)lines[k].payee;
            t->payee.len = strlen(lines[k].payee);
        }
        at += (size_t)sprintf(
            request + at,
            "%s{\"id\":\"%d\",\"made_on\":\"2026-03-12\",\"amount\":%.2f,"
            "\"currency_code\":\"%s\",\"description\":\"%s\"",
            i ? "," : "", i, lines[k].amount, lines[k].currency,
            lines[k].description);
        if (lines[k].mcc || lines[k].payee) {
            at += (size_t)sprintf(request + at, ",\"extra\":{");
            if (lines[k].mcc) {
                at += (size_t)sprintf(request + at, "\"mcc\":\"%04u\"%s",
                                      lines[k].mcc,
                                      lines[k].payee ? "," : "");
            }
            if (lines[k].payee) {
                at += (size_t)sprintf(request + at, "\"payee\":\"%s\"",
                                      lines[k].payee);
            }
            at += (size_t)sprintf(request + at, "}");
        }
        at += (size_t)sprintf(request + at, "}");
    }
    strcpy(request + at, "]}}");
    request_len = strlen(request);

    for (run = 0; run < runs; run++) {
        long calls = 0;
        double start = now(), elapsed;
        do {
            if (txe_enrich_batch(engine, NULL, txs, COUNT, results, arena,
                                 &err) != TXE_STATUS_OK) {
                die("batch", err);
            }
            calls++;
        } while ((elapsed = now() - start) < seconds);
        if (calls * COUNT / elapsed > best_batch) {
            best_batch = calls * COUNT / elapsed;
        }
        calls = 0;
        start = now();
        do {
            uint8_t *out = NULL;
            size_t len = 0;
            if (txe_enrich_json(engine, NULL, (const uint8_t *)request,
                                request_len, &out, &len,
                                &err) != TXE_STATUS_OK) {
                die("json", err);
            }
            txe_bytes_free(out);
            calls++;
        } while ((elapsed = now() - start) < seconds);
        if (calls * COUNT / elapsed > best_json) {
            best_json = calls * COUNT / elapsed;
        }
    }
    printf("%s\n", txe_version());
    printf("txe_enrich_batch: %9.0f transactions/s (%.2f us each)\n",
           best_batch, 1e6 / best_batch);
    printf("txe_enrich_json:  %9.0f transactions/s (%.2f us each)\n",
           best_json, 1e6 / best_json);
    printf("batch / json:     %9.2fx  (best of %d runs of %.1f s, %d "
           "transactions a call)\n",
           best_batch / best_json, runs, seconds, COUNT);
    txe_arena_free(arena);
    txe_engine_free(engine);
    free(request);
    return 0;
}
