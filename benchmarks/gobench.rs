//! The GoBench (GoKer) detection table: which kernels of `tests/gobench/` goweave finds with
//! its default settings, after how many executions, and whether the fixed variants pass.
//!
//! Run with `cargo bench -p goweave-benchmarks --bench gobench`; it prints Markdown tables.
//! Every kernel runs under `Config::default()`, exactly what `#[goweave::concurrency_test]`
//! gives a user: the default strategy (portfolio) and budget (10,000 executions). Set no
//! `GOWEAVE_*` variable, since `Config::default()` reads them; the bench refuses to run if
//! one is set.
//!
//! A kernel counts as detected when exploration fails with the kernel's `expect` kind; a
//! failure of another kind is listed as such and counted as missed. A fixed variant passes
//! when exploration finds nothing.

use std::time::{Duration, Instant};

use goweave::{Config, FailureKind};

#[path = "../tests/gobench/kernel.rs"]
#[allow(dead_code)]
mod kernel;

#[path = "../tests/gobench/communication/mod.rs"]
mod communication;
#[path = "../tests/gobench/mixed/mod.rs"]
mod mixed;
#[path = "../tests/gobench/nonblocking/mod.rs"]
mod nonblocking;
#[path = "../tests/gobench/resource/mod.rs"]
mod resource;

use kernel::Kernel;

/// GoBench's category order, blocking first.
const CATEGORIES: [&str; 4] = ["resource", "communication", "mixed", "nonblocking"];

/// What one kernel's exploration found.
struct Outcome {
    kernel: Kernel,
    /// The kind found, if any.
    found: Option<FailureKind>,
    /// Executions until the failure, or the whole exploration's when none was found.
    executions: u64,
    elapsed: Duration,
    /// The fixed variant's exploration, if there is one.
    fixed_elapsed: Duration,
    /// For the fixed variant: `None` if there is none, else the kind it falsely failed with
    /// (`Some(None)`: it passed).
    fixed: Option<Option<FailureKind>>,
}

impl Outcome {
    fn detected(&self) -> bool {
        self.found == Some(self.kernel.expect)
    }
}

fn run(kernel: Kernel) -> Outcome {
    let start = Instant::now();
    let (found, executions) = match Config::default().explore(kernel.bug) {
        Ok(stats) => (None, stats.executions()),
        Err(failure) => (Some(failure.kind()), failure.executions()),
    };
    let elapsed = start.elapsed();
    let start = Instant::now();
    let fixed = kernel.fixed.map(|body| Config::default().explore(body).err().map(|f| f.kind()));
    let fixed_elapsed = start.elapsed();
    Outcome { kernel, found, executions, elapsed, fixed_elapsed, fixed }
}

fn median(mut v: Vec<u64>) -> Option<u64> {
    v.sort_unstable();
    (!v.is_empty()).then(|| v[v.len() / 2])
}

/// One summary row over `rows`.
fn summary(label: &str, rows: &[&Outcome]) -> String {
    let detected: Vec<u64> = rows.iter().filter(|o| o.detected()).map(|o| o.executions).collect();
    let fixed: Vec<_> = rows.iter().filter_map(|o| o.fixed).collect();
    let fixed_pass = fixed.iter().filter(|f| f.is_none()).count();
    let rate = if rows.is_empty() { 0.0 } else { 100.0 * detected.len() as f64 / rows.len() as f64 };
    let med = median(detected.clone()).map_or("-".to_string(), |m| m.to_string());
    let max = detected.iter().max().map_or("-".to_string(), |m| m.to_string());
    format!(
        "| {label} | {} | {} | {rate:.1}% | {med} | {max} | {fixed_pass}/{} |",
        rows.len(),
        detected.len(),
        fixed.len()
    )
}

