//! The API methods the mock serves, one module per namespace (gotd `tgtest`
//! services), and the route table the dispatcher looks methods up in.
//!
//! Every handler is typed: it takes the decoded request struct and returns
//! the method's `RemoteCall::Return`, so an answer can never have the wrong
//! TL type. Handlers are pure: they read the [`Index`], the per-key
//! [`AuthState`](crate::dispatch::AuthState) and the dispatcher's shared state.

pub mod account;
pub mod auth;
pub mod channels;
pub mod contacts;
pub mod dialogs;
pub mod help;
pub mod history;
pub mod photos;
pub mod srp;
pub mod stories;
pub mod updates;
pub mod upload;
pub mod users;

use std::sync::{Mutex, MutexGuard};

use tl::enums;

use crate::dispatch::{RequestCtx, ServerConfig, Shared};
use crate::world::{Index, PeerKey};

/// An `rpc_error` answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code} {message}")]
pub struct RpcError {
    /// The error code (400, 401, 303...).
    pub code: i32,
    /// The error message (`PEER_ID_INVALID`, `FILE_MIGRATE_4`...).
    pub message: String,
}

impl RpcError {
    /// An error with any code.
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// 400 BAD_REQUEST.
    pub fn bad(message: impl Into<String>) -> Self {
        Self::new(400, message)
    }

    /// 401 `AUTH_KEY_UNREGISTERED`: the key is not logged in.
    pub fn unregistered() -> Self {
        Self::new(401, "AUTH_KEY_UNREGISTERED")
    }

    /// 400 `INPUT_REQUEST_INVALID`: the request bytes did not decode.
    pub fn undecodable() -> Self {
        Self::bad("INPUT_REQUEST_INVALID")
    }
}

/// What a handler returns.
pub type RpcResult<T> = Result<T, RpcError>;

/// Who may call a method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, logged in or not (help.*, auth.*, account.getPassword).
    Public,
    /// A logged-in key; others get 401 `AUTH_KEY_UNREGISTERED`.
    User,
    /// A logged-in key inside `invokeWithTakeout`; 403 `TAKEOUT_REQUIRED`
    /// without it.
    Takeout,
}

/// Everything one call sees.
pub struct Call<'a, 'c> {
    /// The world.
    pub db: &'a Index,
    /// The dispatcher's configuration.
    pub config: &'a ServerConfig,
    /// The connection's context (DC, time, the auth key's state).
    pub ctx: &'a mut RequestCtx<'c>,
    /// The `invokeWithTakeout` id around the call, if any (already checked).
    pub takeout: Option<i64>,
    /// The `invokeWithMessagesRange` around the call, as `(min_id, max_id)`.
    pub range: Option<(i32, i32)>,
    pub(crate) shared: &'a Mutex<Shared>,
    pub(crate) verifier: Option<&'a srp::Verifier>,
}

impl Call<'_, '_> {
    /// The logged-in user (handlers behind [`Access::User`] always have one).
    pub fn me(&self) -> i64 {
        self.ctx.auth.user_id.unwrap_or(self.db.world().self_id)
    }

