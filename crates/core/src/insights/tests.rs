//! Unit tests of the report's internals; the hand-checked statements are
//! in `crates/core/tests/insights.rs`.

use super::streams::{Found, Frequency, Item, detect};
use crate::model::Date;

/// SplitMix64: a deterministic generator, enough for test data.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..hi`.
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo) as u64) as i64
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn run(days: &[(Date, f64)]) -> (Vec<Found>, Vec<u32>) {
    let items: Vec<Item> = days
        .iter()
        .enumerate()
        .map(|(i, &(date, amount))| Item { date, amount, entry: i as u32 })
        .collect();
    let (mut regular, mut irregular) = (Vec::new(), Vec::new());
    detect(&items, &mut regular, &mut irregular);
    (regular, irregular)
}

/// The previous working day (Monday to Friday) of `d`, or `d`.
fn working_day(d: Date) -> Date {
    match d.weekday() {
        5 => d.add_days(-1),
        6 => d.add_days(-2),
        _ => d,
    }
}

fn ymd(y: i32, m: u32, d: u32) -> Date {
    Date::from_ymd(y, m, d).unwrap()
}

/// A genuine stream with real-world jitter, its expected frequency.
fn genuine(rng: &mut Rng, kind: u64) -> (Vec<(Date, f64)>, Frequency) {
    let mut out = Vec::new();
    match kind % KINDS {
        // Salary on a day of the month, moved to the previous working day,
        // a raise at some month, sometimes a skipped month.
        0 => {
            let day = rng.range(1, 29) as u32;
            let base = rng.range(1000, 5000) as f64;
            let raise_at = rng.range(2, 12);
            for m in 1..=12u32 {
                if m > 1 && m < 12 && rng.unit() < 0.08 {
                    continue;
                }
                let amount =
                    if i64::from(m) >= raise_at { base * 1.1 } else { base };
                out.push((working_day(ymd(2024, m, day)), amount));
            }
            (out, Frequency::Monthly)
        }
        // A bill varying ±20%, a few days late or early.
        1 => {
            let day = rng.range(3, 26) as i32;
            let base = rng.range(20, 300) as f64;
            for m in 1..=12u32 {
                let jitter = rng.range(-3, 4) as i32;
                let amount = base * (0.8 + 0.4 * rng.unit());
                out.push((ymd(2024, m, 1).add_days(day + jitter), amount));
            }
            (out, Frequency::Monthly)
        }
        // Weekly wages on Fridays, a bank holiday moving one to Thursday.
        2 => {
            let amount = rng.range(200, 900) as f64;
            let first = ymd(2024, 1, 5); // a Friday
            for w in 0..20 {
                let shift = if rng.unit() < 0.1 { -1 } else { 0 };
                out.push((first.add_days(7 * w + shift), amount));
            }
            (out, Frequency::Weekly)
        }
        // Every two weeks.
        3 => {
            let amount = rng.range(50, 900) as f64;
            let first = ymd(2024, 1, 1).add_days(rng.range(0, 14) as i32);
            for w in 0..14 {
                out.push((working_day(first.add_days(14 * w)), amount));
            }
            (out, Frequency::Every2Weeks)
        }
        // Quarterly, a couple of days off.
        4 => {
            let amount = rng.range(50, 900) as f64;
            for q in 0..8u32 {
                let d = ymd(2022 + (q / 4) as i32, 1 + 3 * (q % 4), 15);
                out.push((d.add_days(rng.range(-2, 3) as i32), amount));
            }
            (out, Frequency::Quarterly)
        }
        // Annual, over three years, the premium changing a little.
        5 => {
            let amount = rng.range(100, 900) as f64;
            for y in 0..3 {
                let d = ymd(2022 + y, 3, 10).add_days(rng.range(-5, 6) as i32);
                out.push((d, amount * (1.0 + 0.03 * y as f64)));
            }
            (out, Frequency::Annual)
        }
        // Pay every four weeks: it drifts through the calendar month.
        6 => {
            let amount = rng.range(800, 3000) as f64;
            let first = ymd(2024, 1, 4).add_days(rng.range(0, 7) as i32);
            for k in 0..13 {
                out.push((first.add_days(28 * k), amount));
            }
            (out, Frequency::Monthly)
        }
        // A short statement: three salaries.
        7 => {
            let day = rng.range(1, 29) as u32;
            let amount = rng.range(1000, 5000) as f64;
            for m in 4..=6u32 {
                out.push((working_day(ymd(2024, m, day)), amount));
            }
            (out, Frequency::Monthly)
        }
        // Coffee on workdays for six weeks, the price varying a little.
        8 => {
            let first = ymd(2024, 3, 4); // a Monday
            for d in 0..42 {
                if d % 7 < 5 {
                    out.push((first.add_days(d), 3.2 + 0.6 * rng.unit()));
                }
            }
            (out, Frequency::Daily)
        }
        // A lesson three times a month: the 1st, 11th and 21st.
        9 => {
            let amount = rng.range(20, 60) as f64;
            for m in 1..=6u32 {
                for day in [1, 11, 21] {
                    out.push((ymd(2024, m, day), amount));
                }
            }
            (out, Frequency::ThreeTimesAMonth)
        }
        // Training on Mondays and Thursdays.
        _ => {
            let amount = rng.range(5, 20) as f64;
            let first = ymd(2024, 1, 1); // a Monday
            for w in 0..10 {
                out.push((first.add_days(7 * w), amount));
                out.push((first.add_days(7 * w + 3), amount));
            }
            (out, Frequency::TwiceAWeek)
        }
    }
}

