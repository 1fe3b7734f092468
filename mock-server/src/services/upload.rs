//! `upload.getFile` with the rules of <https://core.telegram.org/api/files>.
//!
//! - Without `precise`: `offset` divisible by 4 KiB (else `OFFSET_INVALID`),
//!   `limit` divisible by 4 KiB and dividing 1 MiB (else `LIMIT_INVALID`).
//! - With `precise`: `offset` and `limit` divisible by 1 KiB, `limit` at most
//!   1 MiB.
//! - Always: the part must not cross a 1 MiB boundary (`LIMIT_INVALID`).
//!
//! Then: an unknown location or access hash is `LOCATION_INVALID`; a file on
//! another DC than the connection's is 303 `FILE_MIGRATE_<dc>`; a file
//! reference the file does not have (any more) is `FILE_REFERENCE_EXPIRED`.
//! `inputTakeoutFileLocation` serves the world's other-data JSON (takeout
//! only; `TAKEOUT_FILE_EMPTY` when there is none). Past the end of a file the
//! answer is empty bytes.

use tl::{enums, functions, types};

use super::{Call, RpcError, RpcResult, resolve_peer};
use crate::blobs::{FileStore, read_content};
use crate::world::{FileKey, PeerKey};

const KIB: i64 = 1024;
const MIB: i64 = 1024 * 1024;

/// Checks `offset`/`limit` against Telegram's rules.
pub fn check_part(precise: bool, offset: i64, limit: i32) -> RpcResult<()> {
    let limit = i64::from(limit);
    let align = if precise { KIB } else { 4 * KIB };
    if offset < 0 || offset % align != 0 {
        return Err(RpcError::bad("OFFSET_INVALID"));
    }
    let limit_ok = limit > 0
        && limit % align == 0
        && limit <= MIB
        && (precise || MIB % limit == 0)
        && offset / MIB == offset.saturating_add(limit - 1) / MIB;
    if limit_ok {
        Ok(())
    } else {
        Err(RpcError::bad("LIMIT_INVALID"))
    }
}

fn file(ty: enums::storage::FileType, mtime: i32, bytes: Vec<u8>) -> enums::upload::File {
    types::upload::File {
        r#type: ty,
        mtime,
        bytes,
    }
    .into()
}

fn migrate(call: &Call<'_, '_>, dc: i32) -> RpcResult<()> {
    if dc == call.ctx.dc_id {
        Ok(())
    } else {
        Err(RpcError::new(303, format!("FILE_MIGRATE_{dc}")))
    }
}

/// `upload.getFile`.
pub fn get_file(
    call: &mut Call<'_, '_>,
    req: functions::upload::GetFile,
) -> RpcResult<enums::upload::File> {
    check_part(req.precise, req.offset, req.limit)?;
    let (offset, limit) = (req.offset as u64, req.limit as usize);
    let (key, hash, reference) = match &req.location {
        enums::InputFileLocation::InputTakeoutFileLocation => {
            return other_data(call, offset, limit);
        }
        enums::InputFileLocation::InputPeerPhotoFileLocation(l) => {
            return peer_photo(call, l, offset, limit);
        }
        enums::InputFileLocation::InputPhotoFileLocation(l) => (
            FileKey::Photo {
                id: l.id,
                thumb: l.thumb_size.clone(),
            },
            l.access_hash,
            &l.file_reference,
        ),
        enums::InputFileLocation::InputDocumentFileLocation(l) => (
            FileKey::Document {
                id: l.id,
                thumb: l.thumb_size.clone(),
            },
            l.access_hash,
            &l.file_reference,
        ),
        _ => return Err(RpcError::bad("LOCATION_INVALID")),
    };
    let Some(entry) = call.db.files.get(&key) else {
        return Err(RpcError::bad("LOCATION_INVALID"));
    };
    migrate(call, entry.dc_id)?;
    if entry.access_hash != hash {
        return Err(RpcError::bad("LOCATION_INVALID"));
    }
    if !entry.references.iter().any(|r| r == reference) {
        return Err(RpcError::bad("FILE_REFERENCE_EXPIRED"));
    }
    let bytes = FileStore::read(call.db.world(), entry, offset, limit);
    let ty = match (entry.is_photo, offset) {
        (true, 0) => enums::storage::FileType::FileJpeg,
        _ => enums::storage::FileType::FilePartial,
    };
    Ok(file(ty, entry.date, bytes))
}

