use std::time::Duration;

use proptest::prelude::*;

use super::*;

const MIB: u64 = 1024 * 1024;

fn limits(connections: usize, parts: usize) -> Limits {
    Limits { connections, parts }
}

/// The rate a DC gives at a level: each connection carries at most `cap`
/// bytes a second, and a part waits `latency` before its bytes flow.
fn model_rate(c: &Controller, cap: f64, latency: f64) -> f64 {
    let per_conn = c.in_flight() as f64 / c.connections() as f64;
    let part_time = latency + MIB as f64 / cap;
    let conn_rate = (per_conn * MIB as f64 / part_time).min(cap);
    conn_rate * c.connections() as f64
}

/// Feeds `seconds` of completions at the model's rate; returns the time.
fn run(c: &mut Controller, mut now: Duration, seconds: u64, cap: f64, latency: f64) -> Duration {
    let end = now + Duration::from_secs(seconds);
    let mut steps = 0;
    while now < end && steps < 1_000_000 {
        steps += 1;
        let rate = model_rate(c, cap, latency);
        now += Duration::from_secs_f64(MIB as f64 / rate);
        c.completed(now, MIB, true);
    }
    now
}

#[test]
fn starts_at_two_connections_with_a_few_parts_each() {
    let c = Controller::new(limits(8, 64));
    assert_eq!(c.connections(), 2);
    assert_eq!(c.in_flight(), 4);
    assert_eq!(c.paused_until(), Duration::ZERO);
}

#[test]
fn one_connection_allowed_starts_with_one() {
    let c = Controller::new(limits(1, 64));
    assert_eq!(c.connections(), 1);
    assert_eq!(c.in_flight(), 2);
}

#[test]
fn grows_to_every_connection_while_each_adds_throughput() {
    let mut c = Controller::new(limits(8, 64));
    run(&mut c, Duration::ZERO, 60, 2_000_000.0, 0.05);
    assert_eq!(c.connections(), 8);
    // Throughput within 10% of what 8 capped connections carry.
    assert!(model_rate(&c, 2_000_000.0, 0.05) >= 0.9 * 16_000_000.0);
}

#[test]
fn a_plateau_stops_growth() {
    // A DC whose total is capped whatever the connections: slow start
    // stops after two flat rounds, before every connection opened, and
    // later windows add nothing (give or take a probe).
    let mut c = Controller::new(limits(64, 256));
    let mut now = Duration::ZERO;
    for _ in 0..400 {
        now += Duration::from_millis(100);
        c.completed(now, 100_000, true); // 1 MB/s flat
    }
    assert!(!c.slow_start());
    assert!(c.connections() <= 16, "{c:?}");
    assert!(
        c.in_flight() <= 2 * c.connections() + c.connections(),
        "{c:?}"
    );
}

#[test]
fn flood_wait_pauses_and_halves_parts_in_flight() {
    let mut c = Controller::new(limits(8, 64));
    let now = run(&mut c, Duration::ZERO, 30, 2_000_000.0, 0.05);
    let before = c.in_flight();
    c.flood_wait(now, Duration::from_secs(3));
    assert_eq!(c.paused_until(), now + Duration::from_secs(3));
    assert_eq!(c.in_flight(), before / 2);
    // Answers that arrive during the wait change nothing.
    let level = (c.connections(), c.in_flight());
    for i in 1..50 {
        c.completed(now + Duration::from_millis(i * 50), MIB, true);
    }
    assert_eq!((c.connections(), c.in_flight()), level);
}

#[test]
fn transport_flood_pauses_a_second() {
    let mut c = Controller::new(limits(8, 64));
    let now = Duration::from_secs(10);
    c.transport_flood(now);
    assert_eq!(c.paused_until(), now + TRANSPORT_FLOOD_PAUSE);
    assert_eq!(c.in_flight(), 2);
}

#[test]
fn repeated_floods_bottom_out_at_one_part_on_one_connection() {
    let mut c = Controller::new(limits(8, 64));
    for i in 0..20 {
        c.flood_wait(Duration::from_secs(i), Duration::from_secs(1));
    }
    assert_eq!((c.connections(), c.in_flight()), (1, 1));
    // And it grows back once the waits stop.
    run(&mut c, Duration::from_secs(30), 60, 2_000_000.0, 0.05);
    assert!(c.connections() > 1, "{c:?}");
}

#[test]
fn memory_budget_bounds_parts_in_flight() {
    let mut c = Controller::new(limits(8, 5));
    run(&mut c, Duration::ZERO, 120, 2_000_000.0, 0.3);
    assert!(c.in_flight() <= 5);
    assert!(c.connections() <= 5);
}

#[derive(Clone, Debug)]
enum Input {
    Done {
        after_ms: u64,
        bytes: u64,
        waiting: bool,
    },
    Flood {
        after_ms: u64,
        seconds: u32,
    },
    Transport {
        after_ms: u64,
    },
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        8 => (0u64..2_000, 0u64..=MIB, any::<bool>())
            .prop_map(|(after_ms, bytes, waiting)| Input::Done { after_ms, bytes, waiting }),
        1 => (0u64..2_000, 0u32..30).prop_map(|(after_ms, seconds)| Input::Flood { after_ms, seconds }),
        1 => (0u64..2_000).prop_map(|after_ms| Input::Transport { after_ms }),
    ]
}

