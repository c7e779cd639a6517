//! A seeded generator of realistic statement lines, for benchmarks.
//!
//! The lines imitate how banks and card networks across Europe and the US
//! print transactions: card purchases with the bank's phrase, store numbers,
//! dates, card masks and trailing cities; facilitator prefixes; direct
//! debits; and about 30% of lines with no merchant (salaries, transfers to
//! people, cash, fees, interest). Merchant names are drawn from the
//! engine's own dictionary, people's names and cities from its word lists,
//! so the generator holds no brand names of its own. The same seed gives
//! the same lines.
//!
//! ```
//! use txenrich::Engine;
//! use txenrich::synth::Generator;
//!
//! let engine = Engine::builtin();
//! let mut a = Generator::new(&engine, 7);
//! let mut b = Generator::new(&engine, 7);
//! let line = a.json_line(0);
//! assert_eq!(line, b.json_line(0));
//! assert!(line.starts_with("{\"id\":\"0\""));
//! ```

use crate::Engine;
use crate::lexicon::Lexicon;

/// SplitMix64: a small, fast, seeded pseudo-random generator, good enough
/// to draw test data (not for anything secret).
///
/// ```
/// use txenrich::synth::SplitMix64;
/// let mut a = SplitMix64::new(7);
/// let mut b = SplitMix64::new(7);
/// assert_eq!(a.next_u64(), b.next_u64());
/// assert!(a.below(10) < 10);
/// ```
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// An index skewed towards the start: popular merchants come first.
    fn skewed(&mut self, n: usize) -> usize {
        let u = self.next_u64() as f64 / u64::MAX as f64;
        ((u * u * u) * n as f64) as usize % n.max(1)
    }

    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// A statement shape: a currency, and a card, a debit and a transfer
/// phrase as banks of one country print them.
struct Shape {
    currency: &'static str,
    card: &'static [&'static str],
    debit: &'static [&'static str],
    transfer: &'static [&'static str],
    salary: &'static [&'static str],
    cash: &'static [&'static str],
    fee: &'static [&'static str],
}

// `{m}` merchant, `{c}` city, `{s}` store number, `{d}` date, `{t}` time,
// `{k}` card mask, `{r}` reference, `{p}` person, `{e}` employer, `{C}`
// country code.
const SHAPES: &[Shape] = &[
    Shape {
        currency: "GBP",
        card: &[
            "CARD PAYMENT TO {m} {s} ON {d}",
            "{m} {s} {c} GB",
            "CONTACTLESS {m} {c}",
            "SQ *{m} {c} GB",
            "PAYPAL *{m} {r}",
        ],
        debit: &["DD {m}", "{m} DD {r}"],
        transfer: &[
            "TRANSFER TO {p} REF {r}",
            "FPO {p} REF RENT",
            "FPI {p} REF DINNER",
        ],
        salary: &["BGC {e} SALARY", "{e} PAYROLL BGC"],
        cash: &["ATM WITHDRAWAL {c} {d}", "CASH {c} {d}"],
        fee: &["MONTHLY ACCOUNT FEE", "NON-STERLING TRANSACTION FEE"],
    },
    Shape {
        currency: "EUR",
        card: &[
            "Kartenzahlung {m}//{c}/DE {d}",
            "ACHAT CB {m} {d} CARTE NUMERO {s}",
            "COMPRA TARJ. {k} {m} {c}",
            "PAGAMENTO POS {m} {c}",
            "BEA, Betaalpas {m},PAS{s} NR:{r}, {d}/{t} {c}",
            "SUMUP *{m} {c}",
        ],
        debit: &[
            "SEPA-Lastschrift {m} {r}",
            "PRLV SEPA {m} {r}",
            "ADDEBITO SDD {m}",
            "RECIBO {m}",
        ],
        transfer: &[
            "Überweisung an {p} {r}",
            "VIR SEPA {p} {r}",
            "BONIFICO A FAVORE DI {p}",
            "BIZUM ENVIADO A {p}",
        ],
        salary: &[
            "Gutschrift LOHN/GEHALT {e}",
            "VIR SALAIRE {e}",
            "NOMINA {e}",
            "STIPENDIO {e}",
        ],
        cash: &[
            "Bargeldauszahlung {c} {d}",
            "RETRAIT DAB {c} {d}",
            "PRELIEVO BANCOMAT {c}",
        ],
        fee: &[
            "Entgelt Kontoführung",
            "FRAIS TENUE DE COMPTE",
            "COMISION MANTENIMIENTO",
        ],
    },
    Shape {
        currency: "USD",
        card: &[
            "{m} #{s} {c} {C}",
            "DEBIT CARD PURCHASE - {m} {c} {C}",
            "TST* {m} {c} {C}",
            "{m}*{r} {c} {C}",
        ],
        debit: &["{m} DES:BILL PAY ID:{r} WEB"],
        transfer: &[
            "ZELLE TO {p} ON {d}",
            "VENMO DES:PAYMENT ID:{r} INDN:{p} WEB",
        ],
        salary: &["DIRECT DEP {e} PAYROLL PPD ID: {r}"],
        cash: &["ATM WITHDRAWAL {c} {C}"],
        fee: &["MONTHLY SERVICE FEE", "OVERDRAFT FEE"],
    },
    Shape {
        currency: "PLN",
        card: &[
            "ZAKUP PRZY UŻYCIU KARTY {m} {c}",
            "Płatność kartą {d} {m} {c}",
        ],
        debit: &["POLECENIE ZAPŁATY {m}"],
        transfer: &["PRZELEW DO {p}", "BLIK PRZELEW NA TELEFON {p}"],
        salary: &["WYNAGRODZENIE {e}"],
        cash: &["WYPŁATA Z BANKOMATU {c}"],
        fee: &["OPŁATA ZA PROWADZENIE RACHUNKU"],
    },
];

