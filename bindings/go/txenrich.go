// Package txenrich is offline transaction enrichment in Salt Edge's shape:
// categories of Salt Edge's personal and business trees, the merchant
// behind a descriptor, customers' learned rules and the Financial Insights
// report, in-process, over the txenrich C ABI (include/txenrich.h).
//
// An Engine is safe for concurrent use by any number of goroutines. Close
// it when done (Close is idempotent and waits for calls in progress; a
// finalizer frees an engine that was not closed). Errors are *Error values
// carrying Salt Edge's error class: errors.Is(err, txenrich.MerchantNotFound).
//
// Build the library first: cargo build --release -p txenrich-ffi (see
// link.go for linking another build).
package txenrich

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#include <stdlib.h>
#include "txenrich.h"
*/
import "C"

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"unsafe"
)

// BatchLimit is the most objects one call of the C ABI takes (Salt Edge's
// limit); the methods here take any number and split them.
const BatchLimit = int(C.TXE_BATCH_LIMIT)

// Version is the library's version: "txenrich-ffi/X.Y.Z/core/X.Y.Z/format/N".
func Version() string {
	return C.GoString(C.txe_version())
}

// Header version of the library these bindings were compiled against.
const (
	VersionMajor = int(C.TXE_VERSION_MAJOR)
	VersionMinor = int(C.TXE_VERSION_MINOR)
	VersionPatch = int(C.TXE_VERSION_PATCH)
)

// Status is the C ABI's txe_status: stable outcome numbers.
type Status int

// The statuses of include/txenrich.h.
const (
	StatusOK                     Status = C.TXE_STATUS_OK
	StatusNullArgument           Status = C.TXE_STATUS_NULL_ARGUMENT
	StatusInvalidUTF8            Status = C.TXE_STATUS_INVALID_UTF8
	StatusInvalidArgument        Status = C.TXE_STATUS_INVALID_ARGUMENT
	StatusWrongRequestFormat     Status = C.TXE_STATUS_WRONG_REQUEST_FORMAT
	StatusJSONParseError         Status = C.TXE_STATUS_JSON_PARSE_ERROR
	StatusBatchSizeLimitExceeded Status = C.TXE_STATUS_BATCH_SIZE_LIMIT_EXCEEDED
	StatusInvalidFromDate        Status = C.TXE_STATUS_INVALID_FROM_DATE
	StatusInvalidToDate          Status = C.TXE_STATUS_INVALID_TO_DATE
	StatusDateOutOfRange         Status = C.TXE_STATUS_DATE_OUT_OF_RANGE
	StatusAccountNotFound        Status = C.TXE_STATUS_ACCOUNT_NOT_FOUND
	StatusMerchantNotFound       Status = C.TXE_STATUS_MERCHANT_NOT_FOUND
	StatusValueOutOfRange        Status = C.TXE_STATUS_VALUE_OUT_OF_RANGE
	StatusDictionaryTruncated    Status = C.TXE_STATUS_DICTIONARY_TRUNCATED
	StatusDictionaryBadMagic     Status = C.TXE_STATUS_DICTIONARY_BAD_MAGIC
	StatusDictionaryVersion      Status = C.TXE_STATUS_DICTIONARY_VERSION
	StatusDictionaryChecksum     Status = C.TXE_STATUS_DICTIONARY_CHECKSUM
	StatusDictionaryCorrupt      Status = C.TXE_STATUS_DICTIONARY_CORRUPT
	StatusPanic                  Status = C.TXE_STATUS_PANIC
	StatusInternal               Status = C.TXE_STATUS_INTERNAL
)

// String is the constant's name in the header ("TXE_STATUS_NULL_ARGUMENT").
func (s Status) String() string {
	if s < 0 || int64(s) > int64(^uint32(0)) {
		return fmt.Sprintf("txe_status(%d)", int(s))
	}
	name := C.txe_status_name(C.uint32_t(s))
	if name == nil {
		return fmt.Sprintf("txe_status(%d)", int(s))
	}
	return C.GoString(name)
}

// Class is the Salt Edge error class of a failing status ("" for OK).
func (s Status) Class() ErrorClass {
	if s < 0 || int64(s) > int64(^uint32(0)) {
		return ""
	}
	class := C.txe_status_class(C.uint32_t(s))
	if class == nil {
		return ""
	}
	return ErrorClass(C.GoString(class))
}

