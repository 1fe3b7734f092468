//! Dates as tdesktop's export writes them, in an explicit time zone.
//!
//! tdesktop formats every date in the machine's local time (docs/export-format.md#values:
//! `date` is `QDateTime(local).toString(ISODate)`; docs/export-format.md#file-names: file names carry
//! `@DD-MM-YYYY_HH-MM-SS` in local time). To keep the output deterministic
//! the time zone is a parameter of the converter and the writers, never read
//! from the machine here: the engine passes the user's zone, tests pass
//! [`Utc`].

use std::fmt;
use std::sync::Arc;

/// A time zone: the offset from UTC in effect at a given instant.
///
/// Implement it over a time zone database to follow daylight saving time;
/// [`Utc`] and [`FixedOffset`] cover tests and fixed-offset users.
pub trait TimeZone: Send + Sync + fmt::Debug {
    /// Seconds to add to UTC to get local time at `unix` (UTC seconds).
    fn utc_offset(&self, unix: i64) -> i32;

    /// A stable name of the zone (`UTC`, an IANA name such as
    /// `Europe/Berlin`, or a fixed offset such as `UTC+05:30`), recorded
    /// with an export so an update can tell whether dates would differ.
    fn name(&self) -> String;
}

/// `UTC+HH:MM` / `UTC-HH:MM` for an offset in seconds (`UTC` for zero).
pub fn offset_name(seconds: i32) -> String {
    if seconds == 0 {
        return "UTC".into();
    }
    let sign = if seconds < 0 { '-' } else { '+' };
    let abs = seconds.unsigned_abs();
    let (h, m, s) = (abs / 3600, abs / 60 % 60, abs % 60);
    if s == 0 {
        format!("UTC{sign}{h:02}:{m:02}")
    } else {
        format!("UTC{sign}{h:02}:{m:02}:{s:02}")
    }
}

/// A shared time zone, as the converter and the writers hold it.
pub type Tz = Arc<dyn TimeZone>;

/// Coordinated Universal Time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Utc;

impl TimeZone for Utc {
    fn utc_offset(&self, _unix: i64) -> i32 {
        0
    }

    fn name(&self) -> String {
        "UTC".into()
    }
}

/// A zone with a constant offset from UTC, in seconds (east positive).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FixedOffset(pub i32);

impl TimeZone for FixedOffset {
    fn utc_offset(&self, _unix: i64) -> i32 {
        self.0
    }

    fn name(&self) -> String {
        offset_name(self.0)
    }
}

/// The UTC time zone as a [`Tz`].
pub fn utc() -> Tz {
    Arc::new(Utc)
}

/// A broken-down local date and time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime {
    /// The year (proleptic Gregorian).
    pub year: i64,
    /// The month, 1 to 12.
    pub month: u32,
    /// The day of the month, 1 to 31.
    pub day: u32,
    /// The hour, 0 to 23.
    pub hour: u32,
    /// The minute, 0 to 59.
    pub minute: u32,
    /// The second, 0 to 59.
    pub second: u32,
}

impl DateTime {
    /// The local time of `unix` seconds in zone `tz`.
    pub fn local(unix: i64, tz: &dyn TimeZone) -> Self {
        let local = unix.saturating_add(i64::from(tz.utc_offset(unix)));
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        Self {
            year,
            month,
            day,
            hour: secs / 3600,
            minute: secs / 60 % 60,
            second: secs % 60,
        }
    }
}

/// Days since 1970-01-01 to (year, month, day), after H. Hinnant's
/// `civil_from_days` algorithm.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Writes the two digits of `value` (below 100) to the two bytes of `slot`.
fn put2(slot: &mut [u8], value: u32) {
    slot[0] = b'0' + (value / 10 % 10) as u8;
    slot[1] = b'0' + (value % 10) as u8;
}

/// Appends `ascii`, which [`put2`] filled (at once: cheaper than a `push`
/// per character; digits and separators are always UTF-8, the per-byte
/// branch is never taken).
fn push_ascii(out: &mut String, ascii: &[u8]) {
    match std::str::from_utf8(ascii) {
        Ok(s) => out.push_str(s),
        Err(_) => out.extend(ascii.iter().map(|&b| char::from(b))),
    }
}

/// The year of `t` when it has four digits (0 to 9999), the years the
/// fixed-width formats below are filled for.
fn four_digit_year(t: &DateTime) -> Option<u32> {
    u32::try_from(t.year).ok().filter(|&year| year <= 9999)
}

