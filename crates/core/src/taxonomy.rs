//! Salt Edge's two category trees.
//!
//! The personal tree has 18 parents and 62 children (80 codes), the business
//! tree 11 parents and 58 children (69 codes). A code may appear in both
//! trees (`income`, `gas_and_fuel`, `taxi`…), so a category is identified by
//! its tree and code together: a [`CategoryId`].
//!
//! The trees are data (`data/taxonomy/`), embedded in the library and parsed
//! once.
//!
//! # Example
//!
//! ```
//! use txenrich::taxonomy::{Taxonomy, Tree};
//!
//! let tax = Taxonomy::builtin();
//! let groceries = tax.find(Tree::Personal, "groceries").unwrap();
//! let parent = tax.parent(groceries).unwrap();
//! assert_eq!(tax.code(parent), "food_and_dining");
//! assert_eq!(tax.codes(Tree::Personal).count(), 80);
//! assert_eq!(tax.codes(Tree::Business).count(), 69);
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

const PERSONAL_TSV: &str = include_str!("../../../data/taxonomy/personal.tsv");
const BUSINESS_TSV: &str = include_str!("../../../data/taxonomy/business.tsv");
const ALIASES_TSV: &str = include_str!("../../../data/taxonomy/aliases.tsv");

/// One of Salt Edge's two category trees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tree {
    /// Personal finance categories (`groceries`, `paycheck`, …).
    Personal,
    /// Business categories (`vat`, `wages`, `online_subscriptions`, …).
    Business,
}

impl Tree {
    /// Both trees, personal first.
    pub const ALL: [Tree; 2] = [Tree::Personal, Tree::Business];

