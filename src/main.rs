//! The `tagfeed` command. Exit codes: 0 all ok, 1 some source failed, 2 usage or config error.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::init_logging(&args.global);
    match cli::dispatch(args) {
        Ok(code) => code.into(),
        Err(e) => {
            eprintln!("error: {e:#}");
            cli::Exit::Usage.into()
        }
    }
}
