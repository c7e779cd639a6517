//! `txenrich bench`: throughput of the engine on a generated corpus.
//!
//! The corpus comes from [`txenrich::synth::Generator`] (seeded, so every
//! run measures the same lines). Each measurement is the best of three
//! runs, and every figure is also given as a ratio to a baseline measured in
//! the same run on the same lines, because absolute speeds on shared
//! machines drift by 5-10% between runs.

use std::time::{Duration, Instant};

use rayon::prelude::*;
use txenrich::json::RawTransaction;
use txenrich::model::{Categorization, TransactionView};
use txenrich::synth::Generator;
use txenrich::{BATCH_LIMIT, Engine, EnrichOptions};

pub struct Args {
    pub lines: usize,
    pub threads: Option<usize>,
    pub seed: u64,
    pub json: bool,
    pub write_corpus: Option<std::path::PathBuf>,
    /// Lines as Salt Edge's API returns them, not the compact shape.
    pub full: bool,
}

/// Best of `runs` timings of `f`.
fn best_of(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn per_second(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

pub fn run(args: Args) -> Result<std::process::ExitCode, String> {
    let engine = Engine::builtin();
    let max_threads = args
        .threads
        .unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        })
        .max(1);
    let lines: Vec<String> =
        {
            let mut g = Generator::new(&engine, args.seed);
            (0..args.lines.max(1))
                .map(|i| {
                    if args.full {
                        g.full_json_line(i)
                    } else {
                        g.json_line(i)
                    }
                })
                .collect()
        };
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
    if let Some(path) = &args.write_corpus {
        let mut text = String::with_capacity(bytes);
        for l in &lines {
            text.push_str(l);
            text.push('\n');
        }
        std::fs::write(path, text)
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let parsed: Vec<RawTransaction<'_>> = lines
        .iter()
        .map(|l| {
            RawTransaction::parse(l)
                .map_err(|e| format!("generated line: {e}"))
        })
        .collect::<Result<_, _>>()?;
    let views: Vec<TransactionView<'_>> =
        parsed.iter().map(|r| r.view()).collect();
    let opts = EnrichOptions {
        categorization: Categorization::Personal,
        ..Default::default()
    };
    let n = lines.len();

    // Baseline: what any JSON pipeline pays before it does any work, a
    // serde_json parse into a Value and a serialization back.
    let baseline = best_of(3, || {
        let mut out = Vec::with_capacity(bytes * 2);
        for l in &lines {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_default();
            let _ = serde_json::to_writer(&mut out, &v);
            out.push(b'\n');
        }
        std::hint::black_box(&out);
    });

    let mut rows = Vec::new();
    for threads in 1..=max_threads {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| e.to_string())?;
        let structs = pool.install(|| {
            best_of(3, || {
                let done: usize = views
                    .par_chunks(BATCH_LIMIT)
                    .map(|batch| {
                        batch
                            .iter()
                            .map(|tx| engine.enrich(tx, &opts))
                            .filter(|e| e.category.is_some())
                            .count()
                    })
                    .sum();
                std::hint::black_box(done);
            })
        });
        let json = pool.install(|| {
            best_of(3, || {
                let written: usize = lines
                    .par_chunks(BATCH_LIMIT)
                    .map(|batch| {
                        let mut out = Vec::with_capacity(batch.len() * 512);
                        for l in batch {
                            let _ = engine.enrich_json(l, &opts, &mut out);
                            out.push(b'\n');
                        }
                        out.len()
                    })
                    .sum();
                std::hint::black_box(written);
            })
        });
        rows.push((threads, per_second(n, structs), per_second(n, json)));
    }
    let base = per_second(n, baseline);
    let dict = engine.dictionary();
    let shape = if args.full { "full" } else { "compact" };
    if args.json {
        let report = serde_json::json!({
            "lines": n,
            "bytes": bytes,
            "seed": args.seed,
            "shape": shape,
            "dictionary": {"merchants": dict.len(), "aliases": dict.alias_count(), "bytes": dict.byte_len()},
            "rules": {"rules": engine.rules().len(), "keywords": engine.rules().keyword_count()},
            "baseline_serde_json_round_trip_per_second": base,
            "results": rows.iter().map(|(t, s, j)| serde_json::json!({
                "threads": t,
                "struct_per_second": s,
                "json_per_second": j,
                "json_vs_baseline": j / base,
            })).collect::<Vec<_>>(),
        });
        println!("{report}");
    } else {
        println!(
            "corpus: {n} generated lines ({shape}, {:.1} MB, seed {}); dictionary: {} merchants, {} aliases, {:.1} MB; {} rules, {} keywords",
            bytes as f64 / 1e6,
            args.seed,
            dict.len(),
            dict.alias_count(),
            dict.byte_len() as f64 / 1e6,
            engine.rules().len(),
            engine.rules().keyword_count()
        );
        println!(
            "baseline (serde_json parse + serialize, 1 thread): {:.0} lines/s",
            base
        );
        println!(
            "{:>7}  {:>16}  {:>16}  {:>12}",
            "threads", "struct tx/s", "JSON lines/s", "JSON/base"
        );
        for (t, s, j) in &rows {
            println!("{t:>7}  {s:>16.0}  {j:>16.0}  {:>11.2}x", j / base);
        }
        if let (Some(one), Some(last)) = (rows.first(), rows.last())
            && last.0 > 1
        {
            println!(
                "scaling at {} threads: struct {:.2}x, JSON {:.2}x",
                last.0,
                last.1 / one.1,
                last.2 / one.2
            );
        }
        println!(
            "(pin to one core with `taskset -c 1 txenrich bench --threads 1` for single-core figures)"
        );
    }
    Ok(std::process::ExitCode::SUCCESS)
}
