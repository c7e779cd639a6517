package txenrich_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode"

	txenrich "github.com/txenrich/txenrich/bindings/go"
)

func root(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func engine(t *testing.T) *txenrich.Engine {
	t.Helper()
	e, err := txenrich.NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

type caseLine struct {
	ID          string                 `json:"id"`
	Tree        string                 `json:"tree"`
	Options     map[string]string      `json:"options"`
	Transaction json.RawMessage        `json:"transaction"`
	Expect      map[string]interface{} `json:"expect"`
	where       string
}

func loadCases(t *testing.T) []caseLine {
	files, err := filepath.Glob(filepath.Join(root(t), "tests", "cases", "*.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no case files: %v", err)
	}
	sort.Strings(files)
	var cases []caseLine
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		n := 0
		for sc.Scan() {
			n++
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			var c caseLine
			if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
				t.Fatalf("%s:%d: %v", f, n, err)
			}
			c.where = fmt.Sprintf("%s:%d", filepath.Base(f), n)
			cases = append(cases, c)
		}
		fh.Close()
	}
	return cases
}

var suffixes = map[string]bool{
	"ltd": true, "limited": true, "plc": true, "gmbh": true, "ag": true, "sa": true,
	"sas": true, "sarl": true, "srl": true, "spa": true, "bv": true, "nv": true,
	"inc": true, "llc": true, "co": true, "kg": true, "oy": true, "ab": true,
	"as": true, "aps": true, "sp": true, "zoo": true, "se": true, "the": true,
}

// accents maps the Latin letters whose compatibility decomposition (NFKD)
// is an ASCII letter and combining marks to that letter: the folding
// tests/common/lib.rs does with unicode-normalization, without a module
// outside the standard library (generated from Python's unicodedata for
// U+00C0–U+024F and U+1E00–U+1EFF).
var accents = func() map[rune]string {
	m := map[rune]string{}
	for _, g := range [][2]string{
		{"A", "ÀÁÂÃÄÅĀĂĄǍǞǠǺȀȂȦḀẠẢẤẦẨẪẬẮẰẲẴẶ"},
		{"B", "ḂḄḆ"},
		{"C", "ÇĆĈĊČḈ"},
		{"D", "ĎḊḌḎḐḒ"},
		{"DZ", "ǄǱ"},
		{"Dz", "ǅǲ"},
		{"E", "ÈÉÊËĒĔĖĘĚȄȆȨḔḖḘḚḜẸẺẼẾỀỂỄỆ"},
		{"F", "Ḟ"},
		{"G", "ĜĞĠĢǦǴḠ"},
		{"H", "ĤȞḢḤḦḨḪ"},
		{"I", "ÌÍÎÏĨĪĬĮİǏȈȊḬḮỈỊ"},
		{"IJ", "Ĳ"},
		{"J", "Ĵ"},
		{"K", "ĶǨḰḲḴ"},
		{"L", "ĹĻĽḶḸḺḼ"},
		{"LJ", "Ǉ"},
		{"Lj", "ǈ"},
		{"M", "ḾṀṂ"},
		{"N", "ÑŃŅŇǸṄṆṈṊ"},
		{"NJ", "Ǌ"},
		{"Nj", "ǋ"},
		{"O", "ÒÓÔÕÖŌŎŐƠǑǪǬȌȎȪȬȮȰṌṎṐṒỌỎỐỒỔỖỘỚỜỞỠỢ"},
		{"P", "ṔṖ"},
		{"R", "ŔŖŘȐȒṘṚṜṞ"},
		{"S", "ŚŜŞŠȘṠṢṤṦṨ"},
		{"T", "ŢŤȚṪṬṮṰ"},
		{"U", "ÙÚÛÜŨŪŬŮŰŲƯǓǕǗǙǛȔȖṲṴṶṸṺỤỦỨỪỬỮỰ"},
		{"V", "ṼṾ"},
		{"W", "ŴẀẂẄẆẈ"},
		{"X", "ẊẌ"},
		{"Y", "ÝŶŸȲẎỲỴỶỸ"},
		{"Z", "ŹŻŽẐẒẔ"},
		{"a", "àáâãäåāăąǎǟǡǻȁȃȧḁạảấầẩẫậắằẳẵặ"},
		{"b", "ḃḅḇ"},
		{"c", "çćĉċčḉ"},
		{"d", "ďḋḍḏḑḓ"},
		{"dz", "ǆǳ"},
		{"e", "èéêëēĕėęěȅȇȩḕḗḙḛḝẹẻẽếềểễệ"},
		{"f", "ḟ"},
		{"g", "ĝğġģǧǵḡ"},
		{"h", "ĥȟḣḥḧḩḫẖ"},
		{"i", "ìíîïĩīĭįǐȉȋḭḯỉị"},
		{"ij", "ĳ"},
		{"j", "ĵǰ"},
		{"k", "ķǩḱḳḵ"},
		{"l", "ĺļľḷḹḻḽ"},
		{"lj", "ǉ"},
		{"m", "ḿṁṃ"},
		{"n", "ñńņňǹṅṇṉṋ"},
		{"nj", "ǌ"},
		{"o", "òóôõöōŏőơǒǫǭȍȏȫȭȯȱṍṏṑṓọỏốồổỗộớờởỡợ"},
		{"p", "ṕṗ"},
		{"r", "ŕŗřȑȓṙṛṝṟ"},
		{"s", "śŝşšſșṡṣṥṧṩẛ"},
		{"t", "ţťțṫṭṯṱẗ"},
		{"u", "ùúûüũūŭůűųưǔǖǘǚǜȕȗṳṵṷṹṻụủứừửữự"},
		{"v", "ṽṿ"},
		{"w", "ŵẁẃẅẇẉẘ"},
		{"x", "ẋẍ"},
		{"y", "ýÿŷȳẏẙỳỵỷỹ"},
		{"z", "źżžẑẓẕ"},
	} {
		for _, r := range g[1] {
			m[r] = g[0]
		}
	}
	return m
}()

