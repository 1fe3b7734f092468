//! `help.getConfig` and `help.getNearestDc`.

use tl::{enums, functions, types};

use super::{Call, RpcResult};
use crate::dispatch::DcAddr;

/// `help.getConfig`: the mock's own listeners as the DC options (clients
/// such as grammers replace their DC table with them), `this_dc` = the
/// connection's DC, and ordinary values for the limits.
pub fn get_config(
    call: &mut Call<'_, '_>,
    _: functions::help::GetConfig,
) -> RpcResult<enums::Config> {
    let now = call.ctx.now_unix;
    let dc_options = call.config.dc_options.iter().map(DcAddr::to_tl).collect();
    Ok(types::Config {
        date: now,
        expires: now.saturating_add(3600),
        test_mode: false,
        this_dc: call.ctx.dc_id,
        dc_options,
        dc_txt_domain_name: "mock.invalid".into(),
        chat_size_max: 200,
        megagroup_size_max: 200_000,
        forwarded_count_max: 100,
        online_update_period_ms: 210_000,
        offline_blur_timeout_ms: 5_000,
        offline_idle_timeout_ms: 30_000,
        online_cloud_timeout_ms: 300_000,
        notify_cloud_delay_ms: 30_000,
        notify_default_delay_ms: 1_500,
        push_chat_period_ms: 60_000,
        push_chat_limit: 2,
        edit_time_limit: 172_800,
        revoke_time_limit: i32::MAX,
        revoke_pm_time_limit: i32::MAX,
        rating_e_decay: 2_419_200,
        stickers_recent_limit: 200,
        channels_read_media_period: 604_800,
        call_receive_timeout_ms: 20_000,
        call_ring_timeout_ms: 90_000,
        call_connect_timeout_ms: 30_000,
        call_packet_timeout_ms: 10_000,
        me_url_prefix: "https://t.me/".into(),
        caption_length_max: 1024,
        message_length_max: 4096,
        webfile_dc_id: call.db.world().home_dc,
        ..Default::default()
    }
    .into())
}

/// `help.getNearestDc`: the account's home DC is "nearest".
pub fn get_nearest_dc(
    call: &mut Call<'_, '_>,
    _: functions::help::GetNearestDc,
) -> RpcResult<enums::NearestDc> {
    Ok(types::NearestDc {
        country: "ZZ".into(),
        this_dc: call.ctx.dc_id,
        nearest_dc: call.db.world().home_dc,
    }
    .into())
}