/// Draws statement lines. See the [module docs](self).
#[derive(Clone, Debug)]
pub struct Generator {
    rng: SplitMix64,
    merchants: Vec<String>,
    people: Vec<String>,
    cities: Vec<String>,
}

impl Generator {
    /// A generator drawing from `engine`'s dictionary and the embedded word
    /// lists, starting from `seed`.
    pub fn new(engine: &Engine, seed: u64) -> Generator {
        let mut merchants: Vec<String> = engine
            .dictionary()
            .merchants()
            .map(|m| m.name().to_uppercase())
            .collect();
        if merchants.is_empty() {
            merchants.push("CORNER SHOP".into());
        }
        let lexicon = Lexicon::try_builtin().unwrap_or_default();
        let mut firsts: Vec<&str> = lexicon.first_names.iter().collect();
        let mut lasts: Vec<&str> = lexicon.surnames.iter().collect();
        let mut cities: Vec<String> =
            lexicon.cities.keys().map(|c| c.to_uppercase()).collect();
        // Sorted, so that a seed means one sequence whatever order the
        // lists are kept in.
        firsts.sort();
        lasts.sort();
        cities.sort();
        let mut rng = SplitMix64::new(seed);
        let people = (0..2000)
            .map(|_| {
                let f = firsts
                    .get(rng.below(firsts.len().max(1)))
                    .copied()
                    .unwrap_or("ANNA");
                let l = lasts
                    .get(rng.below(lasts.len().max(1)))
                    .copied()
                    .unwrap_or("EXAMPLE");
                format!("{} {}", f.to_uppercase(), l.to_uppercase())
            })
            .collect();
        if cities.is_empty() {
            cities.push("LONDON".into());
        }
        Generator {
            rng: SplitMix64::new(seed ^ 0x5eed),
            merchants,
            people,
            cities,
        }
    }