// foldName is tests/common/lib.rs fold_name: accents, case, punctuation
// and "&" folded, legal suffixes dropped.
func foldName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if base, ok := accents[r]; ok {
			b.WriteString(base)
		} else if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	s := strings.ToLower(b.String())
	s = strings.NewReplacer("&", " and ", "'", "", "\u2019", "").Replace(s)
	words := strings.FieldsFunc(s, func(r rune) bool {
		return !(r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)))
	})
	var out strings.Builder
	for _, w := range words {
		if !suffixes[w] {
			out.WriteString(w)
		}
	}
	return out.String()
}

// check is tests/common/lib.rs check.
func check(c caseLine, out map[string]interface{}) string {
	var problems []string
	if out["category"] != c.Expect["category"] {
		problems = append(problems, fmt.Sprintf("category %v (expected %v)", out["category"], c.Expect["category"]))
	}
	merchant, _ := out["merchant"].(map[string]interface{})
	var names []string
	if merchant != nil {
		list, _ := merchant["names"].([]interface{})
		for _, n := range list {
			if m, ok := n.(map[string]interface{}); ok {
				if v, ok := m["value"].(string); ok {
					names = append(names, v)
				}
			}
		}
	}
	want, _ := c.Expect["merchant"].(string)
	if c.Expect["merchant"] == nil {
		if merchant != nil {
			problems = append(problems, fmt.Sprintf("merchant %q (expected none)", names))
		}
	} else {
		found := false
		for _, n := range names {
			if foldName(n) == foldName(want) {
				found = true
			}
		}
		if !found {
			problems = append(problems, fmt.Sprintf("merchant %q (expected %q)", names, want))
		}
		if wantID, ok := c.Expect["merchant_id"]; ok {
			got := merchant["id"]
			if wantID == nil && got != nil {
				problems = append(problems, fmt.Sprintf("merchant id %v (expected a name read from the descriptor)", got))
			} else if wantID != nil && got != wantID {
				problems = append(problems, fmt.Sprintf("merchant id %v (expected %v)", got, wantID))
			}
		}
	}
	return strings.Join(problems, "; ")
}

