//! `tg-mock-server import`: a [`World`] from a recorded (or anonymized)
//! export transcript, so that the export can be run against it with any
//! settings, faults and parallelism, which a rigid transcript cannot serve.
//!
//! What the world gets, from which answers (errors are skipped):
//!
//! | world | from |
//! |---|---|
//! | `users`, `chats` | every `users` and `chats` vector of every answer (first full version of each id), `users.getUsers`, `auth.authorization.user` |
//! | `self_id` | the user with `"self": true` |
//! | `home_dc` | the `dc` of the first exchange that names one (else 2) |
//! | `self_full` | `users.getFullUser` of the account |
//! | `dialogs` | `messages.getDialogs` / `getPeerDialogs` (`dialog`s, first of each peer) |
//! | `messages` | every `messages` vector of `messages.getHistory`, `search`, `getMessages`, `channels.getMessages`, `getDialogs`, `getPeerDialogs` (first of each id per box; `messageEmpty` skipped) |
//! | `split_ranges` | `messages.getSplitRanges` |
//! | `contacts` | `contacts.getSaved` |
//! | `top_peers`, `top_peers_disabled` | `contacts.getTopPeers` |
//! | `authorization_ttl_days`, `authorizations` | `account.getAuthorizations` |
//! | `web_authorizations` | `account.getWebAuthorizations` |
//! | `profile_photos` | `photos.getUserPhotos` of `inputUserSelf` or the account |
//! | `stories` | `stories.getStoriesArchive`, `stories.getStoriesById` (the account's) |
//! | `custom_emoji` | `messages.getCustomEmojiDocuments` |
//! | `other_data` | `upload.getFile` of `inputTakeoutFileLocation`, parts joined, as JSON |
//! | `blobs` | `upload.getFile` parts of a photo size or document, when they cover the whole file from offset 0; `synth` parts are materialized with [`crate::replay`]'s function |
//! | `login` | `auth.sendCode`'s phone (else the account's), `auth.signIn`'s code (the recorder blanks it: else `12345`), `account.getPassword`'s hint and salts; the 2FA password is not in a transcript: it is `--password` (none: no 2FA) |
//!
//! Files whose bytes the transcript does not hold in full are synthesized
//! from the world's seed like any generated world's.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::BufRead;

use serde_json::{Map, Value};

use crate::jsonl::{Lines, TranscriptError, method_of};
use crate::world::{Blob, FileKey, Index, World};

/// Why a world could not be imported.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The transcript is bad.
    #[error(transparent)]
    Transcript(#[from] TranscriptError),
    /// The transcript never shows the account (`"self": true`).
    #[error("the transcript never shows the account's own user (a user with \"self\": true)")]
    NoSelf,
    /// The transcript's objects do not make a consistent world.
    #[error("the imported world is not consistent: at {path}: {message}")]
    World {
        /// JSON path in the world.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// Options of an import.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// The world's seed (files the transcript does not hold are
    /// synthesized from it).
    pub seed: u64,
    /// The 2FA password to set (`None`: the imported account has none).
    pub password: Option<String>,
}

mod build;
mod files;
mod values;

use files::{attach_blobs, synth_recorded};
use values::{Keyed, Parts, chat_key, items, long, message_key, peer_key, tag};

#[derive(Default)]
struct Importer {
    users: Keyed<i64>,
    chats: Keyed<(bool, i64)>,
    dialogs: Keyed<String>,
    messages: Keyed<(Option<i64>, i64)>,
    profile_photos: Keyed<i64>,
    stories: Keyed<i64>,
    custom_emoji: Keyed<i64>,
    split_ranges: Option<Value>,
    contacts: Option<Value>,
    top_peers: Option<Value>,
    top_peers_disabled: bool,
    authorizations: Option<(Value, Value)>,
    web_authorizations: Option<Value>,
    self_full: Option<Value>,
    self_full_user: Option<Value>,
    other_data: Parts,
    other_data_empty: bool,
    files: HashMap<FileKey, Parts>,
    home_dc: Option<i64>,
    phone: Option<String>,
    code: Option<String>,
    password: Option<Value>,
}

/// Builds a world from the JSON-Lines transcript `input`.
pub fn import<R: BufRead>(input: R, options: &ImportOptions) -> Result<World, ImportError> {
    let mut lines = Lines::new(input)?;
    let mut importer = Importer::default();
    while let Some((line, exchange)) = lines.next_exchange()? {
        let method = method_of(&exchange, line)?;
        importer.exchange(method, &exchange);
    }
    importer.world(options)
}