fn main() {
    // Variables that change what is explored; regression files, progress
    // and traces do not (the workspace's .cargo/config.toml turns
    // regression files off for its own runs).
    let explores = |k: &str| {
        k.starts_with("GOWEAVE_")
            && !matches!(k, "GOWEAVE_REGRESSIONS" | "GOWEAVE_PROGRESS" | "GOWEAVE_TRACE" | "GOWEAVE_STATS")
    };
    if let Some((name, _)) = std::env::vars().find(|(k, _)| explores(k)) {
        eprintln!("gobench measures goweave's defaults: unset {name} first");
        std::process::exit(2);
    }
    let all: Vec<Kernel> = [resource::KERNELS, communication::KERNELS, mixed::KERNELS, nonblocking::KERNELS]
        .into_iter()
        .flatten()
        .copied()
        .collect();
    let started = Instant::now();
    let outcomes: Vec<Outcome> = all
        .into_iter()
        .map(|k| {
            let o = run(k);
            eprintln!(
                "{:<20} {:?} in {} executions ({:.2?}); fixed variant {:?} ({:.2?})",
                o.kernel.id, o.found, o.executions, o.elapsed, o.fixed, o.fixed_elapsed
            );
            o
        })
        .collect();

    println!("## Per kernel\n");
    println!("| kernel | category | subcategory | expected | found | executions | time | fixed variant |");
    println!("|---|---|---|---|---|---|---|---|");
    for o in &outcomes {
        let found = match o.found {
            Some(kind) if o.detected() => kind.expect_name().to_string(),
            Some(kind) => format!("{} (wrong kind)", kind.expect_name()),
            None => "not found".to_string(),
        };
        let fixed = match o.fixed {
            None => "-".to_string(),
            Some(None) => "passes".to_string(),
            Some(Some(kind)) => format!("FALSE POSITIVE: {}", kind.expect_name()),
        };
        println!(
            "| {} | {} | {} | {} | {found} | {} | {:.2?} | {fixed} |",
            o.kernel.id,
            o.kernel.category,
            o.kernel.subcategory,
            o.kernel.expect.expect_name(),
            o.executions,
            o.elapsed,
        );
    }

    println!("\n## Detection with default settings\n");
    println!("Executions are counted until detection, the failing one included.\n");
    println!("| category / subcategory | kernels | detected | rate | median executions | max executions | fixed variants passing |");
    println!("|---|---|---|---|---|---|---|");
    let blocking: Vec<&Outcome> = outcomes.iter().filter(|o| o.kernel.category != "nonblocking").collect();
    for category in CATEGORIES {
        let rows: Vec<&Outcome> = outcomes.iter().filter(|o| o.kernel.category == category).collect();
        if rows.is_empty() {
            continue;
        }
        println!("{}", summary(&format!("**{category}**"), &rows));
        // In the order the category file lists them.
        let mut subcategories: Vec<&str> = Vec::new();
        for o in &rows {
            if !subcategories.contains(&o.kernel.subcategory) {
                subcategories.push(o.kernel.subcategory);
            }
        }
        for sub in subcategories {
            let sub_rows: Vec<&Outcome> =
                rows.iter().copied().filter(|o| o.kernel.subcategory == sub).collect();
            println!("{}", summary(&format!("&nbsp;&nbsp;{sub}"), &sub_rows));
        }
    }
    println!("{}", summary("**all blocking**", &blocking));
    let nonblocking: Vec<&Outcome> = outcomes.iter().filter(|o| o.kernel.category == "nonblocking").collect();
    println!("{}", summary("**all non-blocking**", &nonblocking));
    println!("{}", summary("**all**", &outcomes.iter().collect::<Vec<_>>()));

    println!("\n## Published recall of Go tools on all of GoKer\n");
    println!("From GoBench's artifact (Yuan et al., CGO 2021, tables IV and V); over all 68");
    println!("blocking and 35 non-blocking kernels, not only the ones ported here.\n");
    println!("| tool | blocking (68) | non-blocking (35) |");
    println!("|---|---|---|");
    println!("| goleak | 43/68 (63.2%) | - |");
    println!("| go-deadlock | 28/68 (41.2%) | - |");
    println!("| dingo-hunter | 1/68 (1.5%) | - |");
    println!("| Go race detector | - | 32/35 (91.4%) |");
    println!("\nTotal time: {:.1?}", started.elapsed());
}
