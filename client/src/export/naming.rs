//! File and folder names of the export, as tdesktop builds them
//! (docs/takeout.md#dialogs for chat numbering, docs/export-format.md#file-names).
//!
//! Two deliberate differences, both for output that is the same on every
//! machine: the Windows-only rules (reserved device names) apply everywhere,
//! and collisions are resolved against the names this export already
//! produced (deterministic, resumable) instead of against whatever happens
//! to exist on disk. Over-long names are shortened to fit file systems.

use std::collections::HashSet;

/// Longest file name we produce, in bytes (file systems allow 255).
const MAX_NAME_BYTES: usize = 200;

/// The folder of chat `index` (1-based) of `total`: `chats/chat_<N>/`, N
/// zero-padded to the digits of `total - 1` (docs/takeout.md#dialogs).
pub fn chat_folder(index: usize, total: usize) -> String {
    let digits = total.saturating_sub(1).to_string().len();
    format!("chats/chat_{index:0digits$}/")
}

/// `lib_base FileNameFromUserString` (docs/export-format.md#file-names): control characters, bidi marks and
/// `/ \ < > : " | ? *` become `_`; a trailing space or dot, or an empty
/// name, gets `_` appended; reserved device names get `_` in front.
pub fn sanitize_file_name(name: &str) -> String {
    const BIDI: [char; 8] = [
        '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202D}', '\u{202E}', '\u{2066}',
        '\u{2067}',
    ];
    let mut out: String = name
        .chars()
        .map(|c| {
            if (c as u32) < 32 || BIDI.contains(&c) || "/\\<>:\"|?*".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    out = shorten(&out);
    if out.is_empty() || out.ends_with(' ') || out.ends_with('.') {
        out.push('_');
    }
    let stem = out.split('.').next().unwrap_or("").to_ascii_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (stem.len() == 4
            && (stem.starts_with("COM") || stem.starts_with("LPT"))
            && matches!(stem.as_bytes()[3], b'1'..=b'9'));
    if reserved {
        out.insert(0, '_');
    }
    out
}

/// Cuts a name to [`MAX_NAME_BYTES`], keeping a short extension.
fn shorten(name: &str) -> String {
    if name.len() <= MAX_NAME_BYTES {
        return name.to_owned();
    }
    let ext = match name.rfind('.') {
        Some(dot) if name.len() - dot <= 16 => &name[dot..],
        _ => "",
    };
    let mut stem_end = MAX_NAME_BYTES - ext.len();
    while !name.is_char_boundary(stem_end) {
        stem_end -= 1;
    }
    format!("{}{ext}", &name[..stem_end])
}

/// The extension (with its dot) for a MIME type, as the first glob of the
/// freedesktop MIME database would give for common types; empty if unknown.
pub fn extension_for_mime(mime: &str) -> &'static str {
    match mime.to_ascii_lowercase().as_str() {
        "image/jpeg" | "image/jpg" => ".jpg",
        "image/png" => ".png",
        "image/gif" => ".gif",
        "image/webp" => ".webp",
        "image/bmp" => ".bmp",
        "image/tiff" => ".tif",
        "image/heic" => ".heic",
        "image/svg+xml" => ".svg",
        "video/mp4" => ".mp4",
        "video/quicktime" => ".mov",
        "video/webm" => ".webm",
        "video/x-matroska" => ".mkv",
        "video/mpeg" => ".mpeg",
        "video/3gpp" => ".3gp",
        "video/x-msvideo" => ".avi",
        "audio/ogg" => ".oga",
        "audio/mpeg" | "audio/mp3" => ".mp3",
        "audio/mp4" | "audio/m4a" | "audio/x-m4a" => ".m4a",
        "audio/flac" | "audio/x-flac" => ".flac",
        "audio/wav" | "audio/x-wav" => ".wav",
        "audio/aac" => ".aac",
        "audio/opus" => ".opus",
        "application/pdf" => ".pdf",
        "application/zip" => ".zip",
        "application/x-7z-compressed" => ".7z",
        "application/x-rar-compressed" | "application/vnd.rar" => ".rar",
        "application/gzip" | "application/x-gzip" => ".gz",
        "application/x-tar" => ".tar",
        "application/json" => ".json",
        "application/xml" | "text/xml" => ".xml",
        "application/msword" => ".doc",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => ".docx",
        "application/vnd.ms-excel" => ".xls",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => ".xlsx",
        "application/vnd.ms-powerpoint" => ".ppt",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation" => ".pptx",
        "application/vnd.android.package-archive" => ".apk",
        "application/x-tgsticker" => ".tgs",
        "application/x-bad-tgsticker" => ".tgs",
        "text/plain" => ".txt",
        "text/html" => ".html",
        "text/csv" => ".csv",
        "text/x-vcard" | "text/vcard" => ".vcf",
        _ => "",
    }
}

/// The JSON `media_type` decides nothing here: the folder follows tdesktop's
/// `DocumentFolder` (docs/export-format.md#file-names), so MP4 GIFs and video stickers land in
/// `video_files/`.
pub fn document_folder(
    is_video_file: bool,
    is_animated: bool,
    is_sticker: bool,
    is_voice: bool,
    is_round: bool,
) -> &'static str {
    if is_video_file {
        "video_files"
    } else if is_animated {
        "animations"
    } else if is_sticker {
        "stickers"
    } else if is_voice {
        "voice_messages"
    } else if is_round {
        "round_video_messages"
    } else {
        "files"
    }
}

