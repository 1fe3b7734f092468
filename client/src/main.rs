//! `tg-takeout`: see `tg-takeout --help`.

fn main() -> std::process::ExitCode {
    tg_takeout::cli::main()
}
