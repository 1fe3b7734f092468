//! The non-message sections of generated worlds: contacts, top peers,
//! sessions, profile photos, stories, personal info and other data.

use tl::{enums, types};

use super::Gen;
use super::media::DocKind;
use super::text;
use crate::world::PeerKey;

impl Gen {
    /// `contacts.getSaved` from the users marked as contacts.
    pub(super) fn contacts(&mut self) {
        let date = self.cfg.start_date;
        let contacts: Vec<enums::SavedContact> = self
            .world
            .users
            .iter()
            .filter_map(|u| match u {
                enums::User::User(u) if u.contact => Some(
                    types::SavedPhoneContact {
                        phone: u.phone.clone().unwrap_or_default(),
                        first_name: u.first_name.clone().unwrap_or_default(),
                        last_name: u.last_name.clone().unwrap_or_default(),
                        date,
                    }
                    .into(),
                ),
                _ => None,
            })
            .collect();
        self.world.contacts = contacts;
    }

    /// Top peers: correspondents, inline bots and phone calls.
    pub(super) fn top_peers(&mut self, people: &[i64], bots: &[i64]) {
        let category = |cat: enums::TopPeerCategory, ids: &[i64], rng: &mut crate::rng::Rng| {
            let mut rating = 10.0;
            let peers: Vec<enums::TopPeer> = ids
                .iter()
                .map(|&id| {
                    rating -= f64::from(rng.range_i32(1, 100)) / 100.0;
                    types::TopPeer {
                        peer: PeerKey::User(id).to_peer(),
                        rating,
                    }
                    .into()
                })
                .collect();
            types::TopPeerCategoryPeers {
                category: cat,
                count: peers.len() as i32,
                peers,
            }
            .into()
        };
        let calls: Vec<i64> = people.iter().copied().step_by(2).collect();
        let cats = vec![
            category(
                enums::TopPeerCategory::Correspondents,
                people,
                &mut self.rng,
            ),
            category(enums::TopPeerCategory::BotsInline, bots, &mut self.rng),
            category(enums::TopPeerCategory::PhoneCalls, &calls, &mut self.rng),
        ];
        self.world.top_peers = cats;
    }

    /// Sessions and web sessions.
    pub(super) fn sessions(&mut self, bots: &[i64], now: i32) {
        let devices = [
            (
                "tg-takeout mock",
                "Linux",
                "6.8",
                "tg-takeout",
                "0.1.0",
                true,
            ),
            ("iPhone 15", "iOS", "17.5", "Telegram iOS", "10.14", false),
            (
                "Pixel 8",
                "Android",
                "14",
                "Telegram Android",
                "11.0",
                false,
            ),
            (
                "Firefox 125",
                "Web",
                "Linux",
                "Telegram Web K",
                "2.1",
                false,
            ),
        ];
        self.world.authorization_ttl_days = 180;
        self.world.authorizations = devices
            .iter()
            .map(|&(device, platform, version, app, app_version, current)| {
                types::Authorization {
                    current,
                    official_app: !current,
                    hash: if current { 0 } else { self.rng.positive_i64() },
                    device_model: device.into(),
                    platform: platform.into(),
                    system_version: version.into(),
                    api_id: self.rng.range_i32(1, 99_999),
                    app_name: app.into(),
                    app_version: app_version.into(),
                    date_created: now - self.rng.range_i32(86_400, 86_400 * 300),
                    date_active: now - self.rng.range_i32(0, 86_400 * 7),
                    ip: format!("203.0.113.{}", self.rng.range_i32(1, 254)),
                    country: "Netherlands".into(),
                    region: "North Holland".into(),
                    ..Default::default()
                }
                .into()
            })
            .collect();
        self.world.web_authorizations = bots
            .iter()
            .take(2)
            .map(|&bot_id| {
                types::WebAuthorization {
                    hash: self.rng.positive_i64(),
                    bot_id,
                    domain: format!(
                        "{}.example.com",
                        text::title(&mut self.rng).to_lowercase().replace(' ', "-")
                    ),
                    browser: "Firefox".into(),
                    platform: "Linux".into(),
                    date_created: now - 86_400 * 30,
                    date_active: now - 86_400,
                    ip: "198.51.100.7".into(),
                    region: "Europe".into(),
                }
                .into()
            })
            .collect();
    }

    /// Profile photos (ids rising with time), the account's current photo
    /// and its `userFull`.
    pub(super) fn personal(&mut self, now: i32) {
        let n = self.rng.range_i32(2, 4);
        let mut photos: Vec<enums::Photo> = (0..n)
            .map(|i| self.photo(self.cfg.start_date + i * 86_400 * 20))
            .collect();
        photos.reverse();
        let newest = match photos.first() {
            Some(enums::Photo::Photo(p)) => Some((p.id, p.dc_id)),
            _ => None,
        };
        let self_id = self.world.self_id;
        for u in &mut self.world.users {
            if let enums::User::User(u) = u
                && u.id == self_id
            {
                u.photo = newest.map(|(photo_id, dc_id)| {
                    types::UserProfilePhoto {
                        photo_id,
                        dc_id,
                        ..Default::default()
                    }
                    .into()
                });
            }
        }
        self.world.self_full = Some(
            types::UserFull {
                id: self_id,
                about: Some(text::sentence(&mut self.rng)),
                profile_photo: photos.first().cloned(),
                common_chats_count: self.rng.range_i32(0, 5),
                ..Default::default()
            }
            .into(),
        );
        self.world.profile_photos = photos;
        self.world.other_data = Some(serde_json::json!({
            "about": "Data without a dedicated takeout method (generated).",
            "generated_at": now,
            "login_emails": [],
            "bots": [{"username": "example_bot", "created": now - 86_400}],
        }));
    }

    /// The story archive: photo and video stories, and one with a location
    /// (other media, which tdesktop skips).
    pub(super) fn stories(&mut self) {
        let n = self.rng.range_i32(3, 7);
        let mut stories = Vec::new();
        for id in 1..=n {
            let date = self.cfg.start_date + id * 86_400 * 5;
            let media = match id % 3 {
                0 => self.document(DocKind::Video, date),
                1 => types::MessageMediaPhoto {
                    photo: Some(self.photo(date)),
                    ..Default::default()
                }
                .into(),
                _ if id == 2 => types::MessageMediaGeo {
                    geo: types::GeoPoint {
                        long: 4.9,
                        lat: 52.37,
                        access_hash: 1,
                        accuracy_radius: None,
                    }
                    .into(),
                }
                .into(),
                _ => types::MessageMediaPhoto {
                    photo: Some(self.photo(date)),
                    ..Default::default()
                }
                .into(),
            };
            stories.push(
                types::StoryItem {
                    pinned: id % 2 == 0,
                    out: true,
                    id,
                    date,
                    expire_date: date + 86_400,
                    caption: self.rng.chance(60).then(|| text::sentence(&mut self.rng)),
                    media: Box::new(media),
                    ..Default::default()
                }
                .into(),
            );
        }
        stories.reverse();
        self.world.stories = stories;
    }
}
