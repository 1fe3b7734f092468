//! The updates the sender passes on instead of dropping: only
//! `updateLoginToken` (a QR code was scanned,
//! <https://core.telegram.org/api/qr-login>); the exporter needs no other.

use std::sync::Arc;

use tl::{Deserializable as _, enums};
use tokio::sync::watch;

/// Counts the `updateLoginToken`s received on any connection of a client;
/// [`crate::Client::login_token_updates`] subscribes to it.
pub type LoginTokenSignal = Arc<watch::Sender<u64>>;

/// Whether a message the server sent unasked carries `updateLoginToken`
/// (alone in an `updateShort`, or among the updates of `updates` /
/// `updatesCombined`). Anything that does not decode carries none.
pub(crate) fn names_login_token(body: &[u8]) -> bool {
    let is = |u: &enums::Update| matches!(u, enums::Update::LoginToken);
    match enums::Updates::from_bytes(body) {
        Ok(enums::Updates::UpdateShort(s)) => is(&s.update),
        Ok(enums::Updates::Updates(u)) => u.updates.iter().any(is),
        Ok(enums::Updates::Combined(u)) => u.updates.iter().any(is),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use tl::{Serializable as _, types};

    use super::*;

    #[test]
    fn finds_the_login_token_update_in_each_container() {
        let short = enums::Updates::from(types::UpdateShort {
            update: enums::Update::LoginToken,
            date: 1,
        });
        assert!(names_login_token(&short.to_bytes()));
        let many = enums::Updates::from(types::Updates {
            updates: vec![enums::Update::Config, enums::Update::LoginToken],
            ..Default::default()
        });
        assert!(names_login_token(&many.to_bytes()));
        let combined = enums::Updates::from(types::UpdatesCombined {
            updates: vec![enums::Update::LoginToken],
            ..Default::default()
        });
        assert!(names_login_token(&combined.to_bytes()));
        let other = enums::Updates::from(types::UpdateShort {
            update: enums::Update::Config,
            date: 1,
        });
        assert!(!names_login_token(&other.to_bytes()));
        assert!(!names_login_token(&enums::Updates::TooLong.to_bytes()));
        assert!(!names_login_token(&[1, 2, 3]));
        assert!(!names_login_token(&short.to_bytes()[..6]));
    }
}
