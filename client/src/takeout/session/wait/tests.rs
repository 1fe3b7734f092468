use std::time::Duration;

use super::*;

const MIN: Duration = Duration::from_secs(60);

#[test]
fn a_long_delay_is_asked_about_again_at_the_interval() {
    let mut w = DelayWait::new(5 * MIN);
    // 24 h announced: sleep 5 minutes, ask again.
    assert_eq!(w.on_delay(86_400), Some(5 * MIN));
    // Telegram counts down: keep asking every 5 minutes.
    for left in (1..=287).rev() {
        assert_eq!(w.on_delay(left * 300), Some(5 * MIN), "{left}");
    }
    // The last stretch is shorter than the interval: sleep just that.
    assert_eq!(w.on_delay(40), Some(Duration::from_secs(40)));
}

#[test]
fn a_delay_moved_later_each_time_it_ends_is_given_up_after_three() {
    let mut w = DelayWait::new(5 * MIN);
    assert_eq!(w.on_delay(30), Some(Duration::from_secs(30)));
    assert_eq!(w.on_delay(30), Some(Duration::from_secs(30)));
    assert_eq!(w.on_delay(30), Some(Duration::from_secs(30)));
    assert_eq!(w.on_delay(30), None);
}

#[test]
fn asking_is_bounded_even_if_the_delay_never_ends() {
    let mut w = DelayWait::new(Duration::from_secs(1));
    let asked = (0..2_000)
        .take_while(|_| w.on_delay(3_600).is_some())
        .count();
    assert_eq!(asked, MAX_ASKS as usize);
}

#[test]
fn a_zero_delay_or_interval_still_sleeps_a_second() {
    let mut w = DelayWait::new(Duration::ZERO);
    assert_eq!(w.on_delay(0), Some(Duration::from_secs(1)));
}
