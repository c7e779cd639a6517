//! The figures: one scope (an account, or all accounts together) at a time.

use std::borrow::Cow;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::input::{Merchant, Prepared, ReportType};
use super::output::*;
use super::streams::{self, Found, Item};
use crate::engine::Engine;
#[cfg(doc)]
use crate::learn::description_key;
use crate::model::Date;
use crate::text::{Field, NormText, TokenKind};

/// Days in an average month (365.25 / 12).
pub(crate) const MONTH_DAYS: f64 = 30.4375;

/// No stream key: the transaction can only be irregular.
const NO_KEY: u32 = u32::MAX;

/// Words left out of description keys: month names, which change from
/// one payment to the next (`SALARY JAN`, `SALARY FEB`).
pub(super) fn is_month_word(w: &str) -> bool {
    matches!(
        w,
        "jan"
            | "january"
            | "feb"
            | "february"
            | "mar"
            | "march"
            | "apr"
            | "april"
            | "may"
            | "jun"
            | "june"
            | "jul"
            | "july"
            | "aug"
            | "august"
            | "sep"
            | "sept"
            | "september"
            | "oct"
            | "october"
            | "nov"
            | "november"
            | "dec"
            | "december"
            | "month"
    )
}

/// The report's context: the request, the engine and each entry's
/// counterparty key.
pub(crate) struct Ctx<'p, 'a> {
    pub p: &'p Prepared<'a>,
    pub engine: &'p Engine,
    /// Per entry: its counterparty, or [`NO_KEY`].
    keys: Vec<u32>,
    /// Per entry: its id.
    ids: Arc<IdTable>,
    /// Per entry: its month, `year * 12 + month - 1`.
    months: Vec<i32>,
}

impl<'p, 'a> Ctx<'p, 'a> {
    pub(crate) fn new(engine: &'p Engine, p: &'p Prepared<'a>) -> Ctx<'p, 'a> {
        let by_words = needs_key(p);
        // Keys are numbered in one space: merchants of the dictionary,
        // other merchant ids, description keys.
        let mut next = 0u32;
        let mut new_key = || {
            next += 1;
            next - 1
        };
        let mut known: FxHashMap<u32, u32> = FxHashMap::default();
        let mut ids: FxHashMap<&str, u32> = FxHashMap::default();
        let mut words: FxHashMap<String, u32> = FxHashMap::default();
        let mut by_desc: Vec<Option<u32>> = vec![None; p.descriptions.len()];
        let mut buf = String::new();
        let mut norm = NormText::new();
        let keys = p
            .entries
            .iter()
            .map(|e| match &e.merchant {
                Merchant::Known(idx) => *known
                    .entry(idx.as_usize() as u32)
                    .or_insert_with(&mut new_key),
                Merchant::Id(id) => {
                    *ids.entry(id.as_ref()).or_insert_with(&mut new_key)
                }
                Merchant::None | Merchant::Cleansed(_) => {
                    if !by_words[e.desc as usize] {
                        return NO_KEY;
                    }
                    let slot = &mut by_desc[e.desc as usize];
                    *slot.get_or_insert_with(|| {
                        let description = &p.descriptions[e.desc as usize];
                        if !stream_key_into(description, &mut norm, &mut buf) {
                            return NO_KEY;
                        }
                        match words.get(buf.as_str()) {
                            Some(&k) => k,
                            None => {
                                let k = new_key();
                                words.insert(buf.clone(), k);
                                k
                            }
                        }
                    })
                }
            })
            .collect();
        let mut ids = IdTable::default();
        for e in &p.entries {
            ids.push(&e.id);
        }
        let ids = Arc::new(ids);
        // Dates in order: the month changes rarely from one to the next.
        let mut last = (Date::from_ymd(1970, 1, 1).unwrap_or(p.from), 0);
        let months = p
            .entries
            .iter()
            .map(|e| {
                if e.date < last.0.first_of_month()
                    || e.date > last.0.last_of_month()
                {
                    let (y, m, _) = e.date.ymd();
                    last = (e.date, y * 12 + m as i32 - 1);
                }
                last.1
            })
            .collect();
        Ctx { p, engine, keys, ids, months }
    }