    /// One description with its amount and currency.
    pub fn descriptor(&mut self) -> (String, f64, &'static str) {
        let shape = &SHAPES[self.rng.below(SHAPES.len())];
        let roll = self.rng.below(100);
        let (template, sign) = match roll {
            0..=59 => (self.rng.pick(shape.card), -1.0),
            60..=69 => (self.rng.pick(shape.debit), -1.0),
            70..=81 => (
                self.rng.pick(shape.transfer),
                if roll.is_multiple_of(2) { -1.0 } else { 1.0 },
            ),
            82..=87 => (self.rng.pick(shape.salary), 1.0),
            88..=94 => (self.rng.pick(shape.cash), -1.0),
            _ => (self.rng.pick(shape.fee), -1.0),
        };
        let mut out = String::with_capacity(template.len() + 32);
        let mut chars = template.chars();
        while let Some(c) = chars.next() {
            if c != '{' {
                out.push(c);
                continue;
            }
            let key = chars.next().unwrap_or('?');
            chars.next(); // '}'
            match key {
                'm' => {
                    let i = self.rng.skewed(self.merchants.len());
                    out.push_str(&self.merchants[i]);
                }
                'c' => {
                    let i = self.rng.below(self.cities.len());
                    out.push_str(&self.cities[i]);
                }
                'p' => {
                    let i = self.rng.below(self.people.len());
                    out.push_str(&self.people[i]);
                }
                'e' => {
                    let i = self.rng.below(self.people.len());
                    let surname =
                        self.people[i].rsplit(' ').next().unwrap_or("ACME");
                    out.push_str(surname);
                    out.push_str(" LTD");
                }
                's' => out.push_str(&format!("{:04}", self.rng.below(10_000))),
                'd' => out.push_str(&format!(
                    "{:02}.{:02}.26",
                    1 + self.rng.below(28),
                    1 + self.rng.below(12)
                )),
                't' => out.push_str(&format!(
                    "{:02}:{:02}",
                    self.rng.below(24),
                    self.rng.below(60)
                )),
                'k' => out.push_str(&format!(
                    "{:04}XXXXXXXX{:04}",
                    4000 + self.rng.below(999),
                    self.rng.below(10_000)
                )),
                'r' => {
                    out.push_str(&format!("{:X}", self.rng.next_u64() >> 24))
                }
                'C' => out.push_str(
                    ["CA", "NY", "TX", "WA", "IL"][self.rng.below(5)],
                ),
                _ => {}
            }
        }
        let cents = 100 + self.rng.skewed(300_000);
        let amount = if sign > 0.0 && template.contains("{e}") {
            1500.0 + (cents % 200_000) as f64 / 100.0
        } else {
            sign * cents as f64 / 100.0
        };
        (out, amount, shape.currency)
    }

    /// One Salt Edge transaction as a JSON line (no newline), with `id`:
    /// the fields the engine reads, and on one line in five an `extra`
    /// with an MCC.
    pub fn json_line(&mut self, id: usize) -> String {
        self.transaction(id).to_string()
    }

    /// One transaction as Salt Edge's API returns it, as a JSON line (no
    /// newline): the fields of [`Generator::json_line`] (the same as it
    /// gives for the same seed and `id`) and `status`, `mode`,
    /// `duplicated`, `category`, `created_at`, `updated_at`, and an `extra`
    /// of a dozen fields (a balance snapshot, posting date and time,
    /// original amount, record number, ...): about four times the bytes of
    /// a compact line.
    ///
    /// ```
    /// use txenrich::Engine;
    /// use txenrich::synth::Generator;
    ///
    /// let engine = Engine::builtin();
    /// let line = Generator::new(&engine, 7).full_json_line(3);
    /// let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    /// assert_eq!(v["status"], "posted");
    /// assert!(v["extra"].as_object().unwrap().len() >= 10);
    /// ```
    pub fn full_json_line(&mut self, id: usize) -> String {
        let mut v = self.transaction(id);
        // Drawn apart from the lines' own generator, so that the lines are
        // those of the compact corpus.
        let mut rng = SplitMix64::new(id as u64 ^ 0xf011_11e5);
        let made_on = v["made_on"].clone();
        let amount = v["amount"].clone();
        let currency = v["currency_code"].clone();
        let balance = rng.skewed(2_000_000) as f64 / 100.0;
        let (hour, minute) = (rng.below(24), rng.below(60));
        let stamp = format!(
            "{}T{hour:02}:{minute:02}:00Z",
            made_on.as_str().unwrap_or("2026-01-01")
        );
        let mut extra = serde_json::json!({
            "account_balance_snapshot": balance,
            "categorization_confidence": 1.0,
            "posting_date": made_on,
            "time": format!("{hour:02}:{minute:02}:00"),
            "original_amount": amount,
            "original_currency_code": currency,
            "record_number": format!("{:010}", rng.below(1_000_000_000)),
            "unit_price": 1.0,
            "units": 1.0,
            "convert": false,
            "possible_duplicate": false,
            "tags": [],
        });
        if let Some(mcc) = v.get("extra").and_then(|e| e.get("mcc")) {
            extra["mcc"] = mcc.clone();
        }
        let map = v.as_object_mut().expect("a transaction is an object");
        map.insert("category".into(), "uncategorized".into());
        map.insert("mode".into(), "normal".into());
        map.insert("status".into(), "posted".into());
        map.insert("duplicated".into(), false.into());
        map.insert("extra".into(), extra);
        map.insert("created_at".into(), stamp.clone().into());
        map.insert("updated_at".into(), stamp.into());
        v.to_string()
    }

