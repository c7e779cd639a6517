//! `txenrich report`: Salt Edge's Financial Insights report.

use std::path::Path;
use std::process::ExitCode;

use txenrich::Engine;

use crate::cmd::{error_with_request, print_json, read_request};

/// Reads a report request (FILE, or standard input), prints the report; on
/// a request error prints Salt Edge's error object and exits with 1.
pub fn run(file: Option<&Path>) -> Result<ExitCode, String> {
    let text = read_request(file)?;
    match txenrich::insights::report_json(&Engine::builtin(), &text) {
        Ok(report) => {
            print_json(&report)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            print_json(&error_with_request(&err, text))?;
            Ok(ExitCode::from(1))
        }
    }
}
