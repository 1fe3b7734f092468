//! Export settings (docs/takeout.md#settings) validated into an
//! [`ExportPlan`], and the plan's `account.initTakeoutSession` flags
//! (docs/takeout.md#session). Contradictory settings are clear errors, never silently
//! reset as Telegram Desktop does.

use std::fmt;
use std::path::PathBuf;

use tl::functions;

/// The largest size limit: 4000 MiB means "no limit" (docs/takeout.md#session).
pub const NO_SIZE_LIMIT: u64 = 4000 * 1024 * 1024;

/// The sections an export can contain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    /// Your name, phone, bio.
    PersonalInfo,
    /// Your profile pictures.
    Userpics,
    /// The contact list with frequent contacts.
    Contacts,
    /// Active sessions and web sessions.
    Sessions,
    /// The "other data" JSON.
    OtherData,
    /// Your story archive.
    Stories,
    /// Chats with people.
    PersonalChats,
    /// Chats with bots.
    BotChats,
    /// Basic groups and private supergroups.
    PrivateGroups,
    /// Public supergroups.
    PublicGroups,
    /// Private channels.
    PrivateChannels,
    /// Public channels.
    PublicChannels,
}

impl Section {
    /// Every section, in the order of the output.
    pub const ALL: [Section; 12] = [
        Self::PersonalInfo,
        Self::Userpics,
        Self::Stories,
        Self::Contacts,
        Self::Sessions,
        Self::OtherData,
        Self::PersonalChats,
        Self::BotChats,
        Self::PrivateGroups,
        Self::PublicGroups,
        Self::PrivateChannels,
        Self::PublicChannels,
    ];

    /// Telegram Desktop's defaults: personal info, profile pictures,
    /// contacts, stories, personal chats, private groups.
    pub const DEFAULT: [Section; 6] = [
        Self::PersonalInfo,
        Self::Userpics,
        Self::Contacts,
        Self::Stories,
        Self::PersonalChats,
        Self::PrivateGroups,
    ];

    /// Whether this is a kind of chat.
    pub fn is_chat(self) -> bool {
        matches!(
            self,
            Self::PersonalChats
                | Self::BotChats
                | Self::PrivateGroups
                | Self::PublicGroups
                | Self::PrivateChannels
                | Self::PublicChannels
        )
    }

    /// The name used on the command line and in config files.
    pub fn name(self) -> &'static str {
        match self {
            Self::PersonalInfo => "personal-info",
            Self::Userpics => "profile-pictures",
            Self::Contacts => "contacts",
            Self::Sessions => "sessions",
            Self::OtherData => "other-data",
            Self::Stories => "stories",
            Self::PersonalChats => "personal-chats",
            Self::BotChats => "bot-chats",
            Self::PrivateGroups => "private-groups",
            Self::PublicGroups => "public-groups",
            Self::PrivateChannels => "private-channels",
            Self::PublicChannels => "public-channels",
        }
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Section {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|x| x.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown section {s:?}; sections are: {}",
                    Self::ALL.map(Section::name).join(", ")
                )
            })
    }
}

/// Kinds of media files (section B).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MediaType {
    /// Photos.
    Photo,
    /// Video files.
    Video,
    /// Voice messages.
    Voice,
    /// Round video messages.
    VideoMessage,
    /// Stickers.
    Sticker,
    /// GIFs (animations).
    Gif,
    /// Other files.
    File,
}

impl MediaType {
    /// Every type.
    pub const ALL: [MediaType; 7] = [
        Self::Photo,
        Self::Video,
        Self::Voice,
        Self::VideoMessage,
        Self::Sticker,
        Self::Gif,
        Self::File,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Photo => "photo",
            Self::Video => "video",
            Self::Voice => "voice",
            Self::VideoMessage => "video-message",
            Self::Sticker => "sticker",
            Self::Gif => "gif",
            Self::File => "file",
        }
    }
}

impl std::str::FromStr for MediaType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|x| x.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown media type {s:?}; types are: {}",
                    Self::ALL.map(MediaType::name).join(", ")
                )
            })
    }
}

pub use crate::export::sink::Format;

