//! `pim-objdump FILE.pimbin`: prints what a `.pimbin` holds: the header (format version,
//! target name and hash, checksum, section sizes), the input/output bindings, the symbols, the
//! weight blobs, the constants table and the disassembly with addresses and symbol labels.
//! Errors print `pim-objdump: error: <message>` and exit with status 1.

use std::process::ExitCode;

use clap::Parser;
use pim_runtime::container::{render_listing, ListingOptions, Program};

/// Show the contents of a .pimbin file.
#[derive(Debug, Parser)]
#[command(name = "pim-objdump", version)]
struct Cli {
    /// The .pimbin file to show.
    file: String,
    /// Print only the header and the section table.
    #[arg(long)]
    headers_only: bool,
    /// Leave out the weight-blob index.
    #[arg(long)]
    no_weights: bool,
    /// Also check the program against its target and constants table, failing if it does not
    /// verify.
    #[arg(long)]
    verify: bool,
}

fn run(cli: &Cli) -> Result<String, String> {
    let bytes = std::fs::read(&cli.file).map_err(|e| format!("cannot read {}: {e}", cli.file))?;
    let (program, info) =
        Program::read_with_info(&bytes).map_err(|e| format!("{}: {e}", cli.file))?;
    if cli.verify {
        program.verify().map_err(|e| format!("{}: {e}", cli.file))?;
    }
    let options = ListingOptions {
        headers_only: cli.headers_only,
        no_weights: cli.no_weights,
    };
    let mut listing = render_listing(&cli.file, &program, &info, options);
    if cli.verify {
        listing.push_str("\nverify: ok\n");
    }
    Ok(listing)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(listing) => match pim_runtime::write_stdout(&listing) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("pim-objdump: error: writing the listing: {e}");
                ExitCode::FAILURE
            }
        },
        Err(message) => {
            eprintln!("pim-objdump: error: {message}");
            ExitCode::FAILURE
        }
    }
}
