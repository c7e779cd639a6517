//! The small subcommands: `merchants`, `categories`, `learn`, `compile`,
//! and what they share.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use txenrich::dict::{self, Dictionary};
use txenrich::learn::CustomerRules;
use txenrich::lexicon::{Lexicon, LexiconSources};
use txenrich::taxonomy::Tree;
use txenrich::{Engine, Error, ErrorClass};

use crate::TreeArg;

/// The embedded engine; or one built from a `data/` directory's sources
/// (rules, MCC table, word lists, merchants compiled on the fly); or one with
/// the dictionary at `dictionary`.
pub fn engine(
    dictionary: Option<&Path>,
    data: Option<&Path>,
) -> Result<Engine, String> {
    if let Some(dir) = data {
        return engine_from_data(dir, dictionary);
    }
    match dictionary {
        None => Ok(Engine::builtin()),
        Some(path) => {
            let bytes = fs::read(path)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            let dict = Dictionary::from_bytes(bytes)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            Engine::builder()
                .dictionary(dict)
                .build()
                .map_err(|e| e.to_string())
        }
    }
}

fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn engine_from_data(
    dir: &Path,
    dictionary: Option<&Path>,
) -> Result<Engine, String> {
    let text = |name: &str| read(&dir.join("text").join(name));
    let (
        stop,
        desc,
        labels,
        first,
        sur,
        cities,
        towns,
        regions,
        countries,
        legal,
        fac,
    ) = (
        text("stopwords.txt")?,
        text("descriptor_words.txt")?,
        text("reference_labels.txt")?,
        text("first_names.txt")?,
        text("surnames.txt")?,
        text("cities.tsv")?,
        text("towns.tsv")?,
        text("regions.tsv")?,
        text("countries.tsv")?,
        text("legal_forms.txt")?,
        text("facilitators.tsv")?,
    );
    let lexicon = Lexicon::parse(&LexiconSources {
        stopwords: &stop,
        descriptor_words: &desc,
        reference_labels: &labels,
        first_names: &first,
        surnames: &sur,
        cities: &cities,
        towns: &towns,
        regions: &regions,
        countries: &countries,
        legal_forms: &legal,
        facilitators: &fac,
    })?;
    let mut rule_files: Vec<PathBuf> = fs::read_dir(dir.join("rules"))
        .map_err(|e| format!("{}: {e}", dir.join("rules").display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    rule_files.sort();
    let rules = rule_files
        .iter()
        .map(|p| {
            Ok((
                p.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
                read(p)?,
            ))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let dict = match dictionary {
        Some(path) => {
            let bytes = fs::read(path)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            Dictionary::from_bytes(bytes)
                .map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => {
            let texts = dict::source::merchant_files(&dir.join("merchants"))
                .iter()
                .map(|p| Ok((p.display().to_string(), read(p)?)))
                .collect::<Result<Vec<_>, String>>()?;
            let pairs: Vec<(&str, &str)> =
                texts.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
            let (bytes, _) =
                dict::compile(&pairs, &lexicon).map_err(|e| e.to_string())?;
            Dictionary::from_bytes(bytes).map_err(|e| e.to_string())?
        }
    };
    Engine::builder()
        .rules(rules)
        .mcc_table(read(&dir.join("mcc/categories.tsv"))?)
        .lexicon(lexicon)
        .dictionary(dict)
        .build()
        .map_err(|e| e.to_string())
}

/// A request body: FILE, or standard input when there is none.
pub(crate) fn read_request(file: Option<&Path>) -> Result<String, String> {
    match file {
        Some(p) => {
            fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))
        }
        None => {
            let mut text = String::new();
            io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| format!("standard input: {e}"))?;
            Ok(text)
        }
    }
}

/// Salt Edge's error object for a failed request, echoing the request (as
/// JSON when it is JSON, else as a string).
pub(crate) fn error_with_request(
    err: &txenrich::Error,
    text: String,
) -> serde_json::Value {
    let request = serde_json::from_str::<serde_json::Value>(&text)
        .unwrap_or(serde_json::Value::String(text));
    err.to_json(Some(request))
}

pub(crate) fn print_json(v: &serde_json::Value) -> Result<(), String> {
    let mut out = io::stdout().lock();
    serde_json::to_writer(&mut out, v).map_err(|e| e.to_string())?;
    out.write_all(b"\n").map_err(|e| e.to_string())
}

pub fn merchants(
    ids: &[String],
    dictionary: Option<&Path>,
) -> Result<ExitCode, String> {
    let engine = engine(dictionary, None)?;
    let mut data = Vec::with_capacity(ids.len());
    let mut missing = Vec::new();
    for id in ids {
        match engine.merchant_json(id) {
            Ok(m) => data.push(m),
            Err(_) => missing.push(id.as_str()),
        }
    }
    if !missing.is_empty() {
        let err = Error::new(
            ErrorClass::MerchantNotFound,
            format!(
                "no merchant with id {}",
                missing
                    .iter()
                    .map(|m| format!("{m:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        print_json(&err.to_json(Some(serde_json::json!({ "data": ids }))))?;
        return Ok(ExitCode::from(1));
    }
    print_json(&serde_json::json!({ "data": data }))?;
    Ok(ExitCode::SUCCESS)
}

pub fn categories(tree: Option<TreeArg>) -> Result<ExitCode, String> {
    let tree = tree.map(|t| match t {
        TreeArg::Personal => Tree::Personal,
        TreeArg::Business => Tree::Business,
    });
    print_json(&txenrich::taxonomy::Taxonomy::builtin().to_json(tree))?;
    Ok(ExitCode::SUCCESS)
}

/// Reads a rules file; `None` when it does not exist. A file that exists
/// but is not a valid store is an error, never an empty store.
pub fn read_rules(path: &Path) -> Result<Option<CustomerRules>, String> {
    match fs::read_to_string(path) {
        Ok(text) => CustomerRules::from_json(&text)
            .map(Some)
            .map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Replaces `path` with `contents` atomically: a temporary file in the same
/// directory, synced, then renamed over it.
fn write_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

pub fn learn(
    rules_path: &Path,
    body: Option<&Path>,
) -> Result<ExitCode, String> {
    let text = read_request(body)?;
    let mut rules = read_rules(rules_path)?.unwrap_or_default();
    if let Err(err) = rules.learn_json(&text) {
        print_json(&error_with_request(&err, text))?;
        return Ok(ExitCode::from(1));
    }
    write_atomically(rules_path, rules.to_json().as_bytes())
        .map_err(|e| format!("{}: {e}", rules_path.display()))?;
    print_json(&serde_json::json!({"data": {"learned": true}}))?;
    Ok(ExitCode::SUCCESS)
}

pub fn compile(
    sources: &[PathBuf],
    output: &Path,
) -> Result<ExitCode, String> {
    let started = std::time::Instant::now();
    let mut files = Vec::new();
    for s in sources {
        if s.is_dir() {
            let found = dict::source::merchant_files(s);
            if found.is_empty() {
                return Err(format!(
                    "{}: no merchant .tsv files",
                    s.display()
                ));
            }
            files.extend(found);
        } else {
            files.push(s.clone());
        }
    }
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|p| {
            fs::read_to_string(p)
                .map(|t| (p.display().to_string(), t))
                .map_err(|e| format!("{}: {e}", p.display()))
        })
        .collect::<Result<_, _>>()?;
    let pairs: Vec<(&str, &str)> =
        texts.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let lexicon = Lexicon::builtin();
    let (bytes, stats) =
        dict::compile(&pairs, &lexicon).map_err(|e| e.to_string())?;
    write_atomically(output, &bytes)
        .map_err(|e| format!("{}: {e}", output.display()))?;
    eprintln!(
        "txenrich: compiled {} merchants, {} aliases from {} files into {} ({} bytes) in {:.0?}",
        stats.merchants,
        stats.aliases,
        files.len(),
        output.display(),
        stats.bytes,
        started.elapsed()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn explain(
    file: Option<&Path>,
    categorization: crate::CategorizationArg,
    country: Option<&str>,
    data: Option<&Path>,
) -> Result<ExitCode, String> {
    use std::io::BufRead;
    let engine = engine(None, data)?;
    let country = country
        .map(|c| c.parse().map_err(|e| format!("--country: {e}")))
        .transpose()?;
    let opts = txenrich::EnrichOptions {
        categorization: crate::enrich::categorization(categorization),
        country,
        customer: None,
    };
    let input: Box<dyn io::BufRead> = match file {
        Some(p) => Box::new(io::BufReader::new(
            fs::File::open(p).map_err(|e| format!("{}: {e}", p.display()))?,
        )),
        None => Box::new(io::BufReader::new(io::stdin())),
    };
    let mut failed = false;
    for line in input.lines() {
        let line = line.map_err(|e| e.to_string())?;
        match txenrich::json::RawTransaction::parse(&line) {
            Ok(raw) => print_json(&engine.explain(&raw.view(), &opts))?,
            Err(e) => {
                failed = true;
                print_json(&e.to_json(None))?;
            }
        }
    }
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
