//! `txenrich`: the command line of the txenrich engine.
//!
//! Each subcommand lives in its own module with a `run` function; see
//! `txenrich --help`.

mod bench;
mod cmd;
mod enrich;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Offline transaction enrichment in Salt Edge's shape.
#[derive(Parser)]
#[command(name = "txenrich", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Salt Edge's categorization option.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum CategorizationArg {
    /// Salt Edge's personal tree.
    Personal,
    /// Salt Edge's business tree.
    Business,
    /// No category; merchants only.
    None,
}

/// A category tree.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TreeArg {
    /// The personal tree.
    Personal,
    /// The business tree.
    Business,
}

#[derive(Subcommand)]
enum Command {
    /// Enrich JSON Lines of Salt Edge transactions (stdin when no FILE):
    /// one output line per input line, in order.
    Enrich {
        /// Input file; standard input when absent.
        file: Option<PathBuf>,
        /// The category tree.
        #[arg(long, value_enum, default_value = "personal")]
        categorization: CategorizationArg,
        /// The transactions' country (ISO 3166-1 alpha-2), when known.
        #[arg(long, value_name = "CC")]
        country: Option<String>,
        /// A customer-rules file written by `txenrich learn`.
        #[arg(long, value_name = "FILE", requires = "customer_id")]
        rules: Option<PathBuf>,
        /// The customer whose rules apply.
        #[arg(long, value_name = "ID", requires = "rules")]
        customer_id: Option<String>,
        /// A dictionary artifact written by `txenrich compile`, instead of
        /// the embedded one.
        #[arg(long, value_name = "FILE")]
        dictionary: Option<PathBuf>,
        /// Worker threads (default: one per core).
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
        /// Build the engine from this data directory's sources (rules, MCC
        /// table, word lists, merchants) instead of the embedded data: for
        /// people tuning the data, no rebuild needed.
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
    },
    /// Explain, for each JSON line (stdin when no FILE), how the engine
    /// reads it: tokens, rules, dictionary aliases and candidates, result.
    Explain {
        /// Input file; standard input when absent.
        file: Option<PathBuf>,
        /// The category tree.
        #[arg(long, value_enum, default_value = "personal")]
        categorization: CategorizationArg,
        /// The transactions' country, when known.
        #[arg(long, value_name = "CC")]
        country: Option<String>,
        /// Build the engine from this data directory's sources (rules, MCC
        /// table, word lists, merchants) instead of the embedded data: for
        /// people tuning the data, no rebuild needed.
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
    },
    /// Print merchant records by id, as Salt Edge's `POST /merchants`.
    Merchants {
        /// Merchant ids (`extra.merchant_id` of enriched transactions).
        #[arg(required = true)]
        ids: Vec<String>,
        /// A dictionary artifact instead of the embedded one.
        #[arg(long, value_name = "FILE")]
        dictionary: Option<PathBuf>,
    },
    /// Print the categories, as Salt Edge's `GET /categories`.
    Categories {
        /// Only one tree.
        #[arg(long = "type", value_enum)]
        tree: Option<TreeArg>,
    },
    /// Apply a Salt Edge learn request (stdin when no FILE) to a rules file,
    /// atomically.
    Learn {
        /// The customer-rules file; created when it does not exist.
        #[arg(long, value_name = "FILE")]
        rules: PathBuf,
        /// The request body; standard input when absent.
        file: Option<PathBuf>,
    },
    /// Compute Salt Edge's Financial Insights report from a request
    /// (stdin when no FILE): accounts, transactions, report types.
    Report {
        /// The request; standard input when absent.
        file: Option<PathBuf>,
    },
    /// Measure throughput on a generated corpus: transactions per second
    /// through the struct path and the JSON path, per thread count, with a
    /// baseline measured in the same run.
    Bench {
        /// Lines to generate.
        #[arg(long, default_value_t = 200_000)]
        lines: usize,
        /// Measure 1..=T threads (default: one per core).
        #[arg(long, value_name = "T")]
        threads: Option<usize>,
        /// Seed of the generated corpus.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Print the figures as JSON.
        #[arg(long)]
        json: bool,
        /// Also write the generated corpus to FILE (JSON Lines), to run
        /// other tools on the same lines.
        #[arg(long, value_name = "FILE")]
        write_corpus: Option<PathBuf>,
        /// Generate lines as Salt Edge's API returns them (status, mode,
        /// timestamps, an extra of a dozen fields), about four times the
        /// bytes of the default compact lines.
        #[arg(long)]
        full: bool,
    },
    /// Compile merchant sources (TSV files, or `data/merchants`
    /// directories) into a dictionary artifact.
    Compile {
        /// Source files or directories.
        #[arg(required = true)]
        sources: Vec<PathBuf>,
        /// Where to write the artifact.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Enrich {
            file,
            categorization,
            country,
            rules,
            customer_id,
            dictionary,
            threads,
            data,
        } => enrich::run(enrich::Args {
            file,
            categorization,
            country,
            rules,
            customer_id,
            dictionary,
            threads,
            data,
        }),
        Command::Explain { file, categorization, country, data } => {
            cmd::explain(
                file.as_deref(),
                categorization,
                country.as_deref(),
                data.as_deref(),
            )
        }
        Command::Merchants { ids, dictionary } => {
            cmd::merchants(&ids, dictionary.as_deref())
        }
        Command::Categories { tree } => cmd::categories(tree),
        Command::Learn { rules, file } => cmd::learn(&rules, file.as_deref()),
        Command::Report { file } => report::run(file.as_deref()),
        Command::Bench { lines, threads, seed, json, write_corpus, full } => {
            bench::run(bench::Args {
                lines,
                threads,
                seed,
                json,
                write_corpus,
                full,
            })
        }
        Command::Compile { sources, output } => {
            cmd::compile(&sources, &output)
        }
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("txenrich: {message}");
            ExitCode::from(2)
        }
    }
}