proptest! {
    /// Whatever it is fed, it stays within its limits, and every wait is
    /// honoured: the pause never ends before the wait does.
    #[test]
    fn stays_within_limits_and_honours_waits(
        connections in 1usize..16,
        parts in 1usize..80,
        inputs in proptest::collection::vec(input(), 0..300),
    ) {
        let mut c = Controller::new(limits(connections, parts));
        let mut now = Duration::ZERO;
        for i in inputs {
            let before = c.in_flight();
            match i {
                Input::Done { after_ms, bytes, waiting } => {
                    now += Duration::from_millis(after_ms);
                    c.completed(now, bytes, waiting);
                    // One part more in slow start, else a step at most.
                    prop_assert!(c.in_flight() <= 2 * before + c.connections());
                    // Nothing waited: no growth.
                    prop_assert!(waiting || c.in_flight() <= before);
                }
                Input::Flood { after_ms, seconds } => {
                    now += Duration::from_millis(after_ms);
                    let paused = now < c.paused_until();
                    c.flood_wait(now, Duration::from_secs(u64::from(seconds)));
                    prop_assert!(c.paused_until() >= now + Duration::from_secs(u64::from(seconds)));
                    // Halved, unless a pause was under way (a burst).
                    prop_assert!(c.in_flight() < before || before == 1 || paused);
                    prop_assert!(!paused || c.in_flight() == before);
                }
                Input::Transport { after_ms } => {
                    now += Duration::from_millis(after_ms);
                    let paused = now < c.paused_until();
                    c.transport_flood(now);
                    prop_assert!(c.paused_until() >= now + TRANSPORT_FLOOD_PAUSE);
                    prop_assert!(c.in_flight() < before || before == 1 || paused);
                }
            }
            prop_assert!(c.connections() >= 1 && c.connections() <= connections);
            prop_assert!(c.in_flight() >= 1 && c.in_flight() <= parts);
        }
    }

    /// Fed the throughput of capped connections, it reaches 90% of what
    /// the limits allow.
    #[test]
    fn converges_near_the_best_the_limits_allow(
        connections in 1usize..12,
        parts in 4usize..80,
        cap in 500_000f64..4_000_000.0,
        latency_ms in 0u64..200,
    ) {
        let latency = latency_ms as f64 / 1000.0;
        let mut c = Controller::new(limits(connections, parts));
        run(&mut c, Duration::ZERO, 120, cap, latency);
        // The best level: every connection (as the budget allows) with as
        // many parts as fit, up to MAX_DEPTH.
        let mut best = 0.0f64;
        for conns in 1..=connections.min(parts) {
            for depth in 1..=MAX_DEPTH {
                if conns * depth <= parts {
                    let mut probe = Controller::new(limits(conns, conns * depth));
                    probe.connections = conns;
                    probe.parts = conns * depth;
                    best = best.max(model_rate(&probe, cap, latency));
                }
            }
        }
        let got = model_rate(&c, cap, latency);
        prop_assert!(got >= 0.9 * best, "{got} of {best}: {c:?}");
    }
}

#[test]
fn slow_start_grows_per_part_until_every_connection_is_open() {
    let mut c = Controller::new(limits(8, 64));
    // Capped connections: each round doubles the rate; 2 -> 8 connections
    // within a few seconds.
    run(&mut c, Duration::ZERO, 3, 2_000_000.0, 0.05);
    assert_eq!(c.connections(), 8, "{c:?}");
    assert!(!c.slow_start());
    // Each part that arrives while others wait adds one.
    let mut c = Controller::new(limits(8, 64));
    c.completed(Duration::from_millis(10), MIB, true); // opens the round
    c.completed(Duration::from_millis(20), MIB, true);
    assert_eq!((c.connections(), c.in_flight()), (3, 5));
    c.completed(Duration::from_millis(30), MIB, true);
    assert_eq!((c.connections(), c.in_flight()), (3, 6));
}

#[test]
fn after_a_flood_wait_slow_start_back_to_the_cut_level() {
    let mut c = Controller::new(limits(8, 64));
    let now = run(&mut c, Duration::ZERO, 10, 2_000_000.0, 0.05);
    let level = (c.connections(), c.in_flight());
    assert_eq!(level.0, 8);
    c.flood_wait(now, Duration::from_secs(2));
    assert_eq!(c.in_flight(), level.1 / 2);
    assert!(c.slow_start());
    // The rest of the burst refused too: the pause only, no second cut.
    c.flood_wait(now + Duration::from_millis(20), Duration::from_secs(2));
    assert_eq!(c.in_flight(), level.1 / 2);
    // Within a second of the pause's end, back at the cut level (each part
    // that arrives adds one), and no further.
    let back = run(&mut c, now + Duration::from_secs(2), 1, 2_000_000.0, 0.05);
    assert_eq!((c.connections(), c.in_flight()), level, "{c:?}");
    assert!(!c.slow_start());
    // A second wait soon after: halved again, and one step a window from
    // there.
    c.flood_wait(back, Duration::from_secs(1));
    assert_eq!(c.in_flight(), level.1 / 2);
    assert!(!c.slow_start());
}

