//! File contents: every photo size and document of the world, where it lives
//! (DC), how big it is, which file references are valid for it, and its bytes.
//!
//! Bytes come from a fixture blob when one is given, else they are
//! synthesized from `(world seed, file key)` a word at a time, so any byte
//! range of a 2 GB file is computed without producing its prefix and costs no
//! disk or memory.

use std::collections::HashMap;

use tl::enums;

use crate::rng::{hash_str, hash_words, mix64};
use crate::world::{FileKey, World, WorldError};

/// Where a file's bytes come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    /// Synthesized from this key.
    Synth(u64),
    /// `world.blobs[i].data`.
    Blob(usize),
}

/// One downloadable file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEntry {
    /// The DC that serves it (`FILE_MIGRATE_X` elsewhere).
    pub dc_id: i32,
    /// Its size in bytes.
    pub size: u64,
    /// The access hash of its photo or document.
    pub access_hash: i64,
    /// File references that are currently valid for it.
    pub references: Vec<Vec<u8>>,
    /// Whether it is a photo size (`storage.fileJpeg`) or a document part.
    pub is_photo: bool,
    /// The date of its photo or document (`upload.file.mtime`).
    pub date: i32,
    /// Where its bytes come from.
    pub content: Content,
}

/// All files of a world, by location.
#[derive(Clone, Debug, Default)]
pub struct FileStore {
    files: HashMap<FileKey, FileEntry>,
    peer_photos: HashMap<i64, i32>,
    seed: u64,
}

/// Synthesized bytes `offset..offset + len` of the file with key `key`.
pub fn synth_bytes(key: u64, offset: u64, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let mut pos = offset;
    let end = offset.saturating_add(len as u64);
    while pos < end {
        let word = mix64(key ^ mix64((pos / 8).wrapping_add(1))).to_le_bytes();
        let start = (pos % 8) as usize;
        let take = ((end - pos) as usize).min(8 - start);
        out.extend_from_slice(&word[start..start + take]);
        pos += take as u64;
    }
    out
}

