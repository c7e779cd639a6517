//! Transfers between the customer's own accounts.
//!
//! An outflow of one account and an inflow of another account of the same
//! request are the two legs of one transfer when:
//!
//! - their amounts match: equal to the cent when both accounts have the
//!   same currency, within [`FX_TOLERANCE`] when they differ (the bank's
//!   rate is not the report's);
//! - their dates are at most [`MAX_DAYS`] apart;
//! - neither leg is categorized as something a transfer is not (`rent`,
//!   `paycheck`, …): each is `mode: transfer`, categorized `transfer` or
//!   `uncategorized`, or has no category. A credit into a credit card
//!   account is a repayment whatever its category.
//!
//! Outflows are taken in date order; each takes the closest free inflow
//! (fewest days apart, then closest amount, then the earliest and
//! smallest).

use super::input::{Entry, Kind, Prepared};

/// The most days between the two legs of a transfer.
pub(crate) const MAX_DAYS: i32 = 3;

/// The relative difference allowed between the legs of a transfer between
/// accounts in different currencies.
pub(crate) const FX_TOLERANCE: f64 = 0.02;

fn cents(x: f64) -> i64 {
    (x * 100.0).round() as i64
}

/// Marks the legs of transfers between the customer's own accounts
/// ([`Entry::internal`]); returns the number of transfers found.
pub(crate) fn mark_internal(p: &mut Prepared<'_>) -> usize {
    if p.accounts.len() < 2 {
        return 0;
    }
    let eligible = |p: &Prepared<'_>, e: &Entry<'_>| {
        e.kind != Kind::Specific
            || (e.amount > 0.0
                && p.accounts[e.account as usize]
                    .nature
                    .is_some_and(|n| n.is_credit_card()))
    };
    // Inflows sorted by (day, cents): the candidates of an outflow are
    // the inflows of seven days, each day's searched by amount.
    let mut inflows: Vec<(i32, i64, u32)> = p
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.amount > 0.0 && eligible(p, e))
        .map(|(i, e)| (e.date.days_since_epoch(), cents(e.amount), i as u32))
        .collect();
    if inflows.is_empty() {
        return 0;
    }
    inflows.sort_unstable();
    // Where each day's inflows start (one more for the end).
    let first_day = inflows[0].0;
    let span = (inflows[inflows.len() - 1].0 - first_day + 1) as usize;
    let mut day_start = vec![0u32; span + 1];
    for &(d, _, _) in &inflows {
        day_start[(d - first_day) as usize + 1] += 1;
    }
    for i in 1..day_start.len() {
        day_start[i] += day_start[i - 1];
    }
    let day_range = |d: i32| {
        let i = d - first_day;
        if i < 0 || i as usize >= span {
            return 0..0;
        }
        day_start[i as usize] as usize..day_start[i as usize + 1] as usize
    };
    let mut taken = vec![false; inflows.len()];
    let mut found = 0;
    for out in 0..p.entries.len() {
        let o = &p.entries[out];
        if o.amount >= 0.0 || !eligible(p, o) {
            continue;
        }
        let amount = -o.amount;
        let day = o.date.days_since_epoch();
        let lo = cents(amount * (1.0 - FX_TOLERANCE)) - 1;
        let hi = cents(amount * (1.0 + FX_TOLERANCE)) + 1;
        let o_currency = &p.accounts[o.account as usize].currency;
        // (days apart, amount difference, slot)
        let mut best: Option<(i32, f64, usize)> = None;
        for d in day - MAX_DAYS..=day + MAX_DAYS {
            let range = day_range(d);
            let day_inflows = &inflows[range.clone()];
            let first = day_inflows.partition_point(|&(_, c, _)| c < lo);
            for (k, &(_, c, i)) in day_inflows[first..].iter().enumerate() {
                if c > hi {
                    break;
                }
                let slot = range.start + first + k;
                let e = &p.entries[i as usize];
                if taken[slot] || e.account == o.account {
                    continue;
                }
                let diff = (e.amount - amount).abs();
                let same_currency =
                    p.accounts[e.account as usize].currency == *o_currency;
                let close = if same_currency {
                    diff < 0.005 + 1e-9 * amount
                } else {
                    diff <= FX_TOLERANCE * amount + 0.005
                };
                let key = ((d - day).abs(), diff, slot);
                if close && best.is_none_or(|b| (key.0, key.1) < (b.0, b.1)) {
                    best = Some(key);
                }
            }
        }
        if let Some((_, _, slot)) = best {
            taken[slot] = true;
            let inflow = inflows[slot].2 as usize;
            p.entries[out].internal = true;
            p.entries[inflow].internal = true;
            found += 1;
        }
    }
    found
}
