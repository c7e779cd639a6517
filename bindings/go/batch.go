package txenrich

/*
#include <stdlib.h>
#include "txenrich.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// AccountNature is Salt Edge's account nature, when the caller knows it.
type AccountNature uint32

// Account natures (the zero value is "not known").
const (
	NatureUnknown    AccountNature = C.TXE_ACCOUNT_NATURE_UNKNOWN
	NatureAccount    AccountNature = C.TXE_ACCOUNT_NATURE_ACCOUNT
	NatureBonus      AccountNature = C.TXE_ACCOUNT_NATURE_BONUS
	NatureCard       AccountNature = C.TXE_ACCOUNT_NATURE_CARD
	NatureChecking   AccountNature = C.TXE_ACCOUNT_NATURE_CHECKING
	NatureCredit     AccountNature = C.TXE_ACCOUNT_NATURE_CREDIT
	NatureCreditCard AccountNature = C.TXE_ACCOUNT_NATURE_CREDIT_CARD
	NatureDebitCard  AccountNature = C.TXE_ACCOUNT_NATURE_DEBIT_CARD
	NatureEwallet    AccountNature = C.TXE_ACCOUNT_NATURE_EWALLET
	NatureInsurance  AccountNature = C.TXE_ACCOUNT_NATURE_INSURANCE
	NatureInvestment AccountNature = C.TXE_ACCOUNT_NATURE_INVESTMENT
	NatureLoan       AccountNature = C.TXE_ACCOUNT_NATURE_LOAN
	NatureMortgage   AccountNature = C.TXE_ACCOUNT_NATURE_MORTGAGE
	NatureSavings    AccountNature = C.TXE_ACCOUNT_NATURE_SAVINGS
)

// Source is what decided a result's category.
type Source uint32

// Sources.
const (
	SourceNone     Source = C.TXE_SOURCE_NONE
	SourceLearned  Source = C.TXE_SOURCE_LEARNED
	SourceRule     Source = C.TXE_SOURCE_RULE
	SourceMerchant Source = C.TXE_SOURCE_MERCHANT
	SourceMCC      Source = C.TXE_SOURCE_MCC
	SourceKeyword  Source = C.TXE_SOURCE_KEYWORD
	SourceDefault  Source = C.TXE_SOURCE_DEFAULT
)

// Transaction is what the engine reads of a Salt Edge transaction, for
// Engine.Enrich. Empty strings are absent fields.
type Transaction struct {
	Description          string
	Amount               float64 // negative is money out
	CurrencyCode         string  // ISO 4217, e.g. "EUR"
	Mode                 string  // "normal", "fee", "transfer" or ""
	Payee                string  // extra.payee
	Payer                string  // extra.payer
	Additional           string  // extra.additional
	Information          string  // extra.information
	OriginalCurrencyCode string  // extra.original_currency_code
	MCC                  uint16  // extra.mcc; 0 when none
	AccountNature        AccountNature
}

// Result is the engine's answer for one Transaction. Empty strings are
// absent values.
type Result struct {
	Category             string  // the category code ("" with NoCategorization)
	Confidence           float32 // 0..1
	Source               Source
	MerchantID           string // a dictionary merchant's stable id
	MerchantName         string // the merchant's name, or one read from the descriptor
	CustomerCategoryCode string // a learned rule's code from the tree
	CustomerCategoryName string // a learned rule's own category name
	Country              string // ISO 3166-1 alpha-2, when placed
}

// Enrich enriches any number of transactions through the C ABI's struct
// path (txe_enrich_batch, no JSON), in batches of BatchLimit run in
// parallel by the library, and returns one result per transaction, in
// order. One invalid transaction fails the call.
func (e *Engine) Enrich(transactions []Transaction, opts *Options) ([]Result, error) {
	if opts == nil {
		opts = &Options{}
	}
	eptr, err := e.acquire()
	if err != nil {
		return nil, err
	}
	defer e.mu.RUnlock()
	copts, err := cOptions(opts)
	if err != nil {
		return nil, err
	}
	defer C.txe_options_free(copts)
	arena := C.txe_arena_new()
	defer C.txe_arena_free(arena)

	results := make([]Result, 0, len(transactions))
	var buf batchBuffer
	defer buf.free()
	for start := 0; start < len(transactions); start += BatchLimit {
		end := start + BatchLimit
		if end > len(transactions) {
			end = len(transactions)
		}
		txs, out := buf.fill(transactions[start:end])
		var cerr *C.txe_error
		status := C.txe_enrich_batch(eptr, copts, txs, C.size_t(end-start), out, arena, &cerr)
		if err := check(status, cerr); err != nil {
			if te, ok := err.(*Error); ok && start > 0 {
				te.Message += " (in the batch starting at transaction " + itoa(start) + ")"
			}
			return nil, err
		}
		for _, r := range unsafe.Slice(out, end-start) {
			results = append(results, goResult(&r))
		}
	}
	runtime.KeepAlive(e)
	runtime.KeepAlive(opts)
	return results, nil
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// cOptions makes a txe_options; the caller frees it.
func cOptions(opts *Options) (*C.txe_options, error) {
	o := C.txe_options_new()
	var cerr *C.txe_error
	_, code := opts.Categorization.name()
	if err := check(C.txe_options_set_categorization(o, code, &cerr), cerr); err != nil {
		C.txe_options_free(o)
		return nil, err
	}
	if opts.Country != "" {
		country := []byte(opts.Country)
		p, n := bytesArg(country)
		if err := check(C.txe_options_set_country(o, p, n, &cerr), cerr); err != nil {
			C.txe_options_free(o)
			return nil, err
		}
	}
	if opts.Rules != nil {
		rptr, err := opts.Rules.acquire()
		if err != nil {
			C.txe_options_free(o)
			return nil, err
		}
		id := []byte(opts.CustomerID)
		p, n := bytesArg(id)
		status := C.txe_options_set_customer(o, rptr, p, n, &cerr)
		opts.Rules.mu.RUnlock()
		if err := check(status, cerr); err != nil {
			C.txe_options_free(o)
			return nil, err
		}
	}
	return o, nil
}

// batchBuffer is C memory for one batch: the transactions, the results and
// the transactions' text (Go memory may not hold the pointers C reads).
type batchBuffer struct {
	mem unsafe.Pointer
	cap uintptr
}

func (b *batchBuffer) free() {
	if b.mem != nil {
		C.free(b.mem)
		b.mem = nil
	}
}

func (b *batchBuffer) fill(txs []Transaction) (*C.txe_transaction, *C.txe_result) {
	n := uintptr(len(txs))
	txSize := n * unsafe.Sizeof(C.txe_transaction{})
	resSize := n * unsafe.Sizeof(C.txe_result{})
	text := uintptr(0)
	for i := range txs {
		t := &txs[i]
		text += uintptr(len(t.Description) + len(t.CurrencyCode) + len(t.Mode) + len(t.Payee) +
			len(t.Payer) + len(t.Additional) + len(t.Information) + len(t.OriginalCurrencyCode))
	}
	need := txSize + resSize + text + 1
	if need > b.cap {
		b.free()
		b.mem = C.malloc(C.size_t(need))
		if b.mem == nil {
			panic("txenrich: out of memory")
		}
		b.cap = need
	}
	ctxs := unsafe.Slice((*C.txe_transaction)(b.mem), n)
	out := (*C.txe_result)(unsafe.Add(b.mem, txSize))
	strings := unsafe.Slice((*byte)(unsafe.Add(b.mem, txSize+resSize)), text+1)
	at := 0
	str := func(s string, required bool) C.txe_str {
		if s == "" && !required {
			return C.txe_str{}
		}
		p := &strings[at]
		at += copy(strings[at:], s)
		return C.txe_str{ptr: (*C.uint8_t)(unsafe.Pointer(p)), len: C.size_t(len(s))}
	}
	for i := range txs {
		t := &txs[i]
		ctxs[i] = C.txe_transaction{
			description:            str(t.Description, true),
			amount:                 C.double(t.Amount),
			currency_code:          str(t.CurrencyCode, true),
			mode:                   str(t.Mode, false),
			payee:                  str(t.Payee, false),
			payer:                  str(t.Payer, false),
			additional:             str(t.Additional, false),
			information:            str(t.Information, false),
			original_currency_code: str(t.OriginalCurrencyCode, false),
			mcc:                    C.uint16_t(t.MCC),
			account_nature:         C.txe_account_nature(t.AccountNature),
		}
	}
	return &ctxs[0], out
}

func goString(s C.txe_str) string {
	if s.ptr == nil {
		return ""
	}
	return C.GoStringN((*C.char)(unsafe.Pointer(s.ptr)), C.int(s.len))
}

func goResult(r *C.txe_result) Result {
	return Result{
		Category:             goString(r.category),
		Confidence:           float32(r.confidence),
		Source:               Source(r.source),
		MerchantID:           goString(r.merchant_id),
		MerchantName:         goString(r.merchant_name),
		CustomerCategoryCode: goString(r.customer_category_code),
		CustomerCategoryName: goString(r.customer_category_name),
		Country:              C.GoString(&r.country[0]),
	}
}
