//! The `tagfeed` command. Exit codes: 0 all ok, 1 something failed, 2 usage or config error,
//! 3 another run holds the lock; [`cli::exit_code`] maps errors to them.

mod cli;

use std::process::ExitCode;

use clap::Parser;
use cli::out::errln;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::init_logging(&args);
    let code = match cli::dispatch(args) {
        Ok(code) => code,
        Err(e) => {
            match e.downcast_ref::<tagfeed::config::ConfigError>() {
                // Every problem of the file, each as its own error.
                Some(config) => config.all().for_each(|one| errln!("error: {one}")),
                None => errln!("error: {}", cli::message(&e)),
            }
            cli::exit_code(&e)
        }
    };
    // A reader that stopped reading (`| head`) is a normal end; a failed write is not.
    match cli::out::finish() {
        Some(e) if code == cli::Exit::Ok => {
            errln!("error: writing to stdout: {e}");
            cli::Exit::Failed.into()
        }
        _ => code.into(),
    }
}
