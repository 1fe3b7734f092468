//! File contents: every photo size and document of the world, where it lives
//! (DC), how big it is, which file references are valid for it, and its bytes.
//!
//! Bytes come from a fixture blob when one is given. Otherwise pictures
//! (photo sizes, document thumbnails, profile pictures, `image/jpeg`,
//! `image/png` or `image/webp` documents up to [`MAX_PICTURE`]) are valid
//! images of the announced size and dimensions made by [`crate::synth`]
//! from `(world seed, file key)`, computed when first read and kept in a
//! small cache (a download reads a file part after part); every other file
//! is synthesized a word at a time, so any byte range of a 2 GB file is
//! computed without its prefix and costs no disk or memory.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use tl::enums;

use crate::rng::{hash_str, hash_words, mix64};
use crate::synth::{self, Kind};
use crate::world::{FileKey, World, WorldError};

/// The largest file synthesized as a picture; larger image documents are
/// synthesized bytes (a picture is built whole in memory).
pub const MAX_PICTURE: u64 = 4 << 20;

/// Where a file's bytes come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    /// Synthesized from this key.
    Synth(u64),
    /// `world.blobs[i].data`.
    Blob(usize),
    /// A picture made by [`synth::synthesize`].
    Picture(Picture),
}

/// What a synthesized picture shows.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Picture {
    /// Its colours and filler.
    pub seed: u64,
    /// JPEG, PNG or WebP.
    pub kind: Kind,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The label drawn on it (the photo's number, a person's initials).
    pub label: String,
}

