//! The date table: real-world strings from listing pages and feeds, with what they must mean.

use super::*;
use chrono::Utc;

fn rules(tz: &str, day_first: bool) -> DateRules {
    DateRules {
        timezone: tz.parse().unwrap(),
        day_first,
    }
}

/// (input, time zone of the source, day_first, expected RFC 3339 or "ERR: part of the message")
#[rustfmt::skip]
const TABLE: &[(&str, &str, bool, &str)] = &[
    // defense.gov AP style (seed listing) in the source's zone; midnight stays midnight
    ("Oct. 9, 2020", "America/New_York", false, "2020-10-09T00:00:00-04:00"),
    ("Sept. 30, 2020", "America/New_York", false, "2020-09-30T00:00:00-04:00"),
    ("April 15, 2020", "America/New_York", false, "2020-04-15T00:00:00-04:00"),
    ("March 27, 2020", "America/New_York", false, "2020-03-27T00:00:00-04:00"),
    ("Dec. 30, 2024", "America/New_York", false, "2024-12-30T00:00:00-05:00"),
    ("Nov. 10, 2020", "UTC", false, "2020-11-10T00:00:00+00:00"),
    // defense.gov publish-date-jss: naive ISO, read in the source zone (EDT vs EST)
    ("2024-12-30T07:37:17", "America/New_York", false, "2024-12-30T07:37:17-05:00"),
    ("2020-10-09T10:07:00", "America/New_York", false, "2020-10-09T10:07:00-04:00"),
    ("2020-11-10T18:18:00", "UTC", false, "2020-11-10T18:18:00+00:00"),
    // <time datetime> values from WordPress, h-entry and Jekyll pages
    ("2014-02-03T09:18:25+00:00", "America/New_York", false, "2014-02-03T09:18:25+00:00"),
    ("2018-10-23T20:00:03Z", "Europe/Paris", false, "2018-10-23T20:00:03+00:00"),
    ("2014-11-05 14:33:01", "Europe/Rome", false, "2014-11-05T14:33:01+01:00"),
    ("2019-06-14T00:00:00.000Z", "UTC", false, "2019-06-14T00:00:00+00:00"),
    ("2015-08-31", "Europe/Berlin", false, "2015-08-31T00:00:00+02:00"),
    ("2020-10-09", "America/New_York", false, "2020-10-09T00:00:00-04:00"),
    ("2021-03-04T05:06:07.123456+05:30", "UTC", false, "2021-03-04T05:06:07.123456+05:30"),
    ("2016-02-11T10:26:02+0000", "UTC", false, "2016-02-11T10:26:02+00:00"),
    ("2020-10-09 10:07", "Asia/Tokyo", false, "2020-10-09T10:07:00+09:00"),
    // RFC 2822 from real feeds, including a wrong weekday and a zone name
    ("Fri, 01 Apr 2022 08:00:22 +0000", "America/New_York", false, "2022-04-01T08:00:22+00:00"),
    ("Fri, 09 Oct 2020 14:30:00 GMT", "America/New_York", false, "2020-10-09T14:30:00+00:00"),
    ("Mon, 09 Oct 2020 14:30:00 GMT", "UTC", false, "2020-10-09T14:30:00+00:00"),
    ("Tue, 10 Jun 2003 04:00:00 EDT", "UTC", false, "2003-06-10T04:00:00-04:00"),
    ("Wed, 02 Oct 2002 08:00:00 -0500", "UTC", false, "2002-10-02T08:00:00-05:00"),
    // Human dates in other layouts
    ("9 October 2020", "UTC", false, "2020-10-09T00:00:00+00:00"),
    ("October 9th, 2020", "UTC", false, "2020-10-09T00:00:00+00:00"),
    ("Friday, October 9, 2020", "UTC", false, "2020-10-09T00:00:00+00:00"),
    ("Feb 3, 2014", "UTC", false, "2014-02-03T00:00:00+00:00"),
    ("\u{a0}April 8, 2015", "UTC", false, "2015-04-08T00:00:00+00:00"),
    ("Posted on December 16, 2014", "UTC", false, "2014-12-16T00:00:00+00:00"),
    ("Published: 3 Jan 2021", "UTC", false, "2021-01-03T00:00:00+00:00"),
    ("9 Oct 2020 2:30pm", "UTC", false, "2020-10-09T14:30:00+00:00"),
    ("Oct 9, 2020 at 12:05 a.m. ET", "UTC", false, "2020-10-09T00:05:00-04:00"),
    ("Oct 9, 2020 12:00 PM PT", "UTC", false, "2020-10-09T12:00:00-07:00"),
    ("January 5, 2021 3 PM EST", "UTC", false, "2021-01-05T15:00:00-05:00"),
    ("Oct 9, 2020 10:07 UTC+02:00", "UTC", false, "2020-10-09T10:07:00+02:00"),
    ("2020-10-09 10:07 -0400", "UTC", false, "2020-10-09T10:07:00-04:00"),
    // Numeric dates: month-first unless told, the unambiguous ones whatever the setting
    ("10/09/2020", "UTC", false, "2020-10-09T00:00:00+00:00"),
    ("10/09/2020", "UTC", true, "2020-09-10T00:00:00+00:00"),
    ("31/12/2020", "UTC", false, "2020-12-31T00:00:00+00:00"),
    ("12/31/2020", "UTC", true, "2020-12-31T00:00:00+00:00"),
    ("Mon, 01/20/2014 - 14:06", "America/Chicago", false, "2014-01-20T14:06:00-06:00"),
    ("04.05.2024", "Europe/Berlin", false, "2024-05-04T00:00:00+02:00"),
    ("2020/10/09", "UTC", false, "2020-10-09T00:00:00+00:00"),
    ("10/9/20", "UTC", false, "2020-10-09T00:00:00+00:00"),
    // Other languages
    ("9 octobre 2020", "Europe/Paris", false, "2020-10-09T00:00:00+02:00"),
    ("le 1er août 2019 à 14h30", "Europe/Paris", false, "2019-08-01T14:30:00+02:00"),
    ("9. Oktober 2020", "Europe/Berlin", false, "2020-10-09T00:00:00+02:00"),
    ("3 de marzo de 2021", "Europe/Madrid", false, "2021-03-03T00:00:00+01:00"),
    ("12 settembre 2019", "Europe/Rome", false, "2019-09-12T00:00:00+02:00"),
    ("2016年4月20日", "Asia/Tokyo", false, "2016-04-20T00:00:00+09:00"),
    ("2016年4月20日(水)", "Asia/Tokyo", false, "2016-04-20T00:00:00+09:00"),
    ("2024년 2월 5일 (월)", "Asia/Seoul", false, "2024-02-05T00:00:00+09:00"),
    // Month and weekday names from CLDR, genitive forms, capitals and folded accents
    ("5 февраля 2024", "Europe/Moscow", false, "2024-02-05T00:00:00+03:00"),
    ("понедельник, 5 февраля 2024 г.", "Europe/Moscow", false, "2024-02-05T00:00:00+03:00"),
    ("5 лютого 2024", "Europe/Kyiv", false, "2024-02-05T00:00:00+02:00"),
    ("12 stycznia 2021", "Europe/Warsaw", false, "2021-01-12T00:00:00+01:00"),
    ("5. března 2024", "Europe/Prague", false, "2024-03-05T00:00:00+01:00"),
    ("5. februára 2024", "Europe/Bratislava", false, "2024-02-05T00:00:00+01:00"),
    ("2020. március 5.", "Europe/Budapest", false, "2020-03-05T00:00:00+01:00"),
    ("5 februarie 2024", "Europe/Bucharest", false, "2024-02-05T00:00:00+02:00"),
    ("5 Şubat 2024 Pazartesi", "Europe/Istanbul", false, "2024-02-05T00:00:00+03:00"),
    ("5 KASIM 2024", "Europe/Istanbul", false, "2024-11-05T00:00:00+03:00"),
    ("14 Φεβρουαρίου 2024", "Europe/Athens", false, "2024-02-14T00:00:00+02:00"),
    ("14 ΜΑΪΟΥ 2024", "Europe/Athens", false, "2024-05-14T00:00:00+03:00"),
    ("måndag 5 februari 2024", "Europe/Stockholm", false, "2024-02-05T00:00:00+01:00"),
    ("5. februar 2024", "Europe/Copenhagen", false, "2024-02-05T00:00:00+01:00"),
    ("maanantaina 5. helmikuuta 2024", "Europe/Helsinki", false, "2024-02-05T00:00:00+02:00"),
    ("5 februari 2024", "Europe/Amsterdam", false, "2024-02-05T00:00:00+01:00"),
    ("segunda-feira, 5 de fevereiro de 2024", "America/Sao_Paulo", false, "2024-02-05T00:00:00-03:00"),
    ("5 fevrier 2024", "Europe/Paris", false, "2024-02-05T00:00:00+01:00"),
    ("Jeu 11 Juil 2013 08:55", "Europe/Paris", false, "2013-07-11T08:55:00+02:00"),
    ("Mar 15 Jan 2013 14:37", "Europe/Paris", false, "2013-01-15T14:37:00+01:00"),
    ("29.08.2014, 07:37 Uhr", "Europe/Berlin", false, "2014-08-29T07:37:00+02:00"),
    ("Jun 9, 2015 7:51 PM", "UTC", false, "2015-06-09T19:51:00+00:00"),
    ("2016-02-26T17:05:01+0900", "UTC", false, "2016-02-26T17:05:01+09:00"),
    // Unix timestamps in data attributes
    ("1602252420", "UTC", false, "2020-10-09T14:07:00+00:00"),
    ("1602252420000", "UTC", false, "2020-10-09T14:07:00+00:00"),
    // DST edges: a skipped local time moves forward; a repeated one takes the first instant
    ("2021-03-14T02:30:00", "America/New_York", false, "2021-03-14T03:00:00-04:00"),
    ("2021-11-07T01:30:00", "America/New_York", false, "2021-11-07T01:30:00-04:00"),
    // Refused, with a reason
    ("Oct. 32, 2020", "UTC", false, "ERR: October 2020 has no day 32"),
    ("Feb. 29, 2021", "UTC", false, "ERR: February 2021 has no day 29"),
    ("3 hours ago", "UTC", false, "ERR: relative dates"),
    ("yesterday", "UTC", false, "ERR: relative dates"),
    ("08/05 10:00", "UTC", false, "ERR: no year"),
    ("October 2020", "UTC", false, "ERR: no day"),
    ("", "UTC", false, "ERR: empty"),
    ("by John Smith", "UTC", false, "ERR: unrecognized word \"by\""),
    ("Oct 9, 2020 10:07 IST", "UTC", false, "ERR: unrecognized word \"ist\""),
    ("13/13/2020", "UTC", false, "ERR: there is no month 13"),
    ("2020-13-45", "UTC", false, "ERR: there is no month 13"),
    ("99999999999999", "UTC", false, "ERR: 99999999999999 is too long a number"),
    ("2020-02-30", "UTC", false, "ERR: February 2020 has no day 30"),
    ("25:00 Oct 9 2020", "UTC", false, "ERR: is not a time"),
];