    fn wants(&self, t: ReportType) -> bool {
        self.p.types.contains(&t)
    }
}

/// Which descriptions need a counterparty key: those that may share one
/// with enough other transactions (in the same direction, on other days)
/// to make a stream.
/// The key (see `stream_key_into`) is too slow to compute for every one of
/// tens of thousands of distinct descriptions, and most of them are alone.
/// So descriptions are first grouped by a cheap approximation, a
/// [`fingerprint`] of their ASCII words, computed when the request is read;
/// a transaction whose group does not
/// have three payment days in its direction (or two a year apart) cannot
/// be in a stream, and goes to the irregular stream without a key. Descriptions with other
/// than ASCII text always get their key.
fn needs_key(p: &Prepared<'_>) -> Vec<bool> {
    const ALWAYS: u32 = u32::MAX;
    /// Per group and direction: the first two days seen, and whether a
    /// third was.
    #[derive(Clone, Copy, Default)]
    struct Seen {
        days: [Option<Date>; 2],
        third: bool,
    }

    impl Seen {
        fn add(&mut self, d: Date) {
            match self.days {
                [None, _] => self.days[0] = Some(d),
                [Some(a), None] if a != d => self.days[1] = Some(d),
                [Some(a), Some(b)] if a != d && b != d => self.third = true,
                _ => {}
            }
        }

        /// Enough payment days for a stream: three, or two about a year
        /// apart (see `streams`).
        fn enough(&self) -> bool {
            match self.days {
                _ if self.third => true,
                [Some(a), Some(b)] => (350..=380).contains(&(b - a).abs()),
                _ => false,
            }
        }
    }

    let mut groups: FxHashMap<u64, u32> = FxHashMap::default();
    let mut seen: Vec<[Seen; 2]> = Vec::new();
    let mut group_of: Vec<Option<u32>> = vec![None; p.descriptions.len()];
    for e in &p.entries {
        if e.internal
            || e.amount == 0.0
            || matches!(e.merchant, Merchant::Known(_) | Merchant::Id(_))
        {
            continue;
        }
        let g = *group_of[e.desc as usize].get_or_insert_with(|| {
            let f = p.fingerprints[e.desc as usize];
            if f == NOT_ASCII {
                return ALWAYS;
            }
            let next = groups.len() as u32;
            let g = *groups.entry(f).or_insert(next);
            if g as usize == seen.len() {
                seen.push(Default::default());
            }
            g
        });
        if g != ALWAYS {
            seen[g as usize][usize::from(e.amount > 0.0)].add(e.date);
        }
    }
    group_of
        .iter()
        .map(|g| match *g {
            None => false,
            Some(ALWAYS) => true,
            Some(g) => seen[g as usize].iter().any(Seen::enough),
        })
        .collect()
}

/// [`fingerprint`] of a description with other than ASCII text.
pub(crate) const NOT_ASCII: u64 = u64::MAX;

/// A fingerprint of a description's ASCII words (runs of two or more
/// letters between spaces, digits or punctuation, lower-cased, month names
/// left out, as a set), for [`needs_key`]; [`NOT_ASCII`] for other text.
/// `lower` and `words` are scratch space.
pub(crate) fn fingerprint(
    description: &str,
    lower: &mut Vec<u8>,
    words: &mut Vec<std::ops::Range<usize>>,
) -> u64 {
    let d = description.as_bytes();
    if !d.is_ascii() {
        return NOT_ASCII;
    }
    lower.clear();
    lower.extend(d.iter().map(u8::to_ascii_lowercase));
    words.clear();
    let mut start = 0;
    for end in 0..=lower.len() {
        if end < lower.len() && lower[end].is_ascii_alphanumeric() {
            continue;
        }
        let t = &lower[start..end];
        if t.len() > 1
            && t.iter().all(u8::is_ascii_alphabetic)
            && !std::str::from_utf8(t).is_ok_and(is_month_word)
        {
            words.push(start..end);
        }
        start = end + 1;
    }
    words.sort_unstable_by(|a, b| lower[a.clone()].cmp(&lower[b.clone()]));
    words.dedup_by(|a, b| lower[a.clone()] == lower[b.clone()]);
    let mut h = rustc_hash::FxHasher::default();
    for w in words.iter() {
        lower[w.clone()].hash(&mut h);
    }
    // Never NOT_ASCII for ASCII text.
    h.finish() & !(1 << 63)
}