impl Picture {
    /// The whole file of `size` bytes (from the cache when recently made).
    pub fn bytes(&self, size: u64) -> Arc<Vec<u8>> {
        /// Recently made pictures: a download reads a file part by part.
        type Made = (Picture, u64, Arc<Vec<u8>>);
        static CACHE: Mutex<VecDeque<Made>> = Mutex::new(VecDeque::new());
        const KEEP: usize = 16;
        let lookup = |cache: &VecDeque<Made>| {
            cache
                .iter()
                .find(|(p, s, _)| p == self && *s == size)
                .map(|(_, _, b)| b.clone())
        };
        if let Some(hit) = CACHE.lock().ok().and_then(|c| lookup(&c)) {
            return hit;
        }
        let made = Arc::new(
            synth::synthesize(&synth::Spec {
                kind: self.kind,
                size: size as usize,
                seed: self.seed,
                width: self.width,
                height: self.height,
                label: &self.label,
            })
            .bytes,
        );
        if let Ok(mut cache) = CACHE.lock() {
            if cache.len() >= KEEP {
                cache.pop_front();
            }
            cache.push_back((self.clone(), size, made.clone()));
        }
        made
    }
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
    peer_photos: HashMap<i64, (i32, String)>,
    seed: u64,
    /// Photos and documents numbered so far (the label of their pictures):
    /// those of messages, then the others, each from 1, so that messages
    /// added to a world (`generate::grow`) renumber nothing.
    numbered: [HashMap<(u8, i64), u32>; 2],
    /// Numbering the files outside messages.
    others: bool,
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

/// The type, byte size, width and height of a downloadable photo size.
fn size_bytes(size: &enums::PhotoSize) -> Option<(&str, u64, i32, i32)> {
    match size {
        enums::PhotoSize::PhotoSize(s) => Some((&s.r#type, s.size.max(0) as u64, s.w, s.h)),
        enums::PhotoSize::Progressive(s) => Some((
            &s.r#type,
            s.sizes.last().copied().unwrap_or(0).max(0) as u64,
            s.w,
            s.h,
        )),
        _ => None,
    }
}

/// Up to two initials of a name (`Ada Lovelace` → `AL`), `?` for none.
fn initials(name: &str) -> String {
    let s: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect();
    if s.is_empty() { "?".into() } else { s }
}

/// A picture's side: the announced one, or `default` when unknown.
fn side(v: i32, default: u32) -> u32 {
    u32::try_from(v).ok().filter(|&v| v > 0).unwrap_or(default)
}

impl FileStore {
    /// Indexes every file of `world` and checks blobs against the sizes the
    /// TL objects announce.
    pub fn build(world: &World) -> Result<Self, WorldError> {
        let mut store = Self {
            seed: world.seed,
            ..Self::default()
        };
        let messages = &world.messages; // Only those that may carry a file are decoded.
        for i in (0..messages.len()).filter(|&i| messages.may_have_files(i)) {
            let Some(m) = messages.get(i) else { continue };
            let path = format!("messages.{i}");
            match &m {
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
        store.others = true;
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
        let label = self.label(1, p.id);
        for (i, size) in p.sizes.iter().enumerate() {
            if let Some((ty, bytes, w, h)) = size_bytes(size) {
                let key = FileKey::Photo {
                    id: p.id,
                    thumb: ty.to_owned(),
                };
                let mut entry = self.entry(&key, p.dc_id, bytes, p.access_hash, true, p.date);
                entry.content = self.picture(bytes, p.id, Kind::Jpeg, (w, h), &label);
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
        let label = self.label(2, d.id);
        let mut entry = self.entry(&key, d.dc_id, size, d.access_hash, false, d.date);
        let kind = Kind::from_mime(&d.mime_type);
        if kind != Kind::Other {
            let (w, h) = d
                .attributes
                .iter()
                .find_map(|a| match a {
                    enums::DocumentAttribute::ImageSize(s) => Some((s.w, s.h)),
                    enums::DocumentAttribute::Video(v) => Some((v.w, v.h)),
                    _ => None,
                })
                .unwrap_or((0, 0));
            entry.content = self.picture(size, d.id, kind, (w, h), &label);
        }
        self.insert(key, entry, &d.file_reference, path)?;
        for (i, thumb) in d.thumbs.iter().flatten().enumerate() {
            if let Some((ty, bytes, w, h)) = size_bytes(thumb) {
                let key = FileKey::Document {
                    id: d.id,
                    thumb: ty.to_owned(),
                };
                let mut entry = self.entry(&key, d.dc_id, bytes, d.access_hash, true, d.date);
                entry.content = self.picture(bytes, d.id, Kind::Jpeg, (w, h), &label);
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

    /// The number of photo (`kind` 1) or document (2) `id`, in the order
    /// they are first seen.
    fn label(&mut self, kind: u8, id: i64) -> String {
        let numbered = &mut self.numbered[usize::from(self.others)];
        let next = numbered.len() as u32 + 1;
        let n = *numbered.entry((kind, id)).or_insert(next);
        n.to_string()
    }

    /// A picture of `id` (all its sizes share the colours), or synthesized
    /// bytes when `size` is beyond [`MAX_PICTURE`].
    fn picture(&self, size: u64, id: i64, kind: Kind, (w, h): (i32, i32), label: &str) -> Content {
        let seed = hash_words(&[self.seed, 4, id as u64]);
        if size > MAX_PICTURE {
            return Content::Synth(seed);
        }
        Content::Picture(Picture {
            seed,
            kind,
            width: side(w, 320),
            height: side(h, 240),
            label: label.to_owned(),
        })
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
                let name = format!(
                    "{} {}",
                    u.first_name.as_deref().unwrap_or(""),
                    u.last_name.as_deref().unwrap_or("")
                );
                self.peer_photos
                    .insert(p.photo_id, (p.dc_id, initials(&name)));
            }
        }
        for c in &world.chats {
            let (photo, title) = match c {
                enums::Chat::Chat(c) => (&c.photo, &c.title),
                enums::Chat::Channel(c) => (&c.photo, &c.title),
                _ => continue,
            };
            if let enums::ChatPhoto::ChatPhoto(p) = photo {
                self.peer_photos
                    .insert(p.photo_id, (p.dc_id, initials(title)));
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

    /// The DC, size and content of a chat or user photo
    /// (`inputPeerPhotoFileLocation`): a 640×640 (big) or 160×160 JPEG
    /// with the initials of the name.
    pub fn peer_photo(&self, photo_id: i64, big: bool) -> Option<(i32, u64, Content)> {
        let (dc, label) = self.peer_photos.get(&photo_id)?;
        let key = hash_words(&[self.seed, 3, photo_id as u64, u64::from(big)]);
        let (size, side) = if big {
            (16 * 1024 + key % (48 * 1024), 640)
        } else {
            (2 * 1024 + key % (6 * 1024), 160)
        };
        let content = Content::Picture(Picture {
            seed: hash_words(&[self.seed, 3, photo_id as u64]),
            kind: Kind::Jpeg,
            width: side,
            height: side,
            label: label.clone(),
        });
        Some((*dc, size, content))
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
        Content::Picture(p) => {
            let start = offset as usize;
            p.bytes(size)
                .get(start..start + len)
                .unwrap_or_default()
                .to_vec()
        }
    }
}

#[cfg(test)]
mod tests;
