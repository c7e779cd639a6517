//! The command line as a user runs it: every subcommand and every error
//! path of the contract in ARCHITECTURE.md.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_txenrich"))
}

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("txenrich runs");
    // The command may exit before reading its input (a bad option, an
    // unreadable dictionary): a closed pipe is then expected.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("every output line is JSON"))
        .collect()
}

fn tx(id: &str, amount: f64, description: &str) -> String {
    serde_json::json!({"id": id, "made_on": "2026-03-12", "amount": amount,
                       "currency_code": "GBP", "description": description})
    .to_string()
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh directory under the target dir.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn enrich_sample_file_as_in_the_readme() {
    let sample = root().join("examples/transactions.jsonl");
    let out = run(&["enrich", sample.to_str().unwrap()], b"");
    let input = std::fs::read_to_string(&sample).unwrap();
    let got = lines(&out);
    assert_eq!(got.len(), input.lines().count(), "one line out per line in");
    // The last sample line has a malformed amount on purpose.
    assert_eq!(out.status.code(), Some(1));
    let last = got.last().unwrap();
    assert_eq!(last["error"]["class"], "WrongRequestFormat");
    assert!(last["error"]["message"].as_str().unwrap().starts_with("amount"));
    assert_eq!(last["request"]["id"], "s20");
    for (line, out) in input.lines().zip(&got).take(got.len() - 1) {
        let v: Value = serde_json::from_str(line).unwrap();
        assert_eq!(out["id"], v["id"]);
        assert!(out["category"].is_string());
        assert!(out.get("merchant").is_some());
    }
}

#[test]
fn enrich_keeps_order_and_every_field() {
    let mut input = String::new();
    for i in 0..250 {
        let mut v: Value = serde_json::from_str(&tx(
            &i.to_string(),
            -1.0 - i as f64,
            "TESCO STORES 2345",
        ))
        .unwrap();
        v["custom"] = serde_json::json!({"n": i, "nested": [1, 2.50]});
        v["extra"] = serde_json::json!({"tags": ["a"], "payee": "TESCO"});
        input.push_str(&v.to_string());
        input.push('\n');
    }
    let out = run(&["enrich"], input.as_bytes());
    assert_eq!(out.status.code(), Some(0));
    let got = lines(&out);
    assert_eq!(got.len(), 250);
    for (i, v) in got.iter().enumerate() {
        assert_eq!(v["id"], i.to_string());
        assert_eq!(v["custom"]["n"], i);
        assert_eq!(v["extra"]["tags"][0], "a");
        assert!(
            v["extra"]["categorization_confidence"].as_f64().unwrap() > 0.0
        );
    }
    // Untouched fields are copied byte for byte.
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(r#""nested":[1,2.5]"#)
            || text.contains(r#""nested":[1,2.50]"#)
    );
}

#[test]
fn enrich_error_lines_and_exit_status() {
    let input = [
        tx("ok", -5.0, "TESCO STORES"),
        "{not json".to_string(),
        String::new(),
        r#"{"id":"nodesc","made_on":"2026-03-12","amount":1,"currency_code":"GBP"}"#.to_string(),
        r#"{"id":"date","made_on":"12/03/2026","amount":1,"currency_code":"GBP","description":"x"}"#.to_string(),
        r#"{"id":"cur","made_on":"2026-03-12","amount":1,"currency_code":"gbp","description":"x"}"#.to_string(),
        "[1,2]".to_string(),
    ]
    .join("\n");
    let mut bytes = input.into_bytes();
    bytes.extend_from_slice(b"\n{\"id\":\"\xff\"}\n");
    let out = run(&["enrich"], &bytes);
    assert_eq!(out.status.code(), Some(1));
    let got = lines(&out);
    let classes: Vec<&str> = got
        .iter()
        .map(|v| v["error"]["class"].as_str().unwrap_or("ok"))
        .collect();
    assert_eq!(
        classes,
        [
            "ok",
            "JsonParseError",
            "JsonParseError",
            "WrongRequestFormat",
            "WrongRequestFormat",
            "WrongRequestFormat",
            "WrongRequestFormat",
            "InvalidEncoding"
        ]
    );
    assert_eq!(got[1]["request"], "{not json");
    assert_eq!(got[3]["request"]["id"], "nodesc");
    assert!(
        got[3]["error"]["message"].as_str().unwrap().contains("description")
    );
    assert!(got[4]["error"]["message"].as_str().unwrap().contains("made_on"));
    assert!(
        got[5]["error"]["message"].as_str().unwrap().contains("currency_code")
    );
    assert!(
        got[1]["error"]["documentation_url"]
            .as_str()
            .unwrap()
            .contains("#errors-json_parse_error")
    );
}

#[test]
fn enrich_options() {
    let line = tx("1", -40.0, "SALARIES MARCH PAYROLL RUN");
    let personal = lines(&run(&["enrich"], line.as_bytes()));
    let business = lines(&run(
        &["enrich", "--categorization", "business"],
        line.as_bytes(),
    ));
    assert_eq!(business[0]["category"], "wages");
    assert_ne!(personal[0]["category"], business[0]["category"]);
    let mut v: Value =
        serde_json::from_str(&tx("2", -5.0, "NETFLIX.COM")).unwrap();
    v["category"] = "mine".into();
    let none = lines(&run(
        &["enrich", "--categorization", "none"],
        v.to_string().as_bytes(),
    ));
    assert_eq!(none[0]["category"], "mine");
    assert!(none[0]["extra"].get("categorization_confidence").is_none());
    assert!(none[0]["merchant"].is_object(), "merchants are still identified");
    let bad = run(&["enrich", "--country", "Germany"], line.as_bytes());
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--country"));
    let missing = run(&["enrich", "/no/such/file.jsonl"], b"");
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn learn_then_enrich_with_customer_rules() {
    let dir = scratch("learn");
    let rules = dir.join("rules.json");
    let rules_s = rules.to_str().unwrap();
    let body = |code: &str, immediate: bool| {
        serde_json::json!({"data": {"customer_id": "c1", "transactions": [
            {"id": "t", "category_code": code, "immediate": immediate, "description": "NETFLIX.COM 12/03"}]}})
        .to_string()
    };
    let line = tx("x", -9.99, "NETFLIX.COM 14/04");
    let enrich = || {
        lines(&run(
            &["enrich", "--rules", rules_s, "--customer-id", "c1"],
            line.as_bytes(),
        ))[0]
            .clone()
    };
    for n in 1..=3 {
        let out = run(
            &["learn", "--rules", rules_s],
            body("gifts", false).as_bytes(),
        );
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(
            lines(&out)[0],
            serde_json::json!({"data": {"learned": true}})
        );
        let v = enrich();
        if n < 3 {
            assert_ne!(v["category"], "gifts", "not before the third change");
        } else {
            assert_eq!(v["category"], "gifts");
            assert_eq!(v["extra"]["customer_category_code"], "gifts");
        }
    }
    // A name outside the tree is the customer's own category.
    run(
        &["learn", "--rules", rules_s],
        body("Streaming budget", true).as_bytes(),
    );
    let v = enrich();
    assert_eq!(v["extra"]["customer_category_name"], "Streaming budget");
    assert!(v["extra"].get("customer_category_code").is_none());
    // Another customer is not affected.
    let other = lines(&run(
        &["enrich", "--rules", rules_s, "--customer-id", "c2"],
        line.as_bytes(),
    ));
    assert!(other[0]["extra"].get("customer_category_name").is_none());
}

#[test]
fn corrupt_rules_file_is_an_error_and_is_left_alone() {
    let dir = scratch("corrupt-rules");
    let rules = dir.join("rules.json");
    std::fs::write(&rules, b"{\"version\":1,\"customers\":{").unwrap();
    let body = r#"{"data":{"customer_id":"c1","transactions":[{"id":"t","category_code":"gifts","description":"X"}]}}"#;
    let out =
        run(&["learn", "--rules", rules.to_str().unwrap()], body.as_bytes());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("rules.json"));
    assert_eq!(
        std::fs::read(&rules).unwrap(),
        b"{\"version\":1,\"customers\":{"
    );
    let e = run(
        &["enrich", "--rules", rules.to_str().unwrap(), "--customer-id", "c1"],
        tx("1", -1.0, "X").as_bytes(),
    );
    assert_eq!(e.status.code(), Some(2));
    assert!(
        e.stdout.is_empty(),
        "nothing is enriched with a corrupt rules file"
    );
    // A bad learn request is an error object and changes nothing.
    let good = dir.join("good.json");
    run(&["learn", "--rules", good.to_str().unwrap()], body.as_bytes());
    let before = std::fs::read(&good).unwrap();
    let out = run(
        &["learn", "--rules", good.to_str().unwrap()],
        br#"{"data":{"customer_id":"c1"}}"#,
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(lines(&out)[0]["error"]["class"], "WrongRequestFormat");
    assert_eq!(std::fs::read(&good).unwrap(), before);
    // No temporary files are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn merchants_and_categories() {
    let v =
        &lines(&run(&["enrich"], tx("1", -9.99, "NETFLIX.COM").as_bytes()))[0];
    let id = v["extra"]["merchant_id"]
        .as_str()
        .expect("Netflix is in the dictionary");
    let out = run(&["merchants", id], b"");
    assert_eq!(out.status.code(), Some(0));
    let m = &lines(&out)[0]["data"][0];
    assert_eq!(m["id"], id);
    assert_eq!(m["names"][0]["mode"], "name");
    assert_eq!(m["names"], v["merchant"]["names"]);
    assert_eq!(m["contact"], v["merchant"]["contact"]);
    let out = run(&["merchants", id, "nope:1"], b"");
    assert_eq!(out.status.code(), Some(1));
    let e = &lines(&out)[0];
    assert_eq!(e["error"]["class"], "MerchantNotFound");
    assert!(e["error"]["message"].as_str().unwrap().contains("nope:1"));
    let cats = &lines(&run(&["categories"], b""))[0];
    assert_eq!(cats["data"]["personal"].as_object().unwrap().len(), 18);
    assert_eq!(cats["data"]["business"].as_object().unwrap().len(), 11);
    let biz = &lines(&run(&["categories", "--type", "business"], b""))[0];
    assert!(biz["data"].get("personal").is_none());
}

#[test]
fn compile_and_use_a_dictionary() {
    let dir = scratch("compile");
    let src = dir.join("shops.tsv");
    std::fs::write(
        &src,
        "# test\ncur:zzq\tZorblax Quux\t\tZORBLAX QUUX\tGB\thttps://zorblax.example\tgroceries\tconsumer_goods\tcurated\n",
    )
    .unwrap();
    let dict = dir.join("shops.dict");
    let out = run(
        &["compile", src.to_str().unwrap(), "-o", dict.to_str().unwrap()],
        b"",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = tx("1", -3.0, "CARD PAYMENT TO ZORBLAX QUUX ON 12 MAR");
    let v = &lines(&run(
        &["enrich", "--dictionary", dict.to_str().unwrap()],
        line.as_bytes(),
    ))[0];
    assert_eq!(v["extra"]["merchant_id"], "cur:zzq");
    assert_eq!(v["category"], "groceries");
    // The embedded dictionary compiled from data/ gives the same answers as
    // the same sources compiled by the command.
    let full = dir.join("full.dict");
    let out = run(
        &[
            "compile",
            root().join("data/merchants").to_str().unwrap(),
            "-o",
            full.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0));
    let sample =
        std::fs::read(root().join("examples/transactions.jsonl")).unwrap();
    let a = run(&["enrich"], &sample);
    let b = run(&["enrich", "--dictionary", full.to_str().unwrap()], &sample);
    assert_eq!(a.stdout, b.stdout);
    // Bad sources and bad artifacts are errors with the file named.
    std::fs::write(&src, "cur:zzq\tZ\t\t\tGB\t\tgrocery\tconsumer_goods\tx\n")
        .unwrap();
    let out = run(
        &[
            "compile",
            src.to_str().unwrap(),
            "-o",
            dir.join("x.dict").to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("shops.tsv:1"));
    let mut bytes = std::fs::read(&dict).unwrap();
    let n = bytes.len();
    bytes[n - 3] ^= 0xff;
    let broken = dir.join("broken.dict");
    std::fs::write(&broken, &bytes).unwrap();
    let out = run(
        &["enrich", "--dictionary", broken.to_str().unwrap()],
        line.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("checksum"));
}

#[test]
fn explain_shows_the_decision() {
    let out =
        run(&["explain"], tx("1", -60.0, "ATM WITHDRAWAL HIGH ST").as_bytes());
    assert_eq!(out.status.code(), Some(0));
    let v = &lines(&out)[0];
    assert_eq!(v["category"], "transfer");
    assert!(!v["rules"].as_array().unwrap().is_empty());
}

#[test]
fn bench_writes_its_corpus_and_enrich_reads_it_across_chunks() {
    // More lines than one chunk of `txenrich enrich` holds, so that the
    // output of one chunk is written while the next is enriched.
    let n = txenrich::BATCH_LIMIT * 64 + 700;
    for full in [false, true] {
        let corpus = scratch("bench-corpus").join(if full {
            "full.jsonl"
        } else {
            "compact.jsonl"
        });
        let n_text = n.to_string();
        let mut args = vec!["bench", "--lines", &n_text, "--threads", "1"];
        args.extend(["--json", "--write-corpus", corpus.to_str().unwrap()]);
        if full {
            args.push("--full");
        }
        let out = run(&args, b"");
        assert!(out.status.success(), "{out:?}");
        let report = &lines(&out)[0];
        assert_eq!(report["lines"], n);
        assert_eq!(report["shape"], if full { "full" } else { "compact" });
        assert_eq!(report["results"][0]["threads"], 1);
        assert!(
            report["results"][0]["json_per_second"].as_f64().unwrap() > 0.0
        );

        let out =
            run(&["enrich", "--threads", "2", corpus.to_str().unwrap()], b"");
        assert!(out.status.success(), "{out:?}");
        let got = lines(&out);
        assert_eq!(got.len(), n);
        for (i, line) in got.iter().enumerate() {
            assert_eq!(line["id"], i.to_string(), "lines keep their order");
            assert!(line["category"].is_string());
            assert_eq!(line["status"].is_string(), full);
        }
    }
}
