//! `include/txenrich.h` is what cbindgen generates from this crate: the
//! test fails on any difference. Regenerate the header with
//! `TXENRICH_BLESS=1 cargo test -p txenrich-ffi --test header`.

use std::path::Path;

/// The header as cbindgen (a pinned dev-dependency) writes it today.
fn generate() -> String {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
            .expect("crates/ffi/cbindgen.toml");
    // The version defines come from Cargo.toml, so that they cannot drift.
    let versions = format!(
        "\n/** The version of the library this header belongs to. */\n\
         #define TXE_VERSION \"{}\"\n\
         /** The parts of TXE_VERSION, as numbers. */\n\
         #define TXE_VERSION_MAJOR {}\n\
         #define TXE_VERSION_MINOR {}\n\
         #define TXE_VERSION_PATCH {}\n",
        env!("CARGO_PKG_VERSION"),
        env!("CARGO_PKG_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MINOR"),
        env!("CARGO_PKG_VERSION_PATCH"),
    );
    config.after_includes =
        Some(versions + config.after_includes.as_deref().unwrap_or(""));
    let bindings = cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("the header is UTF-8")
}

#[test]
fn header_matches_the_code() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../include/txenrich.h");
    let want = generate();
    if std::env::var_os("TXENRICH_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &want).unwrap();
        return;
    }
    let got = std::fs::read_to_string(&path).unwrap_or_default();
    if got != want {
        let first = got
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(got.lines().count().min(want.lines().count()));
        panic!(
            "include/txenrich.h is out of date (first difference at line {}):\n  checked in: {:?}\n  generated:  {:?}\n\
             Regenerate it with:\n    TXENRICH_BLESS=1 cargo test -p txenrich-ffi --test header",
            first + 1,
            got.lines().nth(first).unwrap_or("<end of file>"),
            want.lines().nth(first).unwrap_or("<end of file>"),
        );
    }
}
