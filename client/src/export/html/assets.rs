//! Our own small stylesheet and script for the HTML pages (`css/style.css`,
//! `js/script.js`, docs/export-format.md#html). Icons are CSS shapes, so the export needs
//! no image files.

use std::io::{self, Write};

use crate::export::layout::OutputDir;

/// The stylesheet.
const STYLE: &str = r#"body { margin: 0; font: 12px/18px "Open Sans", "Lucida Grande", "Lucida Sans Unicode", Arial, Helvetica, Verdana, sans-serif; }
strong, .bold { font-weight: bold; }
code, pre { font-family: Menlo, Consolas, monospace; background: #f4f4f4; border-radius: 3px; }
pre { white-space: pre-wrap; padding: 4px 6px; margin: 4px 0; }
blockquote.quote { margin: 4px 0; padding-left: 8px; border-left: 3px solid #168acd; }
a { color: #168acd; text-decoration: none; }
a:hover { text-decoration: underline; }
.clearfix:after { content: " "; visibility: hidden; display: block; height: 0; clear: both; }
.pull_left { float: left; }
.pull_right { float: right; }
.page_wrap { background: #fff; min-width: 320px; }
.page_header { position: fixed; z-index: 10; background: #fff; width: 100%; border-bottom: 1px solid #e3e6e8; }
.page_header .content { width: 480px; margin: 0 auto; border-radius: 0 !important; }
.page_header .content .text { padding: 24px 24px 22px; font-size: 22px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.page_header a.back { float: left; padding: 26px 0 0 24px; }
.page_body { padding-top: 64px; width: 480px; margin: 0 auto; }
.page_about { padding: 0 24px 16px; }
.details { color: #70777b; }
.with_divider { border-top: 1px solid #e3e6e8; }
.entry_list { padding: 8px 0; }
.entry { padding: 8px 24px; display: block; }
.entry .name { font-weight: bold; }
.entry .body { margin-left: 60px; }
.sections { padding: 8px 0; }
.section { padding: 11px 24px 11px 24px; display: block; font-size: 15px; }
.section .counter { float: right; color: #70777b; }
.personal_info { padding: 16px 24px; }
.personal_info .names { font-size: 18px; font-weight: bold; }
.history { padding: 16px 0; }
.pagination { display: block; text-align: center; padding: 12px 0; }
.message { margin: 0 -10px; transition: background-color 2s ease; }
.message.selected { background-color: #eee; transition: none; }
div.selected { background-color: #eee; }
.default { padding: 10px 24px 6px 24px; }
.default.joined { margin-top: -10px; }
.default .body { margin-left: 60px; }
.default .from_name { color: #3892db; font-weight: bold; padding-bottom: 5px; overflow-wrap: anywhere; }
.default .text { word-wrap: break-word; overflow-wrap: anywhere; line-height: 150%; }
.default .forwarded, .default .reply_to { padding-bottom: 5px; }
.default .media_wrap { padding: 6px 0; }
.service { padding: 10px 24px; text-align: center; }
.service .body { display: inline-block; }
.service .userpic_wrap { padding-top: 8px; }
.userpic { display: inline-block; border-radius: 50%; overflow: hidden; text-align: center; color: #fff; font-weight: bold; }
.userpic1 { background: #ff5555; } .userpic2 { background: #64bf47; } .userpic3 { background: #ffab00; } .userpic4 { background: #4f9cd9; }
.userpic5 { background: #9884e8; } .userpic6 { background: #e671a5; } .userpic7 { background: #47bcd1; } .userpic8 { background: #ff8c44; }
.photo_wrap, .sticker_wrap { display: inline-block; }
.photo { border-radius: 6px; object-fit: cover; display: block; }
.sticker { max-width: 160px; max-height: 160px; display: block; }
.spoiler_media .photo { filter: blur(12px); }
.media { margin: 0 -10px; padding: 5px 10px; border-radius: 6px; display: block; color: inherit; }
.media .fill { width: 48px; height: 48px; border-radius: 50%; background: #4f9cd9; }
.media .body { margin-left: 60px; }
.media .title { padding-top: 4px; overflow-wrap: anywhere; }
.media_location .fill, .media_venue .fill { background: #64bf47; }
.media_voice_message .fill, .media_audio_file .fill { background: #ff8c44; }
.media_contact .fill { background: #9884e8; }
.media_invoice .fill, .media_game .fill, .media_giveaway .fill { background: #ffab00; }
.media_poll { display: block; }
.media_poll .answer { padding: 4px 0; }
.media_poll .answer.chosen { font-weight: bold; }
.bot_buttons_table { border-spacing: 0 4px; width: 100%; }
.bot_button { display: inline-block; padding: 6px 10px; margin: 0 4px 0 0; border-radius: 6px; background: #eef3f7; text-align: center; }
.reactions { display: block; padding-top: 5px; }
.reaction { display: inline-block; margin-right: 6px; padding: 2px 8px; border-radius: 12px; background: #eef3f7; }
.reaction .count { margin-left: 4px; }
.spoiler { background: #ccc; border-radius: 3px; }
.spoiler.hidden > span { opacity: 0; }
.spoiler:not(.hidden) { background: transparent; }
.mention { color: #168acd; }
@media (max-width: 520px) { .page_header .content, .page_body { width: auto; } }
"#;

/// The script: jumping to replied messages and revealing spoilers.
const SCRIPT: &str = r##""use strict";
function CheckLocation() {
  var start = "#go_to_message";
  var hash = location.hash;
  if (hash.substr(0, start.length) == start) {
    GoToMessage(hash.substr(start.length));
  }
}
function GoToMessage(id) {
  var element = document.getElementById("message" + id);
  if (!element) {
    return true;
  }
  location.hash = "#go_to_message" + id;
  element.scrollIntoView({ block: "center" });
  element.classList.add("selected");
  setTimeout(function () { element.classList.remove("selected"); }, 1500);
  return false;
}
function ShowSpoiler(element) {
  element.classList.remove("hidden");
}
"##;

/// Writes `css/style.css` and `js/script.js` under `prefix` (the folder of
/// the pages, empty for the export root).
pub fn write_assets(dir: &dyn OutputDir, prefix: &str) -> io::Result<()> {
    for (path, body) in [("css/style.css", STYLE), ("js/script.js", SCRIPT)] {
        let mut file = dir.create(&format!("{prefix}{path}"))?;
        file.write_all(body.as_bytes())?;
        file.finish()?;
    }
    Ok(())
}
