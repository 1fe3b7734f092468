use proptest::prelude::*;

use super::*;
use crate::auth::testutil::{arr, hex, value};

#[test]
fn builtin_keys_have_the_documented_fingerprints() {
    let set = KeySet::telegram();
    assert_eq!(
        set.fingerprints(),
        [PRODUCTION_KEY_FINGERPRINT, TEST_DC_KEY_FINGERPRINT]
    );
    assert_eq!(PRODUCTION_KEY_FINGERPRINT as u64, 0xd09d1d85de64fd85);
    assert_eq!(TEST_DC_KEY_FINGERPRINT as u64, 0xb25898df208d2603);
    // The wire bytes the official sample's resPQ offers for this key.
    assert_eq!(
        PRODUCTION_KEY_FINGERPRINT.to_le_bytes().to_vec(),
        hex("85FD64DE851D9DD0")
    );
    assert_eq!(KeySet::default(), set);
    assert_eq!(
        KeySet::production().fingerprints(),
        [PRODUCTION_KEY_FINGERPRINT]
    );
    assert_eq!(KeySet::test_dc().fingerprints(), [TEST_DC_KEY_FINGERPRINT]);
}

#[test]
fn key_set_chooses_the_first_offered_known_key() {
    let set = KeySet::telegram();
    let offered = [1, TEST_DC_KEY_FINGERPRINT, PRODUCTION_KEY_FINGERPRINT];
    let chosen = set.choose(&offered).map(PublicKey::fingerprint);
    assert_eq!(chosen, Some(TEST_DC_KEY_FINGERPRINT));
    assert_eq!(set.choose(&[1, 2]), None);
    let server = test_server_key();
    let set = KeySet::empty().with(server.public_key().clone());
    assert_eq!(set.get(server.fingerprint()), Some(server.public_key()));
    // Adding the same key again does not duplicate it.
    assert_eq!(
        set.with(server.public_key().clone()).fingerprints().len(),
        1
    );
}

#[test]
fn test_server_key_pair_matches() {
    let key = test_server_key();
    let public = PublicKey::from_pem(include_str!("../testdata/test-server-key.pub.pem"));
    assert_eq!(public.as_ref(), Ok(key.public_key()));
    assert_eq!(key.fingerprint(), TEST_SERVER_KEY_FINGERPRINT);
    assert!(format!("{key:?}").contains("fingerprint"));
    assert!(!format!("{key:?}").contains("qinv"));
}

/// Known answer from grammers-crypto 0.11.0 `rsa.rs` `test_rsa_encryption`
/// (MIT/Apache): an older Telegram key, 96 bytes of data, and randomness
/// whose first temp_key gives a value above the modulus, so the next
/// temp_key is used.
#[test]
fn rsa_pad_known_answer() {
    let n = BigUint::parse_bytes(b"25342889448840415564971689590713473206898847759084779052582026594546022463853940585885215951168491965708222649399180603818074200620463776135424884632162512403163793083921641631564740959529419359595852941166848940585952337613333022396096584117954892216031229237302943701877588456738335398602461675225081791820393153757504952636234951323237820036543581047826906120927972487366805292115792231423684261262330394324750785450942589751755390156647751460719351439969059949569615302809050721500330239005077889855323917509948255722081644689442127297605422579707142646660768825302832201908302295573257427896031830742328565032949", 10).expect("n");
    let key = PublicKey::new(n, BigUint::from(65537u32)).expect("key");
    let data = hex(
        "955ff5a9081a8e635f5743de9b00000004453dc27100000004622f1fcb000000f7a81627bbf511fa4afef71e94a0937474586c1add9198dda81a5df8393871c8293623c5fb968894af1be7dfe9c7be813f9307789242fd0cb0c16a5cb39a8d3e",
    );
    let mut random = hex(
        "12270000635593b03fee033d0672f9afddf9124de9e77df6251806cba93482e4c9e6e06e7d44e4c4baae821aff91af44789689faaee9bdfc7b2df8c08709afe57396c4638ceaa0dc30114f82447e81d3b53edc423b32660c43a5b8ad057b6450",
    );
    random.resize(192, 0);
    random.extend(hex(
        "7dada0920c4973913229e0f881aec7b9db0c392d34f52fb0995ea493ecb4c09d",
    ));
    let expected = hex(
        "b610642a828b4a61fe32931815cae318d311660580f1e0df768f3140f4d37dfcfcac0c2870318de4ff2d2e0e9669bcfdc0bad06cadb1b59d9726b427368a9c7b4fc0d5e7b2e99fc571968705c03acf5341fd7021bef653fa77b3776ae430e366fc46d232459ebe128b08d80e049ae579a48b56ca93b520709468587c81af96666046e9ea85091d729e921e8d8a36f57b27644052dae7387c7f4131701d59cda75251dac66c94276280ef950d3c44c21e5a2454f7da7a6818cf23ae9c490b72b2170d7cbc24f8a93db739d76f2d241c78b80123faaff3e664f074d6375d794dbf2800a0b5bb48d54eceafedfb355bfbebd287d9023264e3b53627888250787a9e",
    );
    assert_eq!(key.encrypt_rsa_pad(&data, &arr(&random)), Ok(expected));
}

