//! Criterion benchmarks of the enrichment engine (`cargo bench --bench
//! enrich`). Inputs come from the seeded generator in `txenrich::synth`, so
//! every run measures the same transactions. For single-core figures, pin
//! the run: `taskset -c 1 cargo bench --bench enrich`.

use std::hint::black_box;
use std::path::Path;

use criterion::{
    BatchSize, Criterion, Throughput, criterion_group, criterion_main,
};
use rayon::prelude::*;
use txenrich::dict::{self, Dictionary};
use txenrich::json::RawTransaction;
use txenrich::lexicon::{Lexicon, LexiconSources};
use txenrich::model::TransactionView;
use txenrich::synth::Generator;
use txenrich::text::{Field, NormText};
use txenrich::{Engine, EnrichOptions};

fn corpus(engine: &Engine, n: usize) -> Vec<String> {
    let mut g = Generator::new(engine, 42);
    (0..n).map(|i| g.json_line(i)).collect()
}

fn merchant_sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/merchants");
    dict::source::merchant_files(&root)
        .into_iter()
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).expect("merchant source"),
            )
        })
        .collect()
}

fn dictionary(c: &mut Criterion) {
    let sources = merchant_sources();
    let pairs: Vec<(&str, &str)> =
        sources.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let lexicon = Lexicon::parse(&LexiconSources::builtin()).expect("lexicon");
    let mut g = c.benchmark_group("dictionary");
    g.sample_size(10);
    g.bench_function("compile", |b| {
        b.iter(|| {
            dict::compile(black_box(&pairs), &lexicon).expect("compiles")
        })
    });
    let (bytes, _) = dict::compile(&pairs, &lexicon).expect("compiles");
    let leaked: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    g.throughput(Throughput::Bytes(leaked.len() as u64));
    g.bench_function("load", |b| {
        b.iter(|| Dictionary::from_static(black_box(leaked)).expect("loads"))
    });
    g.finish();
}

fn enrich(c: &mut Criterion) {
    let engine = Engine::builtin();
    let lines = corpus(&engine, 1000);
    let parsed: Vec<RawTransaction<'_>> = lines
        .iter()
        .map(|l| RawTransaction::parse(l).expect("valid"))
        .collect();
    let views: Vec<TransactionView<'_>> =
        parsed.iter().map(|r| r.view()).collect();
    let opts = EnrichOptions::default();

    let mut g = c.benchmark_group("enrich");
    g.throughput(Throughput::Elements(1));
    let mut i = 0;
    g.bench_function("one_transaction", |b| {
        b.iter(|| {
            i = (i + 1) % views.len();
            engine.enrich(black_box(&views[i]), &opts)
        })
    });
    g.throughput(Throughput::Elements(100));
    let one_thread =
        rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    let mut k = 0;
    g.bench_function("batch_100_one_thread", |b| {
        b.iter(|| {
            k = (k + 100) % (views.len() - 100);
            one_thread.install(|| {
                engine
                    .enrich_batch(black_box(&views[k..k + 100]), &opts)
                    .expect("≤100")
            })
        })
    });
    g.bench_function("batch_100_all_threads", |b| {
        b.iter(|| {
            k = (k + 100) % (views.len() - 100);
            engine
                .enrich_batch(black_box(&views[k..k + 100]), &opts)
                .expect("≤100")
        })
    });
    // The same transactions as Salt Edge's API returns them: status,
    // timestamps and an extra of a dozen fields to read past and copy.
    let full: Vec<String> = {
        let mut g = Generator::new(&engine, 42);
        (0..1000).map(|i| g.full_json_line(i)).collect()
    };
    for (name, corpus, line_bytes) in [
        ("json_100_parse_enrich_serialize", &lines, 600),
        ("json_100_full_lines", &full, 1200),
    ] {
        g.bench_function(name, |b| {
            b.iter_batched_ref(
                || Vec::with_capacity(100 * line_bytes),
                |out| {
                    k = (k + 100) % (corpus.len() - 100);
                    for l in &corpus[k..k + 100] {
                        engine
                            .enrich_json(black_box(l), &opts, out)
                            .expect("valid");
                        out.push(b'\n');
                    }
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.throughput(Throughput::Elements(lines.len() as u64));
    g.bench_function("json_1000_all_threads", |b| {
        b.iter(|| {
            lines
                .par_chunks(100)
                .map(|batch| {
                    let mut out = Vec::with_capacity(batch.len() * 600);
                    for l in batch {
                        let _ = engine.enrich_json(l, &opts, &mut out);
                    }
                    out.len()
                })
                .sum::<usize>()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("normalize");
    g.throughput(Throughput::Elements(1));
    let mut norm = NormText::new();
    let mut j = 0;
    g.bench_function("description", |b| {
        b.iter(|| {
            j = (j + 1) % views.len();
            norm.clear();
            norm.push_field(
                black_box(views[j].description),
                Field::Description,
            );
            norm.tokens().len()
        })
    });
    g.finish();
}

criterion_group!(benches, dictionary, enrich);
criterion_main!(benches);