// ErrorClass is a Salt Edge error class. It is itself an error, so that
// errors.Is(err, txenrich.BatchSizeLimitExceeded) tells an error's class.
type ErrorClass string

// Error makes a class usable as the target of errors.Is.
func (c ErrorClass) Error() string { return string(c) }

// The Salt Edge error classes the library reports.
const (
	WrongRequestFormat     ErrorClass = "WrongRequestFormat"
	JSONParseError         ErrorClass = "JsonParseError"
	BatchSizeLimitExceeded ErrorClass = "BatchSizeLimitExceeded"
	InvalidFromDate        ErrorClass = "InvalidFromDate"
	InvalidToDate          ErrorClass = "InvalidToDate"
	DateOutOfRange         ErrorClass = "DateOutOfRange"
	AccountNotFound        ErrorClass = "AccountNotFound"
	MerchantNotFound       ErrorClass = "MerchantNotFound"
	ValueOutOfRange        ErrorClass = "ValueOutOfRange"
	InvalidEncoding        ErrorClass = "InvalidEncoding"
	InternalServerError    ErrorClass = "InternalServerError"
)

// ErrorClasses lists every class above.
var ErrorClasses = []ErrorClass{
	WrongRequestFormat, JSONParseError, BatchSizeLimitExceeded,
	InvalidFromDate, InvalidToDate, DateOutOfRange, AccountNotFound,
	MerchantNotFound, ValueOutOfRange, InvalidEncoding, InternalServerError,
}

// Error is a failure of the library: its status, Salt Edge error class and
// a message naming the field and value at fault.
type Error struct {
	Status  Status
	Class   ErrorClass
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("txenrich: %s: %s", e.Class, e.Message)
}

// Is reports whether target is this error's class (an ErrorClass).
func (e *Error) Is(target error) bool {
	c, ok := target.(ErrorClass)
	return ok && c == e.Class
}

// JSON is Salt Edge's error object for the error.
func (e *Error) JSON() []byte {
	anchor := make([]rune, 0, len(e.Class)+4)
	for i, r := range string(e.Class) {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				anchor = append(anchor, '_')
			}
			r += 'a' - 'A'
		}
		anchor = append(anchor, r)
	}
	out, _ := json.Marshal(map[string]interface{}{
		"error": map[string]string{
			"class":             string(e.Class),
			"message":           e.Message,
			"documentation_url": "https://docs.saltedge.com/data_enrichment/v5/#errors-" + string(anchor),
		},
		"request": nil,
	})
	return out
}

// ErrClosed is returned by calls on a closed Engine or Rules.
var ErrClosed = errors.New("txenrich: use of a closed handle")

// check turns a status and its error object into a Go error, freeing the
// error object.
func check(status C.enum_txe_status, cerr *C.txe_error) error {
	if status == C.TXE_STATUS_OK {
		return nil
	}
	e := &Error{Status: Status(status)}
	if cerr != nil {
		e.Class = ErrorClass(C.GoString(C.txe_error_class(cerr)))
		e.Message = C.GoString(C.txe_error_message(cerr))
		C.txe_error_free(cerr)
	} else {
		e.Class = e.Status.Class()
		e.Message = e.Status.String()
	}
	return e
}

var empty [1]byte

// bytesArg passes a Go slice as (const uint8_t *, size_t) without a copy;
// an empty slice is a non-NULL pointer with length 0.
func bytesArg(b []byte) (*C.uint8_t, C.size_t) {
	if len(b) == 0 {
		return (*C.uint8_t)(unsafe.Pointer(&empty[0])), 0
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0])), C.size_t(len(b))
}

// takeBytes copies a library-owned buffer into Go memory and frees it.
func takeBytes(p *C.uint8_t, n C.size_t) []byte {
	defer C.txe_bytes_free(p)
	if p == nil {
		return nil
	}
	return C.GoBytes(unsafe.Pointer(p), C.int(n))
}

// Engine is the enrichment engine: rules, MCC table, word lists and a
// merchant dictionary. Safe for concurrent use.
type Engine struct {
	mu  sync.RWMutex
	ptr *C.txe_engine
}