/// The counterparty key of a description, for tests.
#[cfg(test)]
pub(crate) fn stream_key(description: &str) -> Option<String> {
    let mut buf = String::new();
    stream_key_into(description, &mut NormText::new(), &mut buf).then_some(buf)
}

/// Writes the counterparty key of a description into `buf`: its
/// normalized words without month names, sorted, so that word order and
/// the month a payment is for do not matter. False when the description
/// has no words. The words are those of [`description_key`], read from a
/// reused buffer (a test checks that they stay the same).
fn stream_key_into(
    description: &str,
    norm: &mut NormText,
    buf: &mut String,
) -> bool {
    buf.clear();
    norm.clear();
    norm.push_field(description, Field::Description);
    let mut words: Vec<&str> = norm
        .tokens()
        .iter()
        .filter(|t| t.kind == TokenKind::Word)
        .map(|t| norm.token_text(t))
        .filter(|w| !is_month_word(w))
        .collect();
    words.sort_unstable();
    words.dedup();
    for w in words {
        if !buf.is_empty() {
            buf.push(' ');
        }
        buf.push_str(w);
    }
    !buf.is_empty()
}

/// One calendar month of a scope.
#[derive(Clone, Debug, Default)]
struct Month {
    year: i32,
    month: u32,
    /// Its days within the scope, as offsets from the scope's start.
    first: usize,
    last: usize,
    whole: bool,
    income: f64,
    expense: f64,
    irregular_income: f64,
    irregular_expense: f64,
    internal_net: f64,
    count: f64,
    income_count: f64,
    expense_count: f64,
}

/// The period of a scope and its months.
struct Period {
    start: Date,
    days: usize,
    months: Vec<Month>,
    /// `year * 12 + month - 1` of the first month.
    base: i32,
}

impl Period {
    fn new(start: Date, end: Date) -> Period {
        let days = (end - start + 1) as usize;
        let mut months = Vec::new();
        let mut d = start;
        while d <= end {
            let first = d.first_of_month();
            let last = d.last_of_month();
            let (year, month, _) = d.ymd();
            months.push(Month {
                year,
                month,
                first: (d - start) as usize,
                last: (last.min(end) - start) as usize,
                whole: first >= start && last <= end,
                ..Default::default()
            });
            d = last.add_days(1);
        }
        let (y, m, _) = start.ymd();
        Period { start, days, months, base: y * 12 + m as i32 - 1 }
    }

    /// The index in [`Period::months`] of an entry's month.
    fn month_of(&self, ctx: &Ctx<'_, '_>, entry: u32) -> usize {
        (ctx.months[entry as usize] - self.base) as usize
    }

    fn whole_months(&self) -> impl Iterator<Item = &Month> + '_ {
        self.months.iter().filter(|m| m.whole)
    }

    fn whole_count(&self) -> usize {
        self.whole_months().count()
    }

    /// The average per month of a monthly figure: over the whole months;
    /// with none, the total over the period's length in months (at least
    /// one).
    fn monthly_average(&self, value: impl Fn(&Month) -> f64) -> f64 {
        let whole = self.whole_count();
        if whole > 0 {
            self.whole_months().map(&value).sum::<f64>() / whole as f64
        } else {
            let total: f64 = self.months.iter().map(&value).sum();
            total / (self.days as f64 / MONTH_DAYS).max(1.0)
        }
    }

    /// The sum over the last twelve months when they are all whole.
    fn last_year(&self, value: impl Fn(&Month) -> f64) -> Option<f64> {
        let whole: Vec<&Month> = self.whole_months().collect();
        (whole.len() >= 12)
            .then(|| whole[whole.len() - 12..].iter().map(|m| value(m)).sum())
    }

    fn date(&self, offset: usize) -> Date {
        self.start.add_days(offset as i32)
    }

    fn per_month(&self, value: impl Fn(&Month) -> f64) -> Vec<MonthOut> {
        self.months
            .iter()
            .map(|m| MonthOut {
                year: m.year,
                month: m.month,
                is_whole_month: m.whole,
                amount: Money(value(m)),
            })
            .collect()
    }
}

