//! Generates the TL types from `schema/*.tl` into `OUT_DIR`.

use std::env;
use std::fs::{self, File};
use std::io::BufWriter;
use std::path::Path;
use std::process::exit;

use tl_codegen::{Config, Outputs, generate, parse_layered_schema, parse_schema};

const API: &str = "schema/api.tl";
const MTPROTO: &str = "schema/mtproto.tl";

fn fail(message: impl std::fmt::Display) -> ! {
    // Cargo shows a build script's stderr when it fails; one clear line.
    eprintln!("error: {message}");
    exit(1);
}

fn read(path: &str) -> String {
    println!("cargo:rerun-if-changed={path}");
    fs::read_to_string(path).unwrap_or_else(|e| fail(format!("cannot read tl/{path}: {e}")))
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let api = read(API);
    let mtproto = read(MTPROTO);
    let (layer, mut defs) =
        parse_layered_schema(&api, &format!("tl/{API}")).unwrap_or_else(|e| fail(e));
    defs.extend(parse_schema(&mtproto, &format!("tl/{MTPROTO}")).unwrap_or_else(|e| fail(e)));

    let out_dir = env::var("OUT_DIR").unwrap_or_else(|_| fail("OUT_DIR is not set"));
    let file = |name: &str| {
        let path = Path::new(&out_dir).join(name);
        BufWriter::new(
            File::create(&path)
                .unwrap_or_else(|e| fail(format!("cannot create {}: {e}", path.display()))),
        )
    };
    let mut outputs = Outputs {
        common: file("generated_common.rs"),
        types: file("generated_types.rs"),
        enums: file("generated_enums.rs"),
        functions: file("generated_functions.rs"),
    };
    generate(&mut outputs, &defs, layer, &Config::default()).unwrap_or_else(|e| fail(e));
}
