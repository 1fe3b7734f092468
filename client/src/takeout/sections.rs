//! The sections besides chats (docs/takeout.md#sections): personal information,
//! profile pictures, stories, contacts with frequent contacts, sessions
//! with web sessions, and the "other data" file. A section whose request
//! fails (other than fatally) is left out and recorded in `missing.json`.

use tl::{enums, functions};

use super::download::{Job, Origin, Source};
use super::error::{Class, TakeoutError, classify};
use super::files::{Rules, Waiter, settle};
use super::output::{Command, MissingItem};
use super::progress::ProgressEvent;
use super::run::Run;
use crate::export::convert::sections::{
    contacts, personal_info, sessions, stories, top_peers, userpics, web_sessions,
};
use crate::export::model::FileRef;
use crate::export::model::sections::{ContactsList, SessionsList};
use crate::export::naming::PathSet;

/// Pages of one list we are willing to read.
const MAX_PAGES: usize = 100_000;

impl Run<'_> {
    /// Announces a section.
    fn section(&self, name: &str) {
        let _ = self
            .events
            .send(ProgressEvent::Section { name: name.into() });
    }

    /// A failed request of `section`: fatal errors stop the export, others
    /// are recorded.
    pub(super) fn section_failed(
        &mut self,
        section: &str,
        class: Class,
    ) -> Result<(), TakeoutError> {
        match class {
            Class::Fatal(e) => Err(e),
            Class::Skip(reason) => {
                self.missing.push(MissingItem {
                    section: section.into(),
                    chat: None,
                    chat_id: None,
                    message_id: None,
                    file: None,
                    reason,
                });
                Ok(())
            }
        }
    }

    /// Waits for a file's download and records a failure.
    pub(super) async fn settle_file(
        &mut self,
        file: &mut FileRef,
        waiter: Option<Waiter>,
        section: &str,
    ) -> Result<(), TakeoutError> {
        let Some(waiter) = waiter else {
            return Ok(());
        };
        let outcome = waiter.outcome().await;
        if let Some(e) = self.files.downloader().take_fatal() {
            return Err(e);
        }
        settle(file, &outcome);
        if let Err(reason) = outcome {
            self.missing.push(MissingItem {
                section: section.into(),
                chat: None,
                chat_id: None,
                message_id: None,
                file: Some(file.path.clone()),
                reason,
            });
        }
        Ok(())
    }

    /// Announces a start step's count of `section`.
    fn counted(&self, section: &str, total: u64) {
        let _ = self.events.send(ProgressEvent::SectionCounted {
            name: section.into(),
            total,
        });
    }

    /// A start step's failure: fatal errors stop the export; others leave
    /// the total unknown (the section itself records what it cannot read).
    fn count_failed(section: &str, class: Class) -> Result<(), TakeoutError> {
        match class {
            Class::Fatal(e) => Err(e),
            Class::Skip(reason) => {
                tracing::warn!("{section} could not be counted: {reason}");
                Ok(())
            }
        }
    }

    /// UserpicsCount (takeout.md docs/takeout.md#start-steps): `photos.getUserPhotos`
    /// with `limit=0`; the slice's `count`, or the vector's length.
    pub(super) async fn count_userpics(&mut self) -> Result<(), TakeoutError> {
        let request = functions::photos::GetUserPhotos {
            user_id: enums::InputUser::InputUserSelf,
            offset: 0,
            max_id: 0,
            limit: 0,
        };
        match self.inv.invoke(&request).await {
            Ok(enums::photos::Photos::Photos(p)) => {
                self.counted("profile_pictures", p.photos.len() as u64);
                Ok(())
            }
            Ok(enums::photos::Photos::Slice(p)) => {
                self.counted("profile_pictures", u64::try_from(p.count).unwrap_or(0));
                Ok(())
            }
            Err(e) => Self::count_failed("profile_pictures", classify(e)),
        }
    }

    /// StoriesCount (takeout.md docs/takeout.md#start-steps):
    /// `stories.getStoriesArchive` with `limit=0`; its `count`.
    pub(super) async fn count_stories(&mut self) -> Result<(), TakeoutError> {
        let request = functions::stories::GetStoriesArchive {
            peer: enums::InputPeer::InputPeerSelf,
            offset_id: 0,
            limit: 0,
        };
        match self.inv.invoke(&request).await {
            Ok(enums::stories::Stories::Stories(s)) => {
                self.counted("stories", u64::try_from(s.count).unwrap_or(0));
                Ok(())
            }
            Err(e) => Self::count_failed("stories", classify(e)),
        }
    }

    /// `personal_information`.
    pub(super) async fn personal_info(&mut self) -> Result<(), TakeoutError> {
        self.section("personal_information");
        let request = functions::users::GetFullUser {
            id: enums::InputUser::InputUserSelf,
        };
        match self.inv.invoke(&request).await {
            Ok(full) => {
                self.out
                    .send(Command::PersonalInfo(personal_info(&full)))
                    .await
            }
            Err(e) => self.section_failed("personal_information", classify(e)),
        }
    }

    /// `profile_pictures`, page by page, each page's files settled first.
    pub(super) async fn userpics(&mut self) -> Result<(), TakeoutError> {
        self.section("profile_pictures");
        let mut paths = PathSet::new();
        let (mut index, mut max_id, mut wrote) = (0u64, 0i64, false);
        for _ in 0..MAX_PAGES {
            let request = functions::photos::GetUserPhotos {
                user_id: enums::InputUser::InputUserSelf,
                offset: 0,
                max_id,
                limit: 100,
            };
            let answer = match self.inv.invoke(&request).await {
                Ok(answer) => answer,
                Err(e) => {
                    self.section_failed("profile_pictures", classify(e))?;
                    break;
                }
            };
            let (photos, complete) = match &answer {
                enums::photos::Photos::Photos(p) => (&p.photos, true),
                enums::photos::Photos::Slice(p) => (&p.photos, false),
            };
            let ids: Vec<i64> = photos
                .iter()
                .map(|p| match p {
                    enums::Photo::Photo(p) => p.id,
                    enums::Photo::Empty(p) => p.id,
                })
                .collect();
            let Some(&last) = ids.last() else { break };
            let mut page = userpics(photos, index, &self.tz, &mut paths);
            index += photos.len() as u64;
            let mut waits = Vec::new();
            for (pic, &id) in page.iter_mut().zip(&ids) {
                let rules = Rules {
                    media: None,
                    size: Some(pic.file.size),
                };
                waits.push(
                    self.files
                        .decide(&mut pic.file, rules, &Origin::Userpic(id)),
                );
            }
            for (pic, waiter) in page.iter_mut().zip(waits) {
                self.settle_file(&mut pic.file, waiter, "profile_pictures")
                    .await?;
            }
            self.out.send(Command::Userpics(page)).await?;
            wrote = true;
            if complete || last == max_id {
                break;
            }
            max_id = last;
        }
        if !wrote {
            self.out.send(Command::Userpics(Vec::new())).await?;
        }
        self.out.send(Command::EndList).await
    }

    /// `stories`, page by page until an empty page.
    pub(super) async fn stories(&mut self) -> Result<(), TakeoutError> {
        self.section("stories");
        let mut paths = PathSet::new();
        let (mut index, mut offset_id, mut wrote) = (0u64, 0i32, false);
        for _ in 0..MAX_PAGES {
            let request = functions::stories::GetStoriesArchive {
                peer: enums::InputPeer::InputPeerSelf,
                offset_id,
                limit: 100,
            };
            let answer = match self.inv.invoke(&request).await {
                Ok(enums::stories::Stories::Stories(answer)) => answer,
                Err(e) => {
                    self.section_failed("stories", classify(e))?;
                    break;
                }
            };
            let last = answer.stories.last().map(|s| match s {
                enums::StoryItem::StoryItem(s) => s.id,
                enums::StoryItem::Deleted(s) => s.id,
                enums::StoryItem::Skipped(s) => s.id,
            });
            let Some(last) = last else { break };
            let mut page = stories(&answer.stories, index, &self.tz, &mut paths);
            index += page.len() as u64;
            let rules = Rules {
                media: None,
                size: None,
            };
            let mut waits = Vec::new();
            for story in &mut page {
                let origin = Origin::Story(i32::try_from(story.id).unwrap_or(0));
                waits.push(self.files.decide(&mut story.file, rules, &origin));
                let thumb = story.thumb.as_mut();
                waits.push(thumb.and_then(|t| self.files.decide(t, rules, &origin)));
            }
            let mut waits = waits.into_iter();
            for story in &mut page {
                let waiter = waits.next().flatten();
                self.settle_file(&mut story.file, waiter, "stories").await?;
                let waiter = waits.next().flatten();
                if let Some(thumb) = story.thumb.as_mut() {
                    self.settle_file(thumb, waiter, "stories").await?;
                }
            }
            if !page.is_empty() {
                self.out.send(Command::Stories(page)).await?;
                wrote = true;
            }
            if last == offset_id {
                break;
            }
            offset_id = last;
        }
        if !wrote {
            self.out.send(Command::Stories(Vec::new())).await?;
        }
        self.out.send(Command::EndList).await
    }

    /// `contacts` and `frequent_contacts`.
    pub(super) async fn contacts(&mut self) -> Result<(), TakeoutError> {
        self.section("contacts");
        let saved = match self.inv.invoke(&functions::contacts::GetSaved {}).await {
            Ok(saved) => saved,
            Err(e) => return self.section_failed("contacts", classify(e)),
        };
        let mut list = ContactsList {
            contacts: contacts(&saved),
            frequent: Vec::new(),
        };
        let mut offset = 0;
        for _ in 0..MAX_PAGES {
            let request = functions::contacts::GetTopPeers {
                correspondents: true,
                bots_inline: true,
                phone_calls: true,
                offset,
                limit: 100,
                ..Default::default()
            };
            let answer = match self.inv.invoke(&request).await {
                Ok(answer) => answer,
                Err(e) => {
                    self.section_failed("frequent_contacts", classify(e))?;
                    break;
                }
            };
            list.frequent.extend(top_peers(&answer));
            let enums::contacts::TopPeers::TopPeers(answer) = answer else {
                break;
            };
            let mut longest = 0;
            let mut done = true;
            for enums::TopPeerCategoryPeers::TopPeerCategoryPeers(c) in &answer.categories {
                let got = i32::try_from(c.peers.len()).unwrap_or(i32::MAX);
                longest = longest.max(got);
                done &= offset.saturating_add(got) >= c.count;
            }
            if done || longest == 0 {
                break;
            }
            offset = offset.saturating_add(longest);
        }
        // Pages list every category; the output lists them in category order.
        list.frequent.sort_by_key(|p| p.category);
        self.out.send(Command::Contacts(list)).await
    }

    /// `sessions` and `web_sessions`.
    pub(super) async fn sessions(&mut self) -> Result<(), TakeoutError> {
        self.section("sessions");
        let apps = match self
            .inv
            .invoke(&functions::account::GetAuthorizations {})
            .await
        {
            Ok(a) => sessions(&a),
            Err(e) => return self.section_failed("sessions", classify(e)),
        };
        let request = functions::account::GetWebAuthorizations {};
        let web = match self.inv.invoke(&request).await {
            Ok(w) => web_sessions(&w),
            Err(e) => return self.section_failed("web_sessions", classify(e)),
        };
        let list = SessionsList {
            sessions: apps,
            web,
        };
        self.out.send(Command::Sessions(list)).await
    }

    /// `lists/other_data.json` (written in every format) and `other_data`.
    pub(super) async fn other_data(&mut self) -> Result<(), TakeoutError> {
        self.section("other_data");
        let path = "lists/other_data.json";
        let waiter = self.files.start(Job {
            path: path.into(),
            source: Source::Takeout,
            origin: Origin::None,
            size: 0,
        });
        let outcome = waiter.outcome().await;
        if let Some(e) = self.files.downloader().take_fatal() {
            return Err(e);
        }
        match outcome {
            Ok(_) => {
                let file = self.root.join(path);
                let raw = tokio::fs::read(&file)
                    .await
                    .map_err(|e| TakeoutError::disk(file, e))?;
                // The file stays as it came; the JSON only takes valid data.
                let valid = raw.iter().all(u8::is_ascii_whitespace)
                    || serde_json::from_slice::<serde_json::Value>(&raw)
                        .is_ok_and(|v| v.is_object() || v.is_array());
                if !valid {
                    let reason = "other data is not a JSON object or array".to_owned();
                    return self.section_failed("other_data", Class::Skip(reason));
                }
                self.out.send(Command::OtherData(raw)).await
            }
            Err(reason) => self.section_failed("other_data", Class::Skip(reason)),
        }
    }
}
