fn main() {
    eprintln!("tg-takeout: the command line is not built yet; see README.md");
    std::process::exit(2);
}
