//! Regular streams: the transactions of one counterparty that come on a
//! cadence. See the [module docs](super) for the method.

use crate::model::Date;

/// Salt Edge's stream frequencies, from the most to the least frequent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Frequency {
    Daily,
    ThreeTimesAWeek,
    TwiceAWeek,
    Weekly,
    ThreeTimesAMonth,
    Every2Weeks,
    Monthly,
    Every2Months,
    Quarterly,
    ThreeTimesAYear,
    TwoTimesAYear,
    Annual,
    FewYears,
}

impl Frequency {
    /// The name as Salt Edge spells it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Frequency::Daily => "daily",
            Frequency::ThreeTimesAWeek => "3_times_a_week",
            Frequency::TwiceAWeek => "twice_a_week",
            Frequency::Weekly => "weekly",
            Frequency::ThreeTimesAMonth => "3_times_a_month",
            Frequency::Every2Weeks => "every_2_weeks",
            Frequency::Monthly => "monthly",
            Frequency::Every2Months => "every_2_months",
            Frequency::Quarterly => "quarterly",
            Frequency::ThreeTimesAYear => "3_times_a_year",
            Frequency::TwoTimesAYear => "2_times_a_year",
            Frequency::Annual => "annual",
            Frequency::FewYears => "few_years",
        }
    }

    /// The frequency of a cadence of `period` days. The bounds lie about
    /// halfway (geometrically) between the nominal periods: 1, 2.33, 3.5,
    /// 7, 10.1, 14, 30.4, 60.9, 91.3, 121.7, 182.6, 365.25 days.
    pub(crate) fn from_period(period: f64) -> Frequency {
        const BOUNDS: [(f64, Frequency); 12] = [
            (1.5, Frequency::Daily),
            (2.75, Frequency::ThreeTimesAWeek),
            (4.5, Frequency::TwiceAWeek),
            (8.5, Frequency::Weekly),
            (12.0, Frequency::ThreeTimesAMonth),
            (20.5, Frequency::Every2Weeks),
            (43.0, Frequency::Monthly),
            (75.0, Frequency::Every2Months),
            (106.0, Frequency::Quarterly),
            (150.0, Frequency::ThreeTimesAYear),
            (260.0, Frequency::TwoTimesAYear),
            (548.0, Frequency::Annual),
        ];
        BOUNDS
            .iter()
            .find(|&&(bound, _)| period < bound)
            .map_or(Frequency::FewYears, |&(_, f)| f)
    }

    /// The nominal period in days; `None` for `few_years`.
    pub(crate) fn nominal(self) -> Option<f64> {
        const YEAR: f64 = 365.25;
        Some(match self {
            Frequency::Daily => 1.0,
            Frequency::ThreeTimesAWeek => 7.0 / 3.0,
            Frequency::TwiceAWeek => 3.5,
            Frequency::Weekly => 7.0,
            Frequency::ThreeTimesAMonth => YEAR / 36.0,
            Frequency::Every2Weeks => 14.0,
            Frequency::Monthly => YEAR / 12.0,
            Frequency::Every2Months => YEAR / 6.0,
            Frequency::Quarterly => YEAR / 4.0,
            Frequency::ThreeTimesAYear => YEAR / 3.0,
            Frequency::TwoTimesAYear => YEAR / 2.0,
            Frequency::Annual => YEAR,
            Frequency::FewYears => return None,
        })
    }

    /// The fewest payment days a stream of this frequency needs.
    fn min_events(self) -> usize {
        match self {
            Frequency::Daily => 7,
            Frequency::ThreeTimesAWeek => 5,
            Frequency::TwiceAWeek => 4,
            Frequency::Annual => 2,
            _ => 3,
        }
    }
}

/// How far (days) an interval may be from the cadence and still be on
/// time: 20% of the period plus a day for short cadences, 5% plus five days
/// for long ones (whichever is less), at least two days. A weekly stream
/// allows ±2.4 days, a monthly one ±6.5, a quarterly one ±9.6, a yearly
/// one ±23.
pub(crate) fn tolerance(period: f64) -> f64 {
    (0.2 * period + 1.0).min(0.05 * period + 5.0).max(2.0)
}

