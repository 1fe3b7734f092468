//! Fresh file references (docs/takeout.md#files): the
//! file's message, story, profile picture or custom emoji is fetched again
//! and converted like the original; the location with the same identity
//! gives the new reference. Telegram Desktop gives up on profile pictures
//! and custom emoji; we refresh those too.

use tl::{enums, functions};

use super::download::Origin;
use super::error::{Class, classify};
use super::session::TakeoutInvoker;
use crate::export::convert::sections::{custom_emoji_file, stories, userpics};
use crate::export::convert::{ChatContext, Peers, message};
use crate::export::model::{FileKey, FileRef};
use crate::export::naming::PathSet;
use crate::export::time::utc;

/// The new file reference of the file `key` of `origin`; `None` when the
/// origin no longer has that file.
pub async fn refresh(
    inv: &TakeoutInvoker,
    origin: &Origin,
    key: &FileKey,
) -> Result<Option<Vec<u8>>, Class> {
    let files = match origin {
        Origin::Message { channel, range, id } => {
            let ids = vec![enums::InputMessage::Id(tl::types::InputMessageId {
                id: *id,
            })];
            let page = match channel {
                Some(channel) => {
                    inv.invoke(&functions::channels::GetMessages {
                        channel: channel.clone(),
                        id: ids,
                    })
                    .await
                }
                None => {
                    inv.invoke_in_range(range, &functions::messages::GetMessages { id: ids })
                        .await
                }
            }
            .map_err(classify)?;
            let peers = Peers::from_messages(&page);
            let list = super::history::page_parts(&page).0;
            let mut ctx = ChatContext::new("", utc());
            list.iter()
                .flat_map(|m| {
                    let mut m = message(&mut ctx, &peers, m, false);
                    m.files_mut()
                        .into_iter()
                        .map(|f| f.clone())
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<FileRef>>()
        }
        Origin::Story(id) => {
            let answer = inv
                .invoke(&functions::stories::GetStoriesById {
                    peer: enums::InputPeer::InputPeerSelf,
                    id: vec![*id],
                })
                .await
                .map_err(classify)?;
            let enums::stories::Stories::Stories(answer) = answer;
            stories(&answer.stories, 0, &utc(), &mut PathSet::new())
                .into_iter()
                .flat_map(|s| std::iter::once(s.file).chain(s.thumb))
                .collect()
        }
        Origin::Userpic(id) => {
            let answer = inv
                .invoke(&functions::photos::GetUserPhotos {
                    user_id: enums::InputUser::InputUserSelf,
                    offset: 0,
                    max_id: id.saturating_add(1),
                    limit: 1,
                })
                .await
                .map_err(classify)?;
            let photos = match &answer {
                enums::photos::Photos::Photos(p) => &p.photos,
                enums::photos::Photos::Slice(p) => &p.photos,
            };
            userpics(photos, 0, &utc(), &mut PathSet::new())
                .into_iter()
                .map(|u| u.file)
                .collect()
        }
        Origin::Emoji(id) => {
            let docs = inv
                .invoke(&functions::messages::GetCustomEmojiDocuments {
                    document_id: vec![*id],
                })
                .await
                .map_err(classify)?;
            let mut ctx = ChatContext::new("", utc());
            docs.iter()
                .map(|d| custom_emoji_file(&mut ctx, d).1)
                .collect()
        }
        Origin::None => return Ok(None),
    };
    Ok(files
        .into_iter()
        .filter_map(|f| f.location)
        .find(|l| &l.key() == key)
        .map(|l| l.file_reference))
}
