//! `updates.getState` and `updates.getDifference`: a world without updates.

use tl::{enums, functions, types};

use super::{Call, RpcResult};

/// `updates.getState`: a fixed state at the current time.
pub fn get_state(
    call: &mut Call<'_, '_>,
    _: functions::updates::GetState,
) -> RpcResult<enums::updates::State> {
    Ok(types::updates::State {
        pts: 1,
        qts: 0,
        date: call.ctx.now_unix,
        seq: 1,
        unread_count: 0,
    }
    .into())
}

/// `updates.getDifference`: always `updates.differenceEmpty`.
pub fn get_difference(
    call: &mut Call<'_, '_>,
    _: functions::updates::GetDifference,
) -> RpcResult<enums::updates::Difference> {
    Ok(types::updates::DifferenceEmpty {
        date: call.ctx.now_unix,
        seq: 1,
    }
    .into())
}
