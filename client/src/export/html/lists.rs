//! Entries of the HTML list pages (`lists/*.html`) and the index page's
//! personal block (docs/export-format.md#html). Every value is escaped here.

use crate::export::html::message::photo_html;
use crate::export::html::text::text_html;
use crate::export::html::util::{esc, esc_multiline, href_path, userpic};
use crate::export::model::media::Photo;
use crate::export::model::sections::{ContactsList, PersonalInfo, SessionsList, Story, Userpic};
use crate::export::model::{ChatInfo, DialogType, join_name};
use crate::export::time::{TimeZone, display_date_time};

/// A display date, or "Unknown date" for 0.
fn date_or_unknown(unix: i64, tz: &dyn TimeZone) -> String {
    if unix == 0 {
        "Unknown date".to_owned()
    } else {
        display_date_time(unix, tz)
    }
}

/// A name, or a placeholder when empty.
fn shown(name: &str) -> &str {
    if name.is_empty() {
        "Deleted Account"
    } else {
        name
    }
}

/// One profile picture.
pub fn userpic_entry(pic: &Userpic, tz: &dyn TimeZone) -> String {
    let photo = Photo {
        file: pic.file.clone(),
        width: pic.width,
        height: pic.height,
        spoiler: false,
        ttl: 0,
    };
    format!(
        "{}<div class=\"details\">{}</div>",
        photo_html(&photo, "../"),
        esc(&date_or_unknown(pic.date, tz))
    )
}

/// One story with its caption.
pub fn story_entry(story: &Story, tz: &dyn TimeZone) -> String {
    let media = match story.file.written_path() {
        Some(path) if story.is_video => format!(
            "<a class=\"media block_link\" href=\"{}\">Story video</a>",
            esc(&href_path("../", path))
        ),
        Some(_) => photo_html(
            &Photo {
                file: story.file.clone(),
                width: 0,
                height: 0,
                spoiler: false,
                ttl: 0,
            },
            "../",
        ),
        None => esc(&crate::export::model::file::file_text(&story.file, "Story")),
    };
    let pinned = if story.pinned { ", pinned" } else { "" };
    format!(
        "{media}<div class=\"details\">{}{pinned}</div><div class=\"text\">{}</div>",
        esc(&date_or_unknown(story.date, tz)),
        text_html(&story.caption, "../")
    )
}

/// Saved contacts, sorted as in JSON.
pub fn contact_entries(list: &ContactsList, tz: &dyn TimeZone) -> Vec<String> {
    list.sorted_indices()
        .into_iter()
        .map(|i| {
            let c = &list.contacts[i];
            let name = join_name(&c.first_name, &c.last_name);
            format!(
                "{}<div class=\"body\"><div class=\"name\">{}</div><div class=\"details\">{}</div>\
                 <div class=\"details\">{}</div></div>",
                userpic(&name, c.user_id, 48),
                esc(shown(&name)),
                esc(&c.phone),
                esc(&date_or_unknown(c.date, tz))
            )
        })
        .collect()
}

/// Frequent contacts in category order.
pub fn frequent_entries(list: &ContactsList) -> Vec<String> {
    let mut frequent: Vec<_> = list.frequent.iter().collect();
    frequent.sort_by_key(|p| p.category);
    frequent
        .into_iter()
        .map(|p| {
            format!(
                "{}<div class=\"body\"><div class=\"name\">{}</div><div class=\"details\">{} ({}), \
                 rating {:.6}</div></div>",
                userpic(&p.name, p.id, 48),
                esc(shown(&p.name)),
                p.category.json_name(),
                p.json_type(),
                if p.rating.is_finite() { p.rating } else { 0.0 }
            )
        })
        .collect()
}

/// Active sessions.
pub fn session_entries(list: &SessionsList, tz: &dyn TimeZone) -> Vec<String> {
    list.sessions
        .iter()
        .map(|s| {
            format!(
                "<div class=\"name\">{} {}</div><div class=\"details\">{}, {} {}</div>\
                 <div class=\"details\">{} – {}, {}</div>\
                 <div class=\"details\">Last active {}, created {}</div>",
                esc(&s.app_name),
                esc(&s.app_version),
                esc(&s.device_model),
                esc(&s.platform),
                esc(&s.system_version),
                esc(&s.ip),
                esc(&s.country),
                esc(&s.region),
                esc(&display_date_time(s.last_active, tz)),
                esc(&display_date_time(s.created, tz))
            )
        })
        .collect()
}

/// Web sessions.
pub fn web_session_entries(list: &SessionsList, tz: &dyn TimeZone) -> Vec<String> {
    list.web
        .iter()
        .map(|s| {
            let bot = if s.bot_username.is_empty() {
                String::new()
            } else {
                format!("@{}, ", esc(&s.bot_username))
            };
            format!(
                "<div class=\"name\">{}</div><div class=\"details\">{bot}{}, {}</div>\
                 <div class=\"details\">{} – {}</div>\
                 <div class=\"details\">Last active {}, created {}</div>",
                esc(&s.domain),
                esc(&s.browser),
                esc(&s.platform),
                esc(&s.ip),
                esc(&s.region),
                esc(&display_date_time(s.last_active, tz)),
                esc(&display_date_time(s.created, tz))
            )
        })
        .collect()
}

/// A chat's line in `lists/chats.html`, linking its first page.
pub fn chat_entry(chat: &ChatInfo, first_page: &str, count: usize) -> String {
    let name = match chat.dialog_type {
        DialogType::SavedMessages => "Saved Messages".to_owned(),
        DialogType::Replies => "Replies".to_owned(),
        DialogType::VerificationCodes => "Verification Codes".to_owned(),
        _ => shown(&chat.display_name()).to_owned(),
    };
    format!(
        "<a class=\"entry block_link clearfix\" href=\"{}\">{}<div class=\"body\">\
         <div class=\"pull_right details\">{}</div><div class=\"name\">{}</div>\
         <div class=\"details\">{count} messages</div></div></a>",
        esc(&href_path("../", first_page)),
        userpic(&name, chat.id.bare(), 48),
        chat.dialog_type.json_name().unwrap_or("").replace('_', " "),
        esc(&name)
    )
}

/// The personal information block of the index page.
pub fn personal_block(p: &PersonalInfo) -> String {
    let name = join_name(&p.first_name, &p.last_name);
    let mut html = format!(
        "<div class=\"personal_info clearfix\">\n<div class=\"pull_left\">{}</div>\n\
         <div style=\"margin-left: 110px\">\n<div class=\"names\">{}</div>\n\
         <div class=\"details\">{}</div>\n",
        userpic(&name, p.user_id, 90),
        esc(&name),
        esc(&p.phone)
    );
    if !p.username.is_empty() {
        html.push_str(&format!(
            "<div class=\"details\">@{}</div>\n",
            esc(&p.username)
        ));
    }
    if !p.bio.is_empty() {
        html.push_str(&format!(
            "<div class=\"details\">{}</div>\n",
            esc_multiline(&p.bio)
        ));
    }
    html.push_str("</div></div>\n");
    html
}