/// Raw settings, as the command line or a config file gives them.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Sections to export.
    pub sections: Vec<Section>,
    /// Chat kinds exported in full; for the other chat kinds only your own
    /// messages.
    pub full_chats: Vec<Section>,
    /// Media types downloaded.
    pub media: Vec<MediaType>,
    /// Files larger than this are skipped (bytes).
    pub size_limit: u64,
    /// Only messages on or after this time (unix seconds).
    pub from_date: Option<i64>,
    /// Only messages before this time (unix seconds).
    pub till_date: Option<i64>,
    /// Export just this chat (its id), as "Export chat history" does.
    pub single_chat: Option<i64>,
    /// Output format.
    pub format: Format,
    /// Output folder.
    pub out: PathBuf,
    /// How much runs at once: chats read at once and files in flight at
    /// the least (`--parallel`).
    pub parallel: usize,
}

impl Default for Settings {
    /// Telegram Desktop's defaults (section B), HTML and JSON both.
    fn default() -> Self {
        Self {
            sections: Section::DEFAULT.to_vec(),
            full_chats: vec![Section::PersonalChats, Section::BotChats],
            media: vec![MediaType::Photo],
            size_limit: 8 * 1024 * 1024,
            from_date: None,
            till_date: None,
            single_chat: None,
            format: Format::Both,
            out: PathBuf::from("tg-export"),
            parallel: 4,
        }
    }
}

/// A setting that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// Nothing would be exported.
    #[error("nothing to export: choose at least one section")]
    Empty,
    /// Personal and bot chats are always exported in full.
    #[error(
        "{0} are always exported in full (\"only my messages\" applies to groups and channels)"
    )]
    MustBeFull(Section),
    /// A section that is not a chat kind in `full_chats`.
    #[error("{0} is not a kind of chat, so \"full\" does not apply to it")]
    NotAChat(Section),
    /// The date range is empty.
    #[error("the date range is empty: --from must be before --till")]
    EmptyDates,
    /// The size limit is over 4000 MiB.
    #[error("the size limit can be at most 4000 MiB (which means no limit)")]
    SizeLimit,
    /// Parallelism out of range.
    #[error("--parallel must be between 1 and 64")]
    Parallel,
}

/// Validated settings: what the export engine runs.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportPlan {
    /// The settings it came from (now consistent).
    pub settings: Settings,
}

impl Settings {
    /// Checks the settings and resolves them into a plan.
    pub fn validate(mut self) -> Result<ExportPlan, PlanError> {
        self.sections.sort();
        self.sections.dedup();
        self.full_chats.sort();
        self.full_chats.dedup();
        self.media.sort();
        self.media.dedup();
        if self.single_chat.is_some() {
            // Exporting one chat: the chat kind filter does not apply, and
            // the chat is exported in full (section B, single-chat mode).
            self.sections = Section::ALL.into_iter().filter(|s| s.is_chat()).collect();
            self.full_chats = self.sections.clone();
        } else {
            for s in [Section::PersonalChats, Section::BotChats] {
                if self.sections.contains(&s) && !self.full_chats.contains(&s) {
                    return Err(PlanError::MustBeFull(s));
                }
            }
        }
        if self.sections.is_empty() {
            return Err(PlanError::Empty);
        }
        for s in &self.full_chats {
            if !s.is_chat() {
                return Err(PlanError::NotAChat(*s));
            }
        }
        if let (Some(from), Some(till)) = (self.from_date, self.till_date) {
            if from >= till {
                return Err(PlanError::EmptyDates);
            }
        }
        if self.size_limit > NO_SIZE_LIMIT {
            return Err(PlanError::SizeLimit);
        }
        if !(1..=64).contains(&self.parallel) {
            return Err(PlanError::Parallel);
        }
        Ok(ExportPlan { settings: self })
    }
}

impl ExportPlan {
    /// Whether `section` is exported.
    pub fn has(&self, section: Section) -> bool {
        self.settings.sections.contains(&section)
    }

    /// Whether any file is downloaded (`hasFiles`, docs/takeout.md#session).
    pub fn has_files(&self) -> bool {
        (!self.settings.media.is_empty() && self.settings.size_limit > 0)
            || self.has(Section::Userpics)
            || self.has(Section::Stories)
    }

