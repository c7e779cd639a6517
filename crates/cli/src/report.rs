//! `txenrich report`: Salt Edge's Financial Insights report.

use std::fs;
use std::io::{self, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use txenrich::Engine;

/// Reads a report request (FILE, or standard input), prints the report; on
/// a request error prints Salt Edge's error object and exits with 1.
pub fn run(file: Option<&Path>) -> Result<ExitCode, String> {
    let mut text = String::new();
    match file {
        Some(p) => {
            text = fs::read_to_string(p)
                .map_err(|e| format!("{}: {e}", p.display()))?
        }
        None => {
            io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| format!("standard input: {e}"))?;
        }
    }
    let (value, code) =
        match txenrich::insights::report_json(&Engine::builtin(), &text) {
            Ok(report) => (report, ExitCode::SUCCESS),
            Err(err) => {
                let request = serde_json::from_str::<serde_json::Value>(&text)
                    .unwrap_or(serde_json::Value::String(text));
                (err.to_json(Some(request)), ExitCode::from(1))
            }
        };
    let mut out = io::stdout().lock();
    serde_json::to_writer(&mut out, &value).map_err(|e| e.to_string())?;
    out.write_all(b"\n").map_err(|e| e.to_string())?;
    Ok(code)
}