#[test]
fn date_table() {
    assert!(TABLE.len() >= 40);
    let mut failures = Vec::new();
    for &(input, tz, day_first, want) in TABLE {
        let got = match parse(input, &rules(tz, day_first)) {
            Ok(d) => d.to_rfc3339(),
            Err(e) => format!("ERR: {e}"),
        };
        let ok = match want.strip_prefix("ERR: ") {
            Some(part) => got.starts_with("ERR: ") && got.contains(part),
            None => got == want,
        };
        if !ok {
            failures.push(format!(
                "{input:?} ({tz}, day_first={day_first}): got {got}, want {want}"
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn date_lines_of_text_listings() {
    let r = DateRules::default();
    for yes in [
        "Oct. 9, 2020",
        "Oct. 32, 2020",
        "31/02/2020",
        "Sept. 30, 2020",
        "yesterday",
        "3 hours ago",
        "2020-W53-7",
        "99999999999999",
        "2020-10-09T10:00:00+25:00",
        "2020-13-45",
    ] {
        assert!(looks_like_date(yes, &r), "{yes}");
    }
    for no in [
        "2,500 troops",
        "Covid-19",
        "U.S., Morocco Chart Defense Cooperation Through 2030",
        "DOD Uses International Contacts to Help Allies, Partners Combat COVID-19",
        "Tag: Partnerships",
        "The command also",
    ] {
        assert!(!looks_like_date(no, &r), "{no}");
    }
}

#[test]
fn noise_never_panics() {
    // Random mixes of the pieces dates are made of, plus odd characters.
    let pieces = [
        "Oct.",
        "9",
        ",",
        "2020",
        "10",
        "/",
        "-",
        ".",
        ":",
        "14:30",
        "pm",
        "a.m.",
        "+0500",
        "-",
        "GMT",
        "ET",
        "1er",
        "août",
        "年",
        "月",
        "日",
        "99999999999999",
        "0",
        "31",
        "T",
        "Z",
        " ",
        "\u{0}",
        "é",
        "ago",
        "h",
        "+",
        "−",
        "25:99:99",
        "9th",
        "st",
    ];
    let rules = DateRules::default();
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..20_000 {
        let n = rng.usize(1..8);
        let s: String = (0..n).map(|_| pieces[rng.usize(..pieces.len())]).collect();
        let _ = parse(&s, &rules);
        let _ = looks_like_date(&s, &rules);
        let _ = find(&s, &rules);
        let _ = read(&s, &rules, DateTime::<Utc>::MIN_UTC);
    }
}

#[test]
fn dates_inside_other_text() {
    let rules = rules("America/New_York", false);
    let found = |s: &str| find(s, &rules).map(|d| d.to_rfc3339());
    assert_eq!(
        found("Kody Kester | Jun 26, 2022").as_deref(),
        Some("2022-06-26T00:00:00-04:00")
    );
    assert_eq!(
        found("Posted on 12 March 2015 by admin").as_deref(),
        Some("2015-03-12T00:00:00-04:00")
    );
    assert_eq!(
        found("By Jane — 2019-05-04T10:00:00Z — 3 comments").as_deref(),
        Some("2019-05-04T10:00:00+00:00")
    );
    for s in [
        "Page 2 of 10",
        "Top 10 March Madness picks",
        "3/16 Wed 12:00 PM",
        "© 2020 Example",
    ] {
        assert_eq!(found(s), None, "{s}");
    }
}

#[test]
fn reading_a_field_at_a_moment() {
    let rules = rules("Europe/Berlin", true);
    let now: DateTime<Utc> = "2026-11-28T12:00:00Z".parse().unwrap();
    let r = read("vor 3 Stunden", &rules, now).unwrap();
    assert!(r.relative);
    assert_eq!(r.date.to_rfc3339(), "2026-11-28T09:00:00+00:00");
    let r = read("am 12.03.2015 veröffentlicht", &rules, now).unwrap();
    assert_eq!(r.date.date_naive().to_string(), "2015-03-12");
    let r = read("Veröffentlicht: 12.03.2015", &rules, now).unwrap();
    assert!(!r.relative);
    assert_eq!(r.date.date_naive().to_string(), "2015-03-12");
    assert_eq!(
        read("Oct. 32, 2020", &rules, now).unwrap_err().to_string(),
        "October 2020 has no day 32"
    );
}

#[test]
fn day_first_is_guessed_from_plain_dates() {
    assert_eq!(guess_day_first(["18/03/2016", "01/03/2016"]), Some(true));
    assert_eq!(guess_day_first(["03/18/2016", "Oct. 9"]), Some(false));
    assert_eq!(guess_day_first(["01/03/2016", "09.10.2020"]), None);
    assert_eq!(guess_day_first(["18/03/2016", "03/18/2016"]), None);
    assert_eq!(
        guess_day_first(["2016-03-18T10:00:00Z", "2016-12-01"]),
        None
    );
    assert_eq!(guess_day_first(["2016-03-18", "18-03-2016"]), Some(true));
}
