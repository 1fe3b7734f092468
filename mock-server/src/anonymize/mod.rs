//! `tg-mock-server anonymize`: rewrites a recorded transcript so that no
//! personal data is left while it still replays with the exporter.
//!
//! The transcript is streamed one JSON line at a time (see [`crate::jsonl`]);
//! memory holds one line plus, per file seen, its location, size and kind
//! (so that the parts of a file are rewritten as one valid file).
//!
//! Every TL object is rewritten field by field, the rule picked by the
//! object's constructor (`_`) and the field name; a rule for `*` applies to
//! every constructor that has no rule of its own for that field. Fields
//! without a rule are kept (after their own objects are rewritten).
//!
//! | constructor | field | rule |
//! |---|---|---|
//! | `*` | `first_name` `last_name` `username` `title` `about` `message` `caption` `description` `address` `vcard` `post_author` `from_name` `quote_text` `hint` `email_unconfirmed_pattern` `device_model` `platform` `system_version` `app_name` `app_version` `country` `region` `browser` `domain` `performer` `site_name` `author` `provider` `venue_id` `prize_description` `private_forward_name` `bot_inline_placeholder` `placeholder` `rank` `text` `short_name` `name` `reason` `api_hash` `phone_code_hash` `email` | text |
//! | `*` | `phone`, `phone_number` | phone |
//! | `*` | `phone_code` | login code |
//! | `*` | `file_name` | file name |
//! | `*` | `url` `display_url` `embed_url` | URL |
//! | `*` | `ip` | IP address |
//! | `*` | `access_hash` `srp_id` | 64-bit remap |
//! | `*` | `file_reference` `salt1` `salt2` `salt` `secure_random` `A` `M1` `token` `future_auth_token` `waveform` `logout_tokens` | bytes |
//! | `*` | `stripped_thumb` | stripped thumbnail |
//! | `*` | `srp_B` | SRP `B` |
//! | `geoPoint` `inputGeoPoint` | `lat` / `long` | latitude / longitude |
//! | `birthday` | `day` `month` `year` | birthday |
//! | `photoStrippedSize` | `bytes` | stripped thumbnail |
//! | `photoCachedSize` | `bytes` | image (JPEG) |
//! | `photoPathSize` `auth.exportedAuthorization` `auth.importAuthorization` `keyboardButtonCallback` | `bytes` / `data` | bytes |
//! | `messages.search` | `q` | kept (the export's own query) |
//! | `upload.getFile` exchanges | `response.bytes` | file bytes; other data |
//! | `upload.getFile` exchanges | `synth.sha256` | bytes |
//! | exchange | `note` | text |
//!
//! The rules:
//!
//! - **text**: same length in UTF-16 code units (so entity offsets stay
//!   valid) and in UTF-8 bytes: each letter becomes a letter of the same
//!   Unicode block (128 code points: the same script) and case, each digit a
//!   digit, each emoji an emoji of the same UTF-16 length; whitespace, line
//!   breaks, punctuation, symbols, joiners and variation selectors stay.
//! - **phone** / **login code**: every digit replaced, the rest kept; the
//!   mapping depends on the digits only, so `+1 555 0100` and `15550100` map
//!   alike.
//! - **file name**: the stem as text, an extension of 1 to 8 ASCII letters
//!   or digits kept.
//! - **URL**: a `scheme://` prefix kept, the rest as text.
//! - **IP address**: `10.a.b.c` (IPv4) or `fd00::a:b` (IPv6).
//! - **64-bit remap**: a keyed hash of the value (0 stays 0).
//! - **bytes**: keyed random bytes of the same length.
//! - **stripped thumbnail**: its 3-byte header kept, the rest bytes.
//! - **SRP `B`**: bytes below the 2048-bit prime (top bits cleared).
//! - **latitude / longitude**: a point anywhere on Earth.
//! - **birthday**: day 1 to 28, month 1 to 12, year 1950 to 2004.
//! - **image**: a JPEG of the same length ([`crate::synth`]).
//! - **file bytes**: the part `offset..offset + len` of a file synthesized
//!   from the seed with the size of the original: a valid picture
//!   ([`crate::synth`]) where the original was a JPEG, PNG or WebP (told by
//!   the photo, or the document's MIME type, seen earlier in the
//!   transcript; by its magic bytes otherwise) up to [`PICTURE_MAX`],
//!   keyed bytes otherwise. The takeout's other-data JSON keeps its keys and has every
//!   string value rewritten as text (same byte length); a part that is not
//!   JSON has every letter and digit rewritten.
//!
//! Every rule is a pure function of `(seed, original value)`, so the same
//! value maps to the same value everywhere, requests included: the access
//! hashes, file references, `phone_code_hash` and exported authorization
//! bytes the exporter sends back still match. Ids, dates, counts, entity
//! kinds and offsets, media kinds, MIME types, sizes and the paging
//! structure are kept.

use std::collections::HashMap;
use std::io::{BufRead, Write};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::jsonl::{Lines, TranscriptError, method_of};
use crate::rng::mix64;
use crate::synth::{self, Kind, Spec};

mod files;
mod rewrite;
mod rules;
#[cfg(test)]
mod tests;

pub use files::PICTURE_MAX;
use files::{CACHED_FILES, FileInfo, Location, dims, kind_of_mime, long};
use rules::{Rule, map_char, rules};

/// What an anonymization did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Exchanges written.
    pub exchanges: u64,
    /// `upload.getFile` parts whose bytes were replaced.
    pub file_parts: u64,
    /// The number of a dropped, cut final line.
    pub dropped_line: Option<usize>,
    /// The phone number of the transcript's `auth.sendCode`, anonymized:
    /// the one to log in with against the replay.
    pub phone: Option<String>,
}

/// The rewriting state: the seed's key, the rule table and the files seen.
pub struct Anonymizer {
    key: [u8; 32],
    rules: HashMap<&'static str, Vec<(&'static str, Rule)>>,
    files: HashMap<Location, FileInfo>,
    cache: std::collections::VecDeque<(Location, std::sync::Arc<Vec<u8>>)>,
    stats: Stats,
}

/// Keeps the informational header keys that carry nothing personal.
fn header_out(header: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for key in ["format", "layer", "recorded_by", "record_files"] {
        if let Some(v) = header.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    out.insert("anonymized".into(), Value::Bool(true));
    out
}

/// Anonymizes the JSON-Lines transcript `input` into `output` with `seed`.
pub fn anonymize<R: BufRead, W: Write>(
    input: R,
    mut output: W,
    seed: u64,
) -> Result<Stats, TranscriptError> {
    let mut lines = Lines::new(input)?;
    let mut anon = Anonymizer::new(seed);
    let write = |out: &mut W, v: &Value| -> Result<(), TranscriptError> {
        serde_json::to_writer(&mut *out, v).map_err(|e| TranscriptError::Write(e.into()))?;
        out.write_all(b"\n").map_err(TranscriptError::Write)
    };
    write(&mut output, &Value::Object(header_out(&lines.header)))?;
    while let Some((line, exchange)) = lines.next_exchange()? {
        let out = anon.exchange(exchange, line)?;
        write(&mut output, &out)?;
    }
    output.flush().map_err(TranscriptError::Write)?;
    anon.stats.dropped_line = lines.dropped;
    Ok(anon.stats)
}