func newEngine(ptr *C.txe_engine) *Engine {
	e := &Engine{ptr: ptr}
	runtime.SetFinalizer(e, (*Engine).Close)
	return e
}

// NewEngine returns an engine with the data embedded in the library (built
// once per process, then shared by every such engine).
func NewEngine() (*Engine, error) {
	var ptr *C.txe_engine
	var cerr *C.txe_error
	if err := check(C.txe_engine_builtin(&ptr, &cerr), cerr); err != nil {
		return nil, err
	}
	return newEngine(ptr), nil
}

// LoadEngine returns an engine with the default rules and a merchant
// dictionary compiled by `txenrich compile`. The bytes are copied.
func LoadEngine(dictionary []byte) (*Engine, error) {
	var ptr *C.txe_engine
	var cerr *C.txe_error
	p, n := bytesArg(dictionary)
	status := C.txe_engine_load(p, n, &ptr, &cerr)
	runtime.KeepAlive(dictionary)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	return newEngine(ptr), nil
}

// Close frees the engine. It is idempotent, waits for calls in progress,
// and later calls return ErrClosed.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ptr != nil {
		C.txe_engine_free(e.ptr)
		e.ptr = nil
		runtime.SetFinalizer(e, nil)
	}
	return nil
}

// acquire holds the engine open for one call; release with e.mu.RUnlock.
func (e *Engine) acquire() (*C.txe_engine, error) {
	e.mu.RLock()
	if e.ptr == nil {
		e.mu.RUnlock()
		return nil, ErrClosed
	}
	return e.ptr, nil
}

// Categorization is the category tree to use.
type Categorization int

// Categorizations: Salt Edge's `categorization` (personal is the default).
const (
	Personal Categorization = iota
	Business
	NoCategorization
)

func (c Categorization) name() (string, C.txe_categorization) {
	switch c {
	case Business:
		return "business", C.TXE_CATEGORIZATION_BUSINESS
	case NoCategorization:
		return "none", C.TXE_CATEGORIZATION_NONE
	default:
		return "personal", C.TXE_CATEGORIZATION_PERSONAL
	}
}

// Options of an enrichment. The zero value is the personal tree, the
// country read from each transaction, no learned rules.
type Options struct {
	Categorization Categorization
	// Country is the statement's ISO 3166-1 alpha-2 code, when known.
	Country string
	// Rules and CustomerID: apply this customer's learned rules.
	Rules      *Rules
	CustomerID string
}

// EnrichJSON enriches Salt Edge transactions given as JSON objects, any
// number of them (sent in batches of BatchLimit), and returns each
// enriched transaction as a JSON object, in order: every input field kept,
// `category`, `extra.categorization_confidence`, `extra.merchant_id`,
// `extra.customer_category_code`/`_name`, and `merchant`. One invalid
// transaction fails the call; the error's message names its index.
func (e *Engine) EnrichJSON(transactions []json.RawMessage, opts *Options) ([]json.RawMessage, error) {
	if opts == nil {
		opts = &Options{}
	}
	tree, _ := opts.Categorization.name()
	out := make([]json.RawMessage, 0, len(transactions))
	for start := 0; start < len(transactions); start += BatchLimit {
		end := start + BatchLimit
		if end > len(transactions) {
			end = len(transactions)
		}
		data := map[string]interface{}{
			"categorization": tree,
			"transactions":   transactions[start:end],
		}
		if opts.Country != "" {
			data["country"] = opts.Country
		}
		if opts.CustomerID != "" {
			data["customer_id"] = opts.CustomerID
		}
		body, err := json.Marshal(map[string]interface{}{"data": data})
		if err != nil {
			return nil, err
		}
		resp, err := e.EnrichRequest(body, opts.Rules)
		if err != nil {
			var te *Error
			if start > 0 && errors.As(err, &te) {
				te.Message = fmt.Sprintf("%s (in the batch starting at transaction %d)", te.Message, start)
			}
			return nil, err
		}
		items, err := dataItems(resp)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
	}
	return out, nil
}