func TestFoldName(t *testing.T) {
	for in, want := range map[string]string{
		"Marks & Spencer PLC": "marksandspencer",
		"Café Nero Ltd.":      "cafenero",
		"McDonald’s":          "mcdonalds",
	} {
		if got := foldName(in); got != want {
			t.Errorf("foldName(%q) = %q, want %q", in, got, want)
		}
	}
}

func categorization(tree string) txenrich.Categorization {
	if tree == "business" {
		return txenrich.Business
	}
	return txenrich.Personal
}

// TestCorpus runs the shared case corpus through the JSON path, and checks
// that the struct path agrees with it.
func TestCorpus(t *testing.T) {
	e := engine(t)
	cases := loadCases(t)
	if len(cases) < 300 {
		t.Fatalf("the corpus has %d cases", len(cases))
	}
	type key struct{ tree, country string }
	groups := map[key][]caseLine{}
	var order []key
	for _, c := range cases {
		k := key{c.Tree, c.Options["country"]}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], c)
	}
	var failures []string
	for _, k := range order {
		group := groups[k]
		raw := make([]json.RawMessage, len(group))
		txs := make([]txenrich.Transaction, len(group))
		for i, c := range group {
			raw[i] = c.Transaction
			txs[i] = structOf(t, c.Transaction)
		}
		opts := &txenrich.Options{Categorization: categorization(k.tree), Country: k.country}
		outs, err := e.EnrichJSON(raw, opts)
		if err != nil {
			t.Fatal(err)
		}
		results, err := e.Enrich(txs, opts)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range group {
			var out map[string]interface{}
			if err := json.Unmarshal(outs[i], &out); err != nil {
				t.Fatal(err)
			}
			if out["id"] != c.ID {
				t.Fatalf("order: %v for %s", out["id"], c.ID)
			}
			if why := check(c, out); why != "" {
				failures = append(failures, fmt.Sprintf("%s (%s): %s", c.ID, c.where, why))
			}
			// The struct path gives the same answer.
			r := results[i]
			if r.Category != out["category"] {
				failures = append(failures, fmt.Sprintf("%s: struct path category %q, JSON path %v", c.ID, r.Category, out["category"]))
			}
			merchant, _ := out["merchant"].(map[string]interface{})
			id, _ := merchant["id"].(string)
			if r.MerchantID != id || (merchant == nil) != (r.MerchantName == "") {
				failures = append(failures, fmt.Sprintf("%s: struct path merchant %q/%q, JSON path %v", c.ID, r.MerchantID, r.MerchantName, merchant))
			}
		}
	}
	if len(failures) > 0 {
		t.Fatalf("%d of %d cases fail:\n%s", len(failures), len(cases), strings.Join(failures, "\n"))
	}
}

// structOf reads a Salt Edge transaction into the struct path's type.
func structOf(t *testing.T, raw json.RawMessage) txenrich.Transaction {
	var v struct {
		Description  string  `json:"description"`
		Amount       float64 `json:"amount"`
		CurrencyCode string  `json:"currency_code"`
		Mode         string  `json:"mode"`
		Extra        struct {
			Payee                string `json:"payee"`
			Payer                string `json:"payer"`
			Additional           string `json:"additional"`
			Information          string `json:"information"`
			MCC                  string `json:"mcc"`
			OriginalCurrencyCode string `json:"original_currency_code"`
		} `json:"extra"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	var mcc uint16
	if m := strings.TrimSpace(v.Extra.MCC); len(m) == 4 {
		fmt.Sscanf(m, "%d", &mcc)
	}
	return txenrich.Transaction{
		Description: v.Description, Amount: v.Amount, CurrencyCode: v.CurrencyCode,
		Mode: v.Mode, Payee: v.Extra.Payee, Payer: v.Extra.Payer,
		Additional: v.Extra.Additional, Information: v.Extra.Information,
		OriginalCurrencyCode: v.Extra.OriginalCurrencyCode, MCC: mcc,
	}
}

func tx(i int, description string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"id":"%d","made_on":"2026-03-12","amount":-23.47,"currency_code":"GBP","description":%q,"custom":%d}`, i, description, i))
}

