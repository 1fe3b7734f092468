//! The session file: the auth key of every DC the client has logged in
//! to, the home DC and the logged-in user. Written atomically (a temporary
//! file in the same directory, then a rename) with mode 0600. Auth keys
//! never appear in `Debug` output or logs.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

/// A 2048-bit auth key. Its `Debug` shows only the key id.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthKey(pub [u8; 256]);

impl AuthKey {
    /// The key's id: the low 64 bits of its SHA-1 (as the protocol uses it).
    pub fn id(&self) -> i64 {
        use sha1::Digest as _;
        let digest = sha1::Sha1::digest(self.0);
        let mut low = [0; 8];
        low.copy_from_slice(&digest[12..20]);
        i64::from_le_bytes(low)
    }
}

impl fmt::Debug for AuthKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AuthKey(id {:#018x})", self.id())
    }
}

impl Serialize for AuthKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(self.0))
    }
}

impl<'de> Deserialize<'de> for AuthKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let bytes = STANDARD.decode(s).map_err(serde::de::Error::custom)?;
        let key: [u8; 256] = bytes.try_into().map_err(|b: Vec<u8>| {
            serde::de::Error::custom(format!("auth key of {} bytes, not 256", b.len()))
        })?;
        Ok(Self(key))
    }
}

/// What the client keeps about one DC.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DcSession {
    /// The permanent auth key.
    pub auth_key: AuthKey,
    /// Whether this key is logged in (home DC, or imported authorization).
    #[serde(default)]
    pub authorized: bool,
}

/// The logged-in user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    /// Telegram's user id.
    pub id: i64,
    /// The user's name for messages (`First Last` or `@username`).
    pub display_name: String,
}

/// Everything in a session file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Format version of the file.
    pub version: u32,
    /// Which server the keys belong to: `production`, `test` or `host:port`.
    pub server: String,
    /// The DC the account lives on.
    pub home_dc: i32,
    /// The logged-in user, if login finished.
    pub user: Option<SessionUser>,
    /// Per DC, its auth key.
    pub dcs: BTreeMap<i32, DcSession>,
}

/// The current session file format.
pub const SESSION_VERSION: u32 = 1;

/// A session file that cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// Reading or writing failed.
    #[error("session file {path}: {source}")]
    Io {
        /// The session file.
        path: PathBuf,
        /// The IO error.
        source: io::Error,
    },
    /// The file is not a session file this version understands.
    #[error("session file {path} is damaged or not a tg-takeout session: {reason}")]
    Invalid {
        /// The session file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

impl Session {
    /// An empty session for `server` with home DC `home_dc`.
    pub fn new(server: impl Into<String>, home_dc: i32) -> Self {
        Self {
            version: SESSION_VERSION,
            server: server.into(),
            home_dc,
            user: None,
            dcs: BTreeMap::new(),
        }
    }

    /// Reads `path`; `Ok(None)` if it does not exist.
    pub fn load(path: &Path) -> Result<Option<Self>, SessionError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(SessionError::Io {
                    path: path.into(),
                    source,
                });
            }
        };
        let invalid = |reason: String| SessionError::Invalid {
            path: path.into(),
            reason,
        };
        // The version first: another version may have other fields.
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        match value.get("version").and_then(serde_json::Value::as_u64) {
            Some(v) if v == u64::from(SESSION_VERSION) => {}
            Some(v) => {
                return Err(invalid(format!(
                    "format version {v}, this build reads {SESSION_VERSION}"
                )));
            }
            None => return Err(invalid("no format version".to_owned())),
        }
        serde_json::from_value(value)
            .map(Some)
            .map_err(|e| invalid(e.to_string()))
    }

    /// Writes `path` atomically with mode 0600, creating its directory.
    pub fn save(&self, path: &Path) -> Result<(), SessionError> {
        let io_err = |source| SessionError::Io {
            path: path.into(),
            source,
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(dir).map_err(io_err)?;
        // NamedTempFile is created with mode 0600 on Unix.
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io_err)?;
        let json = serde_json::to_vec_pretty(self).map_err(|e| io_err(e.into()))?;
        tmp.write_all(&json).map_err(io_err)?;
        tmp.as_file().sync_all().map_err(io_err)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o600))
                .map_err(io_err)?;
        }
        tmp.persist(path).map_err(|e| io_err(e.error))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Session {
        let mut s = Session::new("127.0.0.1:4430", 2);
        s.user = Some(SessionUser {
            id: 42,
            display_name: "Alice".into(),
        });
        s.dcs.insert(
            2,
            DcSession {
                auth_key: AuthKey([7; 256]),
                authorized: true,
            },
        );
        s.dcs.insert(
            4,
            DcSession {
                auth_key: AuthKey([9; 256]),
                authorized: false,
            },
        );
        s
    }

    #[test]
    fn save_load_round_trip_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/session.json");
        assert_eq!(Session::load(&path).unwrap(), None);
        sample().save(&path).unwrap();
        assert_eq!(Session::load(&path).unwrap(), Some(sample()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Overwriting keeps one file and no temporary leftovers.
        sample().save(&path).unwrap();
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );
    }

    #[test]
    fn debug_never_shows_keys() {
        let text = format!("{:?}", sample());
        assert!(text.contains("AuthKey(id 0x"));
        assert!(!text.contains("7, 7, 7"));
        assert!(!text.contains(&STANDARD.encode([7u8; 256])));
    }

    #[test]
    fn damaged_files_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        std::fs::write(&path, "{not json").unwrap();
        let err = Session::load(&path).unwrap_err().to_string();
        assert!(err.contains("damaged or not a tg-takeout session"), "{err}");
        let mut v = serde_json::to_value(sample()).unwrap();
        v["dcs"]["2"]["auth_key"] = "AAAA".into();
        std::fs::write(&path, v.to_string()).unwrap();
        assert!(
            Session::load(&path)
                .unwrap_err()
                .to_string()
                .contains("auth key of 3 bytes")
        );
        v["version"] = 99.into();
        std::fs::write(&path, v.to_string()).unwrap();
        assert!(
            Session::load(&path)
                .unwrap_err()
                .to_string()
                .contains("format version 99")
        );
    }
}