/// What savings needs to know of an income or expense section.
struct FlowFigures {
    total: f64,
    monthly: f64,
    forecast: f64,
    /// The monthly amount of the regular streams still running.
    regular_rate: f64,
    /// Per source (regular streams, then the irregular pool): weight,
    /// stability, regularity.
    sources: Vec<(f64, f64, f64)>,
}

/// Computes one scope: the entries (indices, date order) of an account, or
/// of all of them, from `start` to the report's end; `end_balance` is the
/// balance at the end of the period, in the report currency.
pub(crate) fn scope(
    ctx: &Ctx<'_, '_>,
    entries: &[u32],
    start: Date,
    end_balance: f64,
    summary: bool,
) -> ScopeOut {
    let p = ctx.p;
    let mut period = Period::new(start, p.to);
    let mut net = vec![0.0; period.days];
    let (mut income, mut expense) = (Vec::new(), Vec::new());
    for &i in entries {
        let e = &p.entries[i as usize];
        net[(e.date - start) as usize] += e.amount;
        let mi = period.month_of(ctx, i);
        let m = &mut period.months[mi];
        m.count += 1.0;
        if e.internal {
            m.internal_net += e.amount;
            continue;
        }
        let item = Item { date: e.date, amount: e.amount.abs(), entry: i };
        if e.amount > 0.0 {
            m.income += e.amount;
            m.income_count += 1.0;
            income.push(item);
        } else if e.amount < 0.0 {
            m.expense -= e.amount;
            m.expense_count += 1.0;
            expense.push(item);
        }
    }

    let (income_out, income_fig) = flow(ctx, &mut period, &income, true);
    let (expense_out, expense_fig) = flow(ctx, &mut period, &expense, false);

    let balance = ctx.wants(ReportType::Balance).then(|| {
        let net_rate = income_fig.forecast - expense_fig.forecast
            + period.monthly_average(|m| m.internal_net);
        balance(&period, &net, end_balance, net_rate)
    });
    let savings = ctx
        .wants(ReportType::Savings)
        .then(|| savings(&period, &income_fig, &expense_fig, end_balance));

    ScopeOut {
        start_date: start,
        end_date: p.to,
        whole_months_count: period.whole_count() as u32,
        days_count: period.days as u32,
        transactions_count: summary.then_some(entries.len()),
        monthly_average_transactions_count: TxCountOut {
            total: Money(period.monthly_average(|m| m.count)),
            income: Money(period.monthly_average(|m| m.income_count)),
            expense: Money(period.monthly_average(|m| m.expense_count)),
        },
        balance,
        income: ctx.wants(ReportType::Income).then_some(income_out),
        expense: ctx.wants(ReportType::Expense).then_some(expense_out),
        savings,
    }
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

fn balance(
    period: &Period,
    net: &[f64],
    end_balance: f64,
    net_rate: f64,
) -> BalanceOut {
    // End-of-day balances, backward from the end balance.
    let mut eod = vec![0.0; period.days];
    let mut b = end_balance;
    for day in (0..period.days).rev() {
        eod[day] = b;
        b -= net[day];
    }
    let opening = b;
    let span = |first: usize, last: usize| SpanOut {
        amount: Money(mean(&eod[first..=last])),
        start_date: period.date(first),
        end_date: period.date(last),
    };
    let daily = span(0, period.days - 1);
    let whole: Vec<&Month> = period.whole_months().collect();
    let months: Vec<&Month> = if whole.is_empty() {
        period.months.iter().collect()
    } else {
        whole.clone()
    };
    let month_means: Vec<SpanOut> =
        months.iter().map(|m| span(m.first, m.last)).collect();
    let monthly = SpanOut {
        amount: Money(mean(
            &month_means.iter().map(|s| s.amount.0).collect::<Vec<_>>(),
        )),
        start_date: month_means[0].start_date,
        end_date: month_means[month_means.len() - 1].end_date,
    };
    // Blocks of `size` whole months, counted back from the last whole
    // month; with not even one block, the whole period.
    let blocks = |size: usize| {
        let n = whole.len() / size;
        if n == 0 {
            return daily.clone();
        }
        let used = &whole[whole.len() - n * size..];
        let means: Vec<f64> = used
            .chunks(size)
            .map(|c| mean(&eod[c[0].first..=c[size - 1].last]))
            .collect();
        SpanOut {
            amount: Money(mean(&means)),
            start_date: period.date(used[0].first),
            end_date: period.date(used[used.len() - 1].last),
        }
    };
    let by_amount =
        |a: &&SpanOut, b: &&SpanOut| a.amount.0.total_cmp(&b.amount.0);
    let minimum_monthly =
        month_means.iter().min_by(by_amount).cloned().unwrap_or(daily.clone());
    let maximum_monthly =
        month_means.iter().max_by(by_amount).cloned().unwrap_or(daily.clone());
    let ahead = |months: f64| {
        let days = (MONTH_DAYS * months).round();
        Money(end_balance + net_rate / MONTH_DAYS * (days + 1.0) / 2.0)
    };
    BalanceOut {
        start_date_amount: Money(opening),
        end_date_amount: Money(end_balance),
        minimum: Money(eod.iter().copied().fold(f64::INFINITY, f64::min)),
        maximum: Money(eod.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
        average: BalanceAverageOut {
            daily: daily.clone(),
            monthly,
            quarterly: blocks(3),
            annual: blocks(12),
            minimum_monthly,
            maximum_monthly,
        },
        forecasted_average: ForecastOut {
            next_month: ahead(1.0),
            next_quarter: ahead(3.0),
            next_year: ahead(12.0),
        },
    }
}

fn forecast(monthly: f64) -> ForecastOut {
    ForecastOut {
        next_month: Money(monthly),
        next_quarter: Money(3.0 * monthly),
        next_year: Money(12.0 * monthly),
    }
}

fn averages(monthly: f64) -> AverageOut {
    AverageOut {
        monthly: Money(monthly),
        quarterly: Money(3.0 * monthly),
        annual: Money(12.0 * monthly),
    }
}

/// An income (`is_income`) or expense section over `items` (date order).
fn flow(
    ctx: &Ctx<'_, '_>,
    period: &mut Period,
    items: &[Item],
    is_income: bool,
) -> (FlowOut, FlowFigures) {
    let p = ctx.p;
    // Group by counterparty, in date order within a group (entries are in
    // date order).
    let mut keyed: Vec<(u32, Item)> =
        items.iter().map(|it| (ctx.keys[it.entry as usize], *it)).collect();
    keyed.sort_unstable_by_key(|&(k, it)| (k, it.entry));
    let mut found: Vec<Found> = Vec::new();
    let mut irregular: Vec<u32> = Vec::new();
    let mut group: Vec<Item> = Vec::new();
    for chunk in keyed.chunk_by(|a, b| a.0 == b.0) {
        if chunk[0].0 == NO_KEY {
            irregular.extend(chunk.iter().map(|(_, it)| it.entry));
            continue;
        }
        group.clear();
        group.extend(chunk.iter().map(|&(_, it)| it));
        streams::detect(&group, &mut found, &mut irregular);
    }
    irregular.sort_unstable();

    let magnitude = |i: u32| p.entries[i as usize].amount.abs();
    for &i in &irregular {
        let mi = period.month_of(ctx, i);
        let m = &mut period.months[mi];
        if is_income {
            m.irregular_income += magnitude(i);
        } else {
            m.irregular_expense += magnitude(i);
        }
    }
    let value = |m: &Month| if is_income { m.income } else { m.expense };
    let irregular_value = |m: &Month| {
        if is_income { m.irregular_income } else { m.irregular_expense }
    };

    let mut regular: Vec<(StreamOut, f64)> = Vec::with_capacity(found.len());
    let mut regular_rate = 0.0;
    let mut sources = Vec::new();
    for s in &found {
        let out = stream_out(ctx, s);
        let total = out.amount.total.0;
        let active = f64::from(p.to - out.end_date)
            <= 1.5 * s.period + streams::tolerance(s.period);
        if active {
            // Payments per average month at the frequency's nominal
            // period: a monthly stream pays exactly once a month.
            let per = s.frequency.nominal().unwrap_or(s.period);
            regular_rate += s.recent_amount * MONTH_DAYS / per;
        }
        let stability =
            1.0 - (out.amount.stdev.0 / out.amount.average.0).min(1.0);
        sources.push((total, stability.max(0.0), s.on_time));
        regular.push((out, total));
    }
    regular.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then(a.0.start_date.cmp(&b.0.start_date))
            .then(a.0.transaction_ids.items.cmp(&b.0.transaction_ids.items))
    });
    let regular: Vec<StreamOut> =
        regular.into_iter().map(|(s, _)| s).collect();
    let regular_amount: f64 =
        found.iter().flat_map(|s| &s.entries).map(|&i| magnitude(i)).sum();
    let irregular_amount: f64 = irregular.iter().map(|&i| magnitude(i)).sum();

    // The irregular pool as a source: its stability is one minus the
    // variation of its monthly totals.
    if irregular_amount > 0.0 {
        let whole: Vec<f64> =
            period.whole_months().map(irregular_value).collect();
        let monthly: Vec<f64> = if whole.is_empty() {
            period.months.iter().map(irregular_value).collect()
        } else {
            whole
        };
        let stability = if monthly.len() < 2 {
            0.0
        } else {
            1.0 - streams::variation(&monthly).min(1.0)
        };
        sources.push((irregular_amount, stability, 0.0));
    }

    let total: f64 = items.iter().map(|it| it.amount).sum();
    let monthly = period.monthly_average(value);
    let forecast_monthly =
        regular_rate + period.monthly_average(irregular_value);
    let ids =
        |list: &[u32]| Ids { table: ctx.ids.clone(), items: list.to_vec() };
    let out = FlowOut {
        start_date: items.first().map(|it| it.date),
        end_date: items.last().map(|it| it.date),
        transactions_count: items.len(),
        last_year_amount: period.last_year(value).map(Money),
        total: Money(total),
        total_per_month: period.per_month(value),
        average: averages(monthly),
        forecasted_average: forecast(forecast_monthly),
        streams: StreamsOut {
            regular_amount: Money(regular_amount),
            irregular_amount: Money(irregular_amount),
            count: StreamCountOut {
                regular: regular.len(),
                irregular: 1,
                maximum_overlapping: overlapping(&regular),
            },
            regular,
            irregular: IrregularOut {
                transactions_count: irregular.len(),
                transaction_ids: ids(&irregular),
                start_date: irregular
                    .first()
                    .map(|&i| p.entries[i as usize].date),
                end_date: irregular
                    .last()
                    .map(|&i| p.entries[i as usize].date),
            },
        },
    };
    let figures = FlowFigures {
        total,
        monthly,
        forecast: forecast_monthly,
        regular_rate,
        sources,
    };
    (out, figures)
}

