//! `txenrich enrich`: JSON Lines in, JSON Lines out.
//!
//! The input is read in chunks of lines; each chunk is cut into batches of
//! 100 that run in parallel, and the outputs are written in input order.
//! Memory is bounded by the chunk size, whatever the input's length.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde_json::value::RawValue;
use txenrich::model::{Categorization, Country};
use txenrich::{BATCH_LIMIT, Engine, EnrichOptions, Error, ErrorClass};

use crate::CategorizationArg;

/// Lines per chunk: enough batches to keep every core busy.
const CHUNK_LINES: usize = BATCH_LIMIT * 64;
/// Bytes per chunk, whichever limit comes first.
const CHUNK_BYTES: usize = 8 << 20;
/// Enriched chunks that may wait for the writer: room to ride out a slow
/// write, and a bound on the memory they hold.
const WRITE_QUEUE: usize = 1;

pub struct Args {
    pub file: Option<PathBuf>,
    pub categorization: CategorizationArg,
    pub country: Option<String>,
    pub rules: Option<PathBuf>,
    pub customer_id: Option<String>,
    pub dictionary: Option<PathBuf>,
    pub threads: Option<usize>,
    pub data: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    if let Some(n) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .map_err(|e| format!("--threads: {e}"))?;
    }
    let engine =
        crate::cmd::engine(args.dictionary.as_deref(), args.data.as_deref())?;
    let country = match &args.country {
        Some(c) => {
            Some(c.parse::<Country>().map_err(|e| format!("--country: {e}"))?)
        }
        None => None,
    };
    let rules = match &args.rules {
        Some(path) => Some(crate::cmd::read_rules(path)?.unwrap_or_default()),
        None => None,
    };
    let customer = match (&rules, &args.customer_id) {
        (Some(r), Some(id)) => r.customer(id),
        _ => None,
    };
    let opts = EnrichOptions {
        categorization: categorization(args.categorization),
        country,
        customer,
    };
    let (input, size): (Box<dyn Read>, Option<u64>) = match &args.file {
        Some(path) => {
            let f = File::open(path)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            let size = f.metadata().ok().map(|m| m.len());
            (Box::new(f), size)
        }
        None => (Box::new(io::stdin().lock()), None),
    };
    let progress = progress_bar(size);
    // Not locked here: the writer thread owns it (a lock cannot move).
    let mut out = BufWriter::with_capacity(1 << 20, io::stdout());
    let failed = stream(
        &engine,
        &opts,
        BufReader::with_capacity(1 << 20, input),
        &mut out,
        &progress,
    )
    .map_err(|e| format!("I/O error: {e}"))?;
    out.flush().map_err(|e| format!("I/O error: {e}"))?;
    progress.finish_and_clear();
    if failed > 0 {
        eprintln!(
            "txenrich: {failed} line(s) could not be enriched; see their error objects"
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn categorization(arg: CategorizationArg) -> Categorization {
    match arg {
        CategorizationArg::Personal => Categorization::Personal,
        CategorizationArg::Business => Categorization::Business,
        CategorizationArg::None => Categorization::None,
    }
}

/// Hidden unless standard error is a terminal; appears after a second, so
/// short runs stay quiet.
fn progress_bar(size: Option<u64>) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = match size {
        Some(n) => ProgressBar::with_draw_target(
            Some(n),
            indicatif::ProgressDrawTarget::stderr(),
        )
        .with_style(
            ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::with_draw_target(
            None,
            indicatif::ProgressDrawTarget::stderr(),
        )
        .with_style(
            ProgressStyle::with_template(
                "{spinner} {bytes} read, {bytes_per_sec}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    };
    bar.enable_steady_tick(Duration::from_millis(1000));
    bar
}

/// Lines read from the input: their bytes and each line's range.
struct Chunk {
    bytes: Vec<u8>,
    lines: Vec<(usize, usize)>,
}

impl Chunk {
    fn new() -> Chunk {
        Chunk {
            bytes: Vec::with_capacity(CHUNK_BYTES + (64 << 10)),
            lines: Vec::with_capacity(CHUNK_LINES),
        }
    }

    /// Refills the chunk with the next lines of `input`; empty at its end.
    fn read(&mut self, input: &mut impl BufRead) -> io::Result<()> {
        self.bytes.clear();
        self.lines.clear();
        while self.lines.len() < CHUNK_LINES && self.bytes.len() < CHUNK_BYTES
        {
            let start = self.bytes.len();
            if input.read_until(b'\n', &mut self.bytes)? == 0 {
                break;
            }
            self.lines.push((start, self.bytes.len()));
        }
        Ok(())
    }

    /// Writes the output of every line into `results`, by batch, with how
    /// many of each failed. The buffers already in `results` are reused:
    /// allocated once, their pages are not faulted in again for each chunk.
    fn enrich(
        &self,
        engine: &Engine,
        opts: &EnrichOptions<'_>,
        results: &mut Vec<(Vec<u8>, u64)>,
    ) {
        results.resize_with(self.lines.len().div_ceil(BATCH_LIMIT), || {
            (Vec::new(), 0)
        });
        results
            .par_iter_mut()
            .zip(self.lines.par_chunks(BATCH_LIMIT))
            .for_each(|((buf, bad), batch)| {
                // An output line is its input line and the enrichment, a
                // merchant object at most of a few hundred bytes: sized so,
                // the buffer is not grown and copied as it fills.
                let input: usize = batch.iter().map(|&(s, e)| e - s).sum();
                buf.clear();
                buf.reserve(input + batch.len() * 512);
                *bad = 0;
                for &(s, e) in batch {
                    if !enrich_line(engine, opts, &self.bytes[s..e], buf) {
                        *bad += 1;
                    }
                }
            });
    }
}

/// Enriches every line of `input` into `out`; returns how many failed.
///
/// While the pool enriches one chunk, this thread reads the next one, and a
/// writer thread writes the chunks before it: a write that blocks (a full
/// pipe, a file system holding writers back while it flushes) holds up
/// neither the reading nor the enrichment until [`WRITE_QUEUE`] chunks
/// wait. On an error, everything enriched before it is still written.
pub fn stream(
    engine: &Engine,
    opts: &EnrichOptions<'_>,
    mut input: impl BufRead,
    out: &mut (impl Write + Send),
    progress: &ProgressBar,
) -> io::Result<u64> {
    std::thread::scope(|scope| {
        let (to_writer, from_reader) =
            std::sync::mpsc::sync_channel::<Vec<(Vec<u8>, u64)>>(WRITE_QUEUE);
        // Written buffers come back to be filled again.
        let (to_reuse, written) = std::sync::mpsc::channel();
        let writer = scope.spawn(move || {
            let mut failed = 0;
            for batches in from_reader {
                failed += write_batches(out, &batches)?;
                // The reading side may be gone already: then no one reuses.
                let _ = to_reuse.send(batches);
            }
            Ok::<u64, io::Error>(failed)
        });
        let (mut current, mut next) = (Chunk::new(), Chunk::new());
        let mut read = current.read(&mut input);
        while read.is_ok() && !current.lines.is_empty() {
            let mut results = written.try_recv().unwrap_or_default();
            read = rayon::in_place_scope(|scope| {
                scope.spawn(|_| current.enrich(engine, opts, &mut results));
                next.read(&mut input)
            });
            progress.inc(current.bytes.len() as u64);
            // A send fails only when the writer stopped on an error, which
            // its join below returns.
            if to_writer.send(results).is_err() {
                break;
            }
            std::mem::swap(&mut current, &mut next);
        }
        drop(to_writer);
        let failed = writer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        read.map(|()| failed)
    })
}

/// Writes the output of enriched batches; returns how many lines failed.
fn write_batches(
    out: &mut impl Write,
    batches: &[(Vec<u8>, u64)],
) -> io::Result<u64> {
    let mut failed = 0;
    for (buf, bad) in batches {
        out.write_all(buf)?;
        failed += bad;
    }
    Ok(failed)
}

/// Writes one output line; false when the line became an error object.
fn enrich_line(
    engine: &Engine,
    opts: &EnrichOptions<'_>,
    line: &[u8],
    out: &mut Vec<u8>,
) -> bool {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let text = match std::str::from_utf8(line) {
        Ok(t) => t,
        Err(e) => {
            let err = Error::new(
                ErrorClass::InvalidEncoding,
                format!(
                    "the line is not valid UTF-8 (invalid byte at offset {})",
                    e.valid_up_to()
                ),
            );
            write_error(out, &err, &String::from_utf8_lossy(line));
            return false;
        }
    };
    if text.trim().is_empty() {
        write_error(
            out,
            &Error::new(
                ErrorClass::JsonParseError,
                "empty line: expected a JSON object",
            ),
            text,
        );
        return false;
    }
    let mark = out.len();
    match engine.enrich_json(text, opts, out) {
        Ok(_) => {
            out.push(b'\n');
            true
        }
        Err(err) => {
            out.truncate(mark);
            write_error(out, &err, text);
            false
        }
    }
}

/// Salt Edge's error object with the failing line as `request`: the line's
/// own JSON when it is JSON, else the line as a string.
fn write_error(out: &mut Vec<u8>, err: &Error, line: &str) {
    let mut v = err.to_json(None);
    v["request"] = serde_json::Value::Null;
    let text = serde_json::to_string(&v).unwrap_or_default();
    // Splice the request in without re-serializing it.
    let body = text.strip_suffix("null}").unwrap_or(&text);
    out.extend_from_slice(body.as_bytes());
    match serde_json::from_str::<&RawValue>(line) {
        Ok(raw) => out.extend_from_slice(raw.get().as_bytes()),
        Err(_) => {
            let _ = serde_json::to_writer(&mut *out, line);
        }
    }
    out.extend_from_slice(b"}\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_lines(input: &str) -> (Vec<serde_json::Value>, u64) {
        let engine = Engine::builtin();
        let mut out = Vec::new();
        let failed = stream(
            &engine,
            &EnrichOptions::default(),
            input.as_bytes(),
            &mut out,
            &ProgressBar::hidden(),
        )
        .unwrap();
        let lines = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (lines, failed)
    }

    #[test]
    fn one_line_out_per_line_in() {
        let good = r#"{"id":"1","made_on":"2026-01-01","amount":-5,"currency_code":"EUR","description":"X"}"#;
        let input = format!("{good}\nnot json\n\n{{\"id\":\"2\"}}\n{good}");
        let (lines, failed) = run_lines(&input);
        assert_eq!(lines.len(), 5);
        assert_eq!(failed, 3);
        assert_eq!(lines[0]["id"], "1");
        assert_eq!(lines[1]["error"]["class"], "JsonParseError");
        assert_eq!(lines[1]["request"], "not json");
        assert_eq!(lines[2]["error"]["class"], "JsonParseError");
        assert_eq!(lines[3]["error"]["class"], "WrongRequestFormat");
        assert_eq!(lines[3]["request"]["id"], "2");
        assert_eq!(lines[4]["id"], "1");
    }

    #[test]
    fn invalid_utf8_is_an_error_line() {
        let engine = Engine::builtin();
        let mut out = Vec::new();
        let input: &[u8] = b"{\"id\":\"\xff\"}\n";
        let failed = stream(
            &engine,
            &EnrichOptions::default(),
            input,
            &mut out,
            &ProgressBar::hidden(),
        )
        .unwrap();
        assert_eq!(failed, 1);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["error"]["class"], "InvalidEncoding");
    }

    #[test]
    fn order_is_kept_across_batches_and_chunks() {
        let input: String = (0..(CHUNK_LINES + 250))
            .map(|i| format!("{{\"id\":\"{i}\",\"made_on\":\"2026-01-01\",\"amount\":-1,\"currency_code\":\"EUR\",\"description\":\"SHOP {i}\"}}\n"))
            .collect();
        let (lines, failed) = run_lines(&input);
        assert_eq!(failed, 0);
        assert_eq!(lines.len(), CHUNK_LINES + 250);
        for (i, l) in lines.iter().enumerate() {
            assert_eq!(l["id"], i.to_string());
        }
    }

    /// Input that fails after its lines.
    struct FailsAfter<'a>(&'a [u8]);

    impl Read for FailsAfter<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::Error::other("disk gone"));
            }
            let n = buf.len().min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_read_error_comes_after_the_output_of_every_chunk_read() {
        let input: String = (0..CHUNK_LINES)
            .map(|i| format!("{{\"id\":\"{i}\",\"made_on\":\"2026-01-01\",\"amount\":-1,\"currency_code\":\"EUR\",\"description\":\"SHOP {i}\"}}\n"))
            .collect();
        let mut out = Vec::new();
        let e = stream(
            &Engine::builtin(),
            &EnrichOptions::default(),
            BufReader::new(FailsAfter(input.as_bytes())),
            &mut out,
            &ProgressBar::hidden(),
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "disk gone");
        let ids: Vec<String> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .map(|v| v["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids.len(), CHUNK_LINES, "the full first chunk is written");
        assert!(ids.iter().enumerate().all(|(i, id)| *id == i.to_string()));
    }

    /// Output that takes `room` bytes, then fails.
    struct FullDisk {
        room: usize,
    }

    impl Write for FullDisk {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::Error::other("disk full"));
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_write_error_stops_the_run_and_is_returned() {
        let input: String = (0..(CHUNK_LINES * 3))
            .map(|i| format!("{{\"id\":\"{i}\",\"made_on\":\"2026-01-01\",\"amount\":-1,\"currency_code\":\"EUR\",\"description\":\"SHOP\"}}\n"))
            .collect();
        let e = stream(
            &Engine::builtin(),
            &EnrichOptions::default(),
            input.as_bytes(),
            &mut FullDisk { room: 1000 },
            &ProgressBar::hidden(),
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "disk full");
    }
}