/// Monthly and longer cadences: tied to the calendar.
const CALENDAR_PERIOD: f64 = 20.5;

/// One income or expense transaction, as stream detection sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Item {
    pub date: Date,
    /// The magnitude, in the report currency.
    pub amount: f64,
    /// The entry it stands for.
    pub entry: u32,
}

/// A regular stream found in a group.
#[derive(Clone, Debug)]
pub(crate) struct Found {
    /// Its entries, in date order.
    pub entries: Vec<u32>,
    /// The cadence: the mean of the on-time intervals, in days.
    pub period: f64,
    pub frequency: Frequency,
    /// The share of intervals between payment days that are on time
    /// (skipped periods and stray intervals are not).
    pub on_time: f64,
    /// The median amount of the last three payment days.
    pub recent_amount: f64,
}

/// The transactions of one day, which count as one payment.
#[derive(Clone, Copy, Debug)]
struct Event {
    date: Date,
    day: i32,
    amount: f64,
    /// Range into the items.
    first: usize,
    end: usize,
}

/// How an interval of `iv` days fits a cadence of `period` days: `Some(1)`
/// on time, `Some(2 | 3)` when one or two payments were skipped.
fn fit(iv: f64, period: f64) -> Option<u32> {
    let tol = tolerance(period);
    if (iv - period).abs() <= tol {
        return Some(1);
    }
    (2..=3).find(|&k| {
        let k_f = f64::from(k);
        (iv - k_f * period).abs() <= tol * (1.0 + (k_f - 1.0) / 2.0)
    })
}

fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_unstable_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// The coefficient of variation (population standard deviation over the
/// mean); 0 for fewer than two values or a zero mean.
pub(crate) fn variation(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    if values.len() < 2 {
        return 0.0;
    }
    let mean = values.iter().sum::<f64>() / n;
    if mean == 0.0 {
        return 0.0;
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    var.sqrt() / mean
}

/// Whether payments of a monthly or longer cadence keep to the calendar:
/// at least three quarters of them (all of them, for four or fewer) fall
/// within 4.5 days (half the tolerance for longer cadences: 11.6 days for a
/// yearly one) of one day of the month (counted from the month's start or
/// from its end, so that the 31st of January and the 28th of February are
/// the same day, and the 30th and the 1st are two days apart); or the
/// intervals are very steady (a standard deviation of at most 1.5 days, or
/// 3% of the period, over at least three intervals), as for pay every four
/// weeks, which drifts through the month.
fn aligned(kept: &[Event], on_time: &[f64], period: f64) -> bool {
    if on_time.len() >= 3 {
        let mean = on_time.iter().sum::<f64>() / on_time.len() as f64;
        let var = on_time.iter().map(|x| (x - mean).powi(2)).sum::<f64>()
            / on_time.len() as f64;
        if var.sqrt() <= (0.03 * period).max(1.5) {
            return true;
        }
    }
    // A day as (days since the month's start, days to its end).
    let points: Vec<(i32, i32)> = kept
        .iter()
        .map(|e| {
            let day = e.date.day() as i32;
            (day - 1, e.date.last_of_month().day() as i32 - day)
        })
        .collect();
    // Days apart within the month: counted from its start, from its end
    // (the 31st of January and the 28th of February), or across the turn
    // of the month (the 30th and the 1st), whichever is least.
    let apart = |(s1, e1): (i32, i32), (s2, e2): (i32, i32)| {
        (s1 - s2).abs().min((e1 - e2).abs()).min(s1 + e2 + 1).min(s2 + e1 + 1)
    };
    let need = if points.len() <= 4 {
        points.len()
    } else {
        (points.len() * 3).div_ceil(4)
    };
    let near = (tolerance(period) / 2.0).max(4.5);
    // Anchors: the payments themselves (at most 16 of them, spread out).
    let step = points.len().div_ceil(16);
    points.iter().step_by(step).any(|&a| {
        let close =
            points.iter().filter(|&&x| f64::from(apart(x, a)) <= near).count();
        close >= need
    })
}

/// The share of `values` within ±30% of their median: how many payments
/// have the typical amount, robust to a raise (a step in the amounts) and
/// to a few outliers.
pub(crate) fn typical_share(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    let mid = median(&mut v);
    if values.is_empty() || mid <= 0.0 {
        return 0.0;
    }
    let close =
        values.iter().filter(|&&x| (x - mid).abs() <= 0.3 * mid).count();
    close as f64 / values.len() as f64
}

/// Splits one counterparty's items (in date order) into regular streams
/// and the rest, which goes to `irregular`.
pub(crate) fn detect(
    items: &[Item],
    regular: &mut Vec<Found>,
    irregular: &mut Vec<u32>,
) {
    if let Some(found) = analyze(items, irregular, 1.0) {
        regular.push(found);
        return;
    }
    if items.len() < 4 {
        irregular.extend(items.iter().map(|i| i.entry));
        return;
    }
    // Several streams (or a stream and one-offs) with one counterparty:
    // cluster by amount (a new cluster where the amount jumps by half),
    // try each cluster as a stream of nearly constant amounts.
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| items[a].amount.total_cmp(&items[b].amount));
    let mut clusters: Vec<Vec<usize>> = Vec::new();
    let mut last = f64::NAN;
    for i in order {
        let a = items[i].amount;
        match clusters.last_mut() {
            Some(c) if a <= last * 1.5 + 0.01 => c.push(i),
            _ => clusters.push(vec![i]),
        }
        last = a;
    }
    if clusters.len() == 1 {
        irregular.extend(items.iter().map(|i| i.entry));
        return;
    }
    for mut cluster in clusters {
        cluster.sort_unstable();
        let sub: Vec<Item> = cluster.iter().map(|&i| items[i]).collect();
        match analyze(&sub, irregular, 0.15) {
            Some(found) => regular.push(found),
            None => irregular.extend(sub.iter().map(|i| i.entry)),
        }
    }
}

/// A regular stream made of `items` (in date order), if they are one;
/// off-cadence extras are put in `irregular`. `max_variation` bounds the
/// variation of the amounts (1 for no bound beyond the usual rules).
fn analyze(
    items: &[Item],
    irregular: &mut Vec<u32>,
    max_variation: f64,
) -> Option<Found> {
    let mut events: Vec<Event> = Vec::new();
    for (i, it) in items.iter().enumerate() {
        let day = it.date.days_since_epoch();
        match events.last_mut() {
            Some(e) if e.day == day => {
                e.amount += it.amount;
                e.end = i + 1;
            }
            _ => events.push(Event {
                date: it.date,
                day,
                amount: it.amount,
                first: i,
                end: i + 1,
            }),
        }
    }
    if events.len() < 2 {
        return None;
    }
    let mut amounts: Vec<f64> = events.iter().map(|e| e.amount).collect();
    let typical = median(&mut amounts);
    let mut intervals: Vec<f64> =
        events.windows(2).map(|w| f64::from(w[1].day - w[0].day)).collect();
    intervals.sort_unstable_by(f64::total_cmp);
    let last = intervals.len() - 1;
    // Candidate cadences: a few quantiles of the intervals (the median
    // first), their mean, and the nominal period nearest the median. The
    // one that makes a stream of the most payments wins.
    let mean = intervals.iter().sum::<f64>() / intervals.len() as f64;
    let mid = intervals[last / 2];
    let nominal = Frequency::from_period(mid).nominal().unwrap_or(mid);
    let quantiles = [0.5, 0.25, 0.75, 0.1, 0.9]
        .map(|q| intervals[(q * last as f64).round() as usize]);
    let mut best: Option<Attempt> = None;
    let mut tried: Vec<f64> = Vec::with_capacity(7);
    for c in quantiles.into_iter().chain([mean, nominal]) {
        if tried.contains(&c) {
            continue;
        }
        tried.push(c);
        if let Some(a) = attempt(&events, c, typical)
            && variation(&a.kept.iter().map(|e| e.amount).collect::<Vec<_>>())
                <= max_variation
            && best.as_ref().is_none_or(|b| {
                (a.kept.len(), a.ones) > (b.kept.len(), b.ones)
            })
        {
            best = Some(a);
        }
    }
    let a = best?;
    for e in &a.extras {
        irregular.extend(items[e.first..e.end].iter().map(|i| i.entry));
    }
    let mut entries: Vec<u32> = a
        .kept
        .iter()
        .flat_map(|e| items[e.first..e.end].iter().map(|i| i.entry))
        .collect();
    entries.sort_unstable();
    let n = a.kept.len();
    let mut recent: Vec<f64> =
        a.kept[n.saturating_sub(3)..].iter().map(|e| e.amount).collect();
    Some(Found {
        entries,
        period: a.period,
        frequency: a.frequency,
        on_time: a.ones as f64 / (n - 1) as f64,
        recent_amount: median(&mut recent),
    })
}

