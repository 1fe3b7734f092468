//! The baselines of `--downloads` as the issue defines them, run over the
//! client's own download connections (`Client::invoke_download`, paced
//! like ours) but scheduled the simple ways other clients do:
//!
//! - Telegram-Desktop-style: one connection, one request of 128 KiB at a
//!   time, file after file;
//! - tdl-style: two files at a time, four 1 MiB parts in flight on each,
//!   one connection per file.
//!
//! They fetch the files of the world's messages (the largest size of each
//! photo, every document whole) and write them to a temporary folder; a
//! `FLOOD_WAIT_X` is waited out, a dropped connection asked again.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use tg_takeout::Client;
use tg_takeout::rpc::InvocationError;
use tl::{enums, functions, types};

/// One file of the world.
#[derive(Clone, Debug)]
pub struct Target {
    dc: i32,
    location: enums::InputFileLocation,
    size: i64,
}

/// Files and bytes per DC: `(dc, files, bytes)`.
pub fn per_dc(targets: &[Target]) -> Vec<(i32, usize, i64)> {
    let mut dcs = std::collections::BTreeMap::new();
    for t in targets {
        let e = dcs.entry(t.dc).or_insert((0, 0));
        e.0 += 1;
        e.1 += t.size;
    }
    dcs.into_iter().map(|(dc, (n, b))| (dc, n, b)).collect()
}

/// Which baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// One connection, one 128 KiB request at a time.
    Desktop,
    /// Two files at a time, four 1 MiB parts each, a connection per file.
    Tdl,
}

impl Style {
    /// Download connections the client needs per DC.
    pub fn connections(self) -> usize {
        match self {
            Self::Desktop => 1,
            Self::Tdl => 2,
        }
    }
}

/// The downloadable files of the world's messages, each once.
pub fn targets(world: &tg_mock_server::World) -> Vec<Target> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for message in &world.messages {
        let enums::Message::Message(m) = message else {
            continue;
        };
        let target = match &m.media {
            Some(enums::MessageMedia::Photo(types::MessageMediaPhoto {
                photo: Some(enums::Photo::Photo(p)),
                ..
            })) => photo(p),
            Some(enums::MessageMedia::Document(types::MessageMediaDocument {
                document: Some(enums::Document::Document(d)),
                ..
            })) => Some((
                d.id,
                Target {
                    dc: d.dc_id,
                    location: types::InputDocumentFileLocation {
                        id: d.id,
                        access_hash: d.access_hash,
                        file_reference: d.file_reference.clone(),
                        thumb_size: String::new(),
                    }
                    .into(),
                    size: d.size,
                },
            )),
            _ => None,
        };
        if let Some((id, target)) = target
            && target.size > 0
            && seen.insert(id)
        {
            out.push(target);
        }
    }
    out
}