/// Paths already given out in one chat (or one non-chat section), so that
/// every suggested path is unique; holds 8-byte hashes of the lowercased
/// paths, so memory stays small and case-insensitive file systems are safe.
#[derive(Clone, Debug, Default)]
pub struct PathSet {
    used: HashSet<u64>,
}

impl PathSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// `path` if unused, else the first free `base (n).ext`, split at the
    /// first dot of the file name (`report.tar.gz` → `report (1).tar.gz`,
    /// C "Collision rule"); the result is marked used.
    pub fn claim(&mut self, path: &str) -> String {
        if self.used.insert(hash_path(path)) {
            return path.to_owned();
        }
        let name_start = path.rfind('/').map_or(0, |i| i + 1);
        let split = path[name_start..]
            .find('.')
            .map_or(path.len(), |dot| name_start + dot);
        let (base, ext) = path.split_at(split);
        for n in 1u64.. {
            let candidate = format!("{base} ({n}){ext}");
            if self.used.insert(hash_path(&candidate)) {
                return candidate;
            }
        }
        unreachable!("u64 counter exhausted")
    }
}

/// FNV-1a over the lowercased path: stable across runs and Rust versions.
fn hash_path(path: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for c in path.chars().flat_map(char::to_lowercase) {
        let mut buf = [0u8; 4];
        for &b in c.encode_utf8(&mut buf).as_bytes() {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_folders_pad_to_total_minus_one() {
        assert_eq!(chat_folder(1, 150), "chats/chat_001/");
        assert_eq!(chat_folder(150, 150), "chats/chat_150/");
        assert_eq!(chat_folder(1, 10), "chats/chat_1/");
        assert_eq!(chat_folder(10, 10), "chats/chat_10/");
        assert_eq!(chat_folder(1, 0), "chats/chat_1/");
    }

    #[test]
    fn sanitizing() {
        assert_eq!(
            sanitize_file_name("a/b\\c<d>e:f\"g|h?i*j"),
            "a_b_c_d_e_f_g_h_i_j"
        );
        assert_eq!(sanitize_file_name("tab\there"), "tab_here");
        assert_eq!(sanitize_file_name("\u{202E}gpj.exe"), "_gpj.exe");
        assert_eq!(sanitize_file_name(""), "_");
        assert_eq!(sanitize_file_name("dots..."), "dots..._");
        assert_eq!(sanitize_file_name("space "), "space _");
        assert_eq!(sanitize_file_name(".."), ".._");
        assert_eq!(sanitize_file_name("con.txt"), "_con.txt");
        assert_eq!(sanitize_file_name("COM1"), "_COM1");
        assert_eq!(sanitize_file_name("COM0"), "COM0");
        assert_eq!(sanitize_file_name("console.txt"), "console.txt");
        let long = format!("{}.pdf", "ж".repeat(300));
        let short = sanitize_file_name(&long);
        assert!(short.len() <= MAX_NAME_BYTES && short.ends_with(".pdf"));
    }

    #[test]
    fn collisions_are_numbered_at_the_first_dot() {
        let mut set = PathSet::new();
        assert_eq!(set.claim("files/report.tar.gz"), "files/report.tar.gz");
        assert_eq!(set.claim("files/report.tar.gz"), "files/report (1).tar.gz");
        assert_eq!(set.claim("files/REPORT.tar.gz"), "files/REPORT (2).tar.gz");
        assert_eq!(set.claim("files/noext"), "files/noext");
        assert_eq!(set.claim("files/noext"), "files/noext (1)");
        assert_eq!(set.claim("a.b/c"), "a.b/c");
        assert_eq!(set.claim("a.b/c"), "a.b/c (1)");
    }

    #[test]
    fn mime_extensions() {
        assert_eq!(extension_for_mime("IMAGE/JPEG"), ".jpg");
        assert_eq!(extension_for_mime("video/mp4"), ".mp4");
        assert_eq!(extension_for_mime("x/unknown"), "");
    }
}