/// `t` as [`iso_date`] writes it, for years of four digits.
fn iso_text(t: &DateTime) -> Option<[u8; 19]> {
    let year = four_digit_year(t)?;
    let mut text = *b"0000-00-00T00:00:00";
    put2(&mut text[0..2], year / 100);
    put2(&mut text[2..4], year % 100);
    put2(&mut text[5..7], t.month);
    put2(&mut text[8..10], t.day);
    put2(&mut text[11..13], t.hour);
    put2(&mut text[14..16], t.minute);
    put2(&mut text[17..19], t.second);
    Some(text)
}

/// `2024-03-10T14:05:09`: the JSON `date` value (ISO 8601, local time, no
/// offset, as Qt's `ISODate`).
pub fn iso_date(unix: i64, tz: &dyn TimeZone) -> String {
    let t = DateTime::local(unix, tz);
    match iso_text(&t) {
        Some(text) => {
            let mut out = String::with_capacity(text.len());
            push_ascii(&mut out, &text);
            out
        }
        None => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            t.year, t.month, t.day, t.hour, t.minute, t.second
        ),
    }
}

/// `10-03-2024_14-05-09`: the date part of generated file names (docs/export-format.md#file-names), or
/// empty for date 0.
pub fn file_name_date(unix: i64, tz: &dyn TimeZone) -> String {
    if unix == 0 {
        return String::new();
    }
    let t = DateTime::local(unix, tz);
    format!(
        "{:02}-{:02}-{:04}_{:02}-{:02}-{:02}",
        t.day, t.month, t.year, t.hour, t.minute, t.second
    )
}

/// `10.03.2024 14:05:09`: dates shown in the HTML pages.
pub fn display_date_time(unix: i64, tz: &dyn TimeZone) -> String {
    let mut out = String::with_capacity(19);
    DateTime::local(unix, tz).push_date_time(&mut out);
    out
}

/// Appends [`display_date_time`] of `unix` (for writers that build one
/// string per message).
pub fn push_display_date_time(out: &mut String, unix: i64, tz: &dyn TimeZone) {
    DateTime::local(unix, tz).push_date_time(out);
}

/// The HTML pages' formats of one local time, appended to a string: they
/// hold only digits, `.`, `:`, `-`, spaces and month names, so need no
/// escape.
impl DateTime {
    /// Appends `10.03.2024 14:05:09` (see [`display_date_time`]).
    pub fn push_date_time(&self, out: &mut String) {
        let Some(year) = four_digit_year(self) else {
            // Years before 0 or after 9999, as `{:04}` writes them.
            use fmt::Write as _;
            let _ = write!(
                out,
                "{:02}.{:02}.{:04} {:02}:{:02}:{:02}",
                self.day, self.month, self.year, self.hour, self.minute, self.second
            );
            return;
        };
        let mut text = *b"00.00.0000 00:00:00";
        put2(&mut text[0..2], self.day);
        put2(&mut text[3..5], self.month);
        put2(&mut text[6..8], year / 100);
        put2(&mut text[8..10], year % 100);
        put2(&mut text[11..13], self.hour);
        put2(&mut text[14..16], self.minute);
        put2(&mut text[17..19], self.second);
        push_ascii(out, &text);
    }

    /// Appends `14:05`: the short time next to an HTML message.
    pub fn push_time(&self, out: &mut String) {
        let mut text = *b"00:00";
        put2(&mut text[0..2], self.hour);
        put2(&mut text[3..5], self.minute);
        push_ascii(out, &text);
    }

    /// Appends `10 March 2024`: the day separators in the HTML history.
    pub fn push_day(&self, out: &mut String) {
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let month = MONTHS.get(self.month as usize - 1).copied().unwrap_or("");
        out.push_str(itoa::Buffer::new().format(self.day));
        out.push(' ');
        out.push_str(month);
        out.push(' ');
        out.push_str(itoa::Buffer::new().format(self.year));
    }
}

/// The local day number of `unix`, to tell when the HTML history crosses
/// midnight.
pub fn local_day(unix: i64, tz: &dyn TimeZone) -> i64 {
    unix.saturating_add(i64::from(tz.utc_offset(unix)))
        .div_euclid(86_400)
}

