/*
 * Enriches a few transactions through both entry points of the C ABI:
 * txe_enrich_batch (structs in, results out: the hot path) and
 * txe_enrich_json (Salt Edge's JSON in and out).
 *
 * Run: make -C examples/c
 */

#include <stdio.h>
#include <string.h>

#include "txenrich.h"

#define COUNT 4

static txe_str str(const char *s) {
    txe_str out;
    out.ptr = (const uint8_t *)s;
    out.len = strlen(s);
    return out;
}

/* Prints a txe_str, or "-" when it is absent. */
static void print_str(const char *label, txe_str s) {
    if (s.ptr != NULL) {
        printf("  %s=%.*s", label, (int)s.len, (const char *)s.ptr);
    } else {
        printf("  %s=-", label);
    }
}

/* Prints a failure and frees its error. */
static int fail(const char *what, txe_status status, txe_error *err) {
    fprintf(stderr, "%s: %s (%s): %s\n", what, txe_status_name(status),
            txe_error_class(err), txe_error_message(err));
    txe_error_free(err);
    return 1;
}

int main(void) {
    static const char *descriptions[COUNT] = {
        "CARD PAYMENT TO TESCO STORES 2345 ON 12 MAR",
        "TST* BLUE HERON TAVERN PORTLAND OR",
        "SALARY ACME LTD BGC",
        "Kartenzahlung REWE Markt GmbH//Hamburg/DE",
    };
    static const char *currencies[COUNT] = {"GBP", "USD", "GBP", "EUR"};
    static const double amounts[COUNT] = {-23.47, -38.50, 2450.00, -31.08};
    const char *request =
        "{\"data\":{\"categorization\":\"personal\",\"transactions\":[{"
        "\"id\":\"tx-1\",\"made_on\":\"2026-03-12\",\"amount\":-12.99,"
        "\"currency_code\":\"EUR\",\"description\":\"NETFLIX.COM "
        "866-579-7172\"}]}}";
    txe_transaction txs[COUNT];
    txe_result results[COUNT];
    txe_engine *engine = NULL;
    txe_arena *arena = NULL;
    txe_error *err = NULL;
    txe_status status;
    uint8_t *response = NULL;
    size_t response_len = 0;
    int i;

    printf("%s\n", txe_version());
    status = txe_engine_builtin(&engine, &err);
    if (status != TXE_STATUS_OK) {
        return fail("txe_engine_builtin", status, err);
    }

    /* The hot path: caller-allocated structs, no JSON. */
    memset(txs, 0, sizeof txs);
    for (i = 0; i < COUNT; i++) {
        txs[i].description = str(descriptions[i]);
        txs[i].currency_code = str(currencies[i]);
        txs[i].amount = amounts[i];
    }
    arena = txe_arena_new(); /* holds names read from descriptors */
    status = txe_enrich_batch(engine, NULL, txs, COUNT, results, arena, &err);
    if (status != TXE_STATUS_OK) {
        return fail("txe_enrich_batch", status, err);
    }
    for (i = 0; i < COUNT; i++) {
        printf("%s\n", descriptions[i]);
        print_str("category", results[i].category);
        printf("  confidence=%.2f", results[i].confidence);
        print_str("merchant", results[i].merchant_name);
        print_str("id", results[i].merchant_id);
        printf("  country=%s\n", results[i].country);
    }

    /* The JSON path: Salt Edge's request and response bodies. */
    status = txe_enrich_json(engine, NULL, (const uint8_t *)request,
                             strlen(request), &response, &response_len,
                             &err);
    if (status != TXE_STATUS_OK) {
        return fail("txe_enrich_json", status, err);
    }
    printf("%s\n", (const char *)response); /* NUL-terminated */
    txe_bytes_free(response);

    /* A failure: a status, and an error naming the field at fault. */
    status = txe_enrich_json(
        engine, NULL, (const uint8_t *)"{\"data\":{\"transactions\":[{}]}}",
        30, &response, &response_len, &err);
    printf("%s: %s: %s\n", txe_status_name(status), txe_error_class(err),
           txe_error_message(err));
    txe_error_free(err);

    txe_arena_free(arena);
    txe_engine_free(engine);
    return 0;
}