/// The most regular streams running at once (a stream runs from its first
/// to its last transaction, both days included).
fn overlapping(streams: &[StreamOut]) -> usize {
    let mut edges: Vec<(Date, i32)> = Vec::with_capacity(streams.len() * 2);
    for s in streams {
        edges.push((s.start_date, 1));
        edges.push((s.end_date.add_days(1), -1));
    }
    // Ends sort before starts on the same day.
    edges.sort_unstable();
    let (mut now, mut max) = (0i32, 0i32);
    for (_, delta) in edges {
        now += delta;
        max = max.max(now);
    }
    max as usize
}

/// The most common value, the latest winning ties.
fn most_common<T: Eq + std::hash::Hash + Clone>(
    values: impl Iterator<Item = T>,
) -> Option<T> {
    let mut counts: FxHashMap<T, (usize, usize)> = FxHashMap::default();
    for (i, v) in values.enumerate() {
        let c = counts.entry(v).or_insert((0, 0));
        c.0 += 1;
        c.1 = i;
    }
    counts.into_iter().max_by_key(|&(_, (n, last))| (n, last)).map(|(v, _)| v)
}

fn stream_out(ctx: &Ctx<'_, '_>, s: &Found) -> StreamOut {
    let p = ctx.p;
    let entries: Vec<_> =
        s.entries.iter().map(|&i| &p.entries[i as usize]).collect();
    let mut amounts: Vec<f64> =
        entries.iter().map(|e| e.amount.abs()).collect();
    let n = amounts.len() as f64;
    let total: f64 = amounts.iter().sum();
    let average = total / n;
    let stdev = (amounts.iter().map(|a| (a - average).powi(2)).sum::<f64>()
        / n)
        .sqrt();
    amounts.sort_unstable_by(f64::total_cmp);
    let k = amounts.len();
    let median = if k % 2 == 1 {
        amounts[k / 2]
    } else {
        (amounts[k / 2 - 1] + amounts[k / 2]) / 2.0
    };
    let (start, end) = (entries[0].date, entries[entries.len() - 1].date);
    let days_count =
        if k > 1 { f64::from(end - start) / (k - 1) as f64 } else { 0.0 };
    let category =
        most_common(entries.iter().filter_map(|e| e.category.as_deref()));
    let desc = most_common(entries.iter().map(|e| e.desc)).unwrap_or(0);
    let known = most_common(entries.iter().filter_map(|e| match e.merchant {
        Merchant::Known(idx) => Some(idx),
        _ => None,
    }));
    let merchant = match known {
        Some(idx) => {
            let m = ctx.engine.dictionary().merchant(idx);
            Some(MerchantOut {
                name: Some(m.name().to_string()),
                email: None,
                phone: None,
                address: None,
                website: Some(m.website())
                    .filter(|w| !w.is_empty())
                    .map(str::to_string),
            })
        }
        None => {
            most_common(entries.iter().filter_map(|e| match &e.merchant {
                Merchant::Cleansed(name) => Some(name.as_str()),
                _ => None,
            }))
            .map(|name| MerchantOut {
                name: Some(name.to_string()),
                email: None,
                phone: None,
                address: None,
                website: None,
            })
        }
    };
    StreamOut {
        transactions_count: k,
        transaction_ids: Ids {
            table: ctx.ids.clone(),
            items: s.entries.clone(),
        },
        start_date: start,
        end_date: end,
        amount: AmountOut {
            total: Money(total),
            average: Money(average),
            median: Money(median),
            stdev: Money(stdev),
        },
        frequency: s.frequency.as_str(),
        days_count: Money(days_count),
        category_code: category.map(str::to_string),
        description: p
            .descriptions
            .get(desc as usize)
            .map(Cow::to_string)
            .unwrap_or_default(),
        merchant,
    }
}

