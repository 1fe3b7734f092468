//! `photos.getUserPhotos`.

use tl::{enums, functions, types};

use super::{Call, RpcResult, clamp_limit, resolve_user};

/// `photos.getUserPhotos`: the account's profile photos newest (highest id)
/// first; `max_id` keeps ids below it, then `offset` skips and `limit`
/// (at most 100) takes. `photos.photos` when the answer holds them all, else
/// `photos.photosSlice` with the total `count`. Other users have none.
pub fn get_user_photos(
    call: &mut Call<'_, '_>,
    req: functions::photos::GetUserPhotos,
) -> RpcResult<enums::photos::Photos> {
    let user = resolve_user(call, &req.user_id)?;
    let world = call.db.world();
    let all: Vec<&enums::Photo> = if user == world.self_id {
        call.db
            .profile_photos
            .iter()
            .map(|&i| &world.profile_photos[i])
            .collect()
    } else {
        Vec::new()
    };
    let id = |p: &enums::Photo| match p {
        enums::Photo::Photo(p) => p.id,
        enums::Photo::Empty(p) => p.id,
    };
    let from = if req.max_id > 0 {
        all.partition_point(|p| id(p) >= req.max_id)
    } else {
        0
    };
    let start = from
        .saturating_add(usize::try_from(req.offset).unwrap_or(0))
        .min(all.len());
    let end = start
        .saturating_add(clamp_limit(req.limit, 100))
        .min(all.len());
    let photos: Vec<enums::Photo> = all[start..end].iter().map(|&p| p.clone()).collect();
    let users = call.db.user(user).cloned().into_iter().collect();
    if photos.len() == all.len() {
        Ok(types::photos::Photos { photos, users }.into())
    } else {
        Ok(types::photos::PhotosSlice {
            count: i32::try_from(all.len()).unwrap_or(i32::MAX),
            photos,
            users,
        }
        .into())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tl::{enums, functions};

    use crate::dispatch::{Dispatcher, ServerConfig};
    use crate::generate::{GenerateConfig, generate};

    /// `photos.getUserPhotos(self, limit)` on a generated world.
    fn photos(limit: i32) -> (usize, enums::photos::Photos) {
        let world = generate(&GenerateConfig::default());
        let n = world.profile_photos.len();
        let d = Dispatcher::new(Arc::new(world), ServerConfig::default()).unwrap();
        let request = functions::photos::GetUserPhotos {
            user_id: enums::InputUser::InputUserSelf,
            offset: 0,
            max_id: 0,
            limit,
        };
        (n, d.call_as_self(&request))
    }

    #[test]
    fn limit_zero_counts_without_photos() {
        // Telegram's answer to the UserpicsCount start step.
        let (n, answer) = photos(0);
        assert!(n > 0);
        match answer {
            enums::photos::Photos::Slice(s) => {
                assert_eq!(s.count as usize, n);
                assert!(s.photos.is_empty());
            }
            other => panic!("a slice with the count, not {other:?}"),
        }
        let (n, answer) = photos(100);
        let enums::photos::Photos::Photos(all) = answer else {
            panic!("every photo fits")
        };
        assert_eq!(all.photos.len(), n);
    }
}