fn size_bytes(size: &enums::PhotoSize) -> Option<(&str, u64)> {
    match size {
        enums::PhotoSize::PhotoSize(s) => Some((&s.r#type, s.size.max(0) as u64)),
        enums::PhotoSize::Progressive(s) => Some((
            &s.r#type,
            s.sizes.last().copied().unwrap_or(0).max(0) as u64,
        )),
        _ => None,
    }
}

impl FileStore {
    /// Indexes every file of `world` and checks blobs against the sizes the
    /// TL objects announce.
    pub fn build(world: &World) -> Result<Self, WorldError> {
        let mut store = Self {
            seed: world.seed,
            ..Self::default()
        };
        for (i, m) in world.messages.iter().enumerate() {
            let path = format!("messages.{i}");
            match m {
                enums::Message::Message(m) => {
                    if let Some(media) = &m.media {
                        store.add_media(media, &format!("{path}.media"))?;
                    }
                }
                enums::Message::Service(m) => {
                    if let enums::MessageAction::ChatEditPhoto(a) = &m.action {
                        store.add_photo(&a.photo, &format!("{path}.action.photo"))?;
                    }
                }
                enums::Message::Empty(_) => {}
            }
        }
        for (i, p) in world.profile_photos.iter().enumerate() {
            store.add_photo(p, &format!("profile_photos.{i}"))?;
        }
        for (i, s) in world.stories.iter().enumerate() {
            if let enums::StoryItem::StoryItem(s) = s {
                store.add_media(&s.media, &format!("stories.{i}.media"))?;
            }
        }
        for (i, d) in world.custom_emoji.iter().enumerate() {
            store.add_document(d, &format!("custom_emoji.{i}"))?;
        }
        if let Some(enums::UserFull::UserFull(full)) = &world.self_full {
            for (name, photo) in [
                ("profile_photo", &full.profile_photo),
                ("personal_photo", &full.personal_photo),
                ("fallback_photo", &full.fallback_photo),
            ] {
                if let Some(p) = photo {
                    store.add_photo(p, &format!("self_full.{name}"))?;
                }
            }
        }
        store.add_peer_photos(world);
        store.attach_blobs(world)?;
        Ok(store)
    }

    fn add_media(&mut self, media: &enums::MessageMedia, path: &str) -> Result<(), WorldError> {
        match media {
            enums::MessageMedia::Photo(m) => {
                if let Some(p) = &m.photo {
                    self.add_photo(p, &format!("{path}.photo"))?;
                }
            }
            enums::MessageMedia::Document(m) => {
                if let Some(d) = &m.document {
                    self.add_document(d, &format!("{path}.document"))?;
                }
                if let Some(p) = &m.video_cover {
                    self.add_photo(p, &format!("{path}.video_cover"))?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn add_photo(&mut self, photo: &enums::Photo, path: &str) -> Result<(), WorldError> {
        let enums::Photo::Photo(p) = photo else {
            return Ok(());
        };
        for (i, size) in p.sizes.iter().enumerate() {
            if let Some((ty, bytes)) = size_bytes(size) {
                let key = FileKey::Photo {
                    id: p.id,
                    thumb: ty.to_owned(),
                };
                let entry = self.entry(&key, p.dc_id, bytes, p.access_hash, true, p.date);
                self.insert(key, entry, &p.file_reference, &format!("{path}.sizes.{i}"))?;
            }
        }
        Ok(())
    }

    fn add_document(&mut self, doc: &enums::Document, path: &str) -> Result<(), WorldError> {
        let enums::Document::Document(d) = doc else {
            return Ok(());
        };
        let key = FileKey::Document {
            id: d.id,
            thumb: String::new(),
        };
        let size = d.size.max(0) as u64;
        let entry = self.entry(&key, d.dc_id, size, d.access_hash, false, d.date);
        self.insert(key, entry, &d.file_reference, path)?;
        for (i, thumb) in d.thumbs.iter().flatten().enumerate() {
            if let Some((ty, bytes)) = size_bytes(thumb) {
                let key = FileKey::Document {
                    id: d.id,
                    thumb: ty.to_owned(),
                };
                let entry = self.entry(&key, d.dc_id, bytes, d.access_hash, true, d.date);
                self.insert(key, entry, &d.file_reference, &format!("{path}.thumbs.{i}"))?;
            }
        }
        Ok(())
    }

    fn entry(
        &self,
        key: &FileKey,
        dc_id: i32,
        size: u64,
        hash: i64,
        photo: bool,
        date: i32,
    ) -> FileEntry {
        FileEntry {
            dc_id,
            size,
            access_hash: hash,
            references: Vec::new(),
            is_photo: photo,
            date,
            content: Content::Synth(self.key_hash(key)),
        }
    }

    fn key_hash(&self, key: &FileKey) -> u64 {
        let (kind, id, thumb) = match key {
            FileKey::Photo { id, thumb } => (1, id, thumb),
            FileKey::Document { id, thumb } => (2, id, thumb),
        };
        hash_words(&[self.seed, kind, *id as u64, hash_str(thumb)])
    }

    fn insert(
        &mut self,
        key: FileKey,
        mut entry: FileEntry,
        reference: &[u8],
        path: &str,
    ) -> Result<(), WorldError> {
        match self.files.get_mut(&key) {
            Some(old) => {
                if (old.dc_id, old.size, old.access_hash)
                    != (entry.dc_id, entry.size, entry.access_hash)
                {
                    return Err(WorldError::new(
                        path,
                        format!("{key:?} has another dc, size or access hash in an earlier object"),
                    ));
                }
                if !old.references.iter().any(|r| r == reference) {
                    old.references.push(reference.to_vec());
                }
            }
            None => {
                entry.references.push(reference.to_vec());
                self.files.insert(key, entry);
            }
        }
        Ok(())
    }

    fn add_peer_photos(&mut self, world: &World) {
        for u in &world.users {
            if let enums::User::User(u) = u
                && let Some(enums::UserProfilePhoto::UserProfilePhoto(p)) = &u.photo
            {
                self.peer_photos.insert(p.photo_id, p.dc_id);
            }
        }
        for c in &world.chats {
            let photo = match c {
                enums::Chat::Chat(c) => &c.photo,
                enums::Chat::Channel(c) => &c.photo,
                _ => continue,
            };
            if let enums::ChatPhoto::ChatPhoto(p) = photo {
                self.peer_photos.insert(p.photo_id, p.dc_id);
            }
        }
    }

    fn attach_blobs(&mut self, world: &World) -> Result<(), WorldError> {
        for (i, blob) in world.blobs.iter().enumerate() {
            let path = format!("blobs.{i}");
            let Some(entry) = self.files.get_mut(&blob.key) else {
                return Err(WorldError::new(
                    path,
                    format!("no photo or document has the file {:?}", blob.key),
                ));
            };
            if entry.size != blob.data.len() as u64 {
                return Err(WorldError::new(
                    path,
                    format!(
                        "blob {:?} has {} bytes but the world says {}",
                        blob.file,
                        blob.data.len(),
                        entry.size
                    ),
                ));
            }
            entry.content = Content::Blob(i);
        }
        Ok(())
    }

    /// The file at `key`.
    pub fn get(&self, key: &FileKey) -> Option<&FileEntry> {
        self.files.get(key)
    }

    /// Every file, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&FileKey, &FileEntry)> {
        self.files.iter()
    }

    /// The DC and size of a chat or user photo (`inputPeerPhotoFileLocation`).
    pub fn peer_photo(&self, photo_id: i64, big: bool) -> Option<(i32, u64, u64)> {
        let dc = *self.peer_photos.get(&photo_id)?;
        let key = hash_words(&[self.seed, 3, photo_id as u64, u64::from(big)]);
        let size = if big {
            16 * 1024 + key % (48 * 1024)
        } else {
            2 * 1024 + key % (6 * 1024)
        };
        Some((dc, size, key))
    }

    /// Bytes `offset..offset + limit` of a file (fewer at its end, none
    /// past it).
    pub fn read(world: &World, entry: &FileEntry, offset: u64, limit: usize) -> Vec<u8> {
        read_content(world, &entry.content, entry.size, offset, limit)
    }
}

/// Bytes of `content` (of total `size`) in `offset..offset + limit`.
pub fn read_content(
    world: &World,
    content: &Content,
    size: u64,
    offset: u64,
    limit: usize,
) -> Vec<u8> {
    if offset >= size {
        return Vec::new();
    }
    let len = (size - offset).min(limit as u64) as usize;
    match content {
        Content::Synth(key) => synth_bytes(*key, offset, len),
        Content::Blob(i) => world.blobs.get(*i).map_or_else(Vec::new, |b| {
            let start = offset as usize;
            b.data.get(start..start + len).unwrap_or_default().to_vec()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthesized_ranges_agree_with_the_whole() {
        let whole = synth_bytes(42, 0, 1000);
        for (off, len) in [(0, 1), (3, 17), (8, 8), (999, 1), (500, 500), (13, 0)] {
            assert_eq!(synth_bytes(42, off as u64, len), whole[off..off + len]);
        }
        assert_ne!(synth_bytes(43, 0, 64), synth_bytes(42, 0, 64));
    }

    #[test]
    fn far_offsets_are_cheap() {
        let b = synth_bytes(7, 2 * 1024 * 1024 * 1024 - 10, 10);
        assert_eq!(b.len(), 10);
        assert_eq!(synth_bytes(7, u64::MAX - 3, 10).len(), 3);
    }

    #[test]
    fn documents_and_thumbs_are_indexed_and_blobs_checked() {
        let doc: enums::Document = tl::types::Document {
            id: 9,
            access_hash: 1,
            file_reference: vec![1],
            size: 5,
            dc_id: 4,
            thumbs: Some(vec![
                tl::types::PhotoSize {
                    r#type: "m".into(),
                    w: 1,
                    h: 1,
                    size: 3,
                }
                .into(),
            ]),
            ..Default::default()
        }
        .into();
        let mut world = World {
            custom_emoji: vec![doc],
            ..World::default()
        };
        let main = FileKey::Document {
            id: 9,
            thumb: String::new(),
        };
        let store = FileStore::build(&world).unwrap();
        let e = store.get(&main).unwrap();
        assert_eq!(
            (e.dc_id, e.size, e.references.clone()),
            (4, 5, vec![vec![1]])
        );
        assert_eq!(FileStore::read(&world, e, 3, 100).len(), 2);
        assert!(FileStore::read(&world, e, 5, 100).is_empty());

        world.blobs.push(crate::world::Blob {
            key: main.clone(),
            file: "x".into(),
            data: b"hello".to_vec(),
        });
        let store = FileStore::build(&world).unwrap();
        let e = store.get(&main).unwrap();
        assert_eq!(FileStore::read(&world, e, 1, 3), b"ell");

        world.blobs[0].data.pop();
        let err = FileStore::build(&world).unwrap_err();
        assert_eq!(err.path, "blobs.0");
    }
}
