//! TL → model for the non-chat sections (docs/takeout.md#sections, docs/export-format.md#sections) and for
//! custom emoji documents (docs/takeout.md#custom-emoji).

use tl::enums;

use crate::export::convert::context::ChatContext;
use crate::export::convert::document::{document, photo_file_name, photo_with_path};
use crate::export::convert::peers::{Peers, peer_id, username_of};
use crate::export::convert::text::text_parts;
use crate::export::format::format_phone;
use crate::export::model::file::FileRef;
use crate::export::model::sections::{
    Contact, PersonalInfo, Session, Story, TopPeer, TopPeerCategory, Userpic, WebSession,
};
use crate::export::model::{DialogType, PeerId};
use crate::export::naming::{PathSet, extension_for_mime};
use crate::export::time::Tz;

/// `personal_information` from `users.getFullUser(inputUserSelf)`.
pub fn personal_info(full: &enums::users::UserFull) -> PersonalInfo {
    let enums::users::UserFull::UserFull(full) = full;
    let enums::UserFull::UserFull(about) = &full.full_user;
    let user = full
        .users
        .iter()
        .find(|u| matches!(u, enums::User::User(u) if u.id == about.id))
        .or_else(|| full.users.first());
    let mut info = PersonalInfo {
        user_id: about.id,
        bio: about.about.clone().unwrap_or_default(),
        ..PersonalInfo::default()
    };
    if let Some(enums::User::User(u)) = user {
        info.user_id = u.id;
        info.first_name = u.first_name.clone().unwrap_or_default();
        info.last_name = u.last_name.clone().unwrap_or_default();
        info.phone = format_phone(u.phone.as_deref().unwrap_or_default());
        info.username = username_of(u);
    }
    info
}

/// One page of `photos.getUserPhotos`: `first_index` is the number of
/// pictures already converted, so names go on as `photo_<n>@<date>.jpg`.
pub fn userpics(
    photos: &[enums::Photo],
    first_index: u64,
    tz: &Tz,
    paths: &mut PathSet,
) -> Vec<Userpic> {
    photos
        .iter()
        .zip(first_index + 1..)
        .map(|(photo, index)| {
            let date = match photo {
                enums::Photo::Photo(p) => i64::from(p.date),
                enums::Photo::Empty(_) => 0,
            };
            let name = photo_file_name("photo", index, date, tz, ".jpg");
            let path = paths.claim(&format!("profile_pictures/{name}"));
            let photo = photo_with_path(photo, path);
            Userpic {
                date,
                file: photo.file,
                width: photo.width,
                height: photo.height,
            }
        })
        .collect()
}

/// One page of `stories.getStoriesArchive`: only photo and video stories
/// are kept (docs/takeout.md#sections); `first_index` counts stories already converted.
pub fn stories(
    items: &[enums::StoryItem],
    first_index: u64,
    tz: &Tz,
    paths: &mut PathSet,
) -> Vec<Story> {
    let mut index = first_index;
    let mut result = Vec::new();
    for item in items {
        let enums::StoryItem::StoryItem(s) = item else {
            continue;
        };
        let date = i64::from(s.date);
        let (ext, is_video) = match s.media.as_ref() {
            enums::MessageMedia::Photo(m) if m.photo.is_some() => (".jpg", false),
            enums::MessageMedia::Document(m) => match &m.document {
                Some(enums::Document::Document(d)) => (story_extension(&d.mime_type), true),
                _ => continue,
            },
            _ => continue,
        };
        index += 1;
        let name = photo_file_name("story", index, date, tz, ext);
        let path = paths.claim(&format!("stories/{name}"));
        let (file, thumb) = match s.media.as_ref() {
            enums::MessageMedia::Photo(m) => match &m.photo {
                Some(photo) => (photo_with_path(photo, path).file, None),
                None => continue,
            },
            enums::MessageMedia::Document(m) => match &m.document {
                Some(doc) => story_document(doc, path, tz, paths),
                None => continue,
            },
            _ => continue,
        };
        result.push(Story {
            id: i64::from(s.id),
            date,
            expires: i64::from(s.expire_date),
            pinned: s.pinned,
            file,
            thumb,
            is_video,
            caption: text_parts(
                s.caption.as_deref().unwrap_or_default(),
                s.entities.as_deref().unwrap_or_default(),
            ),
        });
    }
    result
}

/// A story video's extension from its MIME type (docs/export-format.md#file-names).
fn story_extension(mime: &str) -> &'static str {
    extension_for_mime(mime)
}