/// Appends [`iso_date`] to `out` without allocating: the form the JSON
/// writer uses for every message.
pub fn push_iso_date(out: &mut Vec<u8>, unix: i64, tz: &dyn TimeZone) {
    match iso_text(&DateTime::local(unix, tz)) {
        Some(text) => out.extend_from_slice(&text),
        None => out.extend_from_slice(iso_date(unix, tz).as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`DateTime::push_time`] of `unix` as a string.
    fn display_time(unix: i64, tz: &dyn TimeZone) -> String {
        let mut out = String::with_capacity(5);
        DateTime::local(unix, tz).push_time(&mut out);
        out
    }

    /// [`DateTime::push_day`] of `unix` as a string.
    fn display_day(unix: i64, tz: &dyn TimeZone) -> String {
        let mut out = String::with_capacity(17);
        DateTime::local(unix, tz).push_day(&mut out);
        out
    }

    #[test]
    fn iso_dates_in_utc_and_offsets() {
        assert_eq!(iso_date(0, &Utc), "1970-01-01T00:00:00");
        assert_eq!(iso_date(1_710_079_509, &Utc), "2024-03-10T14:05:09");
        assert_eq!(
            iso_date(1_710_079_509, &FixedOffset(3 * 3600)),
            "2024-03-10T17:05:09"
        );
        assert_eq!(iso_date(-1, &Utc), "1969-12-31T23:59:59");
        assert_eq!(iso_date(i64::from(i32::MIN), &Utc), "1901-12-13T20:45:52");
        assert_eq!(iso_date(951_782_400, &Utc), "2000-02-29T00:00:00");
    }

    #[test]
    fn file_name_dates() {
        assert_eq!(file_name_date(0, &Utc), "");
        assert_eq!(file_name_date(1_710_079_509, &Utc), "10-03-2024_14-05-09");
    }

    #[test]
    fn display_formats() {
        assert_eq!(
            display_date_time(1_710_079_509, &Utc),
            "10.03.2024 14:05:09"
        );
        assert_eq!(display_time(1_710_079_509, &Utc), "14:05");
        assert_eq!(display_day(1_710_079_509, &Utc), "10 March 2024");
        assert_eq!(local_day(86_399, &Utc), 0);
        assert_eq!(local_day(86_399, &FixedOffset(1)), 1);
    }

    #[test]
    fn hand_formatted_dates_match_format() {
        let mut unix = -70_000_000_000i64;
        while unix < 300_000_000_000 {
            let t = DateTime::local(unix, &Utc);
            let iso = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                t.year, t.month, t.day, t.hour, t.minute, t.second
            );
            assert_eq!(iso_date(unix, &Utc), iso);
            let shown = format!(
                "{:02}.{:02}.{:04} {:02}:{:02}:{:02}",
                t.day, t.month, t.year, t.hour, t.minute, t.second
            );
            assert_eq!(display_date_time(unix, &Utc), shown);
            assert_eq!(
                display_time(unix, &Utc),
                format!("{:02}:{:02}", t.hour, t.minute)
            );
            let day = display_day(unix, &Utc);
            assert_eq!(
                day,
                format!("{} {}", t.day, &day[day.find(' ').unwrap() + 1..])
            );
            assert!(day.ends_with(&format!(" {}", t.year)));
            unix += 7_777_777;
        }
    }

    #[test]
    fn extreme_instants_do_not_panic() {
        for t in [i64::MIN, i64::MAX, i64::MIN / 2, i64::MAX / 2] {
            let _ = iso_date(t, &FixedOffset(i32::MAX));
            let _ = display_day(t, &FixedOffset(i32::MIN));
        }
    }

    #[test]
    fn pushed_iso_dates_match_iso_date() {
        let mut unix = -70_000_000_000i64;
        let mut out = Vec::new();
        while unix < 300_000_000_000 {
            for tz in [&Utc as &dyn TimeZone, &FixedOffset(-5 * 3600)] {
                out.clear();
                push_iso_date(&mut out, unix, tz);
                assert_eq!(out, iso_date(unix, tz).as_bytes());
            }
            unix += 7_777_777;
        }
        for t in [i64::MIN, i64::MAX] {
            out.clear();
            push_iso_date(&mut out, t, &FixedOffset(i32::MAX));
            assert_eq!(out, iso_date(t, &FixedOffset(i32::MAX)).as_bytes());
        }
    }
}