    /// The fields of [`Generator::json_line`].
    fn transaction(&mut self, id: usize) -> serde_json::Value {
        let (description, amount, currency) = self.descriptor();
        let mut v = serde_json::json!({
            "id": id.to_string(),
            "made_on": format!("2026-{:02}-{:02}", 1 + id % 12, 1 + id % 28),
            "amount": amount,
            "currency_code": currency,
            "description": description,
            "account_id": format!("acc-{}", id % 7),
        });
        if self.rng.below(5) == 0 {
            v["extra"] = serde_json::json!({"mcc": format!("{}", 5000 + self.rng.below(3000))});
        }
        v
    }

    /// `n` JSON lines joined by newlines (with a final newline).
    pub fn json_lines(&mut self, n: usize) -> String {
        let mut out = String::with_capacity(n * 200);
        for i in 0..n {
            out.push_str(&self.json_line(i));
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::RawTransaction;

    #[test]
    fn lines_are_valid_and_varied() {
        let engine = Engine::builtin();
        let mut g = Generator::new(&engine, 42);
        let text = g.json_lines(2000);
        let mut with_merchant = 0;
        let mut descriptions = std::collections::HashSet::new();
        for line in text.lines() {
            let raw = RawTransaction::parse(line)
                .expect("generated lines are valid transactions");
            descriptions.insert(raw.view().description.to_string());
            let e =
                engine.enrich(&raw.view(), &crate::EnrichOptions::default());
            with_merchant += usize::from(e.merchant.is_some());
        }
        assert!(
            descriptions.len() > 1500,
            "{} distinct descriptions",
            descriptions.len()
        );
        // Full lines are the same transactions with Salt Edge's other
        // fields: the engine reads them alike.
        let mut full = Generator::new(&engine, 42);
        for (i, line) in text.lines().take(300).enumerate() {
            let full_line = full.full_json_line(i);
            let a = RawTransaction::parse(line).unwrap();
            let b = RawTransaction::parse(&full_line).unwrap();
            assert_eq!(a.view().description, b.view().description);
            assert_eq!(a.view().mcc, b.view().mcc);
            assert!(full_line.len() > 3 * line.len(), "{full_line}");
            let opts = crate::EnrichOptions::default();
            assert_eq!(
                engine.enrich(&a.view(), &opts),
                engine.enrich(&b.view(), &opts)
            );
        }
        // About 30% of the lines name no merchant.
        let share = with_merchant as f64 / 2000.0;
        assert!(
            (0.55..0.85).contains(&share),
            "{share} of lines have a merchant"
        );
    }

    #[test]
    fn a_seed_is_a_sequence() {
        let engine = Engine::builtin();
        assert_eq!(
            Generator::new(&engine, 1).json_lines(50),
            Generator::new(&engine, 1).json_lines(50)
        );
        assert_ne!(
            Generator::new(&engine, 1).json_lines(50),
            Generator::new(&engine, 2).json_lines(50)
        );
    }
}
