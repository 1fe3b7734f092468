//! Fixtures on disk: a directory with `world.json` and the blob files it
//! names.
//!
//! Loading reports typed errors that name the file and, for content errors,
//! the JSON path (`messages.12.media.photo.sizes: ...`). Loading validates
//! the world fully (the same checks as building the server's index), so a
//! fixture that loads is one the server can serve.

use crate::world::{Index, ReadError, World};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The world file's name inside a fixture directory.
pub const WORLD_FILE: &str = "world.json";

/// Why a fixture could not be loaded or saved.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    /// A file could not be read or written.
    #[error("{}: {source}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// `world.json` is not JSON.
    #[error("{}:{line}:{column}: {message}", file.display())]
    Syntax {
        /// The file.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// The JSON is not a world (wrong shape, unknown constructor or field,
    /// bad base64...), or the world is inconsistent (unknown peer, duplicate
    /// id, a blob missing or of the wrong size...).
    #[error("{}: at {path}: {message}", file.display())]
    Content {
        /// The file.
        file: PathBuf,
        /// JSON path of the culprit, dot-separated (`users.0.first_name`).
        path: String,
        /// What is wrong.
        message: String,
    },
}

impl FixtureError {
    /// The JSON path of a content error (`None` for IO and syntax errors).
    pub fn json_path(&self) -> Option<&str> {
        match self {
            Self::Content { path, .. } => Some(path),
            _ => None,
        }
    }
}

fn io(file: &Path) -> impl FnOnce(std::io::Error) -> FixtureError + '_ {
    move |source| FixtureError::Io {
        file: file.to_owned(),
        source,
    }
}

/// A blob name must be a plain file name inside the fixture directory.
fn blob_name_ok(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\'])
        && name != WORLD_FILE
}

/// Loads and validates the fixture in directory `dir`.
pub fn load(dir: &Path) -> Result<World, FixtureError> {
    let file = dir.join(WORLD_FILE);
    let text = fs::read_to_string(&file).map_err(io(&file))?;
    let world = parse(&text, &file)?;
    drop(text);
    let world = load_blobs(world, dir, &file)?;
    Index::check(&world).map_err(|e| FixtureError::Content {
        file: file.clone(),
        path: e.path,
        message: e.message,
    })?;
    Ok(world)
}