/// The largest size of a photo (by area), if it has one to download.
fn photo(p: &types::Photo) -> Option<(i64, Target)> {
    let mut best: Option<(i64, String, i64)> = None;
    for size in &p.sizes {
        let (kind, area, bytes) = match size {
            enums::PhotoSize::PhotoSize(s) => (&s.r#type, s.w * s.h, i64::from(s.size)),
            enums::PhotoSize::Progressive(s) => (&s.r#type, s.w * s.h, i64::from(*s.sizes.last()?)),
            _ => continue,
        };
        let area = i64::from(area);
        if best.as_ref().is_none_or(|b| area > b.0) {
            best = Some((area, kind.clone(), bytes));
        }
    }
    let (_, kind, size) = best?;
    let location = types::InputPhotoFileLocation {
        id: p.id,
        access_hash: p.access_hash,
        file_reference: p.file_reference.clone(),
        thumb_size: kind,
    };
    Some((
        p.id,
        Target {
            dc: p.dc_id,
            location: location.into(),
            size,
        },
    ))
}

/// Attempts of one request (drops and transport errors; flood waits are
/// waited out and not counted).
const ATTEMPTS: u32 = 20;

/// One part: `limit` bytes at `offset` of `t` on connection `lane`.
async fn part(client: &Client, lane: usize, t: &Target, offset: i64, limit: i32) -> Vec<u8> {
    let request = functions::upload::GetFile {
        precise: false,
        cdn_supported: false,
        location: t.location.clone(),
        offset,
        limit,
    };
    let mut failures = 0;
    loop {
        let error = match client.invoke_download(t.dc, lane, &request).await {
            Ok(enums::upload::File::File(f)) => return f.bytes,
            Ok(enums::upload::File::CdnRedirect(_)) => panic!("no CDN in the mock"),
            Err(e) => e,
        };
        if let Some(x) = flood_seconds(&error) {
            tokio::time::sleep(Duration::from_secs(x)).await;
            continue;
        }
        failures += 1;
        assert!(failures < ATTEMPTS, "upload.getFile keeps failing: {error}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn flood_seconds(error: &InvocationError) -> Option<u64> {
    let rpc = error.rpc()?;
    (rpc.name == "FLOOD_WAIT").then(|| rpc.value.map_or(1, u64::from))
}

/// Downloads every target the `style` way into `dir`; the bytes received.
pub async fn run(client: &Client, style: Style, targets: &[Target], dir: &std::path::Path) -> u64 {
    let total = Arc::new(AtomicU64::new(0));
    match style {
        Style::Desktop => {
            const LIMIT: i32 = 128 * 1024;
            for (i, t) in targets.iter().enumerate() {
                let mut out = std::fs::File::create(dir.join(i.to_string())).expect("create");
                let mut offset = 0;
                while offset < t.size {
                    let bytes = part(client, 0, t, offset, LIMIT).await;
                    out.write_all(&bytes).expect("write");
                    offset += bytes.len() as i64;
                    total.fetch_add(bytes.len() as u64, Ordering::Relaxed);
                    if bytes.len() < LIMIT as usize {
                        break;
                    }
                }
            }
        }
        Style::Tdl => {
            // Two file slots; slot k uses connection k of the file's DC.
            let next = Arc::new(AtomicU64::new(0));
            let targets: Arc<Vec<Target>> = Arc::new(targets.to_vec());
            let mut slots = tokio::task::JoinSet::new();
            for lane in 0..2 {
                let (client, next, targets, total) =
                    (client.clone(), next.clone(), targets.clone(), total.clone());
                let dir = dir.to_owned();
                slots.spawn(async move {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                        let Some(t) = targets.get(i) else { break };
                        let out = std::fs::File::create(dir.join(i.to_string())).expect("create");
                        let bytes = file_in_four(&client, lane, t, out).await;
                        total.fetch_add(bytes, Ordering::Relaxed);
                    }
                });
            }
            while let Some(done) = slots.join_next().await {
                done.expect("a file slot");
            }
        }
    }
    total.load(Ordering::Relaxed)
}

/// One file with four 1 MiB parts in flight on connection `lane`, each
/// written at its offset into `out`; the bytes received.
async fn file_in_four(client: &Client, lane: usize, t: &Target, out: std::fs::File) -> u64 {
    use std::os::unix::fs::FileExt;
    const PART: i64 = 1 << 20;
    let next = Arc::new(AtomicI64::new(0));
    let out = Arc::new(out);
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let (client, next, t, out) = (client.clone(), next.clone(), t.clone(), out.clone());
        workers.spawn(async move {
            let mut got = 0;
            loop {
                let offset = next.fetch_add(PART, Ordering::Relaxed);
                if offset >= t.size {
                    break got;
                }
                let bytes = part(&client, lane, &t, offset, PART as i32).await;
                out.write_all_at(&bytes, offset as u64).expect("write");
                got += bytes.len() as u64;
            }
        });
    }
    let mut total = 0;
    while let Some(done) = workers.join_next().await {
        total += done.expect("a part worker");
    }
    total
}
