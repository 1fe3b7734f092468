//! `tg-takeout`: see `tg-takeout --help`. The command line lives in the
//! binary ([`cli`]); the library (`tg_takeout`) has no command line code.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