/// A story document at `path` (not inside a chat folder), with its
/// thumbnail at `<path>_thumb.jpg`.
fn story_document(
    doc: &enums::Document,
    path: String,
    tz: &Tz,
    paths: &mut PathSet,
) -> (FileRef, Option<FileRef>) {
    let mut ctx = ChatContext::new("", tz.clone());
    let parsed = document(&mut ctx, doc, 0);
    let mut file = parsed.file;
    file.path = path.clone();
    let thumb = parsed.thumb.map(|t| {
        let mut thumb = t.file;
        thumb.path = paths.claim(&format!("{path}_thumb.jpg"));
        thumb
    });
    (file, thumb)
}

/// Saved phone contacts from `contacts.getSaved`.
pub fn contacts(saved: &[enums::SavedContact]) -> Vec<Contact> {
    saved
        .iter()
        .map(|enums::SavedContact::SavedPhoneContact(c)| Contact {
            user_id: 0,
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            phone: format_phone(&c.phone),
            date: i64::from(c.date),
        })
        .collect()
}

/// Frequent contacts from one `contacts.getTopPeers` page (people, inline
/// bots and calls; other categories are ignored). `topPeersDisabled` and
/// `topPeersNotModified` give none.
pub fn top_peers(answer: &enums::contacts::TopPeers) -> Vec<TopPeer> {
    let enums::contacts::TopPeers::TopPeers(answer) = answer else {
        return Vec::new();
    };
    let peers = Peers::from_tl(&answer.users, &answer.chats);
    let mut result = Vec::new();
    for enums::TopPeerCategoryPeers::TopPeerCategoryPeers(list) in &answer.categories {
        let category = match list.category {
            enums::TopPeerCategory::Correspondents => TopPeerCategory::People,
            enums::TopPeerCategory::BotsInline => TopPeerCategory::InlineBots,
            enums::TopPeerCategory::PhoneCalls => TopPeerCategory::Calls,
            _ => continue,
        };
        for enums::TopPeer::TopPeer(top) in &list.peers {
            let id = peer_id(&top.peer);
            let dialog_type = peers
                .get(id)
                .map_or(DialogType::PrivateGroup, |p| p.dialog_type);
            result.push(TopPeer {
                id: id.bare(),
                category,
                dialog_type,
                is_user: matches!(id, PeerId::User(_)),
                name: peers.name(id),
                rating: top.rating,
            });
        }
    }
    result
}

/// Active sessions from `account.getAuthorizations`.
pub fn sessions(answer: &enums::account::Authorizations) -> Vec<Session> {
    let enums::account::Authorizations::Authorizations(answer) = answer;
    answer
        .authorizations
        .iter()
        .map(|enums::Authorization::Authorization(a)| Session {
            last_active: i64::from(a.date_active),
            ip: a.ip.clone(),
            country: a.country.clone(),
            region: a.region.clone(),
            app_name: a.app_name.clone(),
            app_version: a.app_version.clone(),
            device_model: a.device_model.clone(),
            platform: a.platform.clone(),
            system_version: a.system_version.clone(),
            created: i64::from(a.date_created),
        })
        .collect()
}

/// Web sessions from `account.getWebAuthorizations`; the bot username is
/// set only when the user is a bot (docs/takeout.md#sections).
pub fn web_sessions(answer: &enums::account::WebAuthorizations) -> Vec<WebSession> {
    let enums::account::WebAuthorizations::WebAuthorizations(answer) = answer;
    let peers = Peers::from_tl(&answer.users, &[]);
    answer
        .authorizations
        .iter()
        .map(|enums::WebAuthorization::WebAuthorization(a)| {
            let bot = peers.get(PeerId::User(a.bot_id)).filter(|p| p.is_bot);
            WebSession {
                last_active: i64::from(a.date_active),
                ip: a.ip.clone(),
                region: a.region.clone(),
                bot_username: bot.map(|b| b.username.clone()).unwrap_or_default(),
                domain: a.domain.clone(),
                browser: a.browser.clone(),
                platform: a.platform.clone(),
                created: i64::from(a.date_created),
            }
        })
        .collect()
}

/// The file of a custom emoji document from
/// `messages.getCustomEmojiDocuments`, parsed into the current chat's folder
/// with date 0 (docs/takeout.md#custom-emoji); attach it with `Message::set_custom_emoji`.
pub fn custom_emoji_file(ctx: &mut ChatContext, doc: &enums::Document) -> (i64, FileRef) {
    let id = match doc {
        enums::Document::Document(d) => d.id,
        enums::Document::Empty(d) => d.id,
    };
    (id, document(ctx, doc, 0).file)
}
