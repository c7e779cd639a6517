// Enriches the sample statement with the Go binding.
//
// Run (from the repository's root):
//
//	cargo build --release -p txenrich-ffi && (cd examples/go && go run .)
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"

	txenrich "github.com/txenrich/txenrich/bindings/go"
)

func main() {
	fmt.Println(txenrich.Version())
	engine, err := txenrich.NewEngine()
	if err != nil {
		log.Fatal(err)
	}
	defer engine.Close()

	// The JSON path: Salt Edge transactions in and out, any number.
	f, err := os.Open("../transactions.jsonl")
	if err != nil {
		log.Fatal(err)
	}
	var lines []json.RawMessage
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, json.RawMessage(append([]byte(nil), sc.Bytes()...)))
	}
	f.Close()
	good, bad := lines[:len(lines)-1], lines[len(lines)-1:] // the last is malformed on purpose
	out, err := engine.EnrichJSON(good, &txenrich.Options{Categorization: txenrich.Personal})
	if err != nil {
		log.Fatal(err)
	}
	for _, raw := range out {
		var tx struct {
			Description string `json:"description"`
			Category    string `json:"category"`
			Merchant    *struct {
				Names []struct{ Value string } `json:"names"`
			} `json:"merchant"`
		}
		if err := json.Unmarshal(raw, &tx); err != nil {
			log.Fatal(err)
		}
		name := "-"
		if tx.Merchant != nil && len(tx.Merchant.Names) > 0 {
			name = tx.Merchant.Names[0].Value
		}
		fmt.Printf("%-44.44s  %-24s  %s\n", tx.Description, tx.Category, name)
	}

	// Errors carry Salt Edge's class.
	if _, err := engine.EnrichJSON(bad, nil); errors.Is(err, txenrich.WrongRequestFormat) {
		fmt.Println(err)
	}

	// The struct path, no JSON: the fastest way in.
	results, err := engine.Enrich([]txenrich.Transaction{
		{Description: "TST* BLUE HERON TAVERN PORTLAND OR", Amount: -38.5, CurrencyCode: "USD", MCC: 5813},
		{Description: "Kartenzahlung REWE Markt GmbH//Hamburg/DE", Amount: -31.08, CurrencyCode: "EUR"},
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range results {
		fmt.Printf("%s %.2f %q %q %s\n", r.Category, r.Confidence, r.MerchantName, r.MerchantID, r.Country)
	}
}