    /// `account.initTakeoutSession` with the flags docs/takeout.md#session maps from
    /// the settings.
    pub fn init_takeout(&self) -> functions::account::InitTakeoutSession {
        let has_files = self.has_files();
        let limit = self.settings.size_limit;
        functions::account::InitTakeoutSession {
            contacts: self.has(Section::Contacts),
            message_users: self.has(Section::PersonalChats) || self.has(Section::BotChats),
            message_chats: self.has(Section::PrivateGroups),
            message_megagroups: self.has(Section::PrivateGroups) || self.has(Section::PublicGroups),
            message_channels: self.has(Section::PrivateChannels)
                || self.has(Section::PublicChannels),
            files: has_files,
            // `files` and `file_max_size` share flag bit 5, so the size is
            // always sent with `files` (Telegram Desktop sends its 4000 MiB
            // "no limit" value too); without it the request is malformed.
            file_max_size: has_files.then(|| i64::try_from(limit).unwrap_or(i64::MAX)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_map_to_desktops_flags() {
        let plan = Settings::default().validate().unwrap();
        let init = plan.init_takeout();
        assert!(
            init.contacts && init.message_users && init.message_chats && init.message_megagroups
        );
        assert!(!init.message_channels);
        assert!(init.files);
        assert_eq!(init.file_max_size, Some(8 * 1024 * 1024));
    }

    #[test]
    fn no_limit_and_no_files() {
        let s = Settings {
            size_limit: NO_SIZE_LIMIT,
            ..Default::default()
        };
        let init = s.validate().unwrap().init_takeout();
        assert_eq!(init.file_max_size, Some(NO_SIZE_LIMIT as i64));
        // The flag bit is shared: the request must decode back the same.
        use tl::{Deserializable, Serializable};
        let back = functions::account::InitTakeoutSession::from_bytes(&init.to_bytes()).unwrap();
        assert_eq!(back, init);
        let s = Settings {
            sections: vec![Section::Contacts],
            media: vec![],
            ..Default::default()
        };
        let s = Settings {
            full_chats: vec![],
            ..s
        };
        let init = s.validate().unwrap().init_takeout();
        assert!(
            !init.files && init.file_max_size.is_none() && init.contacts && !init.message_users
        );
        let s = Settings {
            sections: vec![Section::PublicChannels],
            full_chats: vec![],
            ..Default::default()
        };
        let init = s.validate().unwrap().init_takeout();
        assert!(init.message_channels && !init.message_megagroups);
    }

    #[test]
    fn contradictions_are_errors() {
        let bad = |s: Settings| s.validate().unwrap_err();
        assert_eq!(
            bad(Settings {
                sections: vec![],
                ..Default::default()
            }),
            PlanError::Empty
        );
        assert_eq!(
            bad(Settings {
                full_chats: vec![],
                ..Default::default()
            }),
            PlanError::MustBeFull(Section::PersonalChats)
        );
        let full = vec![Section::PersonalChats, Section::Contacts];
        assert_eq!(
            bad(Settings {
                full_chats: full,
                ..Default::default()
            }),
            PlanError::NotAChat(Section::Contacts)
        );
        assert_eq!(
            bad(Settings {
                from_date: Some(10),
                till_date: Some(10),
                ..Default::default()
            }),
            PlanError::EmptyDates
        );
        assert_eq!(
            bad(Settings {
                size_limit: NO_SIZE_LIMIT + 1,
                ..Default::default()
            }),
            PlanError::SizeLimit
        );
        assert_eq!(
            bad(Settings {
                parallel: 0,
                ..Default::default()
            }),
            PlanError::Parallel
        );
        insta::assert_snapshot!(PlanError::MustBeFull(Section::BotChats), @r#"bot-chats are always exported in full ("only my messages" applies to groups and channels)"#);
    }

    #[test]
    fn single_chat_exports_it_in_full_with_dates() {
        let s = Settings {
            single_chat: Some(5),
            from_date: Some(1),
            till_date: Some(2),
            full_chats: vec![],
            ..Default::default()
        };
        let plan = s.validate().unwrap();
        assert!(plan.settings.full_chats.contains(&Section::PublicChannels));
        assert!(plan.has(Section::PrivateGroups));
    }

    #[test]
    fn names_parse_back() {
        for s in Section::ALL {
            assert_eq!(s.name().parse::<Section>().unwrap(), s);
        }
        for m in MediaType::ALL {
            assert_eq!(m.name().parse::<MediaType>().unwrap(), m);
        }
        assert!(
            "chats"
                .parse::<Section>()
                .unwrap_err()
                .contains("personal-chats")
        );
    }
}
