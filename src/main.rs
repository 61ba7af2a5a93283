//! The `tagfeed` command. Exit codes: 0 all ok, 1 something failed, 2 usage or config error,
//! 3 another run holds the lock; [`cli::exit_code`] maps errors to them.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::init_logging(&args.global);
    match cli::dispatch(args) {
        Ok(code) => code.into(),
        Err(e) => {
            eprintln!("error: {}", cli::message(&e));
            cli::exit_code(&e).into()
        }
    }
}