fn other_data(call: &Call<'_, '_>, offset: u64, limit: usize) -> RpcResult<enums::upload::File> {
    if call.takeout.is_none() {
        return Err(RpcError::new(403, "TAKEOUT_REQUIRED"));
    }
    let Some(data) = &call.db.world().other_data else {
        return Err(RpcError::bad("TAKEOUT_FILE_EMPTY"));
    };
    let text = serde_json::to_vec_pretty(data).unwrap_or_default();
    let start = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(text.len());
    let end = start.saturating_add(limit).min(text.len());
    Ok(file(
        enums::storage::FileType::FileUnknown,
        call.ctx.now_unix,
        text[start..end].to_vec(),
    ))
}

/// The photo id a user's or chat's current photo has.
fn current_photo(call: &Call<'_, '_>, key: PeerKey) -> Option<i64> {
    match key {
        PeerKey::User(id) => match call.db.user(id)? {
            enums::User::User(u) => match u.photo.as_ref()? {
                enums::UserProfilePhoto::UserProfilePhoto(p) => Some(p.photo_id),
                enums::UserProfilePhoto::Empty => None,
            },
            enums::User::Empty(_) => None,
        },
        _ => match call.db.chat(key)? {
            enums::Chat::Chat(c) => chat_photo(&c.photo),
            enums::Chat::Channel(c) => chat_photo(&c.photo),
            _ => None,
        },
    }
}

fn chat_photo(p: &enums::ChatPhoto) -> Option<i64> {
    match p {
        enums::ChatPhoto::ChatPhoto(p) => Some(p.photo_id),
        enums::ChatPhoto::Empty => None,
    }
}

fn peer_photo(
    call: &Call<'_, '_>,
    l: &types::InputPeerPhotoFileLocation,
    offset: u64,
    limit: usize,
) -> RpcResult<enums::upload::File> {
    let key = resolve_peer(call, &l.peer)?;
    if current_photo(call, key) != Some(l.photo_id) {
        return Err(RpcError::bad("LOCATION_INVALID"));
    }
    let Some((dc, size, content)) = call.db.files.peer_photo(l.photo_id, l.big) else {
        return Err(RpcError::bad("LOCATION_INVALID"));
    };
    migrate(call, dc)?;
    let bytes = read_content(call.db.world(), &content, size, offset, limit);
    Ok(file(enums::storage::FileType::FileJpeg, 0, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_rules() {
        let ok = |p, o, l| check_part(p, o, l).is_ok();
        let err = |p, o, l| check_part(p, o, l).unwrap_err().message;
        assert!(ok(false, 0, 4096));
        assert!(ok(false, 0, 1 << 20));
        assert!(ok(false, 128 * 1024, 128 * 1024));
        assert!(ok(false, (1 << 20) - 4096, 4096));
        assert_eq!(err(false, 0, 12 * 1024), "LIMIT_INVALID"); // does not divide 1 MiB
        assert_eq!(err(false, 0, 1000), "LIMIT_INVALID");
        assert_eq!(err(false, 0, 0), "LIMIT_INVALID");
        assert_eq!(err(false, 0, 2 << 20), "LIMIT_INVALID");
        assert_eq!(err(false, 1024, 4096), "OFFSET_INVALID");
        assert_eq!(err(false, -4096, 4096), "OFFSET_INVALID");
        assert_eq!(err(false, 4096, 1 << 20), "LIMIT_INVALID"); // crosses 1 MiB
        assert!(ok(true, 1024, 3 * 1024));
        assert!(ok(true, 0, 1 << 20));
        assert_eq!(err(true, 512, 1024), "OFFSET_INVALID");
        assert_eq!(err(true, 0, 1536), "LIMIT_INVALID");
        assert_eq!(err(true, (1 << 20) - 1024, 2048), "LIMIT_INVALID");
        assert!(ok(false, i64::MAX - 4095, 4096)); // no overflow
    }
}
