//! Drawing a picture: a gradient in two colours with a label in a 5x5
//! pixel font.

use super::*;

/// Glyphs of the 3×5 font: rows top to bottom, 3 bits each (left = 4).
pub(super) fn glyph(c: char) -> [u8; 5] {
    match c.to_ascii_uppercase() {
        '0' => [7, 5, 5, 5, 7],
        '1' => [2, 6, 2, 2, 7],
        '2' => [7, 1, 7, 4, 7],
        '3' => [7, 1, 7, 1, 7],
        '4' => [5, 5, 7, 1, 1],
        '5' => [7, 4, 7, 1, 7],
        '6' => [7, 4, 7, 5, 7],
        '7' => [7, 1, 1, 1, 1],
        '8' => [7, 5, 7, 5, 7],
        '9' => [7, 5, 7, 1, 7],
        'A' => [2, 5, 7, 5, 5],
        'B' => [6, 5, 6, 5, 6],
        'C' => [3, 4, 4, 4, 3],
        'D' => [6, 5, 5, 5, 6],
        'E' => [7, 4, 6, 4, 7],
        'F' => [7, 4, 6, 4, 4],
        'G' => [3, 4, 5, 5, 3],
        'H' => [5, 5, 7, 5, 5],
        'I' => [7, 2, 2, 2, 7],
        'J' => [1, 1, 1, 5, 2],
        'K' => [5, 5, 6, 5, 5],
        'L' => [4, 4, 4, 4, 7],
        'M' => [5, 7, 7, 5, 5],
        'N' => [6, 5, 5, 5, 5],
        'O' => [2, 5, 5, 5, 2],
        'P' => [6, 5, 6, 4, 4],
        'Q' => [2, 5, 5, 6, 3],
        'R' => [6, 5, 6, 5, 5],
        'S' => [3, 4, 2, 1, 6],
        'T' => [7, 2, 2, 2, 2],
        'U' => [5, 5, 5, 5, 7],
        'V' => [5, 5, 5, 5, 2],
        'W' => [5, 5, 7, 7, 5],
        'X' => [5, 5, 2, 5, 5],
        'Y' => [5, 5, 2, 2, 2],
        'Z' => [7, 1, 2, 4, 7],
        '#' => [5, 7, 5, 7, 5],
        '-' => [0, 0, 7, 0, 0],
        ' ' => [0, 0, 0, 0, 0],
        _ => [7, 1, 2, 0, 2],
    }
}

/// Two colours from the seed: a saturated one and its darker complement.
pub(super) fn colours(seed: u64) -> ([u8; 3], [u8; 3]) {
    let r = hash_words(&[seed, 0xc010]);
    let pick = |shift: u32, lo: u8| lo + ((r >> shift) as u8 % (255 - lo));
    let a = [pick(0, 90), pick(8, 60), pick(16, 120)];
    let b = [pick(24, 10) / 3, pick(32, 10) / 2, pick(40, 10) / 3];
    (a, b)
}

/// The RGB pixels: a vertical gradient in bands, with the label centred
/// in white.
pub(super) fn draw(w: u32, h: u32, seed: u64, label: &str) -> Vec<u8> {
    let (a, b) = colours(seed);
    let (wu, hu) = (w as usize, h as usize);
    let mut px = Vec::with_capacity(wu * hu * 3);
    for y in 0..hu {
        // 12 flat bands, top to bottom: every row is one colour, which
        // every codec stores in next to nothing.
        let t = y * 12 / hu * 256 / 12;
        let mut rgb = [0u8; 3];
        for c in 0..3 {
            rgb[c] = ((usize::from(a[c]) * (256 - t) + usize::from(b[c]) * t) / 256) as u8;
        }
        px.extend_from_slice(&rgb.repeat(wu));
    }
    let chars: Vec<char> = label.chars().take(12).collect();
    if chars.is_empty() {
        return px;
    }
    // Each glyph is 3 cells wide with 1 cell between; the label takes at
    // most 3/4 of the width and 1/3 of the height.
    let cells_w = chars.len() * 4 - 1;
    let scale = (wu * 3 / 4 / cells_w).min(hu / 3 / 5);
    if scale == 0 {
        return px;
    }
    let (x0, y0) = ((wu - cells_w * scale) / 2, (hu - 5 * scale) / 2);
    for (i, &c) in chars.iter().enumerate() {
        for (row, bits) in glyph(c).iter().enumerate() {
            for col in 0..3 {
                if bits & (4 >> col) == 0 {
                    continue;
                }
                let gx = x0 + (i * 4 + col) * scale;
                let gy = y0 + row * scale;
                for y in gy..gy + scale {
                    let line = y * wu * 3;
                    px[line + gx * 3..line + (gx + scale) * 3].fill(255);
                }
            }
        }
    }
    px
}
