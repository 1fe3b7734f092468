//! The little of PEM and DER that PKCS#1 RSA keys need
//! (RFC 7468 text encoding, RFC 8017 appendix A.1 structures): a PEM block's
//! base64 body, and DER SEQUENCE and INTEGER elements.

use num_bigint::BigUint;

use super::Error;

fn invalid(reason: &'static str) -> Error {
    Error::InvalidRsaKey { reason }
}

/// The base64 body of the PEM block labelled `label`, decoded.
pub(crate) fn pem_body(pem: &str, label: &str) -> Result<Vec<u8>, Error> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem
        .find(&begin)
        .ok_or(invalid("no PEM block of the expected kind"))?;
    let body = &pem[start + begin.len()..];
    let stop = body
        .find(&end)
        .ok_or(invalid("the PEM block is not closed"))?;
    base64_decode(&body[..stop]).ok_or(invalid("the PEM body is not base64"))
}

/// Standard base64 with `=` padding; whitespace is skipped.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits, mut padding) = (0u32, 0u32, 0usize);
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding += 1;
                continue;
            }
            _ => return None,
        };
        if padding > 0 {
            return None;
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    (padding <= 2).then_some(out)
}

/// A reader of the few DER forms PKCS#1 uses: SEQUENCE and INTEGER.
pub(crate) struct Der<'a> {
    rest: &'a [u8],
}

impl<'a> Der<'a> {
    pub(crate) fn new(rest: &'a [u8]) -> Self {
        Self { rest }
    }

    /// The contents of the next element, which must have tag `tag`.
    fn element(&mut self, tag: u8) -> Result<&'a [u8], Error> {
        let bad = || invalid("malformed DER");
        let (&t, rest) = self.rest.split_first().ok_or_else(bad)?;
        let (&first, mut rest) = rest.split_first().ok_or_else(bad)?;
        if t != tag {
            return Err(invalid("unexpected DER element"));
        }
        let len = match first {
            0..=0x7f => usize::from(first),
            0x81..=0x83 => {
                let n = usize::from(first - 0x80);
                let (len, after) = rest.split_at_checked(n).ok_or_else(bad)?;
                rest = after;
                len.iter().fold(0, |acc, &b| (acc << 8) | usize::from(b))
            }
            _ => return Err(bad()),
        };
        let (contents, after) = rest.split_at_checked(len).ok_or_else(bad)?;
        self.rest = after;
        Ok(contents)
    }

    pub(crate) fn sequence(&mut self) -> Result<Der<'a>, Error> {
        self.element(0x30).map(Der::new)
    }

    /// A non-negative INTEGER.
    pub(crate) fn uint(&mut self) -> Result<BigUint, Error> {
        let bytes = self.element(0x02)?;
        match bytes.first() {
            Some(b) if b & 0x80 == 0 => Ok(BigUint::from_bytes_be(bytes)),
            _ => Err(invalid("a DER INTEGER is empty or negative")),
        }
    }

    pub(crate) fn finish(&self) -> Result<(), Error> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(invalid("unexpected bytes after the DER key"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_with_and_without_padding() {
        assert_eq!(base64_decode("TWFu"), Some(b"Man".to_vec()));
        assert_eq!(base64_decode("TW E=\n"), Some(b"Ma".to_vec()));
        assert_eq!(base64_decode("TQ=="), Some(b"M".to_vec()));
        assert_eq!(base64_decode("+/+/"), Some(vec![0xFB, 0xFF, 0xBF]));
        assert_eq!(base64_decode("TQ=a"), None);
        assert_eq!(base64_decode("T!=="), None);
        assert_eq!(base64_decode("TQ==="), None);
    }

    #[test]
    fn der_reads_short_and_long_lengths() {
        let mut long = vec![0x30, 0x81, 0x83, 0x02, 0x81, 0x80, 0x7F];
        long.extend([0; 127]);
        let mut outer = Der::new(&long);
        let mut seq = outer.sequence().expect("sequence");
        assert_eq!(seq.uint().expect("int").bits(), 1023);
        assert!(seq.finish().is_ok() && outer.finish().is_ok());
        let mut short = Der::new(&[0x02, 0x01, 0x05, 0x00]);
        assert_eq!(short.uint(), Ok(BigUint::from(5u8)));
        assert!(short.finish().is_err());
    }

    #[test]
    fn der_refuses_malformed_elements() {
        let cases: [&[u8]; 6] = [
            &[],
            &[0x02],
            &[0x02, 0x02, 0x01],
            &[0x02, 0x01, 0x80],
            &[0x02, 0x00],
            &[0x02, 0x84, 0, 0, 0, 1, 0],
        ];
        for bytes in cases {
            assert!(Der::new(bytes).uint().is_err(), "{bytes:02X?}");
        }
        assert!(Der::new(&[0x02, 0x01, 0x01]).sequence().is_err());
        let pem = "-----BEGIN X-----\nTWFu\n-----END X-----";
        assert_eq!(pem_body(pem, "X"), Ok(b"Man".to_vec()));
        assert!(pem_body(pem, "Y").is_err());
        assert!(pem_body("-----BEGIN X-----\nTWFu", "X").is_err());
    }
}