/// Parses the text of a `world.json` (blobs are not read); `file` names it
/// in errors.
pub fn parse(text: &str, file: &Path) -> Result<World, FixtureError> {
    // Read without a JSON tree of the whole file (see `World::from_json_text`).
    World::from_json_text(text).map_err(|e| match e {
        ReadError::Syntax(e) => FixtureError::Syntax {
            file: file.to_owned(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        },
        ReadError::Content(e) => FixtureError::Content {
            file: file.to_owned(),
            path: e.path.join("."),
            message: e.message,
        },
    })
}

fn load_blobs(mut world: World, dir: &Path, file: &Path) -> Result<World, FixtureError> {
    for (i, blob) in world.blobs.iter_mut().enumerate() {
        if !blob_name_ok(&blob.file) {
            return Err(FixtureError::Content {
                file: file.to_owned(),
                path: format!("blobs.{i}.file"),
                message: format!("{:?} is not a plain file name", blob.file),
            });
        }
        let path = dir.join(&blob.file);
        blob.data = fs::read(&path).map_err(|e| FixtureError::Content {
            file: file.to_owned(),
            path: format!("blobs.{i}.file"),
            message: format!("cannot read blob {}: {e}", path.display()),
        })?;
    }
    Ok(world)
}

/// Writes `world` as a fixture into `dir` (created if needed): `world.json`
/// and its blob files. Deterministic: the same world gives the same bytes
/// (those of [`World::to_json_string`]).
pub fn save(world: &World, dir: &Path) -> Result<(), FixtureError> {
    fs::create_dir_all(dir).map_err(io(dir))?;
    for (i, blob) in world.blobs.iter().enumerate() {
        if !blob_name_ok(&blob.file) {
            return Err(FixtureError::Content {
                file: dir.join(WORLD_FILE),
                path: format!("blobs.{i}.file"),
                message: format!("{:?} is not a plain file name", blob.file),
            });
        }
        let path = dir.join(&blob.file);
        fs::write(&path, &blob.data).map_err(io(&path))?;
    }
    // Streamed one message at a time (see `World::write_json`).
    let file = dir.join(WORLD_FILE);
    let out = fs::File::create(&file).map_err(io(&file))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
    world.write_json(&mut out).map_err(io(&file))?;
    out.flush().map_err(io(&file))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{
        "format": "tg-mock-world/1", "seed": 1, "self_id": 10, "home_dc": 2,
        "login": {"phone": "123", "code": "11111"},
        "users": [{"_": "user", "self": true, "id": 10}]
    }"#;

    fn with(edit: impl FnOnce(&mut serde_json::Value)) -> String {
        let mut v: serde_json::Value = serde_json::from_str(MINIMAL).unwrap();
        edit(&mut v);
        v.to_string()
    }

    fn load_text(text: &str) -> Result<World, FixtureError> {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(WORLD_FILE), text).unwrap();
        load(dir.path())
    }

    #[test]
    fn minimal_fixture_loads_and_saves() {
        let world = load_text(MINIMAL).unwrap();
        let dir = tempfile::tempdir().unwrap();
        save(&world, dir.path()).unwrap();
        assert_eq!(load(dir.path()).unwrap(), world);
    }

    #[test]
    fn saved_world_json_is_the_world_text() {
        let world = crate::generate(&crate::GenerateConfig {
            messages: 150,
            files: 8,
            ..crate::GenerateConfig::default()
        });
        let dir = tempfile::tempdir().unwrap();
        save(&world, dir.path()).unwrap();
        let text = fs::read_to_string(dir.path().join(WORLD_FILE)).unwrap();
        assert_eq!(text, world.to_json_string());
        let tree: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(tree, world.to_json());
        assert_eq!(load(dir.path()).unwrap(), world);
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let err = load_text("{\n  \"format\": ,\n}").unwrap_err();
        assert!(matches!(err, FixtureError::Syntax { line: 2, .. }), "{err}");
        assert!(err.to_string().contains("world.json:2:"), "{err}");
    }

    #[test]
    fn missing_world_file_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = load(dir.path()).unwrap_err();
        assert!(matches!(err, FixtureError::Io { .. }), "{err}");
        assert!(err.to_string().contains("world.json"), "{err}");
    }

    #[test]
    fn content_errors_name_file_and_path() {
        let cases: Vec<(String, &str, &str)> = vec![
            (
                with(|v| v["users"][0]["_"] = "userBogus".into()),
                "users.0._",
                "not a constructor",
            ),
            (
                with(|v| v["chats"] = serde_json::json!([{"_": "chat", "id": 5}])),
                "chats.0",
                "missing field \"title\"",
            ),
            (
                with(|v| v["login"]["salt2"] = "not base64!".into()),
                "login.salt2",
                "base64",
            ),
            (
                with(|v| v["blobs"] = serde_json::json!([{"photo": 1, "file": "gone.jpg"}])),
                "blobs.0.file",
                "gone.jpg",
            ),
            (
                with(|v| v["blobs"] = serde_json::json!([{"photo": 1, "file": "../x"}])),
                "blobs.0.file",
                "plain file name",
            ),
            (with(|v| v["self_id"] = 11.into()), "self_id", "no user"),
        ];
        for (text, path, needle) in cases {
            let err = load_text(&text).unwrap_err();
            assert_eq!(err.json_path(), Some(path), "{err}");
            let shown = err.to_string();
            assert!(shown.contains("world.json: at "), "{shown}");
            assert!(shown.contains(needle), "{shown}");
        }
    }
}
