use super::*;

fn report() -> Report {
    Report {
        server: "127.0.0.1:4430".into(),
        home_dc: 2,
        this_dc: 2,
        layer: 214,
        clock_offset: 0,
        login: Login::Yes {
            name: "Ada".into(),
            id: 7,
        },
        takeout: Takeout::NotTried,
    }
}

#[test]
fn all_well_is_exit_0_with_one_line_each() {
    let r = report();
    assert_eq!(r.exit_code(), 0);
    insta::assert_snapshot!(r.text(), @r"
    server:  127.0.0.1:4430
    DC:      2 (home DC 2)
    layer:   214
    clock:   in step with the server
    session: logged in as Ada (user id 7)
    takeout: not tried (add --takeout to ask Telegram)
    ");
}

#[test]
fn each_outcome_has_its_exit_code() {
    let with = |login, takeout| Report {
        login,
        takeout,
        ..report()
    };
    let yes = report().login;
    assert_eq!(with(yes.clone(), Takeout::CanStart).exit_code(), 0);
    assert_eq!(
        with(yes.clone(), Takeout::Delayed("x".into())).exit_code(),
        4
    );
    assert_eq!(with(yes, Takeout::Failed("x".into())).exit_code(), 1);
    assert_eq!(with(Login::No, Takeout::NotTried).exit_code(), 3);
    assert_eq!(
        with(Login::Lost("401".into()), Takeout::NotTried).exit_code(),
        3
    );
}

#[test]
fn the_clock_says_which_way_and_warns_when_far_off() {
    let at = |clock_offset| Report {
        clock_offset,
        ..report()
    };
    assert!(at(5).text().contains("clock:   5 s behind the server\n"));
    assert!(at(-5).text().contains("clock:   5 s ahead of the server\n"));
    assert!(
        at(-120)
            .text()
            .contains("120 s ahead of the server: set the system clock")
    );
}
