//! The C tests: `tests/c/test_*.c` compiled with
//! `gcc -std=c99 -Wall -Wextra -Werror -pedantic` against
//! `include/txenrich.h` and both the static and the shared library, then
//! run, and run again under valgrind (`--error-exitcode=1
//! --leak-check=full`, with `tests/c/valgrind.supp`) when valgrind is
//! installed, unless `TXENRICH_NO_VALGRIND` is set.
//!
//! No nested cargo build: cargo builds every crate type of `txenrich-ffi`
//! (cdylib, staticlib, rlib) before it builds this test, into the same
//! `deps/` directory as this test's executable, which is where the
//! libraries are taken from. `CC` overrides the compiler.

#![cfg(target_os = "linux")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use txenrich::lexicon::{Lexicon, LexiconSources};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The directory holding `libtxenrich_ffi.a` and `libtxenrich_ffi.so`
/// built for this test run.
fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    let deps = exe.parent().expect("deps/").to_path_buf();
    for dir in [deps.clone(), deps.parent().unwrap().to_path_buf()] {
        if dir.join("libtxenrich_ffi.a").exists()
            && dir.join("libtxenrich_ffi.so").exists()
        {
            return dir;
        }
    }
    panic!(
        "libtxenrich_ffi.a and .so not found next to {} (cargo builds them \
         with the crate's cdylib and staticlib types)",
        exe.display()
    );
}

/// Where the compiled programs and the test dictionary go.
fn out_dir() -> PathBuf {
    let dir = lib_dir().join("txenrich-c-tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A dictionary artifact with one merchant (`tests/data/test-merchants.tsv`),
/// for `txe_engine_load`.
fn dictionary() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let source = root().join("tests/data/test-merchants.tsv");
        let tsv = std::fs::read_to_string(&source).unwrap();
        let lexicon = Lexicon::parse(&LexiconSources::builtin()).unwrap();
        let (bytes, _) =
            txenrich::dict::compile(&[("test-merchants.tsv", &tsv)], &lexicon)
                .unwrap();
        let path = out_dir().join("test.dict");
        std::fs::write(&path, bytes).unwrap();
        path
    })
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Link {
    Static,
    Shared,
}

/// Compiles `tests/c/<name>.c` against the header and one library.
fn compile(name: &str, link: Link) -> PathBuf {
    let lib = lib_dir();
    let exe = out_dir().join(format!("{name}-{link:?}").to_lowercase());
    let cc = std::env::var("CC").unwrap_or_else(|_| "gcc".into());
    let mut cmd = Command::new(&cc);
    cmd.args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"])
        .args(["-g", "-O1", "-pthread"])
        .arg("-I")
        .arg(root().join("include"))
        .arg(format!(
            "-DTXE_EXPECTED_MAJOR={}",
            env!("CARGO_PKG_VERSION_MAJOR")
        ))
        .arg(format!(
            "-DTXE_EXPECTED_MINOR={}",
            env!("CARGO_PKG_VERSION_MINOR")
        ))
        .arg(format!(
            "-DTXE_EXPECTED_PATCH={}",
            env!("CARGO_PKG_VERSION_PATCH")
        ))
        .arg("-o")
        .arg(&exe)
        .arg(root().join("tests/c").join(format!("{name}.c")));
    match link {
        Link::Static => {
            cmd.arg(lib.join("libtxenrich_ffi.a")).args([
                "-lgcc_s",
                "-lutil",
                "-lrt",
                "-lpthread",
                "-lm",
                "-ldl",
                "-lc",
            ]);
        }
        Link::Shared => {
            // DT_RPATH (not RUNPATH): this very library, whatever
            // LD_LIBRARY_PATH says (cargo puts target/debug in it, which
            // may hold an older libtxenrich_ffi.so from `cargo build`).
            cmd.arg(format!("-L{}", lib.display()))
                .arg(format!(
                    "-Wl,--disable-new-dtags,-rpath,{}",
                    lib.display()
                ))
                .arg("-ltxenrich_ffi");
        }
    }
    let out = cmd.output().unwrap_or_else(|e| panic!("{cc}: {e}"));
    assert!(
        out.status.success(),
        "compiling {name}.c ({link:?}) failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

fn report(what: &str, out: &Output) -> String {
    format!(
        "{what}: {}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn run(exe: &Path, args: &[&str]) {
    let out = Command::new(exe)
        .args(args)
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        report(&exe.display().to_string(), &out)
    );
    print!("{}", String::from_utf8_lossy(&out.stdout));
}

fn valgrind() -> bool {
    std::env::var_os("TXENRICH_NO_VALGRIND").is_none()
        && Command::new("valgrind")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
}

/// Runs a program under valgrind's memcheck; fails on any error or leak.
fn run_valgrind(exe: &Path, args: &[&str]) {
    let out = Command::new("valgrind")
        .args(["--error-exitcode=1", "--leak-check=full", "--num-callers=100"])
        .arg(format!(
            "--suppressions={}",
            root().join("tests/c/valgrind.supp").display()
        ))
        .arg(exe)
        .args(args)
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    for line in stderr.lines() {
        if line.contains("ERROR SUMMARY")
            || line.contains("definitely lost")
            || line.contains("All heap blocks were freed")
            || line.contains("in use at exit")
        {
            println!(
                "valgrind {}: {line}",
                exe.file_name().unwrap().to_string_lossy()
            );
        }
    }
    assert!(
        out.status.success(),
        "{}",
        report(&format!("valgrind {}", exe.display()), &out)
    );
}

#[test]
fn c_api_static() {
    let exe = compile("test_api", Link::Static);
    run(&exe, &[dictionary().to_str().unwrap()]);
}

#[test]
fn c_api_shared() {
    let exe = compile("test_api", Link::Shared);
    run(&exe, &[dictionary().to_str().unwrap()]);
}

#[test]
fn c_threads_static() {
    run(&compile("test_threads", Link::Static), &["20"]);
}

#[test]
fn c_threads_shared() {
    run(&compile("test_threads", Link::Shared), &["20"]);
}

// Under valgrind the library runs some 50 times slower (a debug build
// builds the embedded engine in about a minute): the shared library only,
// and a few rounds of the threads test.

#[test]
fn c_api_under_valgrind() {
    if !valgrind() {
        eprintln!("valgrind is not installed: skipped");
        return;
    }
    run_valgrind(
        &compile("test_api", Link::Shared),
        &[dictionary().to_str().unwrap()],
    );
}

#[test]
fn c_threads_under_valgrind() {
    if !valgrind() {
        eprintln!("valgrind is not installed: skipped");
        return;
    }
    run_valgrind(&compile("test_threads", Link::Shared), &["2"]);
}