/// The weighted mean of `(weight, value)` pairs; `None` without weight.
fn weighted(pairs: impl Iterator<Item = (f64, f64)>) -> Option<f64> {
    let (mut w, mut sum) = (0.0, 0.0);
    for (weight, value) in pairs {
        w += weight;
        sum += weight * value;
    }
    (w > 0.0).then(|| sum / w)
}

fn savings(
    period: &Period,
    income: &FlowFigures,
    expense: &FlowFigures,
    balance: f64,
) -> SavingsOut {
    let monthly = income.monthly - expense.monthly;
    let positive = |x: f64| (x > 0.0).then_some(x);
    let runway = (balance > 0.0 && expense.monthly > income.monthly)
        .then(|| balance / (expense.monthly - income.monthly));
    let stress_runway = (expense.total > 0.0)
        .then(|| positive(expense.regular_rate).or(positive(expense.monthly)))
        .flatten()
        .map(|rate| balance.max(0.0) / rate);
    let expense_to_savings_rate = (expense.monthly > 0.0 && monthly != 0.0)
        .then(|| expense.monthly / monthly.abs());
    SavingsOut {
        per_month: period.per_month(|m| m.income - m.expense),
        average: averages(monthly),
        forecasted_average: forecast(income.forecast - expense.forecast),
        runway: runway.and_then(money),
        stress_runway: stress_runway.and_then(money),
        expense_to_savings_rate: expense_to_savings_rate.and_then(money),
        income_stability: weighted(income.sources.iter().map(|s| (s.0, s.1)))
            .and_then(ratio),
        income_regularity: weighted(income.sources.iter().map(|s| (s.0, s.2)))
            .and_then(ratio),
        income_to_expense_rate: (expense.monthly > 0.0)
            .then(|| income.monthly / expense.monthly)
            .and_then(ratio),
    }
}

