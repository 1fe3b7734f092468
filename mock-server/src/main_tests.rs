//! The command line of `generate` maps onto `GenerateConfig`.

use clap::Parser;

use super::{Args, Command, GenerateConfig};

fn config(args: &[&str]) -> Result<GenerateConfig, String> {
    let all = ["tg-mock-server", "generate", "--out", "/tmp/x"];
    let parsed = Args::try_parse_from(all.iter().chain(args)).map_err(|e| e.to_string())?;
    match parsed.command {
        Some(Command::Generate(g)) => Ok(g.config()),
        _ => Err("not generate".into()),
    }
}

#[test]
fn defaults_are_the_generators() {
    assert_eq!(config(&[]).unwrap(), GenerateConfig::default());
}

#[test]
fn every_flag_reaches_the_config() {
    let cfg = config(&[
        "--seed",
        "9",
        "--dialogs",
        "5000",
        "--messages",
        "20000",
        "--files",
        "7",
        "--max-file-mb",
        "3",
        "--range-size",
        "10",
        "--left",
        "0",
        "--home-dc",
        "4",
        "--file-dcs",
        "1,5",
        "--password",
        "pw",
        "--start-date",
        "1700000000",
    ])
    .unwrap();
    let want = GenerateConfig {
        seed: 9,
        dialogs: 5000,
        messages: 20_000,
        files: 7,
        max_file_size: 3 << 20,
        range_size: 10,
        left_channels: 0,
        home_dc: 4,
        file_dcs: vec![1, 5],
        password: Some("pw".into()),
        start_date: 1_700_000_000,
    };
    assert_eq!(cfg, want);
}

#[test]
fn bad_values_are_refused() {
    for bad in [
        &["--home-dc", "9"][..],
        &["--file-dcs", "2,x"],
        &["--range-size", "many"],
        &["--left", "-1"],
    ] {
        assert!(config(bad).is_err(), "{bad:?}");
    }
}
