//! One page of a split's dialog list, read lean (docs/takeout.md#dialogs
//! "Paging within a split"): a page carries the top message of every
//! dialog in full, but paging needs only the date of the last dialog's.
//! The messages are walked with `Deserializable::skip` into byte spans and
//! only that one is decoded (searched from the end of the vector, where
//! servers put it, falling back to every message). Bad bytes anywhere fail
//! as a full decode would: `skip` fails wherever decoding fails.

use tl::de::Result as DeResult;
use tl::{Cursor, Deserializable, DeserializeError, Identifiable, RemoteCall, Serializable};
use tl::{enums, functions, types};

use crate::export::convert::peer_id;
use crate::export::model::PeerId;

/// `messages.getDialogs`, answered as a [`DialogsPage`] (the same bytes on
/// the wire as the plain request).
#[derive(Clone, Debug)]
pub struct GetDialogsPage(pub functions::messages::GetDialogs);

impl Serializable for GetDialogsPage {
    fn serialize(&self, buf: &mut Vec<u8>) {
        self.0.serialize(buf);
    }
}

impl RemoteCall for GetDialogsPage {
    type Return = DialogsPage;
}

/// What the dialog listing keeps of a `messages.Dialogs` answer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DialogsPage {
    /// The answer was `messages.dialogsNotModified` (nothing else is set).
    pub not_modified: bool,
    /// `messages.dialogs`: the whole list, no further page.
    pub complete: bool,
    /// The dialogs of the page.
    pub dialogs: Vec<enums::Dialog>,
    /// The chats the page mentions.
    pub chats: Vec<enums::Chat>,
    /// The users the page mentions.
    pub users: Vec<enums::User>,
    /// The last dialog (folders aside): its peer, top message id and that
    /// message's date (0 if the page does not carry the message).
    pub last: Option<(PeerId, i32, i32)>,
}

impl Deserializable for DialogsPage {
    const MIN_SIZE: usize = 4;

    fn deserialize(buf: &mut Cursor<'_>) -> DeResult<Self> {
        let id = buf.read_u32()?;
        let complete = match id {
            types::messages::Dialogs::CONSTRUCTOR_ID => true,
            types::messages::DialogsSlice::CONSTRUCTOR_ID => {
                buf.read_i32()?; // count
                false
            }
            types::messages::DialogsNotModified::CONSTRUCTOR_ID => {
                buf.read_i32()?; // count
                return Ok(Self {
                    not_modified: true,
                    ..Self::default()
                });
            }
            id => {
                return Err(DeserializeError::UnexpectedConstructor {
                    id,
                    expected: "messages.Dialogs",
                });
            }
        };
        let dialogs = Vec::<enums::Dialog>::deserialize(buf)?;
        let last = dialogs.iter().rev().find_map(|dialog| match dialog {
            enums::Dialog::Dialog(d) => Some((peer_id(&d.peer), d.top_message)),
            _ => None,
        });
        let date = top_date(buf, last)?;
        let chats = Vec::<enums::Chat>::deserialize(buf)?;
        let users = Vec::<enums::User>::deserialize(buf)?;
        Ok(Self {
            not_modified: false,
            complete,
            dialogs,
            chats,
            users,
            last: last.map(|(peer, top)| (peer, top, date)),
        })
    }
}

/// Walks the `Vector<Message>` at `buf` and gives the date of message
/// `top` of `peer` (0 if absent or if there is no last dialog).
fn top_date(buf: &mut Cursor<'_>, last: Option<(PeerId, i32)>) -> DeResult<i32> {
    buf.expect_vector()?;
    let len = buf.read_len(enums::Message::MIN_SIZE)?;
    let items = buf.rest();
    let start = buf.position();
    // Where each message ends, relative to `items`.
    let mut ends = Vec::with_capacity(len);
    for _ in 0..len {
        enums::Message::skip(buf)?;
        ends.push(buf.position() - start);
    }
    let Some((peer, top)) = last else {
        return Ok(0);
    };
    for k in (0..len).rev() {
        let from = if k == 0 { 0 } else { ends[k - 1] };
        let date = match enums::Message::from_bytes(&items[from..ends[k]])? {
            enums::Message::Message(m) if m.id == top && peer_id(&m.peer_id) == peer => m.date,
            enums::Message::Service(m) if m.id == top && peer_id(&m.peer_id) == peer => m.date,
            _ => continue,
        };
        return Ok(date);
    }
    Ok(0)
}

#[cfg(test)]
mod tests;
