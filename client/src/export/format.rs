//! Human-readable values tdesktop puts into the export: phone numbers
//! grouped per country (docs/export-format.md#sections `phone_number`) and money amounts (`cost` of
//! gift actions, docs/export-format.md#service-messages).
//!
//! tdesktop formats with its country database and locale; we carry a small
//! table of common countries and a plain fallback, which keeps every digit.

/// Groupings of the national number after the country code, for common
/// country codes (longest code first when matching).
const PHONE_PATTERNS: &[(&str, &[usize])] = &[
    ("1", &[3, 3, 4]),
    ("7", &[3, 3, 2, 2]),
    ("20", &[2, 4, 4]),
    ("27", &[2, 3, 4]),
    ("30", &[3, 3, 4]),
    ("31", &[1, 2, 2, 2, 2]),
    ("32", &[3, 2, 2, 2]),
    ("33", &[1, 2, 2, 2, 2]),
    ("34", &[3, 3, 3]),
    ("36", &[2, 3, 4]),
    ("39", &[3, 3, 4]),
    ("40", &[3, 3, 3]),
    ("41", &[2, 3, 2, 2]),
    ("43", &[3, 3, 4]),
    ("44", &[4, 6]),
    ("45", &[2, 2, 2, 2]),
    ("46", &[2, 3, 2, 2]),
    ("47", &[3, 2, 3]),
    ("48", &[3, 3, 3]),
    ("49", &[3, 8]),
    ("51", &[3, 3, 3]),
    ("52", &[3, 3, 4]),
    ("54", &[3, 3, 4]),
    ("55", &[2, 5, 4]),
    ("60", &[2, 3, 4]),
    ("61", &[3, 3, 3]),
    ("62", &[3, 4, 4]),
    ("63", &[3, 3, 4]),
    ("64", &[3, 3, 4]),
    ("65", &[4, 4]),
    ("66", &[1, 4, 4]),
    ("81", &[2, 4, 4]),
    ("82", &[2, 4, 4]),
    ("84", &[2, 3, 4]),
    ("86", &[3, 4, 4]),
    ("90", &[3, 3, 4]),
    ("91", &[5, 5]),
    ("92", &[3, 7]),
    ("98", &[3, 3, 4]),
    ("351", &[3, 3, 3]),
    ("353", &[2, 3, 4]),
    ("358", &[2, 3, 2, 2]),
    ("371", &[3, 5]),
    ("372", &[4, 4]),
    ("370", &[3, 2, 3]),
    ("374", &[2, 3, 3]),
    ("375", &[2, 3, 2, 2]),
    ("380", &[2, 3, 2, 2]),
    ("381", &[2, 3, 4]),
    ("386", &[2, 3, 3]),
    ("420", &[3, 3, 3]),
    ("421", &[3, 3, 3]),
    ("880", &[4, 6]),
    ("966", &[2, 3, 4]),
    ("971", &[2, 3, 4]),
    ("972", &[2, 3, 4]),
    ("992", &[2, 3, 4]),
    ("993", &[2, 2, 2, 2]),
    ("994", &[2, 3, 2, 2]),
    ("995", &[3, 2, 2, 2]),
    ("996", &[3, 3, 3]),
    ("998", &[2, 3, 2, 2]),
];

/// `+1 234 567 8900`: the phone number with spaces between groups; empty
/// for an empty number, `+digits` when the country is unknown or the number
/// does not fit the pattern.
pub fn format_phone(raw: &str) -> String {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        // Keep whatever the server sent (e.g. a hidden "+" only).
        return raw.trim().to_owned();
    }
    let pattern = (1..=3)
        .rev()
        .filter(|&len| len < digits.len())
        .find_map(|len| {
            PHONE_PATTERNS
                .iter()
                .find(|(code, _)| *code == &digits[..len])
        });
    let Some((code, groups)) = pattern else {
        return format!("+{digits}");
    };
    let national = &digits[code.len()..];
    if national.len() != groups.iter().sum::<usize>() {
        return format!("+{code} {national}");
    }
    let mut out = format!("+{code}");
    let mut at = 0;
    for &len in *groups {
        out.push(' ');
        out.push_str(&national[at..at + len]);
        at += len;
    }
    out
}

/// `$4.99`, `€10`, `1,500 RUB`-like: an amount in the currency's smallest
/// units with its symbol or code (a compact form of tdesktop's
/// `FillAmountAndCurrency`).
pub fn format_money(amount: i64, currency: &str) -> String {
    let code = currency.to_ascii_uppercase();
    let exponent: u32 = match code.as_str() {
        "JPY" | "KRW" | "VND" | "CLP" | "ISK" | "UGX" | "XAF" | "XOF" | "PYG" => 0,
        "BHD" | "KWD" | "OMR" | "JOD" | "TND" | "IQD" | "LYD" => 3,
        "XTR" => 0,
        "TON" => 9,
        _ => 2,
    };
    let negative = amount < 0;
    let abs = amount.unsigned_abs();
    let scale = 10u64.pow(exponent);
    let whole = abs / scale;
    let frac = abs % scale;
    let mut number = whole.to_string();
    if exponent > 0 && frac != 0 {
        number.push('.');
        number.push_str(&format!("{frac:0width$}", width = exponent as usize));
        if code == "TON" {
            while number.ends_with('0') {
                number.pop();
            }
        }
    }
    let sign = if negative { "-" } else { "" };
    let symbol = match code.as_str() {
        "USD" => "$",
        "EUR" => "€",
        "GBP" => "£",
        "JPY" => "¥",
        "INR" => "₹",
        "RUB" => "₽",
        "UAH" => "₴",
        "XTR" => "⭐️",
        _ => "",
    };
    if symbol.is_empty() {
        format!("{sign}{number} {code}")
    } else {
        format!("{sign}{symbol}{number}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        assert_eq!(format_phone("12345678900"), "+1 234 567 8900");
        assert_eq!(format_phone("+79991234567"), "+7 999 123 45 67");
        assert_eq!(format_phone("447700900123"), "+44 7700 900123");
        assert_eq!(format_phone("380501234567"), "+380 50 123 45 67");
        assert_eq!(format_phone("1234"), "+1 234");
        assert_eq!(format_phone("888123"), "+888123");
        assert_eq!(format_phone(""), "");
        assert_eq!(format_phone("1"), "+1");
    }

    #[test]
    fn money() {
        assert_eq!(format_money(499, "USD"), "$4.99");
        assert_eq!(format_money(1000, "EUR"), "€10");
        assert_eq!(format_money(150_000, "rub"), "₽1500");
        assert_eq!(format_money(500, "JPY"), "¥500");
        assert_eq!(format_money(1_500_000_000, "TON"), "1.5 TON");
        assert_eq!(format_money(-250, "CHF"), "-2.50 CHF");
        assert_eq!(format_money(i64::MIN, "USD"), "-$92233720368547758.08");
    }
}
