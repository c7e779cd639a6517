/*
 * Every function of include/txenrich.h, every error path and NULL
 * arguments, from plain C99.
 *
 * Usage: test_api DICTIONARY
 *   DICTIONARY: a dictionary artifact holding the merchant "cur:zyxwv"
 *   (Zyxwv Coffee, alias ZYXWV COFFEE); crates/ffi/tests/c_abi.rs writes it.
 *
 * Built by crates/ffi/tests/c_abi.rs with
 *   gcc -std=c99 -Wall -Wextra -Werror -pedantic
 *       -DTXE_EXPECTED_MAJOR=.. -DTXE_EXPECTED_MINOR=.. -DTXE_EXPECTED_PATCH=..
 * against the static and the shared library, and run under valgrind.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txenrich.h"

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                       \
    do {                                                                  \
        checks++;                                                         \
        if (!(cond)) {                                                    \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,        \
                    __LINE__, #cond);                                     \
            failures++;                                                   \
        }                                                                 \
    } while (0)

/* Checks a status; on a mismatch prints both names and the message. */
#define CHECK_STATUS(got, want, err)                                      \
    do {                                                                  \
        txe_status got_ = (got);                                          \
        checks++;                                                         \
        if (got_ != (want)) {                                             \
            fprintf(stderr, "%s:%d: status %s, expected %s (%s)\n",       \
                    __FILE__, __LINE__, txe_status_name(got_),            \
                    txe_status_name(want),                                \
                    (err) ? txe_error_message(err) : "no error");         \
            failures++;                                                   \
        }                                                                 \
    } while (0)

#define BYTES(s) (const uint8_t *)(s), strlen(s)

#ifndef TXE_EXPECTED_MAJOR
#error "compile with -DTXE_EXPECTED_MAJOR/MINOR/PATCH from Cargo.toml"
#endif

static txe_engine *builtin;

static int contains(const uint8_t *buf, size_t len, const char *needle) {
    size_t n = strlen(needle);
    size_t i;
    if (buf == NULL || n > len) {
        return 0;
    }
    for (i = 0; i + n <= len; i++) {
        if (memcmp(buf + i, needle, n) == 0) {
            return 1;
        }
    }
    return 0;
}

static int str_is(txe_str s, const char *want) {
    if (want == NULL) {
        return s.ptr == NULL && s.len == 0;
    }
    return s.ptr != NULL && s.len == strlen(want) &&
           memcmp(s.ptr, want, s.len) == 0;
}

static int starts_with(const char *s, const char *prefix) {
    return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n);
    if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static txe_transaction tx(const char *description, double amount,
                          const char *currency) {
    txe_transaction t;
    memset(&t, 0, sizeof t);
    t.description.ptr = (const uint8_t *)description;
    t.description.len = strlen(description);
    t.amount = amount;
    t.currency_code.ptr = (const uint8_t *)currency;
    t.currency_code.len = strlen(currency);
    return t;
}

static void test_version(void) {
    const char *v = txe_version();
    char want[64];
    CHECK(v != NULL);
    CHECK(TXE_VERSION_MAJOR == TXE_EXPECTED_MAJOR);
    CHECK(TXE_VERSION_MINOR == TXE_EXPECTED_MINOR);
    CHECK(TXE_VERSION_PATCH == TXE_EXPECTED_PATCH);
    sprintf(want, "%d.%d.%d", TXE_VERSION_MAJOR, TXE_VERSION_MINOR,
            TXE_VERSION_PATCH);
    CHECK(strcmp(want, TXE_VERSION) == 0);
    sprintf(want, "txenrich-ffi/%s/core/", TXE_VERSION);
    CHECK(starts_with(v, want));
    CHECK(strstr(v, "/format/") != NULL);
    CHECK(v == txe_version()); /* static */
    CHECK(TXE_BATCH_LIMIT == 100);
}