// EnrichRequest is the C ABI's txe_enrich_json: a Salt Edge request body
// `{"data":{"customer_id"?,"categorization"?,"country"?,"transactions":[…]}}`
// (at most BatchLimit transactions) in, `{"data":[…]}` out. rules may be
// nil.
func (e *Engine) EnrichRequest(request []byte, rules *Rules) ([]byte, error) {
	ptr, err := e.acquire()
	if err != nil {
		return nil, err
	}
	defer e.mu.RUnlock()
	var rptr *C.txe_rules
	if rules != nil {
		if rptr, err = rules.acquire(); err != nil {
			return nil, err
		}
		defer rules.mu.RUnlock()
	}
	var out *C.uint8_t
	var n C.size_t
	var cerr *C.txe_error
	p, l := bytesArg(request)
	status := C.txe_enrich_json(ptr, rptr, p, l, &out, &n, &cerr)
	runtime.KeepAlive(request)
	runtime.KeepAlive(e)
	runtime.KeepAlive(rules)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	return takeBytes(out, n), nil
}

// Merchants returns Salt Edge's merchant records (as JSON objects) for
// ids found in `extra.merchant_id`, in order. An unknown id fails the call
// with class MerchantNotFound.
func (e *Engine) Merchants(ids ...string) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, 0, len(ids))
	for start := 0; start < len(ids); start += BatchLimit {
		end := start + BatchLimit
		if end > len(ids) {
			end = len(ids)
		}
		body, err := json.Marshal(map[string]interface{}{"data": ids[start:end]})
		if err != nil {
			return nil, err
		}
		resp, err := e.jsonCall(body, func(ptr *C.txe_engine, p *C.uint8_t, l C.size_t, out **C.uint8_t, n *C.size_t, cerr **C.txe_error) C.enum_txe_status {
			return C.txe_merchants_json(ptr, p, l, out, n, cerr)
		})
		if err != nil {
			return nil, err
		}
		items, err := dataItems(resp)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
	}
	return out, nil
}

// Tree selects the categories Categories lists.
type Tree int

// Trees.
const (
	AllTrees     Tree = C.TXE_TREE_ALL
	PersonalTree Tree = C.TXE_TREE_PERSONAL
	BusinessTree Tree = C.TXE_TREE_BUSINESS
)

// Categories returns Salt Edge's categories: tree name → parent → children.
func (e *Engine) Categories(tree Tree) (map[string]map[string][]string, error) {
	ptr, err := e.acquire()
	if err != nil {
		return nil, err
	}
	defer e.mu.RUnlock()
	var out *C.uint8_t
	var n C.size_t
	var cerr *C.txe_error
	status := C.txe_categories_json(ptr, C.txe_tree(tree), &out, &n, &cerr)
	runtime.KeepAlive(e)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	var parsed struct {
		Data map[string]map[string][]string `json:"data"`
	}
	if err := json.Unmarshal(takeBytes(out, n), &parsed); err != nil {
		return nil, err
	}
	return parsed.Data, nil
}

// Report computes Salt Edge's Financial Insights report for a request
// `{"customer_id","currency_code","from_date","to_date","report_types",
// "exchange_rates"?,"accounts","transactions"}` and returns the report's
// `data` object.
func (e *Engine) Report(request []byte) (json.RawMessage, error) {
	resp, err := e.jsonCall(request, func(ptr *C.txe_engine, p *C.uint8_t, l C.size_t, out **C.uint8_t, n *C.size_t, cerr **C.txe_error) C.enum_txe_status {
		return C.txe_report_json(ptr, p, l, out, n, cerr)
	})
	if err != nil {
		return nil, err
	}
	var parsed struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(resp, &parsed); err != nil {
		return nil, err
	}
	return parsed.Data, nil
}

type jsonFn func(*C.txe_engine, *C.uint8_t, C.size_t, **C.uint8_t, *C.size_t, **C.txe_error) C.enum_txe_status

func (e *Engine) jsonCall(request []byte, fn jsonFn) ([]byte, error) {
	ptr, err := e.acquire()
	if err != nil {
		return nil, err
	}
	defer e.mu.RUnlock()
	var out *C.uint8_t
	var n C.size_t
	var cerr *C.txe_error
	p, l := bytesArg(request)
	status := fn(ptr, p, l, &out, &n, &cerr)
	runtime.KeepAlive(request)
	runtime.KeepAlive(e)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	return takeBytes(out, n), nil
}

// Rules are customers' learned rules (Salt Edge's POST /categories/learn).
// Safe for concurrent use: enrichments read them at the same time, Learn
// waits for them and runs alone.
type Rules struct {
	mu  sync.RWMutex
	ptr *C.txe_rules
}

