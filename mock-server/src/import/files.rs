//! File bytes of the transcript turned into the world's blobs.

use super::*;

/// The bytes of a `synth` part, as replay serves them.
pub(super) fn synth_recorded(synth: &Value) -> Option<Vec<u8>> {
    let len = synth.get("len")?.as_u64()?;
    let sha = synth.get("sha256")?.as_str()?;
    let mut hash = [0u8; 32];
    if sha.len() != 64 {
        return None;
    }
    for (i, b) in hash.iter_mut().enumerate() {
        *b = u8::from_str_radix(sha.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(crate::replay::synth::fill(
        usize::try_from(len).ok()?,
        &hash,
    ))
}

/// Turns complete downloads into blobs (the rest is synthesized).
pub(super) fn attach_blobs(
    world: &mut World,
    files: HashMap<FileKey, Parts>,
) -> Result<(), ImportError> {
    let store = crate::blobs::FileStore::build(world).map_err(|e| ImportError::World {
        path: e.path,
        message: e.message,
    })?;
    let mut keys: Vec<&FileKey> = files.keys().collect();
    keys.sort();
    let mut names = HashSet::new();
    for key in keys {
        let Some(entry) = store.get(key) else {
            continue;
        };
        let Some(data) = files[key].joined() else {
            continue;
        };
        if data.len() as u64 != entry.size {
            continue;
        }
        let file = match key {
            FileKey::Photo { id, thumb } => format!("photo-{id}-{thumb}.bin"),
            FileKey::Document { id, thumb } if thumb.is_empty() => format!("document-{id}.bin"),
            FileKey::Document { id, thumb } => format!("document-{id}-{thumb}.bin"),
        };
        if !names.insert(file.clone()) {
            continue;
        }
        world.blobs.push(Blob {
            key: key.clone(),
            file,
            data,
        });
    }
    Ok(())
}