// TestConcurrency: many goroutines share one engine, through both paths.
func TestConcurrency(t *testing.T) {
	e := engine(t)
	descriptions := []string{"TESCO STORES 2345 LONDON GB", "SALARY ACME LTD BGC",
		"TST* BLUE HERON TAVERN PORTLAND OR", "NETFLIX.COM 866-579-7172 CA", "ATM WITHDRAWAL"}
	var raw []json.RawMessage
	var txs []txenrich.Transaction
	for i := 0; i < 250; i++ {
		d := descriptions[i%len(descriptions)]
		raw = append(raw, tx(i, d))
		txs = append(txs, txenrich.Transaction{Description: d, Amount: -23.47, CurrencyCode: "GBP"})
	}
	wantJSON, err := e.EnrichJSON(raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := e.Enrich(txs, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 64; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for round := 0; round < 5; round++ {
				if g%2 == 0 {
					got, err := e.Enrich(txs, nil)
					if err != nil {
						errs <- err
						return
					}
					for i := range got {
						if got[i] != want[i] {
							errs <- fmt.Errorf("goroutine %d: result %d differs", g, i)
							return
						}
					}
				} else {
					got, err := e.EnrichJSON(raw, nil)
					if err != nil {
						errs <- err
						return
					}
					for i := range got {
						if string(got[i]) != string(wantJSON[i]) {
							errs <- fmt.Errorf("goroutine %d: JSON %d differs", g, i)
							return
						}
					}
				}
				runtime.Gosched()
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestStructPath(t *testing.T) {
	e := engine(t)
	res, err := e.Enrich([]txenrich.Transaction{
		{Description: "TESCO STORES 2345 LONDON GB", Amount: -23.47, CurrencyCode: "GBP", MCC: 5411},
		{Description: "TST* BLUE HERON TAVERN PORTLAND OR", Amount: -38.5, CurrencyCode: "USD"},
		{Description: "SALARY ACME LTD BGC", Amount: 2450, CurrencyCode: "GBP", AccountNature: txenrich.NatureChecking},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Category != "groceries" || res[0].MerchantID != "wd:Q487494" || res[0].MerchantName != "Tesco" || res[0].Source != txenrich.SourceMerchant || res[0].Country != "GB" {
		t.Errorf("tesco: %+v", res[0])
	}
	if res[1].MerchantID != "" || res[1].MerchantName != "Blue Heron Tavern" {
		t.Errorf("tavern: %+v", res[1])
	}
	if res[2].Category != "paycheck" || res[2].MerchantName != "" || res[2].Source != txenrich.SourceRule {
		t.Errorf("salary: %+v", res[2])
	}
	none, err := e.Enrich([]txenrich.Transaction{{Description: "TESCO STORES 2345", Amount: -1, CurrencyCode: "GBP"}},
		&txenrich.Options{Categorization: txenrich.NoCategorization})
	if err != nil || none[0].Category != "" || none[0].Source != txenrich.SourceNone {
		t.Errorf("none: %+v %v", none, err)
	}
	if out, err := e.Enrich(nil, nil); err != nil || len(out) != 0 {
		t.Errorf("empty: %v %v", out, err)
	}
	// Errors name the transaction, with its index in the caller's slice.
	many := make([]txenrich.Transaction, 150)
	for i := range many {
		many[i] = txenrich.Transaction{Description: "X", Amount: -1, CurrencyCode: "EUR"}
	}
	many[120].CurrencyCode = "eur"
	_, err = e.Enrich(many, nil)
	var te *txenrich.Error
	if !errors.As(err, &te) || !errors.Is(err, txenrich.WrongRequestFormat) ||
		!strings.HasPrefix(te.Message, "transactions[20].currency_code") || !strings.Contains(te.Message, "starting at transaction 100") {
		t.Errorf("bad currency: %v", err)
	}
	many[120].CurrencyCode = "EUR"
	many[3].Payee = "\xff"
	if _, err = e.Enrich(many, nil); !errors.Is(err, txenrich.InvalidEncoding) {
		t.Errorf("bad UTF-8: %v", err)
	}
	many[3].Payee = ""
	many[4].Mode = "card"
	if _, err = e.Enrich(many, nil); !errors.Is(err, txenrich.WrongRequestFormat) {
		t.Errorf("bad mode: %v", err)
	}
	many[4].Mode = ""
	many[5].AccountNature = 99
	if _, err = e.Enrich(many, nil); !errors.As(err, &te) || te.Status != txenrich.StatusInvalidArgument {
		t.Errorf("bad nature: %v", err)
	}
	if _, err = e.Enrich(many[:1], &txenrich.Options{Country: "GBR"}); !errors.As(err, &te) || te.Status != txenrich.StatusInvalidArgument {
		t.Errorf("bad country: %v", err)
	}
}

func TestErrors(t *testing.T) {
	e := engine(t)
	raw := []json.RawMessage{tx(0, "A"), json.RawMessage(`{"id":"1","made_on":"12/03/2026","amount":1,"currency_code":"GBP","description":"x"}`)}
	_, err := e.EnrichJSON(raw, nil)
	var te *txenrich.Error
	if !errors.As(err, &te) {
		t.Fatalf("not an *Error: %v", err)
	}
	if te.Class != txenrich.WrongRequestFormat || te.Status != txenrich.StatusWrongRequestFormat ||
		!strings.HasPrefix(te.Message, "data.transactions[1].made_on: ") {
		t.Errorf("%+v", te)
	}
	if !errors.Is(err, txenrich.WrongRequestFormat) || errors.Is(err, txenrich.JSONParseError) {
		t.Error("errors.Is by class")
	}
	var obj map[string]map[string]string
	if json.Unmarshal(te.JSON(), &obj) != nil || !strings.HasSuffix(obj["error"]["documentation_url"], "#errors-wrong_request_format") {
		t.Errorf("JSON: %s", te.JSON())
	}
	big := make([]byte, 0, 20000)
	big = append(big, `{"data":{"transactions":[`...)
	for i := 0; i < 101; i++ {
		if i > 0 {
			big = append(big, ',')
		}
		big = append(big, tx(i, "A")...)
	}
	big = append(big, "]}}"...)
	if _, err := e.EnrichRequest(big, nil); !errors.Is(err, txenrich.BatchSizeLimitExceeded) {
		t.Errorf("101 transactions: %v", err)
	}
	if _, err := e.EnrichRequest([]byte("{"), nil); !errors.Is(err, txenrich.JSONParseError) {
		t.Errorf("not JSON: %v", err)
	}
	if _, err := e.EnrichRequest(nil, nil); !errors.Is(err, txenrich.JSONParseError) {
		t.Errorf("empty: %v", err)
	}
	if _, err := e.Merchants("wd:Q487494", "no:such"); !errors.Is(err, txenrich.MerchantNotFound) || !strings.Contains(err.Error(), "no:such") {
		t.Errorf("merchants: %v", err)
	}
	if _, err := e.Categories(txenrich.Tree(7)); !errors.As(err, &te) || te.Status != txenrich.StatusInvalidArgument {
		t.Errorf("categories: %v", err)
	}
	if _, err := txenrich.LoadEngine([]byte("not a dictionary but long enough to be read")); !errors.As(err, &te) || te.Status != txenrich.StatusDictionaryBadMagic {
		t.Errorf("bad dictionary: %v", err)
	}
	if _, err := txenrich.LoadEngine(nil); !errors.As(err, &te) || te.Status != txenrich.StatusDictionaryTruncated {
		t.Errorf("empty dictionary: %v", err)
	}
}

func TestMerchantsCategoriesReport(t *testing.T) {
	e := engine(t)
	ids := make([]string, 150)
	for i := range ids {
		ids[i] = "wd:Q487494"
	}
	ms, err := e.Merchants(ids...)
	if err != nil || len(ms) != 150 || !strings.Contains(string(ms[0]), `"id":"wd:Q487494"`) {
		t.Fatalf("merchants: %d %v", len(ms), err)
	}
	cats, err := e.Categories(txenrich.AllTrees)
	if err != nil || len(cats) != 2 {
		t.Fatalf("categories: %v %v", cats, err)
	}
	found := false
	for _, c := range cats["personal"]["food_and_dining"] {
		found = found || c == "groceries"
	}
	if !found {
		t.Error("groceries is a child of food_and_dining")
	}
	if b, _ := e.Categories(txenrich.BusinessTree); len(b) != 1 || b["business"] == nil {
		t.Errorf("business: %v", b)
	}
	req := `{"customer_id":"c1","currency_code":"EUR","from_date":"2024-01-01","to_date":"2024-03-31",
	  "report_types":["balance","income"],"accounts":[{"id":"a1","balance":1500}],
	  "transactions":[{"id":"1","account_id":"a1","made_on":"2024-01-25","amount":2000,"currency_code":"EUR","description":"SALARY ACME LTD"}]}`
	data, err := e.Report([]byte(req))
	if err != nil || !strings.Contains(string(data), "accounts_summary") {
		t.Fatalf("report: %s %v", data, err)
	}
	bad := strings.Replace(req, "2024-01-01", "2024-13-01", 1)
	if _, err := e.Report([]byte(bad)); !errors.Is(err, txenrich.InvalidFromDate) {
		t.Errorf("bad from_date: %v", err)
	}
	bad = strings.Replace(req, `"account_id":"a1"`, `"account_id":"a2"`, 1)
	if _, err := e.Report([]byte(bad)); !errors.Is(err, txenrich.AccountNotFound) {
		t.Errorf("unknown account: %v", err)
	}
}

func TestRules(t *testing.T) {
	e := engine(t)
	rules := txenrich.NewRules()
	defer rules.Close()
	n, err := rules.Learn("c1", []txenrich.LearnItem{
		{ID: "1", CategoryCode: "Weekly shop", Immediate: true, Description: "TESCO STORES 2345 LONDON GB"},
	})
	if err != nil || n != 1 {
		t.Fatal(n, err)
	}
	out, err := e.EnrichJSON([]json.RawMessage{tx(1, "TESCO STORES 2345 LONDON GB")},
		&txenrich.Options{Rules: rules, CustomerID: "c1"})
	if err != nil || !strings.Contains(string(out[0]), `"customer_category_name":"Weekly shop"`) {
		t.Fatalf("%s %v", out, err)
	}
	res, err := e.Enrich([]txenrich.Transaction{{Description: "TESCO STORES 2345 LONDON GB", Amount: -1, CurrencyCode: "GBP"}},
		&txenrich.Options{Rules: rules, CustomerID: "c1"})
	if err != nil || res[0].CustomerCategoryName != "Weekly shop" || res[0].Category != "groceries" {
		t.Fatalf("%+v %v", res, err)
	}
	saved, err := rules.JSON()
	if err != nil {
		t.Fatal(err)
	}
	back, err := txenrich.RulesFromJSON(saved)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := back.JSON(); string(again) != string(saved) {
		t.Error("round trip")
	}
	back.Close()
	if _, err := txenrich.RulesFromJSON([]byte("{")); !errors.Is(err, txenrich.JSONParseError) {
		t.Errorf("bad rules: %v", err)
	}
	// All or nothing, however many items.
	items := make([]txenrich.LearnItem, 150)
	for i := range items {
		items[i] = txenrich.LearnItem{ID: fmt.Sprint(i), CategoryCode: "gifts", Description: fmt.Sprintf("SHOP %c%d", 'A'+i%26, i)}
	}
	items[140].Description = "1234"
	if _, err := rules.Learn("c3", items); !errors.Is(err, txenrich.WrongRequestFormat) {
		t.Errorf("bad item: %v", err)
	}
	if saved, _ := rules.JSON(); strings.Contains(string(saved), `"c3"`) {
		t.Error("a failed learn changed the rules")
	}
	items[140].Description = "SHOP LAST"
	if n, err := rules.Learn("c3", items); err != nil || n != 150 {
		t.Errorf("learn 150: %d %v", n, err)
	}
}

func TestClose(t *testing.T) {
	e, err := txenrich.NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal("Close is idempotent")
	}
	if _, err := e.EnrichJSON([]json.RawMessage{tx(1, "A")}, nil); err != txenrich.ErrClosed {
		t.Errorf("after Close: %v", err)
	}
	if _, err := e.Enrich([]txenrich.Transaction{{Description: "A", CurrencyCode: "EUR"}}, nil); err != txenrich.ErrClosed {
		t.Errorf("after Close: %v", err)
	}
	r := txenrich.NewRules()
	r.Close()
	r.Close()
	if _, err := r.JSON(); err != txenrich.ErrClosed {
		t.Errorf("rules after Close: %v", err)
	}
	// Engines dropped without Close are freed by their finalizers.
	for i := 0; i < 10; i++ {
		if _, err := txenrich.NewEngine(); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.GC()
}

func TestLoadDictionary(t *testing.T) {
	path := os.Getenv("TXENRICH_TEST_DICTIONARY")
	if path == "" {
		t.Skip("TXENRICH_TEST_DICTIONARY is not set (scripts/test sets it)")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	e, err := txenrich.LoadEngine(data)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	res, err := e.Enrich([]txenrich.Transaction{{Description: "ZYXWV COFFEE LONDON GB", Amount: -3.2, CurrencyCode: "GBP"}}, nil)
	if err != nil || res[0].MerchantID != "cur:zyxwv" {
		t.Fatalf("%+v %v", res, err)
	}
}

// TestVersionAndStatuses: the header's version and statuses match the
// package's constants and Cargo.toml.
func TestVersionAndStatuses(t *testing.T) {
	v := txenrich.Version()
	want := fmt.Sprintf("txenrich-ffi/%d.%d.%d/core/", txenrich.VersionMajor, txenrich.VersionMinor, txenrich.VersionPatch)
	if !strings.HasPrefix(v, want) {
		t.Errorf("version %q, want prefix %q", v, want)
	}
	cargo, err := os.ReadFile(filepath.Join(root(t), "Cargo.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cargo), fmt.Sprintf("version = \"%d.%d.%d\"", txenrich.VersionMajor, txenrich.VersionMinor, txenrich.VersionPatch)) {
		t.Error("TXE_VERSION_* differ from Cargo.toml")
	}
	header, err := os.ReadFile(filepath.Join(root(t), "include", "txenrich.h"))
	if err != nil {
		t.Fatal(err)
	}
	known := map[txenrich.ErrorClass]bool{}
	for _, c := range txenrich.ErrorClasses {
		known[c] = true
	}
	re := regexp.MustCompile(`\bTXE_STATUS_(\w+) = (\d+)`)
	matches := re.FindAllStringSubmatch(string(header), -1)
	if len(matches) < 20 {
		t.Fatalf("found %d statuses in the header", len(matches))
	}
	for _, m := range matches {
		var n int
		fmt.Sscan(m[2], &n)
		s := txenrich.Status(n)
		if s.String() != "TXE_STATUS_"+m[1] {
			t.Errorf("%d: %s", n, s)
		}
		if n != 0 && !known[s.Class()] {
			t.Errorf("%s has class %q, which has no constant", s, s.Class())
		}
	}
	if txenrich.StatusMerchantNotFound.String() != "TXE_STATUS_MERCHANT_NOT_FOUND" || txenrich.Status(4242).Class() != "" {
		t.Error("status helpers")
	}
}