    /// The tree's name as Salt Edge's `categorization` value spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Tree::Personal => "personal",
            Tree::Business => "business",
        }
    }

    /// Parses `personal` or `business`.
    pub fn from_name(name: &str) -> Option<Tree> {
        match name {
            "personal" => Some(Tree::Personal),
            "business" => Some(Tree::Business),
            _ => None,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Tree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A category: one code in one tree.
///
/// Ids are small integers, stable for a given build of the library; use
/// [`Taxonomy::code`] to turn one into the code Salt Edge uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CategoryId(u16);

impl CategoryId {
    /// The id as an index into the taxonomy's table.
    pub fn as_usize(self) -> usize {
        usize::from(self.0)
    }
}

#[derive(Debug)]
struct Entry {
    tree: Tree,
    code: &'static str,
    parent: Option<CategoryId>,
    children: Vec<CategoryId>,
}

/// Both category trees, with parent and child navigation.
#[derive(Debug)]
pub struct Taxonomy {
    entries: Vec<Entry>,
    by_code: [HashMap<&'static str, CategoryId>; 2],
    roots: [Vec<CategoryId>; 2],
    uncategorized: [CategoryId; 2],
}

impl Taxonomy {
    /// The taxonomy embedded in the library.
    pub fn builtin() -> &'static Taxonomy {
        static TAXONOMY: OnceLock<Taxonomy> = OnceLock::new();
        TAXONOMY.get_or_init(|| {
            Taxonomy::parse(PERSONAL_TSV, BUSINESS_TSV, ALIASES_TSV)
                .expect("the embedded taxonomy is valid (checked by tests)")
        })
    }

    fn parse(
        personal: &'static str,
        business: &'static str,
        aliases: &'static str,
    ) -> Result<Taxonomy, String> {
        let mut tax = Taxonomy {
            entries: Vec::new(),
            by_code: [HashMap::new(), HashMap::new()],
            roots: [Vec::new(), Vec::new()],
            uncategorized: [CategoryId(0); 2],
        };
        for (tree, text) in
            [(Tree::Personal, personal), (Tree::Business, business)]
        {
            for (lineno, line) in data_lines(text) {
                let (parent, children) = line
                    .split_once('\t')
                    .ok_or_else(|| format!("{tree} line {lineno}: no TAB"))?;
                let pid = tax.add(tree, parent, None)?;
                tax.roots[tree.index()].push(pid);
                for child in children.split(' ').filter(|c| !c.is_empty()) {
                    let cid = tax.add(tree, child, Some(pid))?;
                    tax.entries[pid.as_usize()].children.push(cid);
                }
            }
            tax.uncategorized[tree.index()] = tax
                .find(tree, "uncategorized")
                .ok_or_else(|| format!("{tree}: no uncategorized"))?;
        }
        for (lineno, line) in data_lines(aliases) {
            let mut cols = line.split('\t');
            let (Some(tree), Some(legacy), Some(current)) =
                (cols.next(), cols.next(), cols.next())
            else {
                return Err(format!(
                    "aliases line {lineno}: expected 3 columns"
                ));
            };
            let tree = Tree::from_name(tree)
                .ok_or_else(|| format!("aliases line {lineno}: bad tree"))?;
            let id = tax.find(tree, current).ok_or_else(|| {
                format!("aliases line {lineno}: unknown code {current}")
            })?;
            tax.by_code[tree.index()].insert(legacy, id);
        }
        Ok(tax)
    }

    fn add(
        &mut self,
        tree: Tree,
        code: &'static str,
        parent: Option<CategoryId>,
    ) -> Result<CategoryId, String> {
        let id = CategoryId(
            u16::try_from(self.entries.len()).map_err(|_| "too many codes")?,
        );
        if self.by_code[tree.index()].insert(code, id).is_some() {
            return Err(format!("{tree}: duplicate code {code}"));
        }
        self.entries.push(Entry { tree, code, parent, children: Vec::new() });
        Ok(id)
    }

    /// Looks up a code in a tree. Legacy codes (`mortgage_and_rent`) resolve
    /// to the category that replaced them.
    pub fn find(&self, tree: Tree, code: &str) -> Option<CategoryId> {
        self.by_code[tree.index()].get(code).copied()
    }

    /// The code Salt Edge uses for a category.
    pub fn code(&self, id: CategoryId) -> &'static str {
        self.entries[id.as_usize()].code
    }

    /// The tree a category belongs to.
    pub fn tree(&self, id: CategoryId) -> Tree {
        self.entries[id.as_usize()].tree
    }

    /// The parent of a child category; `None` for a parent.
    pub fn parent(&self, id: CategoryId) -> Option<CategoryId> {
        self.entries[id.as_usize()].parent
    }

    /// The children of a parent category (empty for a child, and for the
    /// parents without children such as `transfer`).
    pub fn children(&self, id: CategoryId) -> &[CategoryId] {
        &self.entries[id.as_usize()].children
    }

    /// The parent categories of a tree, in Salt Edge's order.
    pub fn parents(&self, tree: Tree) -> &[CategoryId] {
        &self.roots[tree.index()]
    }

    /// `uncategorized` in the given tree.
    pub fn uncategorized(&self, tree: Tree) -> CategoryId {
        self.uncategorized[tree.index()]
    }

    /// True when `ancestor` is `id` itself or its parent.
    pub fn is_within(&self, id: CategoryId, ancestor: CategoryId) -> bool {
        id == ancestor || self.parent(id) == Some(ancestor)
    }

    /// Every current code of a tree (parents and children, no legacy codes).
    pub fn codes(
        &self,
        tree: Tree,
    ) -> impl Iterator<Item = &'static str> + '_ {
        self.entries.iter().filter(move |e| e.tree == tree).map(|e| e.code)
    }

    /// Salt Edge's `GET /categories` body for one tree or both:
    /// `{"data": {"personal": {parent: [children…]}, "business": {…}}}`.
    ///
    /// ```
    /// use txenrich::taxonomy::{Taxonomy, Tree};
    ///
    /// let json = Taxonomy::builtin().to_json(Some(Tree::Business));
    /// assert_eq!(json["data"]["business"]["taxes"][0], "vat");
    /// assert!(json["data"].get("personal").is_none());
    /// ```
    pub fn to_json(&self, only: Option<Tree>) -> serde_json::Value {
        let mut data = serde_json::Map::new();
        for tree in Tree::ALL {
            if only.is_some_and(|t| t != tree) {
                continue;
            }
            let mut parents = serde_json::Map::new();
            for &p in self.parents(tree) {
                let children: Vec<serde_json::Value> = self
                    .children(p)
                    .iter()
                    .map(|&c| serde_json::Value::from(self.code(c)))
                    .collect();
                parents.insert(self.code(p).to_string(), children.into());
            }
            data.insert(tree.as_str().to_string(), parents.into());
        }
        serde_json::json!({ "data": data })
    }
}

/// Lines of a data file that are neither empty nor comments, numbered from 1.
pub(crate) fn data_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_match_salt_edge() {
        let tax = Taxonomy::builtin();
        assert_eq!(tax.parents(Tree::Personal).len(), 18);
        assert_eq!(tax.parents(Tree::Business).len(), 11);
        assert_eq!(tax.codes(Tree::Personal).count(), 80);
        assert_eq!(tax.codes(Tree::Business).count(), 69);
        let children = |t| {
            tax.parents(t)
                .iter()
                .map(|&p| tax.children(p).len())
                .sum::<usize>()
        };
        assert_eq!(children(Tree::Personal), 62);
        assert_eq!(children(Tree::Business), 58);
    }

    #[test]
    fn same_code_in_both_trees_is_two_categories() {
        let tax = Taxonomy::builtin();
        let p = tax.find(Tree::Personal, "gas_and_fuel").unwrap();
        let b = tax.find(Tree::Business, "gas_and_fuel").unwrap();
        assert_ne!(p, b);
        assert_eq!(tax.code(tax.parent(p).unwrap()), "auto_and_transport");
        assert_eq!(tax.code(tax.parent(b).unwrap()), "transport");
        // `travel` is a parent in one tree and a child in the other.
        let pt = tax.find(Tree::Personal, "travel").unwrap();
        let bt = tax.find(Tree::Business, "travel").unwrap();
        assert!(tax.parent(pt).is_none());
        assert_eq!(tax.code(tax.parent(bt).unwrap()), "human_resources");
    }

    #[test]
    fn legacy_alias_resolves_to_parent() {
        let tax = Taxonomy::builtin();
        let id = tax.find(Tree::Personal, "mortgage_and_rent").unwrap();
        assert_eq!(tax.code(id), "home");
        assert!(tax.find(Tree::Business, "mortgage_and_rent").is_none());
        assert!(!tax.codes(Tree::Personal).any(|c| c == "mortgage_and_rent"));
    }

    #[test]
    fn navigation() {
        let tax = Taxonomy::builtin();
        let home = tax.find(Tree::Personal, "home").unwrap();
        let codes: Vec<_> =
            tax.children(home).iter().map(|&c| tax.code(c)).collect();
        assert_eq!(
            codes,
            [
                "home_improvement",
                "home_services",
                "home_supplies",
                "mortgage",
                "rent"
            ]
        );
        let rent = tax.find(Tree::Personal, "rent").unwrap();
        assert!(tax.is_within(rent, home));
        assert!(tax.is_within(home, home));
        assert!(
            tax.children(tax.find(Tree::Personal, "transfer").unwrap())
                .is_empty()
        );
        assert_eq!(tax.tree(rent), Tree::Personal);
    }

    #[test]
    fn categories_json_shape() {
        let j = Taxonomy::builtin().to_json(None);
        assert_eq!(j["data"]["personal"]["transfer"], serde_json::json!([]));
        assert_eq!(j["data"]["business"]["utilities"][4], "electricity");
    }

    #[test]
    fn rejects_malformed_sources() {
        assert!(
            Taxonomy::parse(
                "a\tb b\nuncategorized\t\n",
                "uncategorized\t\n",
                ""
            )
            .is_err()
        );
        assert!(Taxonomy::parse("a\n", "", "").is_err());
        assert!(
            Taxonomy::parse(
                "uncategorized\t\n",
                "uncategorized\t\n",
                "personal\tx\tnope\n"
            )
            .is_err()
        );
    }
}