static void test_statuses(void) {
    static const struct {
        txe_status status;
        const char *name;
        const char *class_name;
    } all[] = {
        {TXE_STATUS_NULL_ARGUMENT, "TXE_STATUS_NULL_ARGUMENT",
         "WrongRequestFormat"},
        {TXE_STATUS_INVALID_UTF8, "TXE_STATUS_INVALID_UTF8",
         "InvalidEncoding"},
        {TXE_STATUS_INVALID_ARGUMENT, "TXE_STATUS_INVALID_ARGUMENT",
         "WrongRequestFormat"},
        {TXE_STATUS_WRONG_REQUEST_FORMAT, "TXE_STATUS_WRONG_REQUEST_FORMAT",
         "WrongRequestFormat"},
        {TXE_STATUS_JSON_PARSE_ERROR, "TXE_STATUS_JSON_PARSE_ERROR",
         "JsonParseError"},
        {TXE_STATUS_BATCH_SIZE_LIMIT_EXCEEDED,
         "TXE_STATUS_BATCH_SIZE_LIMIT_EXCEEDED", "BatchSizeLimitExceeded"},
        {TXE_STATUS_INVALID_FROM_DATE, "TXE_STATUS_INVALID_FROM_DATE",
         "InvalidFromDate"},
        {TXE_STATUS_INVALID_TO_DATE, "TXE_STATUS_INVALID_TO_DATE",
         "InvalidToDate"},
        {TXE_STATUS_DATE_OUT_OF_RANGE, "TXE_STATUS_DATE_OUT_OF_RANGE",
         "DateOutOfRange"},
        {TXE_STATUS_ACCOUNT_NOT_FOUND, "TXE_STATUS_ACCOUNT_NOT_FOUND",
         "AccountNotFound"},
        {TXE_STATUS_MERCHANT_NOT_FOUND, "TXE_STATUS_MERCHANT_NOT_FOUND",
         "MerchantNotFound"},
        {TXE_STATUS_VALUE_OUT_OF_RANGE, "TXE_STATUS_VALUE_OUT_OF_RANGE",
         "ValueOutOfRange"},
        {TXE_STATUS_DICTIONARY_TRUNCATED, "TXE_STATUS_DICTIONARY_TRUNCATED",
         "WrongRequestFormat"},
        {TXE_STATUS_DICTIONARY_BAD_MAGIC, "TXE_STATUS_DICTIONARY_BAD_MAGIC",
         "WrongRequestFormat"},
        {TXE_STATUS_DICTIONARY_VERSION, "TXE_STATUS_DICTIONARY_VERSION",
         "WrongRequestFormat"},
        {TXE_STATUS_DICTIONARY_CHECKSUM, "TXE_STATUS_DICTIONARY_CHECKSUM",
         "WrongRequestFormat"},
        {TXE_STATUS_DICTIONARY_CORRUPT, "TXE_STATUS_DICTIONARY_CORRUPT",
         "WrongRequestFormat"},
        {TXE_STATUS_PANIC, "TXE_STATUS_PANIC", "InternalServerError"},
        {TXE_STATUS_INTERNAL, "TXE_STATUS_INTERNAL", "InternalServerError"},
    };
    size_t i;
    /* The numbers are part of the ABI. */
    CHECK(TXE_STATUS_OK == 0);
    CHECK(TXE_STATUS_NULL_ARGUMENT == 100);
    CHECK(TXE_STATUS_INVALID_UTF8 == 101);
    CHECK(TXE_STATUS_INVALID_ARGUMENT == 102);
    CHECK(TXE_STATUS_WRONG_REQUEST_FORMAT == 200);
    CHECK(TXE_STATUS_JSON_PARSE_ERROR == 201);
    CHECK(TXE_STATUS_BATCH_SIZE_LIMIT_EXCEEDED == 202);
    CHECK(TXE_STATUS_MERCHANT_NOT_FOUND == 207);
    CHECK(TXE_STATUS_DICTIONARY_TRUNCATED == 300);
    CHECK(TXE_STATUS_PANIC == 900);
    CHECK(strcmp(txe_status_name(TXE_STATUS_OK), "TXE_STATUS_OK") == 0);
    CHECK(txe_status_class(TXE_STATUS_OK) == NULL);
    for (i = 0; i < sizeof all / sizeof all[0]; i++) {
        CHECK(strcmp(txe_status_name(all[i].status), all[i].name) == 0);
        CHECK(strcmp(txe_status_class(all[i].status), all[i].class_name) ==
              0);
    }
    CHECK(txe_status_name(1) == NULL);
    CHECK(txe_status_name(99999) == NULL);
    CHECK(txe_status_class(4242) == NULL);
}

static void test_errors(void) {
    txe_error *err = NULL;
    uint8_t *json = NULL;
    size_t len = 7;
    /* A failing call with and without an error object. */
    CHECK_STATUS(txe_engine_builtin(NULL, NULL), TXE_STATUS_NULL_ARGUMENT,
                 NULL);
    CHECK_STATUS(txe_engine_builtin(NULL, &err), TXE_STATUS_NULL_ARGUMENT,
                 err);
    CHECK(err != NULL);
    CHECK(txe_error_status(err) == TXE_STATUS_NULL_ARGUMENT);
    CHECK(strcmp(txe_error_class(err), "WrongRequestFormat") == 0);
    CHECK(starts_with(txe_error_message(err), "engine_out: "));
    CHECK_STATUS(txe_error_json(err, &json, &len), TXE_STATUS_OK, NULL);
    CHECK(contains(json, len, "\"class\":\"WrongRequestFormat\""));
    CHECK(contains(json, len, "\"documentation_url\":\"https://"));
    CHECK(contains(json, len, "\"request\":null"));
    CHECK(json[len] == '\0');
    txe_bytes_free(json);
    /* NULLs everywhere. */
    CHECK_STATUS(txe_error_json(NULL, &json, &len), TXE_STATUS_NULL_ARGUMENT,
                 NULL);
    CHECK(json == NULL && len == 0);
    CHECK_STATUS(txe_error_json(err, NULL, &len), TXE_STATUS_NULL_ARGUMENT,
                 NULL);
    CHECK_STATUS(txe_error_json(err, &json, NULL), TXE_STATUS_NULL_ARGUMENT,
                 NULL);
    txe_error_free(err);
    CHECK(txe_error_status(NULL) == TXE_STATUS_OK);
    CHECK(txe_error_class(NULL) == NULL);
    CHECK(txe_error_message(NULL) == NULL);
    txe_error_free(NULL);
    txe_bytes_free(NULL);
    /* A success clears *error. */
    err = (txe_error *)&len; /* garbage the call must overwrite */
    CHECK_STATUS(txe_categories_json(builtin, TXE_TREE_ALL, &json, &len,
                                     &err),
                 TXE_STATUS_OK, NULL);
    CHECK(err == NULL);
    txe_bytes_free(json);
}

