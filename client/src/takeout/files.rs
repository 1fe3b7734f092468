//! Which files are downloaded, in a fixed order (docs/takeout.md#files
//! rules): settled files stay, no location means unavailable, a file already
//! downloaded in this export is reused by [`FileKey`] (so a file used in
//! several chats is downloaded once, at the path of its first use), inline
//! bytes are written as they are, then the media type and the size limit
//! (a thumbnail is judged by its main file's size). The rest is handed to
//! the [`Downloader`], whose outcome the writer stage waits for.
//!
//! Decisions are taken in export order, downloads run concurrently: the
//! output is the same whatever the concurrency.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinSet;

use super::download::{Downloader, Job, Origin, Outcome, Source};
use super::plan::{ExportPlan, MediaType, NO_SIZE_LIMIT};
use crate::export::model::media::{DocumentType, Media};
use crate::export::model::{
    FileKey, FileRef, FileStatus, Message, MessageKind, ReactionKind, SkipReason, TextKind,
};

/// How the skip rules judge a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rules {
    /// Its media type for the type filter; `None`: no type filter (stories,
    /// profile pictures, custom emoji, other data).
    pub media: Option<MediaType>,
    /// The size the limit is applied to (the main file's for a thumbnail);
    /// `None`: exempt (stories).
    pub size: Option<i64>,
}

/// A decided file whose outcome is not known yet.
#[derive(Debug)]
pub struct Waiter(watch::Receiver<Option<Outcome>>);

impl Waiter {
    /// Whether the download has ended.
    pub fn done(&self) -> bool {
        self.0.borrow().is_some()
    }

    /// Waits until the download has ended.
    pub async fn ended(&mut self) {
        let _ = self.0.wait_for(Option::is_some).await;
    }

    /// The outcome, once the download ends.
    pub async fn outcome(mut self) -> Outcome {
        match self.0.wait_for(Option::is_some).await {
            Ok(value) => value.clone().unwrap_or_else(|| Err("download lost".into())),
            Err(_) => Err("download interrupted".into()),
        }
    }
}

/// Sets the status of a file from its download's outcome.
pub fn settle(file: &mut FileRef, outcome: &Outcome) {
    file.status = match outcome {
        Ok(path) => FileStatus::Downloaded { path: path.clone() },
        Err(reason) => FileStatus::Skipped(SkipReason::Failed(reason.clone())),
    };
}

/// The skip rules, the reuse cache and the running downloads.
pub struct Files {
    downloader: Arc<Downloader>,
    tasks: JoinSet<()>,
    cache: HashMap<FileKey, watch::Receiver<Option<Outcome>>>,
    media: Vec<MediaType>,
    size_limit: u64,
}

impl Files {
    /// The rules of `plan`, downloading with `downloader`.
    pub fn new(plan: &ExportPlan, downloader: Arc<Downloader>) -> Self {
        Self {
            downloader,
            tasks: JoinSet::new(),
            cache: HashMap::new(),
            media: plan.settings.media.clone(),
            size_limit: plan.settings.size_limit,
        }
    }

    /// The downloader.
    pub fn downloader(&self) -> &Arc<Downloader> {
        &self.downloader
    }

    /// Decides `file`: settles it now (`None`) or starts its download and
    /// returns what to wait for.
    pub fn decide(&mut self, file: &mut FileRef, rules: Rules, origin: &Origin) -> Option<Waiter> {
        if file.status != FileStatus::Pending {
            return None;
        }
        let key = file.location.as_ref().map(|l| l.key());
        if key.is_none() && file.inline.is_none() {
            file.status = FileStatus::Skipped(SkipReason::Unavailable);
            return None;
        }
        if let Some(done) = key.as_ref().and_then(|k| self.cache.get(k)) {
            return Some(Waiter(done.clone()));
        }
        let source = if let Some(bytes) = file.inline.take() {
            Source::Inline(bytes)
        } else {
            if let Some(media) = rules.media {
                if !self.media.contains(&media) {
                    return self.skip(file, SkipReason::FileType);
                }
            }
            let too_big = rules.size.is_some_and(|size| {
                self.size_limit < NO_SIZE_LIMIT
                    && u64::try_from(size).unwrap_or(0) > self.size_limit
            });
            if too_big {
                return self.skip(file, SkipReason::FileSize);
            }
            match &file.location {
                Some(location) => Source::Remote(location.clone()),
                None => return None,
            }
        };
        let job = Job {
            path: file.path.clone(),
            source,
            origin: origin.clone(),
            size: file.size,
        };
        let waiter = self.start(job);
        if let Some(key) = key {
            self.cache.insert(key, waiter.0.clone());
        }
        Some(waiter)
    }

    /// Starts a download outside the rules (other data).
    pub fn start(&mut self, job: Job) -> Waiter {
        let (tx, rx) = watch::channel(None);
        let downloader = self.downloader.clone();
        self.tasks.spawn(async move {
            let outcome = downloader.run(job).await;
            let _ = tx.send(Some(outcome));
        });
        // Forget finished tasks as we go, so the set stays small.
        while self.tasks.try_join_next().is_some() {}
        Waiter(rx)
    }