/// The whole report.
pub(crate) fn report(ctx: &Ctx<'_, '_>) -> ReportOut {
    let p = ctx.p;
    let mut per_account: Vec<Vec<u32>> = vec![Vec::new(); p.accounts.len()];
    for (i, e) in p.entries.iter().enumerate() {
        per_account[e.account as usize].push(i as u32);
    }
    let starts: Vec<Date> = per_account
        .iter()
        .map(|list| match list.first() {
            Some(&i) => {
                p.entries[i as usize].date.first_of_month().max(p.from)
            }
            None => p.from,
        })
        .collect();
    let accounts: Vec<AccountOut> = p
        .accounts
        .iter()
        .enumerate()
        .map(|(i, a)| AccountOut {
            id: a.id.to_string(),
            name: a.name.as_deref().map(str::to_string),
            nature: a.nature.map(|n| n.as_str()),
            connection_id: a.connection_id.as_deref().map(str::to_string),
            scope: scope(ctx, &per_account[i], starts[i], a.balance, false),
        })
        .collect();
    let all: Vec<u32> = (0..p.entries.len() as u32).collect();
    let start = starts.iter().copied().min().unwrap_or(p.from);
    let total_balance: f64 = p.accounts.iter().map(|a| a.balance).sum();
    let summary = scope(ctx, &all, start, total_balance, true);

    let mut connections: Vec<ConnectionOut> = Vec::new();
    for (i, a) in p.accounts.iter().enumerate() {
        let id = a.connection_id.as_deref().map(str::to_string);
        let list = &per_account[i];
        let tx = |k: Option<&u32>| k.map(|&k| &p.entries[k as usize]);
        let account = ConnectionAccountOut {
            id: a.id.to_string(),
            name: a.name.as_deref().map(str::to_string),
            nature: a.nature.map(|n| n.as_str()),
            balance: Money(a.balance),
            original_balance: Money(a.original_balance),
            original_currency_code: a.currency.to_string(),
            transactions: TransactionsOut {
                start_date: tx(list.first()).map(|e| e.date),
                end_date: tx(list.last()).map(|e| e.date),
                first_id: tx(list.first()).map(|e| e.id.to_string()),
                last_id: tx(list.last()).map(|e| e.id.to_string()),
                count: list.len(),
            },
        };
        match connections.iter_mut().find(|c| c.id == id) {
            Some(c) => c.accounts.push(account),
            None => connections.push(ConnectionOut {
                id,
                customer_id: p.customer_id.to_string(),
                provider_code: None,
                provider_name: None,
                holder_info: None,
                client_name: None,
                accounts: vec![account],
            }),
        }
    }
    ReportOut {
        report_id: p.report_id.as_deref().map(str::to_string),
        customer_id: p.customer_id.to_string(),
        connection_ids: connections
            .iter()
            .filter_map(|c| c.id.clone())
            .collect(),
        connections,
        currency_code: p.currency.to_string(),
        exchange_rates: p.rates.clone(),
        report_types: p.types.iter().map(|t| t.as_str()).collect(),
        status: "success",
        from_date: p.from,
        to_date: p.to,
        result: ResultOut { accounts, accounts_summary: summary },
    }
}