static void test_engine_load(const char *dict_path) {
    size_t len = 0, out_len = 0;
    uint8_t *dict = read_file(dict_path, &len);
    uint8_t *copy;
    uint8_t *out = NULL;
    txe_engine *engine = (txe_engine *)&len;
    txe_error *err = NULL;
    const char *req =
        "{\"data\":{\"transactions\":[{\"id\":\"1\",\"made_on\":"
        "\"2026-03-12\",\"amount\":-3.2,\"currency_code\":\"GBP\","
        "\"description\":\"ZYXWV COFFEE LONDON GB\"}]}}";
    CHECK(dict != NULL && len > 64);
    if (dict == NULL) {
        return;
    }
    CHECK_STATUS(txe_engine_load(dict, len, &engine, &err), TXE_STATUS_OK,
                 err);
    CHECK(engine != NULL && err == NULL);
    CHECK_STATUS(txe_enrich_json(engine, NULL, BYTES(req), &out, &out_len,
                                 &err),
                 TXE_STATUS_OK, err);
    CHECK(contains(out, out_len, "\"merchant_id\":\"cur:zyxwv\""));
    CHECK(contains(out, out_len, "Zyxwv Coffee"));
    txe_bytes_free(out);
    CHECK_STATUS(txe_merchants_json(engine, BYTES("{\"data\":[\"cur:zyxwv\"]}"),
                                    &out, &out_len, NULL),
                 TXE_STATUS_OK, NULL);
    CHECK(contains(out, out_len, "Zyxwv Coffee"));
    txe_bytes_free(out);
    /* The builtin engine does not know it. */
    CHECK_STATUS(txe_merchants_json(builtin,
                                    BYTES("{\"data\":[\"cur:zyxwv\"]}"), &out,
                                    &out_len, &err),
                 TXE_STATUS_MERCHANT_NOT_FOUND, err);
    CHECK(out == NULL && out_len == 0);
    CHECK(strstr(txe_error_message(err), "cur:zyxwv") != NULL);
    txe_error_free(err);
    txe_engine_free(engine);

    /* Damaged artifacts: a status each, never a crash, no engine. */
    copy = malloc(len);
    memcpy(copy, dict, len);
    copy[0] = 'X';
    CHECK_STATUS(txe_engine_load(copy, len, &engine, NULL),
                 TXE_STATUS_DICTIONARY_BAD_MAGIC, NULL);
    CHECK(engine == NULL);
    memcpy(copy, dict, len);
    copy[12] = 99; /* the format version */
    CHECK_STATUS(txe_engine_load(copy, len, &engine, &err),
                 TXE_STATUS_DICTIONARY_VERSION, err);
    CHECK(strstr(txe_error_message(err), "version") != NULL);
    txe_error_free(err);
    memcpy(copy, dict, len);
    copy[len - 1] ^= 0x5a; /* payload: the checksum no longer matches */
    CHECK_STATUS(txe_engine_load(copy, len, &engine, NULL),
                 TXE_STATUS_DICTIONARY_CHECKSUM, NULL);
    memcpy(copy, dict, len);
    copy[28] = 1; /* the section count, outside the checksum */
    CHECK_STATUS(txe_engine_load(copy, len, &engine, NULL),
                 TXE_STATUS_DICTIONARY_CORRUPT, NULL);
    CHECK_STATUS(txe_engine_load(dict, 10, &engine, NULL),
                 TXE_STATUS_DICTIONARY_TRUNCATED, NULL);
    CHECK_STATUS(txe_engine_load(dict, len - 1, &engine, NULL),
                 TXE_STATUS_DICTIONARY_TRUNCATED, NULL);
    CHECK_STATUS(txe_engine_load(dict, 0, &engine, NULL),
                 TXE_STATUS_DICTIONARY_TRUNCATED, NULL);
    CHECK_STATUS(txe_engine_load(NULL, 0, &engine, NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    CHECK_STATUS(txe_engine_load(dict, len, NULL, NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    CHECK(engine == NULL);
    free(copy);
    free(dict);
    txe_engine_free(NULL);
}

static const char *tx_json =
    "{\"id\":\"t%d\",\"made_on\":\"2026-03-12\",\"amount\":-23.47,"
    "\"currency_code\":\"GBP\",\"description\":\"TESCO STORES 2345 LONDON "
    "GB\",\"extra\":{\"mcc\":\"5411\",\"tags\":[\"x\"]},\"custom\":%d}";

/* {"data":{<head>"transactions":[n transactions]}} */
static char *request(int n, const char *head) {
    size_t cap = 64 + strlen(head) + (size_t)n * 256;
    char *buf = malloc(cap);
    size_t at;
    int i;
    at = (size_t)sprintf(buf, "{\"data\":{%s\"transactions\":[", head);
    for (i = 0; i < n; i++) {
        if (i > 0) {
            buf[at++] = ',';
        }
        at += (size_t)sprintf(buf + at, tx_json, i, i);
    }
    strcpy(buf + at, "]}}");
    return buf;
}

static void test_enrich_json(void) {
    uint8_t *out = (uint8_t *)"garbage";
    size_t len = 99;
    txe_error *err = NULL;
    char *req = request(100, "\"categorization\":\"personal\",");
    char *big = request(101, "");
    char *none = request(2, "\"categorization\":\"none\",");
    txe_rules *rules = txe_rules_new();
    size_t learned = 0;

    CHECK_STATUS(txe_enrich_json(builtin, NULL, BYTES(req), &out, &len,
                                 &err),
                 TXE_STATUS_OK, err);
    CHECK(starts_with((const char *)out, "{\"data\":[{\"id\":\"t0\""));
    CHECK(contains(out, len, "\"id\":\"t99\""));
    CHECK(contains(out, len, "\"custom\":99"));
    CHECK(contains(out, len, "\"tags\":[\"x\"]"));
    CHECK(contains(out, len, "\"category\":\"groceries\""));
    CHECK(contains(out, len, "\"merchant_id\":\"wd:Q487494\""));
    CHECK(contains(out, len, "\"categorization_confidence\":"));
    CHECK(out[len] == '\0' && strlen((const char *)out) == len);
    txe_bytes_free(out);

    /* Categorization none: merchants only, no category. */
    CHECK_STATUS(txe_enrich_json(builtin, NULL, BYTES(none), &out, &len,
                                 NULL),
                 TXE_STATUS_OK, NULL);
    CHECK(!contains(out, len, "\"category\""));
    CHECK(contains(out, len, "\"merchant_id\":\"wd:Q487494\""));
    txe_bytes_free(out);

    /* Learned rules apply through customer_id. */
    CHECK_STATUS(
        txe_rules_learn_json(
            rules,
            BYTES("{\"data\":{\"customer_id\":\"c1\",\"transactions\":[{"
                  "\"id\":\"1\",\"category_code\":\"Weekly shop\","
                  "\"immediate\":true,\"description\":\"TESCO STORES 2345 "
                  "LONDON GB\"}]}}"),
            &learned, NULL),
        TXE_STATUS_OK, NULL);
    CHECK(learned == 1);
    free(none);
    none = request(1, "\"customer_id\":\"c1\",");
    CHECK_STATUS(txe_enrich_json(builtin, rules, BYTES(none), &out, &len,
                                 NULL),
                 TXE_STATUS_OK, NULL);
    CHECK(contains(out, len, "\"customer_category_name\":\"Weekly shop\""));
    txe_bytes_free(out);
    free(none);
    none = request(1, "\"customer_id\":\"c2\",");
    CHECK_STATUS(txe_enrich_json(builtin, rules, BYTES(none), &out, &len,
                                 NULL),
                 TXE_STATUS_OK, NULL);
    CHECK(!contains(out, len, "customer_category_name"));
    txe_bytes_free(out);

    /* Errors: no output, a status, an error naming what is wrong. */
    out = (uint8_t *)"garbage";
    CHECK_STATUS(txe_enrich_json(builtin, NULL, BYTES(big), &out, &len, &err),
                 TXE_STATUS_BATCH_SIZE_LIMIT_EXCEEDED, err);
    CHECK(out == NULL && len == 0);
    CHECK(strcmp(txe_error_class(err), "BatchSizeLimitExceeded") == 0);
    txe_error_free(err);
    CHECK_STATUS(txe_enrich_json(builtin, NULL, BYTES("{\"data\":"), &out,
                                 &len, &err),
                 TXE_STATUS_JSON_PARSE_ERROR, err);
    CHECK(strcmp(txe_error_class(err), "JsonParseError") == 0);
    txe_error_free(err);
    CHECK_STATUS(txe_enrich_json(builtin, NULL,
                                 BYTES("{\"data\":{\"transactions\":[{"
                                       "\"id\":\"1\",\"made_on\":\"2026-03-"
                                       "12\",\"amount\":1,\"currency_code\":"
                                       "\"GBP\",\"description\":\"x\"},{"
                                       "\"id\":\"2\",\"made_on\":\"12/03/"
                                       "2026\",\"amount\":1,\"currency_code\""
                                       ":\"GBP\",\"description\":\"x\"}]}}"),
                                 &out, &len, &err),
                 TXE_STATUS_WRONG_REQUEST_FORMAT, err);
    CHECK(starts_with(txe_error_message(err),
                      "data.transactions[1].made_on: "));
    txe_error_free(err);
    CHECK_STATUS(txe_enrich_json(builtin, NULL,
                                 BYTES("{\"data\":{\"transactions\":[],"
                                       "\"categorization\":\"family\"}}"),
                                 &out, &len, NULL),
                 TXE_STATUS_WRONG_REQUEST_FORMAT, NULL);
    CHECK_STATUS(txe_enrich_json(builtin, NULL, BYTES("{\"data\":{}}"), &out,
                                 &len, NULL),
                 TXE_STATUS_WRONG_REQUEST_FORMAT, NULL);
    CHECK_STATUS(txe_enrich_json(builtin, NULL,
                                 (const uint8_t *)"{\"data\xff\":1}", 12,
                                 &out, &len, &err),
                 TXE_STATUS_INVALID_UTF8, err);
    CHECK(strcmp(txe_error_class(err), "InvalidEncoding") == 0);
    txe_error_free(err);
    CHECK_STATUS(txe_enrich_json(NULL, NULL, BYTES(req), &out, &len, NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    CHECK_STATUS(txe_enrich_json(builtin, NULL, NULL, 0, &out, &len, NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    CHECK_STATUS(txe_enrich_json(builtin, NULL, NULL, 5, &out, &len, NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    CHECK_STATUS(txe_enrich_json(builtin, NULL, BYTES(req), NULL, &len,
                                 NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    CHECK_STATUS(txe_enrich_json(builtin, NULL, BYTES(req), &out, NULL,
                                 NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    CHECK(out == NULL);
    txe_rules_free(rules);
    free(req);
    free(big);
    free(none);
}

static void test_merchants_categories(void) {
    uint8_t *out = NULL;
    size_t len = 0;
    txe_error *err = NULL;
    char *many;
    int i, at;

    CHECK_STATUS(txe_merchants_json(builtin,
                                    BYTES("{\"data\":[\"wd:Q487494\"]}"), &out,
                                    &len, &err),
                 TXE_STATUS_OK, err);
    CHECK(starts_with((const char *)out, "{\"data\":[{\"id\":\"wd:Q487494\""));
    CHECK(contains(out, len, "\"names\":"));
    txe_bytes_free(out);
    CHECK_STATUS(txe_merchants_json(builtin, BYTES("{\"data\":[]}"), &out,
                                    &len, NULL),
                 TXE_STATUS_OK, NULL);
    CHECK(strcmp((const char *)out, "{\"data\":[]}") == 0);
    txe_bytes_free(out);
    CHECK_STATUS(
        txe_merchants_json(builtin,
                           BYTES("{\"data\":[\"wd:Q487494\",\"no:such\"]}"),
                           &out, &len, &err),
        TXE_STATUS_MERCHANT_NOT_FOUND, err);
    CHECK(out == NULL && strstr(txe_error_message(err), "no:such") != NULL);
    txe_error_free(err);
    CHECK_STATUS(txe_merchants_json(builtin, BYTES("{\"data\":\"x\"}"), &out,
                                    &len, NULL),
                 TXE_STATUS_WRONG_REQUEST_FORMAT, NULL);
    CHECK_STATUS(txe_merchants_json(builtin, BYTES("nope"), &out, &len, NULL),
                 TXE_STATUS_JSON_PARSE_ERROR, NULL);
    many = malloc(2000);
    at = sprintf(many, "{\"data\":[");
    for (i = 0; i < 101; i++) {
        at += sprintf(many + at, "%s\"wd:Q487494\"", i ? "," : "");
    }
    strcpy(many + at, "]}");
    CHECK_STATUS(txe_merchants_json(builtin, BYTES(many), &out, &len, NULL),
                 TXE_STATUS_BATCH_SIZE_LIMIT_EXCEEDED, NULL);
    free(many);
    CHECK_STATUS(txe_merchants_json(NULL, BYTES("{\"data\":[]}"), &out, &len,
                                    NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    CHECK_STATUS(txe_merchants_json(builtin, NULL, 0, &out, &len, NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    CHECK_STATUS(txe_merchants_json(builtin, BYTES("{\"data\":[]}"), NULL,
                                    &len, NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);

    CHECK_STATUS(txe_categories_json(builtin, TXE_TREE_ALL, &out, &len, NULL),
                 TXE_STATUS_OK, NULL);
    CHECK(contains(out, len, "\"personal\":{"));
    CHECK(contains(out, len, "\"business\":{"));
    txe_bytes_free(out);
    CHECK_STATUS(txe_categories_json(builtin, TXE_TREE_PERSONAL, &out, &len,
                                     NULL),
                 TXE_STATUS_OK, NULL);
    CHECK(contains(out, len, "\"food_and_dining\":["));
    CHECK(!contains(out, len, "\"business\""));
    txe_bytes_free(out);
    CHECK_STATUS(txe_categories_json(builtin, TXE_TREE_BUSINESS, &out, &len,
                                     NULL),
                 TXE_STATUS_OK, NULL);
    CHECK(!contains(out, len, "\"personal\""));
    txe_bytes_free(out);
    CHECK_STATUS(txe_categories_json(builtin, 3, &out, &len, &err),
                 TXE_STATUS_INVALID_ARGUMENT, err);
    CHECK(out == NULL && starts_with(txe_error_message(err), "tree: "));
    txe_error_free(err);
    CHECK_STATUS(txe_categories_json(NULL, TXE_TREE_ALL, &out, &len, NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    CHECK_STATUS(txe_categories_json(builtin, TXE_TREE_ALL, &out, NULL, NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
}

static void test_report(void) {
    const char *req =
        "{\"customer_id\":\"c1\",\"currency_code\":\"EUR\",\"from_date\":"
        "\"2024-01-01\",\"to_date\":\"2024-03-31\",\"report_types\":["
        "\"balance\",\"income\",\"expense\",\"savings\"],\"accounts\":[{"
        "\"id\":\"a1\",\"name\":\"Current\",\"nature\":\"checking\","
        "\"balance\":1500,\"currency_code\":\"EUR\"}],\"transactions\":["
        "{\"id\":\"1\",\"account_id\":\"a1\",\"made_on\":\"2024-01-25\","
        "\"amount\":2000,\"currency_code\":\"EUR\",\"description\":\"SALARY "
        "ACME LTD\"},{\"id\":\"2\",\"account_id\":\"a1\",\"made_on\":"
        "\"2024-02-23\",\"amount\":2000,\"currency_code\":\"EUR\","
        "\"description\":\"SALARY ACME LTD\"},{\"id\":\"3\",\"account_id\":"
        "\"a1\",\"made_on\":\"2024-03-25\",\"amount\":2000,"
        "\"currency_code\":\"EUR\",\"description\":\"SALARY ACME LTD\"}]}";
    const char *bad_from =
        "{\"customer_id\":\"c1\",\"currency_code\":\"EUR\",\"from_date\":"
        "\"2024-13-01\",\"to_date\":\"2024-03-31\",\"report_types\":["
        "\"balance\"],\"accounts\":[]}";
    const char *bad_to =
        "{\"customer_id\":\"c1\",\"currency_code\":\"EUR\",\"from_date\":"
        "\"2024-01-01\",\"to_date\":\"soon\",\"report_types\":["
        "\"balance\"],\"accounts\":[]}";
    const char *no_account =
        "{\"customer_id\":\"c1\",\"currency_code\":\"EUR\",\"from_date\":"
        "\"2024-01-01\",\"to_date\":\"2024-01-31\",\"report_types\":["
        "\"income\"],\"accounts\":[{\"id\":\"a1\",\"balance\":0}],"
        "\"transactions\":[{\"id\":\"t1\",\"account_id\":\"a2\",\"made_on\":"
        "\"2024-01-05\",\"amount\":10,\"currency_code\":\"EUR\","
        "\"description\":\"x\"}]}";
    /* A window of more than twenty years. */
    const char *out_of_range =
        "{\"customer_id\":\"c1\",\"currency_code\":\"EUR\",\"from_date\":"
        "\"1990-01-01\",\"to_date\":\"2024-01-31\",\"report_types\":["
        "\"income\"],\"accounts\":[{\"id\":\"a1\",\"balance\":0}]}";
    uint8_t *out = NULL;
    size_t len = 0;
    txe_error *err = NULL;
    CHECK_STATUS(txe_report_json(builtin, BYTES(req), &out, &len, &err),
                 TXE_STATUS_OK, err);
    CHECK(contains(out, len, "\"accounts_summary\""));
    CHECK(contains(out, len, "\"frequency\":\"monthly\""));
    txe_bytes_free(out);
    CHECK_STATUS(txe_report_json(builtin, BYTES(bad_from), &out, &len, &err),
                 TXE_STATUS_INVALID_FROM_DATE, err);
    CHECK(strstr(txe_error_message(err), "2024-13-01") != NULL);
    txe_error_free(err);
    CHECK_STATUS(txe_report_json(builtin, BYTES(bad_to), &out, &len, NULL),
                 TXE_STATUS_INVALID_TO_DATE, NULL);
    CHECK_STATUS(txe_report_json(builtin, BYTES(no_account), &out, &len,
                                 NULL),
                 TXE_STATUS_ACCOUNT_NOT_FOUND, NULL);
    CHECK_STATUS(txe_report_json(builtin, BYTES(out_of_range), &out, &len,
                                 NULL),
                 TXE_STATUS_DATE_OUT_OF_RANGE, NULL);
    CHECK_STATUS(txe_report_json(builtin, BYTES("{]"), &out, &len, NULL),
                 TXE_STATUS_JSON_PARSE_ERROR, NULL);
    CHECK_STATUS(txe_report_json(builtin, BYTES("{\"customer_id\":1}"), &out,
                                 &len, NULL),
                 TXE_STATUS_WRONG_REQUEST_FORMAT, NULL);
    CHECK_STATUS(txe_report_json(NULL, BYTES(req), &out, &len, NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    CHECK_STATUS(txe_report_json(builtin, NULL, 0, &out, &len, NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    CHECK_STATUS(txe_report_json(builtin, BYTES(req), NULL, &len, NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    CHECK(out == NULL && len == 0);
}

static void test_rules(void) {
    txe_rules *rules = txe_rules_new();
    txe_rules *back = (txe_rules *)&rules;
    uint8_t *json = NULL;
    size_t len = 0, learned = 9;
    txe_error *err = NULL;
    const char *body =
        "{\"data\":{\"customer_id\":\"c1\",\"transactions\":[{\"id\":\"1\","
        "\"category_code\":\"gifts\",\"description\":\"AMAZON MKTP UK*1A\"}"
        "]}}";
    CHECK(rules != NULL);
    CHECK_STATUS(txe_rules_learn_json(rules, BYTES(body), &learned, &err),
                 TXE_STATUS_OK, err);
    CHECK(learned == 1);
    CHECK_STATUS(txe_rules_learn_json(rules, BYTES(body), NULL, NULL),
                 TXE_STATUS_OK, NULL);
    CHECK_STATUS(txe_rules_to_json(rules, &json, &len, &err), TXE_STATUS_OK,
                 err);
    CHECK(contains(json, len, "\"c1\""));
    CHECK(contains(json, len, "\"changes\": 2"));
    CHECK_STATUS(txe_rules_from_json(json, len, &back, &err), TXE_STATUS_OK,
                 err);
    CHECK(back != NULL);
    txe_bytes_free(json);
    txe_rules_free(back);

    /* Errors: nothing learned, nothing returned. */
    learned = 9;
    CHECK_STATUS(txe_rules_learn_json(
                     rules,
                     BYTES("{\"data\":{\"customer_id\":\"c1\","
                           "\"transactions\":[{\"id\":\"1\","
                           "\"category_code\":\"gifts\"}]}}"),
                     &learned, &err),
                 TXE_STATUS_WRONG_REQUEST_FORMAT, err);
    CHECK(learned == 0);
    CHECK(strstr(txe_error_message(err), "description") != NULL);
    txe_error_free(err);
    CHECK_STATUS(txe_rules_learn_json(rules, BYTES("{"), &learned, NULL),
                 TXE_STATUS_JSON_PARSE_ERROR, NULL);
    CHECK_STATUS(
        txe_rules_learn_json(rules, (const uint8_t *)"\xc3\x28", 2, NULL,
                             NULL),
        TXE_STATUS_INVALID_UTF8, NULL);
    CHECK_STATUS(txe_rules_learn_json(NULL, BYTES(body), NULL, NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    CHECK_STATUS(txe_rules_learn_json(rules, NULL, 0, NULL, NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    back = (txe_rules *)&rules;
    CHECK_STATUS(txe_rules_from_json(BYTES("{\"version\":2,\"customers\":{}}"),
                                     &back, &err),
                 TXE_STATUS_WRONG_REQUEST_FORMAT, err);
    CHECK(back == NULL);
    txe_error_free(err);
    CHECK_STATUS(txe_rules_from_json(BYTES("{"), &back, NULL),
                 TXE_STATUS_JSON_PARSE_ERROR, NULL);
    CHECK_STATUS(txe_rules_from_json(NULL, 0, &back, NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    CHECK_STATUS(txe_rules_from_json(BYTES("{}"), NULL, NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    CHECK_STATUS(txe_rules_to_json(NULL, &json, &len, NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    CHECK(json == NULL && len == 0);
    CHECK_STATUS(txe_rules_to_json(rules, NULL, &len, NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    CHECK_STATUS(txe_rules_to_json(rules, &json, NULL, NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    txe_rules_free(rules);
    txe_rules_free(NULL);
}

static void test_options(void) {
    txe_options *o = txe_options_new();
    txe_rules *rules = txe_rules_new();
    txe_error *err = NULL;
    CHECK(o != NULL);
    CHECK_STATUS(txe_options_set_categorization(o, TXE_CATEGORIZATION_NONE,
                                                NULL),
                 TXE_STATUS_OK, NULL);
    CHECK_STATUS(txe_options_set_categorization(o, TXE_CATEGORIZATION_BUSINESS,
                                                NULL),
                 TXE_STATUS_OK, NULL);
    CHECK_STATUS(txe_options_set_categorization(o, 3, &err),
                 TXE_STATUS_INVALID_ARGUMENT, err);
    CHECK(starts_with(txe_error_message(err), "categorization: "));
    txe_error_free(err);
    CHECK_STATUS(txe_options_set_categorization(NULL, 1, NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    CHECK_STATUS(txe_options_set_country(o, BYTES("de"), NULL), TXE_STATUS_OK,
                 NULL);
    CHECK_STATUS(txe_options_set_country(o, NULL, 0, NULL), TXE_STATUS_OK,
                 NULL);
    CHECK_STATUS(txe_options_set_country(o, BYTES("DEU"), NULL),
                 TXE_STATUS_INVALID_ARGUMENT, NULL);
    CHECK_STATUS(txe_options_set_country(o, BYTES("D1"), NULL),
                 TXE_STATUS_INVALID_ARGUMENT, NULL);
    CHECK_STATUS(txe_options_set_country(o, (const uint8_t *)"\xff\xfe", 2,
                                         NULL),
                 TXE_STATUS_INVALID_UTF8, NULL);
    CHECK_STATUS(txe_options_set_country(o, NULL, 2, NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    CHECK_STATUS(txe_options_set_country(NULL, BYTES("DE"), NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    CHECK_STATUS(txe_options_set_customer(o, rules, BYTES("c1"), NULL),
                 TXE_STATUS_OK, NULL);
    CHECK_STATUS(txe_options_set_customer(o, NULL, NULL, 0, NULL),
                 TXE_STATUS_OK, NULL);
    CHECK_STATUS(txe_options_set_customer(o, rules, NULL, 0, NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    CHECK_STATUS(txe_options_set_customer(o, rules,
                                          (const uint8_t *)"c\x80", 2, NULL),
                 TXE_STATUS_INVALID_UTF8, NULL);
    CHECK_STATUS(txe_options_set_customer(NULL, rules, BYTES("c1"), NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    txe_rules_free(rules);
    txe_options_free(o);
    txe_options_free(NULL);
}

static void test_enrich_batch(void) {
    txe_transaction txs[TXE_BATCH_LIMIT + 1];
    txe_result results[TXE_BATCH_LIMIT + 1];
    txe_arena *arena = txe_arena_new();
    txe_options *o = txe_options_new();
    txe_rules *rules = txe_rules_new();
    txe_error *err = NULL;
    txe_str payee = TXE_LITERAL("Telekom Deutschland GmbH");
    int i;

    memset(results, 0, sizeof results);
    txs[0] = tx("TESCO STORES 2345 LONDON GB", -23.47, "GBP");
    txs[0].mcc = 5411;
    txs[1] = tx("TST* BLUE HERON TAVERN PORTLAND OR", -38.5, "USD");
    txs[1].mcc = 5813;
    txs[2] = tx("SALARY ACME LTD BGC", 2450.0, "GBP");
    txs[3] = tx("SEPA-Lastschrift Rechnung 03/2026", -39.95, "EUR");
    txs[3].payee = payee;
    txs[3].account_nature = TXE_ACCOUNT_NATURE_CHECKING;
    txs[4] = tx("", -1.0, "EUR");

    CHECK_STATUS(txe_enrich_batch(builtin, NULL, txs, 5, results, arena,
                                  &err),
                 TXE_STATUS_OK, err);
    CHECK(str_is(results[0].category, "groceries"));
    CHECK(str_is(results[0].merchant_id, "wd:Q487494"));
    CHECK(str_is(results[0].merchant_name, "Tesco"));
    CHECK(results[0].source == TXE_SOURCE_MERCHANT);
    CHECK(results[0].confidence > 0.5f && results[0].confidence <= 1.0f);
    CHECK(strcmp(results[0].country, "GB") == 0);
    CHECK(str_is(results[1].merchant_id, NULL));
    CHECK(str_is(results[1].merchant_name, "Blue Heron Tavern"));
    CHECK(str_is(results[1].category, "alcohol_and_bars"));
    CHECK(strcmp(results[1].country, "US") == 0);
    CHECK(str_is(results[2].category, "paycheck"));
    CHECK(results[2].source == TXE_SOURCE_RULE);
    CHECK(str_is(results[2].merchant_name, NULL));
    CHECK(results[3].merchant_name.ptr != NULL);
    CHECK(str_is(results[4].category, "uncategorized"));
    CHECK(results[4].source == TXE_SOURCE_DEFAULT);
    for (i = 0; i < 5; i++) {
        CHECK(str_is(results[i].customer_category_code, NULL));
        CHECK(str_is(results[i].customer_category_name, NULL));
    }

    /* Options: no categorization; a customer's learned rules. */
    CHECK_STATUS(txe_options_set_categorization(o, TXE_CATEGORIZATION_NONE,
                                                NULL),
                 TXE_STATUS_OK, NULL);
    CHECK_STATUS(txe_enrich_batch(builtin, o, txs, 2, results, arena, NULL),
                 TXE_STATUS_OK, NULL);
    CHECK(str_is(results[0].category, NULL));
    CHECK(results[0].source == TXE_SOURCE_NONE);
    CHECK(str_is(results[0].merchant_name, "Tesco"));
    CHECK(str_is(results[1].merchant_name, "Blue Heron Tavern"));
    CHECK_STATUS(
        txe_rules_learn_json(
            rules,
            BYTES("{\"data\":{\"customer_id\":\"c1\",\"transactions\":["
                  "{\"id\":\"1\",\"category_code\":\"gifts\",\"immediate\":"
                  "true,\"description\":\"TESCO STORES 2345 LONDON GB\"},"
                  "{\"id\":\"2\",\"category_code\":\"Date nights\","
                  "\"immediate\":true,\"description\":\"TST* BLUE HERON "
                  "TAVERN PORTLAND OR\"}]}}"),
            NULL, NULL),
        TXE_STATUS_OK, NULL);
    CHECK_STATUS(txe_options_set_categorization(o, TXE_CATEGORIZATION_PERSONAL,
                                                NULL),
                 TXE_STATUS_OK, NULL);
    CHECK_STATUS(txe_options_set_customer(o, rules, BYTES("c1"), NULL),
                 TXE_STATUS_OK, NULL);
    txe_rules_free(rules); /* the options keep their own copy */
    CHECK_STATUS(txe_options_set_country(o, BYTES("GB"), NULL), TXE_STATUS_OK,
                 NULL);
    CHECK_STATUS(txe_enrich_batch(builtin, o, txs, 3, results, arena, NULL),
                 TXE_STATUS_OK, NULL);
    CHECK(str_is(results[0].category, "gifts"));
    CHECK(results[0].source == TXE_SOURCE_LEARNED);
    CHECK(str_is(results[0].customer_category_code, "gifts"));
    CHECK(str_is(results[1].customer_category_name, "Date nights"));
    CHECK(str_is(results[1].merchant_name, "Blue Heron Tavern"));
    CHECK(str_is(results[2].customer_category_name, NULL));

    /* A full batch; an empty one. */
    for (i = 0; i < TXE_BATCH_LIMIT + 1; i++) {
        txs[i] = txs[i % 4];
    }
    CHECK_STATUS(txe_enrich_batch(builtin, NULL, txs, TXE_BATCH_LIMIT,
                                  results, arena, NULL),
                 TXE_STATUS_OK, NULL);
    CHECK(str_is(results[97].merchant_name, "Blue Heron Tavern"));
    /* Static codes: the same transaction gets the very same pointer. */
    CHECK(results[99].category.ptr == results[3].category.ptr);
    CHECK(results[99].category.ptr != NULL);
    CHECK_STATUS(txe_enrich_batch(builtin, NULL, NULL, 0, NULL, arena, NULL),
                 TXE_STATUS_OK, NULL);

    /* Errors leave the results untouched. */
    memset(results, 0x5a, sizeof results);
    CHECK_STATUS(txe_enrich_batch(builtin, NULL, txs, TXE_BATCH_LIMIT + 1,
                                  results, arena, &err),
                 TXE_STATUS_BATCH_SIZE_LIMIT_EXCEEDED, err);
    CHECK(strcmp(txe_error_class(err), "BatchSizeLimitExceeded") == 0);
    txe_error_free(err);
    txs[1].currency_code.ptr = (const uint8_t *)"usd";
    CHECK_STATUS(txe_enrich_batch(builtin, NULL, txs, 3, results, arena,
                                  &err),
                 TXE_STATUS_WRONG_REQUEST_FORMAT, err);
    CHECK(starts_with(txe_error_message(err),
                      "transactions[1].currency_code: "));
    txe_error_free(err);
    txs[1] = txs[0];
    txs[1].amount = strtod("nan", NULL);
    CHECK_STATUS(txe_enrich_batch(builtin, NULL, txs, 3, results, arena,
                                  NULL),
                 TXE_STATUS_WRONG_REQUEST_FORMAT, NULL);
    txs[1] = txs[0];
    txs[1].description.ptr = NULL;
    CHECK_STATUS(txe_enrich_batch(builtin, NULL, txs, 3, results, arena,
                                  &err),
                 TXE_STATUS_NULL_ARGUMENT, err);
    CHECK(starts_with(txe_error_message(err), "transactions[1].description"));
    txe_error_free(err);
    txs[1] = txs[0];
    txs[1].payer.ptr = (const uint8_t *)"\xe2\x82";
    txs[1].payer.len = 2;
    CHECK_STATUS(txe_enrich_batch(builtin, NULL, txs, 3, results, arena,
                                  &err),
                 TXE_STATUS_INVALID_UTF8, err);
    CHECK(starts_with(txe_error_message(err), "transactions[1].payer"));
    txe_error_free(err);
    txs[1] = txs[0];
    txs[1].mode.ptr = (const uint8_t *)"card";
    txs[1].mode.len = 4;
    CHECK_STATUS(txe_enrich_batch(builtin, NULL, txs, 3, results, arena,
                                  NULL),
                 TXE_STATUS_WRONG_REQUEST_FORMAT, NULL);
    txs[1] = txs[0];
    txs[1].mcc = 10000;
    CHECK_STATUS(txe_enrich_batch(builtin, NULL, txs, 3, results, arena,
                                  NULL),
                 TXE_STATUS_WRONG_REQUEST_FORMAT, NULL);
    txs[1] = txs[0];
    txs[1].account_nature = 14;
    CHECK_STATUS(txe_enrich_batch(builtin, NULL, txs, 3, results, arena,
                                  NULL),
                 TXE_STATUS_INVALID_ARGUMENT, NULL);
    txs[1] = txs[0];
    CHECK_STATUS(txe_enrich_batch(NULL, NULL, txs, 3, results, arena, NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    CHECK_STATUS(txe_enrich_batch(builtin, NULL, NULL, 3, results, arena,
                                  NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    CHECK_STATUS(txe_enrich_batch(builtin, NULL, txs, 3, NULL, arena, NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    CHECK_STATUS(txe_enrich_batch(builtin, NULL, txs, 3, results, NULL,
                                  NULL),
                 TXE_STATUS_NULL_ARGUMENT, NULL);
    for (i = 0; i < (int)sizeof results; i++) {
        if (((unsigned char *)results)[i] != 0x5a) {
            break;
        }
    }
    CHECK(i == (int)sizeof results);

    txe_options_free(o);
    txe_arena_free(arena);
    txe_arena_free(NULL);
}

int main(int argc, char **argv) {
    txe_engine *second = NULL;
    if (argc != 2) {
        fprintf(stderr, "usage: %s DICTIONARY\n", argv[0]);
        return 2;
    }
    CHECK_STATUS(txe_engine_builtin(&builtin, NULL), TXE_STATUS_OK, NULL);
    /* Each handle is its own, over one shared engine. */
    CHECK_STATUS(txe_engine_builtin(&second, NULL), TXE_STATUS_OK, NULL);
    CHECK(second != NULL && second != builtin);
    txe_engine_free(second);

    test_version();
    test_statuses();
    test_errors();
    test_engine_load(argv[1]);
    test_enrich_json();
    test_merchants_categories();
    test_report();
    test_rules();
    test_options();
    test_enrich_batch();

    txe_engine_free(builtin);
    printf("test_api: %d checks, %d failed\n", checks, failures);
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures == 0 ? 0 : 1;
}
