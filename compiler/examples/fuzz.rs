//! The mutation fuzzing campaign (`scripts/fuzz.sh`, `docs/runtime.md` §11): mutates seed ONNX
//! models (through pimc's loader, then graph rewriting and lowering to layers), seed `.pimbin`
//! programs (through the runtime's decoder, verifier and both simulators), `.npy` inputs and
//! input sets (`pim_runtime::fuzz`), for a number of seconds or inputs, and reports how many
//! inputs ran, how deep they got and every panic, each saved as a file to replay.
//!
//! ```text
//! cargo run --release -p pimc --example fuzz -- --seconds 600 --seed 1 --out findings \
//!     --onnx test-models/nets/*.onnx --pimbin /tmp/seeds/*.pimbin
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Parser;
use pim_runtime::container::Program;
use pim_runtime::fuzz::{
    check_inputs, check_npy, check_pimbin, guarded, seal_pimbin, zero_inputs, Depth, Mutator,
    Outcome,
};
use pimc::frontend::{import_bytes, ImportOptions};

/// Run a mutation fuzzing campaign.
#[derive(Debug, Parser)]
struct Cli {
    /// Stop after this many seconds.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Stop after this many inputs (0: no limit).
    #[arg(long, default_value_t = 0)]
    inputs: u64,
    /// The random seed (a campaign is replayed exactly by its seed and seeds).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Seed ONNX models.
    #[arg(long, num_args = 1..)]
    onnx: Vec<PathBuf>,
    /// Seed .pimbin programs (their inputs seed the .npy and input-set targets).
    #[arg(long, num_args = 1..)]
    pimbin: Vec<PathBuf>,
    /// Where findings are written (one file per panic).
    #[arg(long, default_value = "fuzz-findings")]
    out: PathBuf,
}

/// An ONNX model through the loader, graph rewriting and lowering to layers.
fn check_onnx(bytes: &[u8]) -> Outcome {
    guarded(|| {
        let Ok(graph) = import_bytes(bytes, "fuzz.onnx", ImportOptions { batch: 1 }) else {
            return Depth::Rejected;
        };
        let rules = pimc::rewrite::RuleSelection::All;
        let limits = pimc::rewrite::Limits::default();
        match pimc::rewrite::rewrite(&graph, &rules, &limits) {
            Ok((graph, _)) => match pimc::passes::lower_to_layers::lower_to_layers(&graph) {
                Ok(_) => Depth::Ran,
                Err(_) => Depth::Invalid,
            },
            Err(_) => Depth::Invalid,
        }
    })
}

fn read_all(paths: &[PathBuf]) -> Result<Vec<Vec<u8>>, String> {
    paths
        .iter()
        .map(|p| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display())))
        .collect()
}

fn main() -> Result<(), String> {
    let cli = Cli::parse();
    let onnx = read_all(&cli.onnx)?;
    let pimbins = read_all(&cli.pimbin)?;
    let programs: Vec<Program> = pimbins
        .iter()
        .map(|b| Program::read(b).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let npys: Vec<(usize, Vec<u8>)> = programs
        .iter()
        .enumerate()
        .flat_map(|(i, p)| zero_inputs(p).into_iter().map(move |(_, t)| (i, t)))
        .filter_map(|(i, t)| Some((i, pim_runtime::sim::npy_bytes(&t).ok()?)))
        .collect();
    std::panic::set_hook(Box::new(|_| {}));
    let mut m = Mutator::new(cli.seed);
    let deadline = Instant::now() + Duration::from_secs(cli.seconds);
    let mut counts: BTreeMap<(&str, Depth), u64> = BTreeMap::new();
    let mut findings = 0;
    let mut n = 0u64;
    while Instant::now() < deadline && (cli.inputs == 0 || n < cli.inputs) {
        n += 1;
        let (target, input, outcome) = match m.rng.below(4) {
            0 if !onnx.is_empty() => {
                let seed = &onnx[m.rng.below(onnx.len() as u64) as usize];
                let b = m.mutate(seed);
                let o = check_onnx(&b);
                ("onnx", b, o)
            }
            1 if !pimbins.is_empty() => {
                let seed = &pimbins[m.rng.below(pimbins.len() as u64) as usize];
                let mut b = m.mutate(seed);
                if m.rng.below(2) == 0 {
                    seal_pimbin(&mut b);
                }
                let o = check_pimbin(&b);
                ("pimbin", b, o)
            }
            2 if !npys.is_empty() => {
                let (p, seed) = &npys[m.rng.below(npys.len() as u64) as usize];
                let b = m.mutate(seed);
                let o = check_npy(&b, &programs[*p]);
                ("npy", b, o)
            }
            _ if !programs.is_empty() => {
                let p = &programs[m.rng.below(programs.len() as u64) as usize];
                ("inputs", Vec::new(), check_inputs(p, &mut m.rng))
            }
            _ => continue,
        };
        match outcome {
            Ok(depth) => *counts.entry((target, depth)).or_default() += 1,
            Err(message) => {
                findings += 1;
                std::fs::create_dir_all(&cli.out).map_err(|e| e.to_string())?;
                let file = cli.out.join(format!("{target}-{n}.bin"));
                std::fs::write(&file, &input).map_err(|e| e.to_string())?;
                println!(
                    "finding {findings}: {target} input {n}: {message} ({})",
                    file.display()
                );
            }
        }
    }
    println!("{n} inputs (seed {}), {findings} findings", cli.seed);
    for ((target, depth), count) in counts {
        println!("  {target:<7} {depth:?}: {count}");
    }
    Ok(())
}