#[test]
fn a_flood_wait_during_the_first_slow_start_resumes_it_to_every_connection() {
    // The first burst meets the rate limit while the level still grows
    // (another DC's calls took most of the rate): the cut level says
    // nothing of what the connections carry.
    let mut c = Controller::new(limits(8, 64));
    assert!(c.slow_start());
    let now = run(&mut c, Duration::ZERO, 0, 2_000_000.0, 0.05);
    c.completed(now, 1 << 20, true);
    let level = (c.connections(), c.in_flight());
    assert!(level.0 < 8, "{c:?}");
    c.flood_wait(now, Duration::from_secs(1));
    assert!(c.slow_start());
    let after = run(&mut c, now + Duration::from_secs(1), 4, 2_000_000.0, 0.05);
    assert_eq!(c.connections(), 8, "{c:?}");
    // A wait once it has settled recovers only to the level it cut.
    c.flood_wait(after + REPEAT_FLOOD, Duration::from_secs(1));
    let cut = c.in_flight();
    run(
        &mut c,
        after + REPEAT_FLOOD + Duration::from_secs(1),
        2,
        2_000_000.0,
        0.05,
    );
    assert!(c.in_flight() <= 2 * cut, "{c:?}");
}

#[test]
fn no_growth_while_nothing_waits() {
    // Fewer parts asked for than the level allows: whatever the rate, the
    // level stays, and slow start goes on.
    let mut c = Controller::new(limits(8, 64));
    let mut now = Duration::ZERO;
    for _ in 0..200 {
        now += Duration::from_millis(100);
        c.completed(now, MIB, false);
    }
    assert_eq!((c.connections(), c.in_flight()), (2, 4));
    assert!(c.slow_start());
    // Once parts wait, it grows at once.
    c.completed(now + Duration::from_millis(10), MIB, true);
    assert_eq!(c.in_flight(), 5);
}

/// A discrete-event model of a DC: `connections` lanes each serving its
/// parts one after the other at `cap` bytes a second, each answer ready
/// `latency` after its request; parts of `part` bytes always waiting.
/// Returns the bytes received by each whole second.
fn simulate(c: &mut Controller, seconds: u64, cap: f64, latency: f64, part: u64) -> Vec<u64> {
    let end = seconds as f64;
    // (finish time, lane) of each part in flight.
    let mut flying: Vec<(f64, usize)> = Vec::new();
    let mut lane_free = vec![0.0f64; 64];
    let mut received = vec![0u64; seconds as usize + 1];
    let mut now = 0.0f64;
    for _ in 0..1_000_000 {
        // Send as the level allows, on the least loaded lane.
        while flying.len() < c.in_flight() {
            let lanes = c.connections();
            let load = |l: usize| flying.iter().filter(|f| f.1 == l).count();
            let Some(lane) = (0..lanes).min_by_key(|&l| (load(l), l)) else {
                break;
            };
            let ready = now + latency;
            let finish = ready.max(lane_free[lane]) + part as f64 / cap;
            lane_free[lane] = finish;
            flying.push((finish, lane));
        }
        let Some(next) = (0..flying.len()).min_by(|&a, &b| flying[a].0.total_cmp(&flying[b].0))
        else {
            break;
        };
        let (finish, _) = flying.swap_remove(next);
        now = finish;
        if now >= end {
            break;
        }
        received[now as usize] += part;
        c.completed(Duration::from_secs_f64(now), part, true);
    }
    received
}

#[test]
fn the_model_dc_runs_at_its_cap_within_two_seconds() {
    // The benchmark's DC: 8 connections of 2 MB/s, 50 ms latency, 1 MiB
    // parts always waiting.
    let mut c = Controller::new(limits(8, 64));
    let got = simulate(&mut c, 12, 2_000_000.0, 0.05, MIB);
    assert_eq!(c.connections(), 8, "{c:?}");
    let after: u64 = got[2..12].iter().sum();
    assert!(
        after as f64 >= 0.95 * 16_000_000.0 * 10.0,
        "{after} bytes in 10 s: {got:?} {c:?}"
    );
    // And no deeper than it needs: at most two parts a connection more
    // than the two that fill it.
    assert!(c.in_flight() <= 8 * 4, "{c:?}");
}

#[test]
fn the_model_dc_with_small_parts_deepens() {
    // Parts of 64 KiB at 2 MB/s take 33 ms, less than the 50 ms latency:
    // two a connection do not fill it, more do.
    let mut c = Controller::new(limits(4, 64));
    let got = simulate(&mut c, 40, 2_000_000.0, 0.05, 64 * 1024);
    let last: u64 = got[30..40].iter().sum();
    assert!(
        last as f64 >= 0.9 * 8_000_000.0 * 10.0,
        "{last} bytes in 10 s: {got:?} {c:?}"
    );
}