func newRules(ptr *C.txe_rules) *Rules {
	r := &Rules{ptr: ptr}
	runtime.SetFinalizer(r, (*Rules).Close)
	return r
}

// NewRules returns empty rules.
func NewRules() *Rules {
	return newRules(C.txe_rules_new())
}

// RulesFromJSON reads rules saved by Rules.JSON. Invalid rules are an
// error, never empty rules.
func RulesFromJSON(data []byte) (*Rules, error) {
	var ptr *C.txe_rules
	var cerr *C.txe_error
	p, n := bytesArg(data)
	status := C.txe_rules_from_json(p, n, &ptr, &cerr)
	runtime.KeepAlive(data)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	return newRules(ptr), nil
}

func (r *Rules) acquire() (*C.txe_rules, error) {
	r.mu.RLock()
	if r.ptr == nil {
		r.mu.RUnlock()
		return nil, ErrClosed
	}
	return r.ptr, nil
}

// Close frees the rules; idempotent.
func (r *Rules) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ptr != nil {
		C.txe_rules_free(r.ptr)
		r.ptr = nil
		runtime.SetFinalizer(r, nil)
	}
	return nil
}

// JSON returns the rules as JSON, to keep in a file or a database.
func (r *Rules) JSON() ([]byte, error) {
	ptr, err := r.acquire()
	if err != nil {
		return nil, err
	}
	defer r.mu.RUnlock()
	return rulesJSON(ptr)
}

func rulesJSON(ptr *C.txe_rules) ([]byte, error) {
	var out *C.uint8_t
	var n C.size_t
	var cerr *C.txe_error
	if err := check(C.txe_rules_to_json(ptr, &out, &n, &cerr), cerr); err != nil {
		return nil, err
	}
	return takeBytes(out, n), nil
}

// LearnItem is one correction: the category the user chose for the
// transaction with this description. A code of the tree in use becomes the
// category; any other name is the customer's own category.
type LearnItem struct {
	ID           string `json:"id"`
	CategoryCode string `json:"category_code"`
	Immediate    bool   `json:"immediate,omitempty"`
	Description  string `json:"description"`
}

// Learn records a customer's corrections and returns how many. After a
// description's category was changed 3 times, or at once with Immediate,
// that customer's transactions with the description get it. Nothing is
// learned when any item is invalid, however many there are.
func (r *Rules) Learn(customerID string, items []LearnItem) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ptr == nil {
		return 0, ErrClosed
	}
	if len(items) <= BatchLimit {
		return learn(r.ptr, customerID, items)
	}
	// Learn on a copy, then take it: all or nothing.
	saved, err := rulesJSON(r.ptr)
	if err != nil {
		return 0, err
	}
	var cptr *C.txe_rules
	var cerr *C.txe_error
	p, n := bytesArg(saved)
	if err := check(C.txe_rules_from_json(p, n, &cptr, &cerr), cerr); err != nil {
		return 0, err
	}
	total := 0
	for start := 0; start < len(items); start += BatchLimit {
		end := start + BatchLimit
		if end > len(items) {
			end = len(items)
		}
		k, err := learn(cptr, customerID, items[start:end])
		if err != nil {
			C.txe_rules_free(cptr)
			return 0, err
		}
		total += k
	}
	C.txe_rules_free(r.ptr)
	r.ptr = cptr
	return total, nil
}

func learn(ptr *C.txe_rules, customerID string, items []LearnItem) (int, error) {
	body, err := json.Marshal(map[string]interface{}{
		"data": map[string]interface{}{"customer_id": customerID, "transactions": items},
	})
	if err != nil {
		return 0, err
	}
	var learned C.size_t
	var cerr *C.txe_error
	p, n := bytesArg(body)
	status := C.txe_rules_learn_json(ptr, p, n, &learned, &cerr)
	runtime.KeepAlive(body)
	if err := check(status, cerr); err != nil {
		return 0, err
	}
	return int(learned), nil
}

// dataItems reads the items of a `{"data":[…]}` response.
func dataItems(resp []byte) ([]json.RawMessage, error) {
	var parsed struct {
		Data []json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(resp, &parsed); err != nil {
		return nil, err
	}
	return parsed.Data, nil
}
