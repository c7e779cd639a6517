//! Customer learning: Salt Edge's `POST /categories/learn`.
//!
//! An end user who re-categorizes a transaction teaches the engine a rule
//! for their own transactions with the same description. Salt Edge's
//! semantics: after a description's category has been changed **3 times**
//! (the learning threshold), later transactions with that description get
//! it; `immediate: true` skips the threshold. A code from the tree in use
//! becomes the transaction's `category` and `extra.customer_category_code`;
//! any other name is the customer's own category and only sets
//! `extra.customer_category_name`.
//!
//! A description is matched on its normalized words, without numbers,
//! dates and references, so `NETFLIX.COM 12/03` and `NETFLIX.COM 13/04` are
//! one description.
//!
//! The store is plain JSON (`{"version":1,"customers":{…}}`), so that it can
//! be kept in a file (`txenrich learn --rules FILE`) or a database column.
//!
//! # Example
//!
//! ```
//! use txenrich::learn::CustomerRules;
//!
//! let mut rules = CustomerRules::new();
//! rules.learn_json(r#"{"data":{"customer_id":"c1","transactions":[
//!     {"id":"1","category_code":"gifts","immediate":true,"description":"AMAZON MKTP 1234"}]}}"#).unwrap();
//! let learned = rules.customer("c1").unwrap().lookup("AMAZON MKTP 9876").unwrap();
//! assert_eq!(learned.category(), "gifts");
//! assert!(rules.customer("c2").is_none());
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorClass};
use crate::text::{Field, NormText, TokenKind};

/// Changes of one description's category before the rule applies.
pub const LEARNING_THRESHOLD: u32 = 3;

/// The rules learned for every customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerRules {
    version: u32,
    customers: BTreeMap<String, Customer>,
}

/// The rules learned for one customer, by description.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    descriptions: BTreeMap<String, Learned>,
}

/// What one customer taught about one description.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Learned {
    category: String,
    changes: u32,
    #[serde(default)]
    immediate: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    example: Option<String>,
}

impl Learned {
    /// The category the customer chose last: a code or their own name.
    pub fn category(&self) -> &str {
        &self.category
    }

    /// How many times the category of this description was changed.
    pub fn changes(&self) -> u32 {
        self.changes
    }

    /// True when the rule applies to new transactions.
    pub fn is_active(&self) -> bool {
        self.immediate || self.changes >= LEARNING_THRESHOLD
    }
}

impl Customer {
    /// The active rule for a description, if any.
    pub fn lookup(&self, description: &str) -> Option<&Learned> {
        let key = description_key(description)?;
        self.descriptions.get(&key).filter(|l| l.is_active())
    }