    /// The dispatcher's shared state.
    pub(crate) fn shared(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One entry of the route table.
pub(crate) struct Route {
    pub id: u32,
    pub access: Access,
    pub run: fn(&mut Call<'_, '_>, &[u8]) -> RpcResult<Vec<u8>>,
}

/// What a handler may answer a method returning `R` with: `R` itself, or a
/// borrowed form that serializes as `R` does.
pub(crate) trait Answers<R> {}

impl<R> Answers<R> for R {}

impl Answers<tl::enums::messages::Messages> for history::PageAnswer<'_> {}

impl Answers<tl::enums::messages::Dialogs> for dialogs::DialogsAnswer<'_> {}

/// Writes a boxed `Vector` of `items`, as a `Vec` of them would be written
/// (for answers that borrow their objects).
pub(crate) fn serialize_vector<'x, T: tl::Serializable + 'x>(
    items: impl ExactSizeIterator<Item = &'x T>,
    buf: &mut Vec<u8>,
) {
    use tl::Serializable as _;
    tl::ser::VECTOR_ID.serialize(buf);
    i32::try_from(items.len())
        .unwrap_or(i32::MAX)
        .serialize(buf);
    items.for_each(|item| item.serialize(buf));
}

/// Writes a boxed `Vector` whose items are already encoded (the message
/// store's bytes).
pub(crate) fn serialize_encoded_vector<B: AsRef<[u8]>>(items: &[B], buf: &mut Vec<u8>) {
    use tl::Serializable as _;
    tl::ser::VECTOR_ID.serialize(buf);
    i32::try_from(items.len())
        .unwrap_or(i32::MAX)
        .serialize(buf);
    items
        .iter()
        .for_each(|item| buf.extend_from_slice(item.as_ref()));
}

/// Checks at compile time that `answer` is an answer of `R`.
pub(crate) fn answers<R, A: Answers<R>>(_answer: &A) {}

/// A route for method type `$f` served by `$handler`.
macro_rules! route {
    ($access:ident, $f:ty, $handler:path) => {
        $crate::services::Route {
            id: <$f as tl::Identifiable>::CONSTRUCTOR_ID,
            access: $crate::services::Access::$access,
            run: |call, bytes| {
                let req = <$f as tl::Deserializable>::from_bytes(bytes)
                    .map_err(|_| $crate::services::RpcError::undecodable())?;
                let ret = $handler(call, req)?;
                $crate::services::answers::<<$f as tl::RemoteCall>::Return, _>(&ret);
                Ok(tl::Serializable::to_bytes(&ret))
            },
        }
    };
}

/// Every method the mock serves.
pub(crate) fn routes() -> Vec<Route> {
    use tl::functions as f;
    vec![
        route!(Public, f::help::GetConfig, help::get_config),
        route!(Public, f::help::GetNearestDc, help::get_nearest_dc),
        route!(Public, f::auth::SendCode, auth::send_code),
        route!(Public, f::auth::SignIn, auth::sign_in),
        route!(Public, f::auth::CheckPassword, auth::check_password),
        route!(Public, f::auth::LogOut, auth::log_out),
        route!(Public, f::auth::ExportLoginToken, auth::export_login_token),
        route!(Public, f::auth::ResendCode, auth::resend_code),
        route!(Public, f::auth::ImportLoginToken, auth::import_login_token),
        route!(
            User,
            f::auth::ExportAuthorization,
            auth::export_authorization
        ),
        route!(
            Public,
            f::auth::ImportAuthorization,
            auth::import_authorization
        ),
        route!(Public, f::account::GetPassword, account::get_password),
        route!(User, f::account::InitTakeoutSession, account::init_takeout),
        route!(
            Takeout,
            f::account::FinishTakeoutSession,
            account::finish_takeout
        ),
        route!(
            User,
            f::account::GetAuthorizations,
            account::get_authorizations
        ),
        route!(
            User,
            f::account::GetWebAuthorizations,
            account::get_web_authorizations
        ),
        route!(User, f::users::GetUsers, users::get_users),
        route!(User, f::users::GetFullUser, users::get_full_user),
        route!(User, f::updates::GetState, updates::get_state),
        route!(User, f::updates::GetDifference, updates::get_difference),
        route!(
            Takeout,
            f::messages::GetSplitRanges,
            dialogs::get_split_ranges
        ),
        route!(User, f::messages::GetDialogs, dialogs::get_dialogs),
        route!(User, f::messages::GetHistory, history::get_history),
        route!(User, f::messages::Search, history::search),
        route!(User, f::messages::GetMessages, history::get_messages),
        route!(User, f::channels::GetMessages, channels::get_messages),
        route!(
            Takeout,
            f::channels::GetLeftChannels,
            channels::get_left_channels
        ),
        route!(
            User,
            f::messages::GetCustomEmojiDocuments,
            history::get_custom_emoji
        ),
        route!(Takeout, f::contacts::GetSaved, contacts::get_saved),
        route!(User, f::contacts::GetTopPeers, contacts::get_top_peers),
        route!(User, f::photos::GetUserPhotos, photos::get_user_photos),
        route!(User, f::stories::GetStoriesArchive, stories::get_archive),
        route!(User, f::stories::GetStoriesById, stories::get_by_id),
        route!(User, f::upload::GetFile, upload::get_file),
    ]
}

/// Peers mentioned by a set of TL objects, collected for the `users` and
/// `chats` vectors of an answer (ordered, so answers are deterministic).
/// Collected with repeats (a page mentions its chat 100 times), sorted and
/// deduplicated once when resolved.
#[derive(Default)]
pub struct Mentions(Vec<PeerKey>);

impl Mentions {
    /// Adds one peer.
    pub fn add(&mut self, key: PeerKey) {
        self.0.push(key);
    }

    /// Adds a TL peer.
    pub fn peer(&mut self, peer: &enums::Peer) {
        self.add(PeerKey::from_peer(peer));
    }

    /// Adds everyone a message mentions: chat, sender, forward source,
    /// reply peer, users of its action or contact, mention entities.
    pub fn message(&mut self, m: &enums::Message) {
        match m {
            enums::Message::Empty(m) => m.peer_id.iter().for_each(|p| self.peer(p)),
            enums::Message::Message(m) => {
                self.peer(&m.peer_id);
                m.from_id.iter().for_each(|p| self.peer(p));
                if let Some(enums::MessageFwdHeader::MessageFwdHeader(f)) = &m.fwd_from {
                    f.from_id.iter().for_each(|p| self.peer(p));
                }
                if let Some(enums::MessageReplyHeader::MessageReplyHeader(r)) = &m.reply_to {
                    r.reply_to_peer_id.iter().for_each(|p| self.peer(p));
                }
                if let Some(id) = m.via_bot_id {
                    self.add(PeerKey::User(id));
                }
                if let Some(enums::MessageMedia::Contact(c)) = &m.media
                    && c.user_id != 0
                {
                    self.add(PeerKey::User(c.user_id));
                }
                for e in m.entities.iter().flatten() {
                    if let enums::MessageEntity::MentionName(e) = e {
                        self.add(PeerKey::User(e.user_id));
                    }
                }
            }
            enums::Message::Service(m) => {
                self.peer(&m.peer_id);
                m.from_id.iter().for_each(|p| self.peer(p));
                self.action(&m.action);
            }
        }
    }

    fn action(&mut self, action: &enums::MessageAction) {
        use enums::MessageAction as A;
        match action {
            A::ChatCreate(a) => a.users.iter().for_each(|&u| self.add(PeerKey::User(u))),
            A::ChatAddUser(a) => a.users.iter().for_each(|&u| self.add(PeerKey::User(u))),
            A::ChatDeleteUser(a) => self.add(PeerKey::User(a.user_id)),
            A::ChatJoinedByLink(a) => self.add(PeerKey::User(a.inviter_id)),
            A::ChatMigrateTo(a) => self.add(PeerKey::Channel(a.channel_id)),
            A::ChannelMigrateFrom(a) => self.add(PeerKey::Chat(a.chat_id)),
            _ => {}
        }
    }

    /// The known users and chats among the collected peers.
    pub fn resolve(&mut self, db: &Index) -> (Vec<enums::User>, Vec<enums::Chat>) {
        let (users, chats) = self.resolve_borrowed(db);
        (
            users.into_iter().cloned().collect(),
            chats.into_iter().cloned().collect(),
        )
    }

    /// [`Mentions::resolve`] without copying: the world's own objects.
    pub fn resolve_borrowed<'d>(
        &mut self,
        db: &'d Index,
    ) -> (Vec<&'d enums::User>, Vec<&'d enums::Chat>) {
        self.0.sort_unstable();
        self.0.dedup();
        let mut users = Vec::new();
        let mut chats = Vec::new();
        for &key in &self.0 {
            match key {
                PeerKey::User(id) => users.extend(db.user(id)),
                _ => chats.extend(db.chat(key)),
            }
        }
        (users, chats)
    }
}

/// Resolves an `InputPeer` to a known peer (400 `PEER_ID_INVALID` else).
/// Access hashes are checked when the world has one for the peer.
pub fn resolve_peer(call: &Call<'_, '_>, peer: &enums::InputPeer) -> RpcResult<PeerKey> {
    use enums::InputPeer as P;
    let (key, hash) = match peer {
        P::InputPeerSelf => (PeerKey::User(call.me()), None),
        P::User(p) => (PeerKey::User(p.user_id), Some(p.access_hash)),
        P::Chat(p) => (PeerKey::Chat(p.chat_id), None),
        P::Channel(p) => (PeerKey::Channel(p.channel_id), Some(p.access_hash)),
        P::UserFromMessage(p) => (PeerKey::User(p.user_id), None),
        P::ChannelFromMessage(p) => (PeerKey::Channel(p.channel_id), None),
        P::Empty => return Err(RpcError::bad("PEER_ID_INVALID")),
    };
    let known = call.db.knows(key);
    let hash_ok = hash.is_none_or(|h| access_hash(call.db, key).is_none_or(|w| w == h));
    if known && hash_ok {
        Ok(key)
    } else if matches!(key, PeerKey::Channel(_)) {
        Err(RpcError::bad("CHANNEL_INVALID"))
    } else {
        Err(RpcError::bad("PEER_ID_INVALID"))
    }
}

/// The access hash the world gives a user or channel, if any.
pub fn access_hash(db: &Index, key: PeerKey) -> Option<i64> {
    match key {
        PeerKey::User(id) => match db.user(id)? {
            enums::User::User(u) => u.access_hash,
            enums::User::Empty(_) => None,
        },
        PeerKey::Channel(_) => match db.chat(key)? {
            enums::Chat::Channel(c) => c.access_hash,
            enums::Chat::ChannelForbidden(c) => Some(c.access_hash),
            _ => None,
        },
        PeerKey::Chat(_) => None,
    }
}

/// Resolves an `InputUser` to a known user id (400 `USER_ID_INVALID` else).
pub fn resolve_user(call: &Call<'_, '_>, user: &enums::InputUser) -> RpcResult<i64> {
    let (id, hash) = match user {
        enums::InputUser::InputUserSelf => return Ok(call.me()),
        enums::InputUser::InputUser(u) => (u.user_id, Some(u.access_hash)),
        enums::InputUser::FromMessage(u) => (u.user_id, None),
        enums::InputUser::Empty => return Err(RpcError::bad("USER_ID_INVALID")),
    };
    let key = PeerKey::User(id);
    let hash_ok = hash.is_none_or(|h| access_hash(call.db, key).is_none_or(|w| w == h));
    if call.db.knows(key) && hash_ok {
        Ok(id)
    } else {
        Err(RpcError::bad("USER_ID_INVALID"))
    }
}

/// The page size a client asked for, capped like Telegram's (`0..=max`).
pub fn clamp_limit(limit: i32, max: usize) -> usize {
    usize::try_from(limit).unwrap_or(0).min(max)
}