/// The payments of a group read as a stream of cadence `c`.
struct Attempt {
    kept: Vec<Event>,
    extras: Vec<Event>,
    period: f64,
    frequency: Frequency,
    ones: usize,
}

/// Reads `events` as a stream of cadence `c` days; `None` when they are
/// not one. `typical` is the median amount of a payment day.
fn attempt(events: &[Event], c: f64, typical: f64) -> Option<Attempt> {
    // Peel off payments that come too early to be on the cadence (a bonus
    // between two salaries): of two payments too close together, the one
    // whose amount is further from the typical amount goes.
    let distance = |e: &Event| {
        if typical > 0.0 && e.amount > 0.0 {
            (e.amount / typical).ln().abs()
        } else {
            f64::MAX
        }
    };
    let mut kept: Vec<Event> = Vec::with_capacity(events.len());
    let mut extras: Vec<Event> = Vec::new();
    for &e in events {
        match kept.last() {
            Some(&last)
                if f64::from(e.day - last.day) < c - 1.5 * tolerance(c) =>
            {
                if distance(&e) < distance(&last) {
                    kept.pop();
                    extras.push(last);
                    kept.push(e);
                } else {
                    extras.push(e);
                }
            }
            _ => kept.push(e),
        }
    }
    if kept.len() * 4 < events.len() * 3 || kept.len() < 2 {
        return None;
    }
    let intervals: Vec<f64> =
        kept.windows(2).map(|w| f64::from(w[1].day - w[0].day)).collect();
    let on_time: Vec<f64> = intervals
        .iter()
        .copied()
        .filter(|&iv| fit(iv, c) == Some(1))
        .collect();
    if on_time.is_empty() {
        return None;
    }
    let period = on_time.iter().sum::<f64>() / on_time.len() as f64;
    let frequency = Frequency::from_period(period);
    let n = kept.len();
    if n < frequency.min_events() {
        return None;
    }
    // A cadence of 22 or 40 days is no cadence people pay on.
    if let Some(nominal) = frequency.nominal()
        && (period - nominal).abs() > tolerance(nominal)
    {
        return None;
    }
    if period >= CALENDAR_PERIOD && !aligned(&kept, &on_time, period) {
        return None;
    }
    // Payments for at least 60% of the periods the stream spans.
    let span = f64::from(kept[n - 1].day - kept[0].day);
    if (n as f64) < 0.6 * (span / period + 1.0) {
        return None;
    }
    let m = intervals.len();
    let fits: Vec<Option<u32>> =
        intervals.iter().map(|&iv| fit(iv, period)).collect();
    let ones = fits.iter().filter(|f| **f == Some(1)).count();
    let skips = fits.iter().filter(|f| matches!(f, Some(2 | 3))).count();
    let amounts: Vec<f64> = kept.iter().map(|e| e.amount).collect();
    let regular = match m {
        // Two payments: only a yearly one, about a year apart, with
        // nearly the same amount.
        1 => {
            let (lo, hi) =
                (amounts[0].min(amounts[1]), amounts[0].max(amounts[1]));
            frequency == Frequency::Annual
                && (period - 365.25).abs() <= 10.0
                && lo > 0.0
                && hi / lo <= 1.15
        }
        // Three payments: both intervals on time.
        2 => ones == 2 && variation(&amounts) <= 0.2,
        _ => {
            let steady = if n <= 4 {
                variation(&amounts) <= 0.2
            } else {
                typical_share(&amounts) >= 0.75
            };
            (ones + skips) as f64 >= 0.75 * m as f64
                && ones as f64 >= 0.5 * m as f64
                && steady
        }
    };
    regular.then_some(Attempt { kept, extras, period, frequency, ones })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(days: &[(i32, f64)]) -> Vec<Item> {
        let base = Date::from_ymd(2024, 1, 1).unwrap();
        days.iter()
            .enumerate()
            .map(|(i, &(d, a))| Item {
                date: base.add_days(d),
                amount: a,
                entry: i as u32,
            })
            .collect()
    }

    fn run(days: &[(i32, f64)]) -> (Vec<Found>, Vec<u32>) {
        let (mut regular, mut irregular) = (Vec::new(), Vec::new());
        detect(&items(days), &mut regular, &mut irregular);
        irregular.sort_unstable();
        (regular, irregular)
    }

    #[test]
    fn frequencies_from_periods() {
        let cases = [
            (1.0, "daily"),
            (1.4, "daily"),
            (2.33, "3_times_a_week"),
            (3.5, "twice_a_week"),
            (7.0, "weekly"),
            (10.1, "3_times_a_month"),
            (14.0, "every_2_weeks"),
            (30.4, "monthly"),
            (60.9, "every_2_months"),
            (91.3, "quarterly"),
            (121.7, "3_times_a_year"),
            (182.6, "2_times_a_year"),
            (365.25, "annual"),
            (730.0, "few_years"),
        ];
        for (p, name) in cases {
            assert_eq!(Frequency::from_period(p).as_str(), name, "{p}");
        }
    }

    #[test]
    fn monthly_with_weekend_shifts_a_raise_and_a_skip() {
        // Paid on the 25th, moved to the Friday before when it falls on a
        // weekend (Jan 25 2024 is a Thursday): 24 Jan, 23 Feb (25 Feb is a
        // Sunday), 25 Mar, 25 Apr, (May skipped), 25 Jun, 25 Jul, 23 Aug,
        // 25 Sep; a raise from 2000 to 2200 in July.
        let d = |m, day| {
            Date::from_ymd(2024, m, day).unwrap()
                - Date::from_ymd(2024, 1, 1).unwrap()
        };
        let (regular, irregular) = run(&[
            (d(1, 24), 2000.0),
            (d(2, 23), 2000.0),
            (d(3, 25), 2000.0),
            (d(4, 25), 2000.0),
            (d(6, 25), 2000.0),
            (d(7, 25), 2200.0),
            (d(8, 23), 2200.0),
            (d(9, 25), 2200.0),
        ]);
        assert_eq!(regular.len(), 1);
        assert!(irregular.is_empty());
        let s = &regular[0];
        assert_eq!(s.frequency, Frequency::Monthly);
        assert_eq!(s.entries.len(), 8);
        // 7 intervals, the 61-day one (skipped May) is not on time.
        assert!((s.on_time - 6.0 / 7.0).abs() < 1e-9);
        assert_eq!(s.recent_amount, 2200.0);
    }

    #[test]
    fn bill_varying_by_twenty_percent() {
        let (regular, _) = run(&[
            (0, 60.0),
            (31, 72.0),
            (60, 48.0),
            (91, 66.0),
            (121, 54.0),
            (152, 70.0),
        ]);
        assert_eq!(regular.len(), 1);
        assert_eq!(regular[0].frequency, Frequency::Monthly);
    }

    #[test]
    fn a_bonus_between_salaries_is_irregular() {
        let (regular, irregular) = run(&[
            (0, 2000.0),
            (31, 2000.0),
            (60, 2000.0),
            (75, 500.0),
            (91, 2000.0),
            (121, 2000.0),
        ]);
        assert_eq!(regular.len(), 1);
        assert_eq!(regular[0].entries.len(), 5);
        assert_eq!(irregular, [3]);
    }

    #[test]
    fn two_subscriptions_with_one_merchant() {
        // 0.99 on the 3rd and 9.99 on the 17th of each month.
        let mut days = Vec::new();
        for m in 0..6 {
            days.push((m * 30 + 2, 0.99));
            days.push((m * 30 + 16, 9.99));
        }
        let (regular, irregular) = run(&days);
        assert_eq!(regular.len(), 2);
        assert!(irregular.is_empty());
        assert!(regular.iter().all(|s| s.frequency == Frequency::Monthly));
    }

    #[test]
    fn random_visits_are_not_a_stream() {
        let (regular, irregular) = run(&[
            (0, 12.0),
            (3, 80.0),
            (17, 45.0),
            (19, 23.0),
            (40, 61.0),
            (71, 15.0),
            (75, 99.0),
        ]);
        assert!(regular.is_empty());
        assert_eq!(irregular.len(), 7);
    }

    #[test]
    fn weekly_and_workdays() {
        let weekly: Vec<(i32, f64)> =
            (0..10).map(|w| (w * 7 + (w == 4) as i32, 450.0)).collect();
        let (regular, _) = run(&weekly);
        assert_eq!(regular[0].frequency, Frequency::Weekly);
        // Monday to Friday, every week for four weeks.
        let workdays: Vec<(i32, f64)> =
            (0..28).filter(|d| d % 7 < 5).map(|d| (d, 3.5)).collect();
        let (regular, _) = run(&workdays);
        assert_eq!(regular[0].frequency, Frequency::Daily);
    }

    #[test]
    fn yearly_payments() {
        let (regular, _) = run(&[(0, 400.0), (366, 430.0)]);
        assert_eq!(regular[0].frequency, Frequency::Annual);
        // Too different amounts: not a stream.
        let (regular, _) = run(&[(0, 400.0), (366, 700.0)]);
        assert!(regular.is_empty());
        let (regular, _) =
            run(&[(0, 90.0), (91, 90.0), (182, 90.0), (274, 90.0)]);
        assert_eq!(regular[0].frequency, Frequency::Quarterly);
    }

    #[test]
    fn random_purchases_with_similar_amounts_are_not_a_stream() {
        // Seven purchases at one shop; after peeling one, the rest would
        // fit a 22-day cadence with skips, which is no real cadence.
        let d = |s: &str| {
            s.parse::<Date>().unwrap() - Date::from_ymd(2024, 1, 1).unwrap()
        };
        let (regular, irregular) = run(&[
            (d("2024-01-07"), 18.94),
            (d("2024-02-02"), 75.6),
            (d("2024-03-16"), 86.44),
            (d("2024-04-05"), 112.99),
            (d("2024-04-19"), 46.53),
            (d("2024-05-16"), 75.89),
            (d("2024-06-06"), 79.15),
        ]);
        assert!(regular.is_empty());
        assert_eq!(irregular.len(), 7);
    }

    #[test]
    fn short_groups_are_irregular() {
        let (regular, irregular) = run(&[(0, 10.0), (30, 10.0)]);
        assert!(regular.is_empty());
        assert_eq!(irregular, [0, 1]);
        let (regular, _) = run(&[(0, 10.0)]);
        assert!(regular.is_empty());
    }
}
