//! Shortening a file's path for the one-line progress display: the first
//! folder and the file name stay, the middle becomes `…` (the bar's
//! `{wide_msg}` then fits what is left to the terminal's width, so the line
//! never wraps).

/// How many characters of a path the files line shows at most.
pub const FILE_COLUMNS: usize = 48;

/// `path` in at most `max` characters: whole if it fits, else
/// `first/…/name`, else `…` and the end of the name.
pub fn middle(path: &str, max: usize) -> String {
    let len = path.chars().count();
    if len <= max {
        return path.to_owned();
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    if let Some((first, _)) = path.split_once('/') {
        let short = format!("{first}/…/{name}");
        if short.chars().count() <= max {
            return short;
        }
        let short = format!("…/{name}");
        if short.chars().count() <= max {
            return short;
        }
    }
    // The name alone is too long: its end (the extension) stays.
    let keep = max.saturating_sub(1);
    let tail: String = {
        let chars: Vec<char> = name.chars().collect();
        chars[chars.len().saturating_sub(keep)..].iter().collect()
    };
    format!("…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_paths_stay_whole() {
        assert_eq!(middle("photos/a.jpg", 48), "photos/a.jpg");
    }

    #[test]
    fn long_paths_lose_their_middle_first() {
        let p = "chats/chat_0123456789/files/a_very_long_folder_name/report.pdf";
        assert_eq!(middle(p, 30), "chats/…/report.pdf");
        assert_eq!(middle(p, 14), "…/report.pdf");
        assert_eq!(middle(p, 8), "…ort.pdf");
    }

    #[test]
    fn never_longer_than_asked() {
        let names = [
            "a/b/c",
            "chats/chat_1/photos/photo_2024-01-01_10-00-00.jpg",
            "Ünïcödé/ファイル/とても長い名前のファイル.mp4",
            "no_slash_but_a_really_long_file_name_here.txt",
        ];
        for name in names {
            for max in 1..60 {
                let s = middle(name, max);
                assert!(s.chars().count() <= max.max(1), "{name} {max}: {s}");
            }
        }
    }
}