    /// Whether fewer downloads are under way than the downloader runs at
    /// once: it could take more files (deciding further ahead keeps its
    /// connections busy while the writer waits for a big file).
    pub fn hungry(&mut self) -> bool {
        while self.tasks.try_join_next().is_some() {}
        self.tasks.len() < self.downloader.capacity()
    }

    /// Waits until one of the downloads under way ends (at once if none
    /// is).
    pub async fn one_ends(&mut self) {
        let _ = self.tasks.join_next().await;
    }

    fn skip(&mut self, file: &mut FileRef, reason: SkipReason) -> Option<Waiter> {
        self.downloader.skipped(&file.path, &reason);
        file.status = FileStatus::Skipped(reason);
        None
    }
}

/// The files of a message in download order (the order of
/// `Message::files_mut`: action photo, media file, thumbnail, text emoji,
/// reaction emoji) with the rules each is judged by.
pub fn message_files(m: &mut Message) -> Vec<(&mut FileRef, Rules)> {
    let mut files = Vec::new();
    if let MessageKind::Service(action) = &mut m.kind {
        if let Some(photo) = action.photo_mut() {
            let size = Some(photo.file.size);
            let rules = Rules {
                media: Some(MediaType::Photo),
                size,
            };
            files.push((&mut photo.file, rules));
        }
    }
    match &mut m.media {
        Media::Photo(photo) => {
            let size = Some(photo.file.size);
            let rules = Rules {
                media: Some(MediaType::Photo),
                size,
            };
            files.push((&mut photo.file, rules));
        }
        Media::Document(doc) => {
            let media = Some(match doc.media_type {
                Some(DocumentType::Sticker) => MediaType::Sticker,
                Some(DocumentType::VideoMessage) => MediaType::VideoMessage,
                Some(DocumentType::VoiceMessage) => MediaType::Voice,
                Some(DocumentType::Animation) => MediaType::Gif,
                Some(DocumentType::VideoFile) => MediaType::Video,
                Some(DocumentType::AudioFile) | None => MediaType::File,
            });
            let rules = Rules {
                media,
                size: Some(doc.file.size),
            };
            files.push((&mut doc.file, rules));
            if let Some(thumb) = &mut doc.thumb {
                files.push((&mut thumb.file, rules));
            }
        }
        Media::Contact(contact) => {
            for vcard in contact.vcard.iter_mut() {
                let size = Some(vcard.size);
                files.push((
                    vcard,
                    Rules {
                        media: Some(MediaType::File),
                        size,
                    },
                ));
            }
        }
        _ => {}
    }
    for part in &mut m.text {
        if let TextKind::CustomEmoji {
            file: Some(file), ..
        } = &mut part.kind
        {
            let size = Some(file.size);
            files.push((file, Rules { media: None, size }));
        }
    }
    for reaction in &mut m.reactions {
        if let ReactionKind::CustomEmoji {
            file: Some(file), ..
        } = &mut reaction.kind
        {
            let size = Some(file.size);
            files.push((file, Rules { media: None, size }));
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::model::media::{Document, Photo, Thumb};
    use crate::export::model::{FileKind, FileLocation};

    fn file(size: i64, id: i64) -> FileRef {
        FileRef {
            location: Some(FileLocation {
                dc_id: 2,
                kind: FileKind::Document,
                id,
                access_hash: 1,
                file_reference: vec![],
                thumb_size: String::new(),
            }),
            inline: None,
            size,
            path: format!("files/{id}"),
            status: FileStatus::Pending,
        }
    }

    #[test]
    fn message_files_follow_files_mut_order_and_rules() {
        let mut m = Message::new(1, 0);
        m.media = Media::Document(Document {
            file: file(500, 1),
            thumb: Some(Thumb {
                file: file(10, 2),
                width: 1,
                height: 1,
            }),
            name: String::new(),
            mime: String::new(),
            media_type: Some(DocumentType::VoiceMessage),
            sticker_emoji: String::new(),
            performer: String::new(),
            title: String::new(),
            duration: 0,
            width: 0,
            height: 0,
            spoiler: false,
            ttl: 0,
        });
        let mut copy = m.clone();
        let order: Vec<i64> = copy
            .files_mut()
            .iter()
            .map(|f| f.location.as_ref().unwrap().id)
            .collect();
        let files = message_files(&mut m);
        let ours: Vec<i64> = files
            .iter()
            .map(|(f, _)| f.location.as_ref().unwrap().id)
            .collect();
        assert_eq!(ours, order);
        // The thumbnail is judged by the main file's size and type.
        assert_eq!(
            files[1].1,
            Rules {
                media: Some(MediaType::Voice),
                size: Some(500)
            }
        );

        let mut p = Message::new(2, 0);
        p.media = Media::Photo(Photo {
            file: file(3, 3),
            width: 0,
            height: 0,
            spoiler: false,
            ttl: 0,
        });
        assert_eq!(message_files(&mut p)[0].1.media, Some(MediaType::Photo));
    }
}
