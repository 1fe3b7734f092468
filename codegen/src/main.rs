//! `tl-codegen`: tools for maintainers of the TL schema.
//!
//! ```text
//! tl-codegen diff OLD.tl NEW.tl      constructors and functions added, removed, changed
//! tl-codegen generate SCHEMA.tl... DIR   write the generated Rust files into DIR
//! ```

use std::fs;
use std::io::BufWriter;
use std::path::Path;
use std::process::ExitCode;

use tl_codegen::{Config, Outputs, diff, find_layer, generate, parse_layered_schema, parse_schema};

const USAGE: &str = "usage:
  tl-codegen diff OLD.tl NEW.tl            show what changed between two schema files
  tl-codegen generate SCHEMA.tl... OUT_DIR write generated_{common,types,enums,functions}.rs";

fn read(path: &str) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))
}

fn run(args: &[String]) -> Result<(), String> {
    match args {
        [cmd, old, new] if cmd == "diff" => {
            let (old_text, new_text) = (read(old)?, read(new)?);
            let old_defs = parse_schema(&old_text, old).map_err(|e| e.to_string())?;
            let new_defs = parse_schema(&new_text, new).map_err(|e| e.to_string())?;
            let d = diff::diff(&old_defs, &new_defs);
            let text = diff::render(&d, find_layer(&old_text), find_layer(&new_text))
                .map_err(|e| e.to_string())?;
            print!("{text}");
            Ok(())
        }
        [cmd, schemas @ .., out_dir] if cmd == "generate" && !schemas.is_empty() => {
            let mut layer = None;
            let mut defs = Vec::new();
            for path in schemas {
                let text = read(path)?;
                if layer.is_none() {
                    layer = find_layer(&text);
                }
                defs.extend(parse_schema(&text, path).map_err(|e| e.to_string())?);
            }
            let layer = match layer {
                Some(l) => l,
                None => parse_layered_schema("", &schemas[0])
                    .map(|(l, _)| l)
                    .map_err(|e| e.to_string())?,
            };
            let file = |name: &str| -> Result<BufWriter<fs::File>, String> {
                let path = Path::new(out_dir).join(name);
                fs::File::create(&path)
                    .map(BufWriter::new)
                    .map_err(|e| format!("cannot create {}: {e}", path.display()))
            };
            let mut out = Outputs {
                common: file("generated_common.rs")?,
                types: file("generated_types.rs")?,
                enums: file("generated_enums.rs")?,
                functions: file("generated_functions.rs")?,
            };
            generate(&mut out, &defs, layer, &Config::default()).map_err(|e| e.to_string())
        }
        _ => Err(USAGE.to_owned()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if matches!(args.first().map(String::as_str), Some("-h" | "--help")) {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e == USAGE => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("tl-codegen: {e}");
            ExitCode::FAILURE
        }
    }
}