#[test]
fn sample_ciphertext_is_below_the_production_modulus() {
    let key = builtin(PRODUCTION_KEY_PEM);
    let encrypted = value("rsa_pad_encrypted_data");
    assert_eq!(encrypted.len(), 256);
    assert!(BigUint::from_bytes_be(&encrypted) < key.n);
}

#[test]
fn both_schemes_round_trip_through_the_private_key() {
    let key = test_server_key();
    let data: Vec<u8> = (0..100).collect();
    let random: [u8; RSA_PAD_RANDOM_LEN] = std::array::from_fn(|i| (i * 7) as u8);
    let encrypted = key
        .public_key()
        .encrypt_rsa_pad(&data, &random)
        .expect("rsa_pad");
    match key.decrypt(&encrypted) {
        Some(Decrypted::RsaPad(plain)) => {
            assert_eq!(plain.len(), 192);
            assert_eq!(plain[..100], data[..]);
            assert_eq!(plain[100..], random[..92]);
        }
        other => panic!("not RSA_PAD: {other:?}"),
    }
    let random = [0xAB; 255];
    let encrypted = key
        .public_key()
        .encrypt_legacy(&data, &random)
        .expect("legacy");
    match key.decrypt(&encrypted) {
        Some(Decrypted::Legacy {
            sha1: hash,
            data: plain,
        }) => {
            assert_eq!(hash, sha1(&[&data]));
            assert_eq!(plain[..100], data[..]);
            assert_eq!(plain.len(), LEGACY_MAX_DATA);
        }
        other => panic!("not legacy: {other:?}"),
    }
}

#[test]
fn too_long_data_and_bad_ciphertexts_are_refused() {
    let key = test_server_key();
    let public = key.public_key();
    let random = [0; RSA_PAD_RANDOM_LEN];
    assert!(public.encrypt_rsa_pad(&[0; 145], &random).is_err());
    assert!(public.encrypt_legacy(&[0; 236], &[0; 255]).is_err());
    assert_eq!(key.decrypt(&[0; 255]), None);
    assert_eq!(key.decrypt(&[0xFF; 256]), None);
    assert_eq!(key.decrypt(&to_256(&public.n)), None);
}

#[test]
fn malformed_pems_are_refused() {
    let good = TEST_SERVER_KEY_PEM;
    let cases = [
        "".to_owned(),
        good.replace("RSA PRIVATE KEY", "PRIVATE KEY"),
        good.replace("-----END RSA PRIVATE KEY-----", ""),
        good.replacen('M', "*", 1),
        good.replacen("MIIE", "MIIF", 1),
        PRODUCTION_KEY_PEM.replace("IDAQAB", "IDAQAA"),
    ];
    for pem in &cases {
        assert!(PrivateKey::from_pem(pem).is_err(), "{pem}");
    }
    assert!(PublicKey::from_pem(good).is_err());
    assert!(PublicKey::from_pem(&cases[5]).is_err());
    assert!(PublicKey::new(BigUint::from(7u8), BigUint::from(3u8)).is_err());
}

proptest! {
    #[test]
    fn pem_parsing_never_panics(body in proptest::collection::vec(any::<u8>(), 0..600)) {
        let text: String = body.iter().map(|&b| char::from(b)).collect();
        let pem = format!("-----BEGIN RSA PUBLIC KEY-----\n{text}\n-----END RSA PUBLIC KEY-----");
        let _ = PublicKey::from_pem(&pem);
        let der_pem = format!(
            "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----",
            base64_encode(&body)
        );
        let _ = PrivateKey::from_pem(&der_pem);
    }

    #[test]
    fn decrypting_random_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 256)) {
        let _ = test_server_key().decrypt(&bytes);
    }
}

fn base64_encode(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
