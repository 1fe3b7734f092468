//! Message media without downloadable files: locations, venues, contacts,
//! polls; and reactions.

use tl::{enums, types};

use super::Gen;
use super::text;

impl Gen {
    fn geo_point(&mut self) -> enums::GeoPoint {
        types::GeoPoint {
            long: f64::from(self.rng.range_i32(-180_000, 180_000)) / 1000.0,
            lat: f64::from(self.rng.range_i32(-80_000, 80_000)) / 1000.0,
            access_hash: self.rng.positive_i64(),
            accuracy_radius: None,
        }
        .into()
    }

    /// A media without a downloadable file: geo, venue, contact or poll.
    pub(super) fn light_media(&mut self) -> enums::MessageMedia {
        match self.rng.below(4) {
            0 => types::MessageMediaGeo {
                geo: self.geo_point(),
            }
            .into(),
            1 => types::MessageMediaVenue {
                geo: self.geo_point(),
                title: text::title(&mut self.rng),
                address: format!(
                    "{} Street {}",
                    text::title(&mut self.rng),
                    self.rng.range_i32(1, 200)
                ),
                provider: "foursquare".into(),
                venue_id: format!("{:024x}", self.rng.next_u64()),
                venue_type: "food/cafe".into(),
            }
            .into(),
            2 => {
                let (user_id, first_name) = self
                    .users_ctx
                    .get(self.rng.index(self.users_ctx.len()))
                    .cloned()
                    .unwrap_or_default();
                types::MessageMediaContact {
                    phone_number: format!("1555{:07}", self.rng.below(10_000_000)),
                    first_name,
                    last_name: String::new(),
                    vcard: String::new(),
                    user_id,
                }
                .into()
            }
            _ => self.poll(),
        }
    }

    fn poll(&mut self) -> enums::MessageMedia {
        let n = self.rng.range_i32(2, 4) as u8;
        let words = |g: &mut Self| -> enums::TextWithEntities {
            types::TextWithEntities {
                text: text::title(&mut g.rng),
                entities: vec![],
            }
            .into()
        };
        let answers = (0..n)
            .map(|i| {
                types::PollAnswer {
                    text: words(self),
                    option: vec![b'0' + i],
                    ..Default::default()
                }
                .into()
            })
            .collect();
        let results: Vec<enums::PollAnswerVoters> = (0..n)
            .map(|i| {
                types::PollAnswerVoters {
                    option: vec![b'0' + i],
                    voters: Some(self.rng.range_i32(0, 9)),
                    recent_voters: Some(Vec::new()),
                    ..Default::default()
                }
                .into()
            })
            .collect();
        let total = results
            .iter()
            .map(|r| match r {
                enums::PollAnswerVoters::PollAnswerVoters(r) => r.voters.unwrap_or(0),
            })
            .sum();
        types::MessageMediaPoll {
            poll: types::Poll {
                id: self.rng.positive_i64(),
                question: words(self),
                answers,
                ..Default::default()
            }
            .into(),
            results: Box::new(
                types::PollResults {
                    results: Some(results),
                    total_voters: Some(total),
                    ..Default::default()
                }
                .into(),
            ),
            attached_media: None,
        }
        .into()
    }

    /// A few reactions, some with custom emoji.
    pub(super) fn reactions(&mut self) -> enums::MessageReactions {
        let n = self.rng.range_i32(1, 3);
        let results = (0..n)
            .map(|i| {
                let reaction: enums::Reaction =
                    match self.custom_emoji_ids.is_empty() || self.rng.chance(70) {
                        true => types::ReactionEmoji {
                            emoticon: ["👍", "❤️", "🔥"][i as usize % 3].into(),
                        }
                        .into(),
                        false => types::ReactionCustomEmoji {
                            document_id: *self.rng.pick(&self.custom_emoji_ids),
                        }
                        .into(),
                    };
                types::ReactionCount {
                    chosen_order: None,
                    reaction,
                    count: self.rng.range_i32(1, 7),
                }
                .into()
            })
            .collect();
        types::MessageReactions {
            results,
            ..Default::default()
        }
        .into()
    }
}