/// The kinds of genuine streams [`genuine`] makes.
const KINDS: u64 = 11;

#[test]
fn genuine_streams_with_jitter_are_found() {
    let mut rng = Rng(42);
    let mut misses = Vec::new();
    let trials = 1100;
    for t in 0..trials {
        let (days, expected) = genuine(&mut rng, t);
        let (regular, irregular) = run(&days);
        let ok = regular.len() == 1
            && regular[0].frequency == expected
            && irregular.is_empty();
        if !ok {
            misses.push((
                t % KINDS,
                regular.iter().map(|s| s.frequency).collect::<Vec<_>>(),
            ));
        }
    }
    assert!(
        misses.is_empty(),
        "{} of {trials} missed: {misses:?}",
        misses.len()
    );
}

#[test]
fn random_visits_are_rarely_a_stream() {
    let mut rng = Rng(7);
    let start = ymd(2024, 1, 1);
    let trials = 2000;
    let mut false_positives = 0;
    for _ in 0..trials {
        let n = rng.range(3, 25) as usize;
        let mut days: Vec<(Date, f64)> = (0..n)
            .map(|_| {
                let date = start.add_days(rng.range(0, 366) as i32);
                (date, rng.range(500, 15_000) as f64 / 100.0)
            })
            .collect();
        days.sort_by_key(|d| d.0);
        let (regular, _) = run(&days);
        false_positives += usize::from(!regular.is_empty());
    }
    // Under 1% of groups of random visits pass for a stream.
    assert!(
        false_positives * 100 < trials,
        "{false_positives} of {trials} random groups taken for streams"
    );
}

#[test]
fn stream_keys_ignore_numbers_months_and_word_order() {
    use super::compute::stream_key;
    let k = stream_key("SALARY ACME LTD JAN").unwrap();
    assert_eq!(
        stream_key("ACME LTD SALARY FEB 2024").as_deref(),
        Some(k.as_str())
    );
    assert_eq!(
        stream_key("salary acme ltd ref 12345"),
        stream_key("SALARY ACME LTD REF 98")
    );
    assert_ne!(stream_key("SALARY ACME LTD"), stream_key("SALARY OTHER LTD"));
    assert_eq!(stream_key("12345 / 2024-01-01"), None);
}

/// The key as it would be built from [`crate::learn::description_key`].
fn reference_key(description: &str) -> Option<String> {
    let key = crate::learn::description_key(description)?;
    let mut words: Vec<&str> =
        key.split(' ').filter(|w| !super::compute::is_month_word(w)).collect();
    words.sort_unstable();
    words.dedup();
    (!words.is_empty()).then(|| words.join(" "))
}

#[test]
fn stream_keys_are_description_keys() {
    use super::compute::stream_key;
    let engine = crate::Engine::builtin();
    let mut synth = crate::synth::Generator::new(&engine, 3);
    let mut samples: Vec<String> =
        (0..3000).map(|_| synth.descriptor().0).collect();
    samples.extend(
        [
            "Weekly wages Bob's Builders",
            "ÉLECTRICITÉ DE FRANCE PRÉLÈVEMENT",
            "CARD 4000XXXXXXXX1234 12.03.26 10:42",
            "",
            "   ",
            "REF12345 ACME",
        ]
        .map(String::from),
    );
    for d in &samples {
        assert_eq!(stream_key(d), reference_key(d), "{d:?}");
    }
}