    /// Every description the customer taught, with what was learned,
    /// including rules below the threshold.
    pub fn descriptions(&self) -> impl Iterator<Item = (&str, &Learned)> {
        self.descriptions.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// One item of a learn request.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LearnItem {
    /// The transaction's id.
    pub id: serde_json::Value,
    /// The category the user chose.
    pub category_code: String,
    /// Skip the learning threshold.
    #[serde(default)]
    pub immediate: bool,
    /// The transaction's description (txenrich keeps no transactions, so
    /// the request carries it).
    pub description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LearnBody {
    data: LearnData,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LearnData {
    customer_id: String,
    transactions: Vec<LearnItem>,
}

/// The key a description is learned and looked up under: its normalized
/// words, numbers and noise left out. `None` when nothing is left.
pub fn description_key(description: &str) -> Option<String> {
    let mut norm = NormText::new();
    norm.push_field(description, Field::Description);
    let mut key = String::new();
    for t in norm.tokens() {
        if t.kind != TokenKind::Word {
            continue;
        }
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(norm.token_text(t));
    }
    (!key.is_empty()).then_some(key)
}

impl Default for CustomerRules {
    fn default() -> CustomerRules {
        CustomerRules::new()
    }
}

impl CustomerRules {
    /// An empty store.
    pub fn new() -> CustomerRules {
        CustomerRules { version: 1, customers: BTreeMap::new() }
    }

    /// Reads a store. A store that is not valid is an error, never an empty
    /// store.
    pub fn from_json(json: &str) -> Result<CustomerRules, Error> {
        let rules: CustomerRules =
            serde_json::from_str(json).map_err(|e| {
                let class = if e.is_data() {
                    ErrorClass::WrongRequestFormat
                } else {
                    ErrorClass::JsonParseError
                };
                Error::new(class, format!("customer rules: {e}"))
            })?;
        if rules.version != 1 {
            return Err(Error::new(
                ErrorClass::WrongRequestFormat,
                format!(
                    "customer rules: unsupported version {}",
                    rules.version
                ),
            ));
        }
        Ok(rules)
    }

    /// The store as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// One customer's rules.
    pub fn customer(&self, id: &str) -> Option<&Customer> {
        self.customers.get(id)
    }

    /// Every customer id.
    pub fn customer_ids(&self) -> impl Iterator<Item = &str> {
        self.customers.keys().map(String::as_str)
    }

    /// Applies Salt Edge's learn request body
    /// `{"data":{"customer_id","transactions":[{id, category_code, immediate?, description}]}}`.
    /// Nothing is learned when any item is invalid.
    pub fn learn_json(&mut self, body: &str) -> Result<usize, Error> {
        let body: LearnBody = serde_json::from_str(body).map_err(|e| {
            let class = if e.is_data() {
                ErrorClass::WrongRequestFormat
            } else {
                ErrorClass::JsonParseError
            };
            Error::new(class, format!("learn request: {e}"))
        })?;
        self.learn(&body.data.customer_id, &body.data.transactions)
    }

    /// Records the items for a customer; returns how many were recorded.
    /// Nothing is recorded when any item is invalid.
    pub fn learn(
        &mut self,
        customer_id: &str,
        items: &[LearnItem],
    ) -> Result<usize, Error> {
        if customer_id.trim().is_empty() {
            return Err(Error::field(
                "customer_id",
                "a non-empty string",
                "\"\"",
            ));
        }
        if items.len() > crate::BATCH_LIMIT {
            return Err(Error::new(
                ErrorClass::BatchSizeLimitExceeded,
                format!(
                    "Batch size limit ({} transactions) was exceeded.",
                    crate::BATCH_LIMIT
                ),
            ));
        }
        let mut keyed = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let code = item.category_code.trim();
            if code.is_empty() || code.len() > 100 {
                return Err(Error::field(
                    &format!("transactions[{i}].category_code"),
                    "a category code or name of 1 to 100 characters",
                    format!("{:?}", item.category_code),
                ));
            }
            let key = description_key(&item.description).ok_or_else(|| {
                Error::field(
                    &format!("transactions[{i}].description"),
                    "a description with at least one word",
                    format!("{:?}", item.description),
                )
            })?;
            keyed.push((key, code.to_string(), item));
        }
        let customer =
            self.customers.entry(customer_id.to_string()).or_default();
        for (key, category, item) in keyed {
            let e =
                customer.descriptions.entry(key).or_insert_with(|| Learned {
                    category: category.clone(),
                    changes: 0,
                    immediate: false,
                    example: Some(item.description.clone()),
                });
            e.category = category;
            e.changes = e.changes.saturating_add(1);
            e.immediate |= item.immediate;
        }
        Ok(items.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(code: &str, immediate: bool, desc: &str) -> String {
        serde_json::json!({"data": {"customer_id": "c1", "transactions": [
            {"id": "t", "category_code": code, "immediate": immediate, "description": desc}]}})
        .to_string()
    }

    #[test]
    fn threshold_of_three_changes() {
        let mut r = CustomerRules::new();
        for n in 1..=3 {
            r.learn_json(&body("gifts", false, "AMAZON MKTP 123")).unwrap();
            let active =
                r.customer("c1").unwrap().lookup("AMAZON MKTP 999").is_some();
            assert_eq!(active, n >= 3, "after {n} changes");
        }
    }

    #[test]
    fn latest_category_wins_and_immediate_skips_threshold() {
        let mut r = CustomerRules::new();
        r.learn_json(&body("gifts", false, "SHOP X")).unwrap();
        r.learn_json(&body("clothing", false, "SHOP X")).unwrap();
        r.learn_json(&body("Holiday fund", true, "SHOP X 12/03")).unwrap();
        let l = r.customer("c1").unwrap().lookup("shop x").unwrap();
        assert_eq!(l.category(), "Holiday fund");
        assert_eq!(l.changes(), 3);
    }

    #[test]
    fn descriptions_are_keyed_on_words() {
        assert_eq!(
            description_key("NETFLIX.COM 12/03 REF 4455"),
            Some("netflix com ref".into())
        );
        assert_eq!(description_key("12/03 4455"), None);
    }

    #[test]
    fn a_default_store_is_a_valid_store() {
        let r = CustomerRules::default();
        assert_eq!(CustomerRules::from_json(&r.to_json()).unwrap(), r);
    }

    #[test]
    fn store_round_trips_and_rejects_corruption() {
        let mut r = CustomerRules::new();
        r.learn_json(&body("rent", true, "SO LANDLORD")).unwrap();
        let back = CustomerRules::from_json(&r.to_json()).unwrap();
        assert_eq!(back, r);
        assert_eq!(
            CustomerRules::from_json("{").unwrap_err().class(),
            ErrorClass::JsonParseError
        );
        assert_eq!(
            CustomerRules::from_json("[]").unwrap_err().class(),
            ErrorClass::WrongRequestFormat
        );
        assert!(
            CustomerRules::from_json(r#"{"version":2,"customers":{}}"#)
                .is_err()
        );
        assert!(CustomerRules::from_json(r#"{"version":1,"customers":{"c":{"descriptions":{"x":{"category":1}}}}}"#).is_err());
    }

    #[test]
    fn bad_requests_learn_nothing() {
        let mut r = CustomerRules::new();
        let two = r#"{"data":{"customer_id":"c1","transactions":[
            {"id":"1","category_code":"gifts","description":"A SHOP"},
            {"id":"2","category_code":"gifts","description":"12/03"}]}}"#;
        let e = r.learn_json(two).unwrap_err();
        assert!(
            e.message().starts_with("transactions[1].description"),
            "{}",
            e.message()
        );
        assert!(r.customer("c1").is_none());
        let e = r.learn_json(r#"{"data":{"customer_id":"c1","transactions":[{"id":"1","category_code":"x"}]}}"#).unwrap_err();
        assert_eq!(e.class(), ErrorClass::WrongRequestFormat);
        let many: Vec<_> = (0..101).map(|i| serde_json::json!({"id": i, "category_code": "gifts", "description": "A"})).collect();
        let big = serde_json::json!({"data": {"customer_id": "c1", "transactions": many}}).to_string();
        assert_eq!(
            r.learn_json(&big).unwrap_err().class(),
            ErrorClass::BatchSizeLimitExceeded
        );
    }
}
