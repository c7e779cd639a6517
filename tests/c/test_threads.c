/*
 * 8 threads enriching at the same time with one engine and one set of
 * options, through both entry points; every thread must get exactly the
 * answers a single thread gets.
 *
 * Usage: test_threads [ROUNDS]   (default 20; fewer under valgrind)
 *
 * Built by crates/ffi/tests/c_abi.rs with
 *   gcc -std=c99 -Wall -Wextra -Werror -pedantic -pthread
 * against the static and the shared library, and run under valgrind.
 */

#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txenrich.h"

#define THREADS 8
#define COUNT 100

static const char *descriptions[] = {
    "TESCO STORES 2345 LONDON GB",
    "TST* BLUE HERON TAVERN PORTLAND OR",
    "SALARY ACME LTD BGC",
    "Kartenzahlung REWE Markt GmbH//Hamburg/DE",
    "NETFLIX.COM 866-579-7172 CA",
    "ATM WITHDRAWAL 12/03 HIGH STREET",
    "SQ *SALT CREEK PIZZERIA Austin TX",
    "FASTER PAYMENT TO PAUL SMITH REF FOOTBALL",
    "CARD PAYMENT TO SHELL 1234 ON 12 MAR",
    "AMAZON MKTP UK*1A2B3",
};
static const char *currencies[] = {"GBP", "USD", "GBP", "EUR", "USD",
                                   "GBP", "USD", "GBP", "GBP", "GBP"};
#define KINDS (sizeof descriptions / sizeof descriptions[0])

static const txe_engine *engine;
static const txe_options *options;
static txe_transaction txs[COUNT];
static char *request;
static size_t request_len;
static txe_result expected[COUNT];
static char *expected_json;
static size_t expected_json_len;
static int rounds = 20;

static int same_str(txe_str a, txe_str b) {
    return a.len == b.len &&
           (a.len == 0 ? (a.ptr == NULL) == (b.ptr == NULL)
                       : memcmp(a.ptr, b.ptr, a.len) == 0);
}

static int same_result(const txe_result *a, const txe_result *b) {
    return same_str(a->category, b->category) &&
           a->confidence == b->confidence && a->source == b->source &&
           same_str(a->merchant_id, b->merchant_id) &&
           same_str(a->merchant_name, b->merchant_name) &&
           same_str(a->customer_category_code, b->customer_category_code) &&
           same_str(a->customer_category_name, b->customer_category_name) &&
           strcmp(a->country, b->country) == 0;
}

static void *worker(void *arg) {
    long failures = 0;
    txe_result results[COUNT];
    txe_arena *arena = txe_arena_new();
    int round, i;
    (void)arg;
    for (round = 0; round < rounds; round++) {
        uint8_t *out = NULL;
        size_t len = 0;
        txe_error *err = NULL;
        if (txe_enrich_batch(engine, options, txs, COUNT, results, arena,
                             &err) != TXE_STATUS_OK) {
            fprintf(stderr, "batch: %s\n", txe_error_message(err));
            txe_error_free(err);
            failures++;
            continue;
        }
        for (i = 0; i < COUNT; i++) {
            if (!same_result(&results[i], &expected[i])) {
                fprintf(stderr, "round %d: result %d differs\n", round, i);
                failures++;
            }
        }
        if (txe_enrich_json(engine, NULL, (const uint8_t *)request,
                            request_len, &out, &len,
                            &err) != TXE_STATUS_OK) {
            fprintf(stderr, "json: %s\n", txe_error_message(err));
            txe_error_free(err);
            failures++;
            continue;
        }
        if (len != expected_json_len ||
            memcmp(out, expected_json, len) != 0) {
            fprintf(stderr, "round %d: JSON response differs\n", round);
            failures++;
        }
        txe_bytes_free(out);
    }
    txe_arena_free(arena);
    return (void *)(intptr_t)failures;
}

int main(int argc, char **argv) {
    pthread_t threads[THREADS];
    txe_engine *e = NULL;
    txe_options *o = txe_options_new();
    txe_arena *arena = txe_arena_new();
    uint8_t *out = NULL;
    size_t at = 0, len = 0;
    long failures = 0;
    int i;

    if (argc > 1) {
        rounds = atoi(argv[1]);
    }
    if (txe_engine_builtin(&e, NULL) != TXE_STATUS_OK || o == NULL ||
        arena == NULL) {
        fprintf(stderr, "setup failed\n");
        return 1;
    }
    engine = e;
    txe_options_set_categorization(o, TXE_CATEGORIZATION_PERSONAL, NULL);
    options = o;

    request = malloc(COUNT * 200 + 64);
    at = (size_t)sprintf(request, "{\"data\":{\"transactions\":[");
    for (i = 0; i < COUNT; i++) {
        const char *d = descriptions[i % KINDS];
        const char *c = currencies[i % KINDS];
        double amount = (i % KINDS == 2) ? 2450.0 : -10.0 - i;
        memset(&txs[i], 0, sizeof txs[i]);
        txs[i].description.ptr = (const uint8_t *)d;
        txs[i].description.len = strlen(d);
        txs[i].currency_code.ptr = (const uint8_t *)c;
        txs[i].currency_code.len = 3;
        txs[i].amount = amount;
        at += (size_t)sprintf(
            request + at,
            "%s{\"id\":\"%d\",\"made_on\":\"2026-03-12\",\"amount\":%.2f,"
            "\"currency_code\":\"%s\",\"description\":\"%s\"}",
            i ? "," : "", i, amount, c, d);
    }
    strcpy(request + at, "]}}");
    request_len = strlen(request);

    /* The answers of one thread. */
    if (txe_enrich_batch(engine, options, txs, COUNT, expected, arena,
                         NULL) != TXE_STATUS_OK ||
        txe_enrich_json(engine, NULL, (const uint8_t *)request, request_len,
                        &out, &len, NULL) != TXE_STATUS_OK) {
        fprintf(stderr, "single-threaded enrichment failed\n");
        return 1;
    }
    expected_json = malloc(len);
    memcpy(expected_json, out, len);
    expected_json_len = len;
    txe_bytes_free(out);

    for (i = 0; i < THREADS; i++) {
        if (pthread_create(&threads[i], NULL, worker, NULL) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            return 1;
        }
    }
    for (i = 0; i < THREADS; i++) {
        void *r = NULL;
        pthread_join(threads[i], &r);
        failures += (long)(intptr_t)r;
    }

    /* The arena of the expected results is still valid. */
    for (i = 0; i < COUNT; i++) {
        if (i % KINDS == 1 &&
            (expected[i].merchant_name.len != 17 ||
             memcmp(expected[i].merchant_name.ptr, "Blue Heron Tavern", 17))) {
            fprintf(stderr, "arena string %d changed\n", i);
            failures++;
        }
    }

    txe_arena_free(arena);
    txe_options_free(o);
    txe_engine_free(e);
    free(expected_json);
    free(request);
    printf("test_threads: %d threads x %d rounds x %d transactions, %ld "
           "failures\n",
           THREADS, rounds, COUNT, failures);
    return failures == 0 ? 0 : 1;
}
