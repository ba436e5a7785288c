//! `lib.date` and `lib.markdown`: every node run by the dynamic runner from NodeTool JSON,
//! with NodeTool's metadata, Python's `strptime`/`strftime`/`timedelta` and `re` semantics,
//! edge cases and clear errors.

mod node_harness;
use node_harness::{err, ok, run_node, run_output};

use nodetool::prelude::*;
use serde_json::{json, Value};

const D: &str = "lib.date.";
const M: &str = "lib.markdown.";

async fn date(name: &str, data: Value) -> Value {
    ok(&format!("{D}{name}"), data).await
}

async fn date_err(name: &str, data: Value) -> String {
    err(&format!("{D}{name}"), data).await
}

async fn date_output(name: &str, data: Value, handle: &str) -> Value {
    run_output(
        &format!("{D}{name}"),
        data,
        handle,
        &ProcessingContext::default(),
    )
    .await
    .unwrap_or_else(|e| panic!("{name}.{handle}: {e}"))
}

/// The error of a node with several outputs (read on `handle`).
async fn date_output_err(name: &str, data: Value, handle: &str) -> String {
    match run_output(
        &format!("{D}{name}"),
        data,
        handle,
        &ProcessingContext::default(),
    )
    .await
    {
        Ok(v) => panic!("{name}.{handle}: expected an error, got {v}"),
        Err(e) => e,
    }
}

async fn md(name: &str, data: Value) -> Value {
    ok(&format!("{M}{name}"), data).await
}

/// A NodeTool `Datetime` at `utc_offset` seconds, named `tz`.
#[allow(clippy::too_many_arguments)]
fn dt_at(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, us: i64, tz: &str, off: f64) -> Value {
    json!({"type": "datetime", "year": y, "month": mo, "day": d, "hour": h, "minute": mi,
           "second": s, "microsecond": us, "tzinfo": tz, "utc_offset": off})
}

/// A NodeTool `Datetime` in UTC.
fn utc(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> Value {
    dt_at(y, mo, d, h, mi, s, 0, "UTC", 0.0)
}

fn ymd(y: i64, m: i64, d: i64) -> Value {
    json!({"type": "date", "year": y, "month": m, "day": d})
}

/// The fields of a `Datetime`, most significant first, for ordering UTC values.
fn fields(v: &Value) -> [i64; 7] {
    [
        "year",
        "month",
        "day",
        "hour",
        "minute",
        "second",
        "microsecond",
    ]
    .map(|k| v[k].as_i64().unwrap_or_else(|| panic!("no `{k}` in {v}")))
}

// ---------------------------------------------------------------------------------------
// Metadata.

const DEFAULT_DATETIME: &str = "<datetime>";
const DEFAULT_DATE: &str = "<date>";

/// NodeTool's metadata (from nodetool-base's source): properties `[name, type, default]`,
/// outputs `[name, type]`.
const EXPECTED: &str = r#"{
    "lib.date.Today": {"properties": [], "outputs": [["output", "date"]]},
    "lib.date.Now": {"properties": [], "outputs": [["output", "datetime"]]},
    "lib.date.ParseDate": {"properties": [["date_string", "str", ""], ["input_format", "enum", "%Y-%m-%d"]], "outputs": [["output", "date"]]},
    "lib.date.ParseDateTime": {"properties": [["datetime_string", "str", ""], ["input_format", "enum", "%Y-%m-%d"]], "outputs": [["output", "datetime"]]},
    "lib.date.AddTimeDelta": {"properties": [["input_datetime", "datetime", "<datetime>"], ["days", "int", 0], ["hours", "int", 0], ["minutes", "int", 0]], "outputs": [["output", "datetime"]]},
    "lib.date.DateDifference": {"properties": [["start_date", "datetime", "<datetime>"], ["end_date", "datetime", "<datetime>"]], "outputs": [["total_seconds", "int"], ["days", "int"], ["hours", "int"], ["minutes", "int"], ["seconds", "int"]]},
    "lib.date.FormatDateTime": {"properties": [["input_datetime", "datetime", "<datetime>"], ["output_format", "enum", "%B %d, %Y"]], "outputs": [["output", "str"]]},
    "lib.date.GetWeekday": {"properties": [["input_datetime", "datetime", "<datetime>"], ["as_name", "bool", true]], "outputs": [["output", "union"]]},
    "lib.date.DateRange": {"properties": [["start_date", "datetime", "<datetime>"], ["end_date", "datetime", "<datetime>"], ["step_days", "int", 1]], "outputs": [["output", "list"]]},
    "lib.date.IsDateInRange": {"properties": [["check_date", "datetime", "<datetime>"], ["start_date", "datetime", "<datetime>"], ["end_date", "datetime", "<datetime>"], ["inclusive", "bool", true]], "outputs": [["output", "bool"]]},
    "lib.date.GetQuarter": {"properties": [["input_datetime", "datetime", "<datetime>"]], "outputs": [["quarter", "int"], ["quarter_start", "datetime"], ["quarter_end", "datetime"]]},
    "lib.date.DateToDatetime": {"properties": [["input_date", "date", "<date>"]], "outputs": [["output", "datetime"]]},
    "lib.date.DatetimeToDate": {"properties": [["input_datetime", "datetime", "<datetime>"]], "outputs": [["output", "date"]]},
    "lib.date.RelativeTime": {"properties": [["amount", "int", 1], ["unit", "enum", "days"], ["direction", "enum", "future"]], "outputs": [["output", "datetime"]]},
    "lib.date.BoundaryTime": {"properties": [["input_datetime", "datetime", "<datetime>"], ["period", "enum", "day"], ["boundary", "enum", "start"], ["start_monday", "bool", true]], "outputs": [["output", "datetime"]]},
    "lib.markdown.ExtractLinks": {"properties": [["markdown", "str", ""], ["include_titles", "bool", true]], "outputs": [["output", "list"]]},
    "lib.markdown.ExtractHeaders": {"properties": [["markdown", "str", ""], ["max_level", "int", 6]], "outputs": [["output", "list"]]},
    "lib.markdown.ExtractBulletLists": {"properties": [["markdown", "str", ""]], "outputs": [["output", "list"]]},
    "lib.markdown.ExtractNumberedLists": {"properties": [["markdown", "str", ""]], "outputs": [["output", "list"]]},
    "lib.markdown.ExtractCodeBlocks": {"properties": [["markdown", "str", ""]], "outputs": [["output", "list"]]},
    "lib.markdown.ExtractTables": {"properties": [["markdown", "str", ""]], "outputs": [["output", "dataframe"]]}
}"#;

fn metadata(node_type: &str) -> Value {
    nodetool_std_nodes::link();
    let registered = NodeRegistry::global()
        .get(node_type)
        .unwrap_or_else(|| panic!("{node_type} is not registered"));
    serde_json::to_value(&registered.metadata).unwrap()
}

#[test]
fn metadata_matches_nodetool() {
    let default_datetime = utc(0, 0, 0, 0, 0, 0);
    let default_date = ymd(0, 0, 0);
    let expected: serde_json::Map<String, Value> = serde_json::from_str(EXPECTED).unwrap();
    assert_eq!(expected.len(), 21);
    for (node_type, spec) in &expected {
        let meta = metadata(node_type);
        let props: Vec<Value> = meta["properties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| json!([p["name"], p["type"]["type"], p["default"]]))
            .collect();
        let want: Vec<Value> = spec["properties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| match p[2].as_str() {
                Some(DEFAULT_DATETIME) => json!([p[0], p[1], default_datetime]),
                Some(DEFAULT_DATE) => json!([p[0], p[1], default_date]),
                _ => p.clone(),
            })
            .collect();
        assert_eq!(props, want, "{node_type} properties");
        let outputs: Vec<Value> = meta["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| json!([o["name"], o["type"]["type"]]))
            .collect();
        assert_eq!(Value::from(outputs), spec["outputs"], "{node_type} outputs");
        let description = meta["description"].as_str().unwrap();
        assert!(
            description.lines().count() >= 2,
            "{node_type}: description line and tag line"
        );
        assert_eq!(
            meta["expose_as_tool"],
            node_type != "lib.markdown.ExtractCodeBlocks",
            "{node_type}"
        );
    }
    // Python's enum alias: ISO_WITH_TIMEZONE_UTC is ISO_WITH_TIMEZONE, so 8 values.
    let format = &metadata("lib.date.FormatDateTime")["properties"][1]["type"];
    assert_eq!(format["type_name"], "nodetool.nodes.lib.date.DateFormat");
    assert_eq!(
        format["values"],
        json!([
            "%Y-%m-%d",
            "%m/%d/%Y",
            "%d/%m/%Y",
            "%B %d, %Y",
            "%Y%m%d",
            "%Y%m%d_%H%M%S",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%dT%H:%M:%S%z"
        ])
    );
    let relative = metadata("lib.date.RelativeTime");
    assert_eq!(
        relative["properties"][1]["type"]["type_name"],
        "nodetool.nodes.lib.date.TimeUnitType"
    );
    assert_eq!(
        relative["properties"][2]["type"]["values"],
        json!(["past", "future"])
    );
    assert_eq!(relative["properties"][0]["min"], 0.0);
    let boundary = metadata("lib.date.BoundaryTime");
    assert_eq!(
        boundary["properties"][1]["type"]["values"],
        json!(["day", "week", "month", "year"])
    );
    assert_eq!(
        boundary["properties"][2]["type"]["type_name"],
        "nodetool.nodes.lib.date.BoundaryType"
    );
    let weekday = metadata("lib.date.GetWeekday");
    let members: Vec<&Value> = weekday["outputs"][0]["type"]["type_args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["type"])
        .collect();
    assert_eq!(members, [&json!("str"), &json!("int")]);
    let add = metadata("lib.date.AddTimeDelta");
    assert_eq!(
        (&add["properties"][1]["min"], &add["properties"][1]["max"]),
        (&json!(-3650.0), &json!(3650.0))
    );
}

// ---------------------------------------------------------------------------------------
// lib.date

#[tokio::test]
async fn today_and_now_read_the_utc_clock() {
    let before = date("Now", json!({})).await;
    let today = date("Today", json!({})).await;
    let after = date("Now", json!({})).await;
    assert_eq!(before["type"], "datetime");
    assert_eq!(
        (&before["tzinfo"], &before["utc_offset"]),
        (&json!("UTC"), &json!(0.0))
    );
    assert!(fields(&before) <= fields(&after), "{before} {after}");
    assert!(fields(&before)[0] >= 2024, "{before}");
    assert_eq!(today["type"], "date");
    let day = [&today["year"], &today["month"], &today["day"]].map(|v| v.as_i64().unwrap());
    assert!(
        fields(&before)[..3] <= day[..] && day[..] <= fields(&after)[..3],
        "{today}"
    );
    assert_eq!(today.as_object().unwrap().len(), 4, "{today}");
}

#[tokio::test]
async fn parse_date_follows_strptime() {
    let parse = |s: &str, f: &str| json!({"date_string": s, "input_format": f});
    assert_eq!(
        date("ParseDate", json!({"date_string": "2024-01-05"})).await,
        ymd(2024, 1, 5)
    );
    // Unpadded numbers, other formats, any case, whitespace runs, Unicode digits.
    assert_eq!(
        date("ParseDate", parse("2024-1-5", "%Y-%m-%d")).await,
        ymd(2024, 1, 5)
    );
    assert_eq!(
        date("ParseDate", parse("12/31/1999", "%m/%d/%Y")).await,
        ymd(1999, 12, 31)
    );
    assert_eq!(
        date("ParseDate", parse("31/12/1999", "%d/%m/%Y")).await,
        ymd(1999, 12, 31)
    );
    assert_eq!(
        date("ParseDate", parse("sEPTEMBER \t 5,\n2024", "%B %d, %Y")).await,
        ymd(2024, 9, 5)
    );
    assert_eq!(
        date("ParseDate", parse("2024115", "%Y%m%d")).await,
        ymd(2024, 11, 5)
    );
    assert_eq!(
        date("ParseDate", parse("01/ 5/2024", "%m/%d/%Y")).await,
        ymd(2024, 1, 5)
    );
    assert_eq!(
        date("ParseDate", parse("٢٠٢٤-01-1٥", "%Y-%m-%d")).await,
        ymd(2024, 1, 15)
    );
    // The time and the offset are dropped, not applied.
    assert_eq!(
        date(
            "ParseDate",
            parse("2024-03-05T23:30:00-0500", "%Y-%m-%dT%H:%M:%S%z")
        )
        .await,
        ymd(2024, 3, 5)
    );

    let e = date_err("ParseDate", json!({})).await;
    assert!(
        e.contains("date_string: time data '' does not match format '%Y-%m-%d'"),
        "{e}"
    );
    let e = date_err("ParseDate", parse("2024-01-015", "%Y-%m-%d")).await;
    assert!(e.contains("unconverted data remains: 5"), "{e}");
    let e = date_err("ParseDate", parse("2024-13-01", "%Y-%m-%d")).await;
    assert!(e.contains("time data '2024-13-01' does not match"), "{e}");
    let e = date_err("ParseDate", parse("2023-02-29", "%Y-%m-%d")).await;
    assert!(e.contains("day 29 is out of range for 2023-02"), "{e}");
    let e = date_err("ParseDate", parse("0000-01-01", "%Y-%m-%d")).await;
    assert!(e.contains("year 0 is out of range"), "{e}");
    let e = date_err("ParseDate", parse("it's 2024", "%Y-%m-%d")).await;
    assert!(e.contains(r#"time data "it's 2024" does not match"#), "{e}");
    let e = date_err("ParseDate", parse("Smarch 1, 2024", "%B %d, %Y")).await;
    assert!(e.contains("does not match format '%B %d, %Y'"), "{e}");
    let e = date_err("ParseDate", parse("2024-01-01", "%Y")).await;
    assert!(e.contains("input_format") || e.contains("one of"), "{e}");
}

#[tokio::test]
async fn parse_date_time_reads_times_and_offsets() {
    let parse = |s: &str, f: &str| json!({"datetime_string": s, "input_format": f});
    let iso_tz = "%Y-%m-%dT%H:%M:%S%z";
    assert_eq!(
        date("ParseDateTime", json!({"datetime_string": "2024-03-05"})).await,
        utc(2024, 3, 5, 0, 0, 0)
    );
    assert_eq!(
        date("ParseDateTime", parse("20240305_102030", "%Y%m%d_%H%M%S")).await,
        utc(2024, 3, 5, 10, 20, 30)
    );
    assert_eq!(
        date(
            "ParseDateTime",
            parse("2024-03-05T7:5:9", "%Y-%m-%dT%H:%M:%S")
        )
        .await,
        utc(2024, 3, 5, 7, 5, 9)
    );
    assert_eq!(
        date("ParseDateTime", parse("2024-03-05t10:20:30+0200", iso_tz)).await,
        dt_at(2024, 3, 5, 10, 20, 30, 0, "UTC+02:00", 7200.0)
    );
    assert_eq!(
        date("ParseDateTime", parse("2024-03-05T10:20:30Z", iso_tz)).await,
        utc(2024, 3, 5, 10, 20, 30)
    );
    assert_eq!(
        date("ParseDateTime", parse("2024-03-05T10:20:30+00:00", iso_tz)).await,
        utc(2024, 3, 5, 10, 20, 30)
    );
    assert_eq!(
        date("ParseDateTime", parse("2024-03-05T10:20:30-05:30", iso_tz)).await,
        dt_at(2024, 3, 5, 10, 20, 30, 0, "UTC-05:30", -19800.0)
    );
    assert_eq!(
        date(
            "ParseDateTime",
            parse("2024-03-05T10:20:30+01:00:30.5", iso_tz)
        )
        .await,
        dt_at(2024, 3, 5, 10, 20, 30, 0, "UTC+01:00:30.500000", 3630.5)
    );

    let e = date_err("ParseDateTime", parse("2024-03-05T10:20:30z", iso_tz)).await;
    assert!(e.contains("datetime_string: time data"), "{e}");
    let e = date_err(
        "ParseDateTime",
        parse("2024-03-05T10:20:30+01:0030", iso_tz),
    )
    .await;
    assert!(e.contains("Inconsistent use of : in +01:0030"), "{e}");
    let e = date_err(
        "ParseDateTime",
        parse("2024-03-05T10:20:30+0100:30", iso_tz),
    )
    .await;
    assert!(e.contains("Inconsistent use of : in +0100:30"), "{e}");
    let e = date_err("ParseDateTime", parse("2024-03-05T10:20:30+2500", iso_tz)).await;
    assert!(
        e.contains("+2500 is not strictly between -24 and +24 hours"),
        "{e}"
    );
    let e = date_err(
        "ParseDateTime",
        parse("2024-03-05T10:20:60", "%Y-%m-%dT%H:%M:%S"),
    )
    .await;
    assert!(e.contains("second 60 is out of range 0..59"), "{e}");
    let e = date_err("ParseDateTime", parse("2024-03-05 10:20", "%Y-%m-%d")).await;
    assert!(e.contains("unconverted data remains:  10:20"), "{e}");
}

#[tokio::test]
async fn add_time_delta_keeps_the_offset() {
    assert_eq!(
        date(
            "AddTimeDelta",
            json!({"input_datetime": utc(2024, 2, 28, 23, 30, 0), "days": 1, "hours": 1})
        )
        .await,
        utc(2024, 3, 1, 0, 30, 0)
    );
    assert_eq!(
        date(
            "AddTimeDelta",
            json!({"input_datetime": utc(2024, 1, 1, 0, 0, 0), "minutes": -1})
        )
        .await,
        utc(2023, 12, 31, 23, 59, 0)
    );
    let cet = dt_at(2024, 3, 30, 12, 0, 0, 42, "CET", 3600.0);
    assert_eq!(
        date("AddTimeDelta", json!({"input_datetime": cet, "days": 2})).await,
        dt_at(2024, 4, 1, 12, 0, 0, 42, "CET", 3600.0)
    );
    // With a zero offset the name is not kept, as in NodeTool.
    let london = dt_at(2024, 1, 1, 0, 0, 0, 0, "Europe/London", 0.0);
    assert_eq!(
        date(
            "AddTimeDelta",
            json!({"input_datetime": london, "hours": 24})
        )
        .await,
        utc(2024, 1, 2, 0, 0, 0)
    );
    // Unchanged input: a round trip through Python's to_datetime/from_datetime.
    assert_eq!(
        date(
            "AddTimeDelta",
            json!({"input_datetime": utc(2024, 5, 6, 7, 8, 9)})
        )
        .await,
        utc(2024, 5, 6, 7, 8, 9)
    );

    let e = date_err("AddTimeDelta", json!({})).await;
    assert!(
        e.contains("input_datetime: no date is set (year, month and day are 0, the default)"),
        "{e}"
    );
    let e = date_err(
        "AddTimeDelta",
        json!({"input_datetime": utc(9999, 12, 31, 12, 0, 0), "days": 1}),
    )
    .await;
    assert!(e.contains("date value out of range"), "{e}");
    let e = date_err(
        "AddTimeDelta",
        json!({"input_datetime": utc(2024, 1, 1, 0, 0, 0), "days": i64::MAX}),
    )
    .await;
    assert!(e.contains("too large"), "{e}");
    let e = date_err("AddTimeDelta", json!({"input_datetime": "2024-01-01"})).await;
    assert!(e.contains("datetime"), "{e}");
    let e = date_err(
        "AddTimeDelta",
        json!({"input_datetime": {"type": "date", "year": 2024, "month": 1, "day": 1}}),
    )
    .await;
    assert!(e.contains("datetime"), "{e}");
    let e = date_err(
        "AddTimeDelta",
        json!({"input_datetime": {"type": "datetime", "year": "2024"}}),
    )
    .await;
    assert!(e.contains("`year`"), "{e}");
}

#[tokio::test]
async fn date_difference_splits_like_timedelta() {
    async fn diff(start: Value, end: Value) -> [i64; 5] {
        let data = json!({"start_date": start, "end_date": end});
        let mut out = [0; 5];
        for (i, h) in ["total_seconds", "days", "hours", "minutes", "seconds"]
            .iter()
            .enumerate()
        {
            out[i] = date_output("DateDifference", data.clone(), h)
                .await
                .as_i64()
                .unwrap();
        }
        out
    }
    assert_eq!(
        diff(
            utc(2024, 1, 1, 0, 0, 0),
            dt_at(2024, 1, 2, 3, 4, 5, 500_000, "UTC", 0.0)
        )
        .await,
        [97445, 1, 3, 4, 5]
    );
    // Negative: days rounded down, the rest positive (Python's timedelta).
    assert_eq!(
        diff(utc(2024, 1, 1, 12, 0, 0), utc(2024, 1, 1, 11, 0, 0)).await,
        [-3600, -1, 23, 0, 0]
    );
    assert_eq!(
        diff(
            utc(2024, 1, 1, 12, 0, 0),
            dt_at(2024, 1, 1, 11, 59, 59, 500_000, "UTC", 0.0)
        )
        .await,
        [0, -1, 23, 59, 59]
    );
    // Offset-aware: 14:00 at +02:00 is 12:00 UTC.
    assert_eq!(
        diff(
            utc(2024, 1, 1, 12, 0, 0),
            dt_at(2024, 1, 1, 14, 0, 0, 0, "CEST", 7200.0)
        )
        .await,
        [0, 0, 0, 0, 0]
    );
    assert_eq!(
        diff(utc(1, 1, 1, 0, 0, 0), utc(9999, 12, 31, 23, 59, 59)).await,
        [315_537_897_599, 3_652_058, 23, 59, 59]
    );
    let e = date_output_err(
        "DateDifference",
        json!({"start_date": utc(2024, 1, 1, 0, 0, 0)}),
        "days",
    )
    .await;
    assert!(e.contains("end_date: no date is set"), "{e}");
    let e = date_output_err(
        "DateDifference",
        json!({"start_date": utc(2024, 2, 30, 0, 0, 0), "end_date": utc(2024, 1, 1, 0, 0, 0)}),
        "total_seconds",
    )
    .await;
    assert!(
        e.contains("start_date: day 30 is out of range for 2024-02"),
        "{e}"
    );
}

#[tokio::test]
async fn format_date_time_follows_strftime() {
    let fmt = |v: Value, f: &str| json!({"input_datetime": v, "output_format": f});
    assert_eq!(
        date(
            "FormatDateTime",
            json!({"input_datetime": utc(2024, 1, 5, 0, 0, 0)})
        )
        .await,
        json!("January 05, 2024")
    );
    let v = dt_at(2024, 12, 5, 9, 8, 7, 0, "CEST", 7200.0);
    let cases = [
        ("%Y-%m-%d", "2024-12-05"),
        ("%m/%d/%Y", "12/05/2024"),
        ("%d/%m/%Y", "05/12/2024"),
        ("%Y%m%d", "20241205"),
        ("%Y%m%d_%H%M%S", "20241205_090807"),
        ("%Y-%m-%dT%H:%M:%S", "2024-12-05T09:08:07"),
        ("%Y-%m-%dT%H:%M:%S%z", "2024-12-05T09:08:07+0200"),
    ];
    for (f, want) in cases {
        assert_eq!(
            date("FormatDateTime", fmt(v.clone(), f)).await,
            json!(want),
            "{f}"
        );
    }
    let tz = "%Y-%m-%dT%H:%M:%S%z";
    assert_eq!(
        date("FormatDateTime", fmt(utc(2024, 1, 5, 10, 20, 30), tz)).await,
        json!("2024-01-05T10:20:30+0000")
    );
    assert_eq!(
        date(
            "FormatDateTime",
            fmt(dt_at(2024, 1, 5, 10, 20, 30, 0, "IST", -19800.0), tz)
        )
        .await,
        json!("2024-01-05T10:20:30-0530")
    );
    assert_eq!(
        date(
            "FormatDateTime",
            fmt(dt_at(2024, 1, 5, 10, 20, 30, 0, "X", 3661.5), tz)
        )
        .await,
        json!("2024-01-05T10:20:30+010101.500000")
    );
    // Years below 1000 have four digits.
    assert_eq!(
        date("FormatDateTime", fmt(utc(5, 1, 2, 0, 0, 0), "%B %d, %Y")).await,
        json!("January 02, 0005")
    );

    let e = date_err("FormatDateTime", json!({})).await;
    assert!(e.contains("input_datetime: no date is set"), "{e}");
    let e = date_err(
        "FormatDateTime",
        json!({"input_datetime": utc(2024, 13, 1, 0, 0, 0)}),
    )
    .await;
    assert!(
        e.contains("input_datetime: month 13 is out of range 1..12"),
        "{e}"
    );
    let e = date_err(
        "FormatDateTime",
        json!({"input_datetime": dt_at(2024, 1, 1, 0, 0, 0, 0, "X", 86400.0)}),
    )
    .await;
    assert!(
        e.contains("utc_offset 86400 is not strictly between -86400 and 86400 seconds"),
        "{e}"
    );
    let e = date_err(
        "FormatDateTime",
        json!({"input_datetime": dt_at(2024, 1, 1, 0, 0, 0, 1_000_000, "UTC", 0.0)}),
    )
    .await;
    assert!(
        e.contains("microsecond 1000000 is out of range 0..999999"),
        "{e}"
    );
    let e = date_err("FormatDateTime", fmt(utc(2024, 1, 1, 0, 0, 0), "%A")).await;
    assert!(e.contains("%Y-%m-%d"), "the error lists the formats: {e}");
}

#[tokio::test]
async fn get_weekday_uses_the_wall_clock_date() {
    let day = |v: Value, as_name: bool| json!({"input_datetime": v, "as_name": as_name});
    assert_eq!(
        date(
            "GetWeekday",
            json!({"input_datetime": utc(2024, 1, 1, 0, 0, 0)})
        )
        .await,
        json!("Monday")
    );
    assert_eq!(
        date("GetWeekday", day(utc(2024, 1, 1, 0, 0, 0), false)).await,
        json!(0)
    );
    assert_eq!(
        date("GetWeekday", day(utc(2024, 1, 7, 0, 0, 0), true)).await,
        json!("Sunday")
    );
    assert_eq!(
        date("GetWeekday", day(utc(2024, 1, 7, 0, 0, 0), false)).await,
        json!(6)
    );
    assert_eq!(
        date("GetWeekday", day(utc(2024, 2, 29, 0, 0, 0), true)).await,
        json!("Thursday")
    );
    // 00:30 at +05:00 is still Monday (no conversion to UTC).
    let early = dt_at(2024, 1, 1, 0, 30, 0, 0, "PKT", 18000.0);
    assert_eq!(date("GetWeekday", day(early, true)).await, json!("Monday"));
    let e = date_err("GetWeekday", json!({})).await;
    assert!(e.contains("input_datetime: no date is set"), "{e}");
}

#[tokio::test]
async fn date_range_is_inclusive_and_guards_the_step() {
    let range =
        |s: Value, e: Value, step: i64| json!({"start_date": s, "end_date": e, "step_days": step});
    assert_eq!(
        date(
            "DateRange",
            range(utc(2024, 2, 27, 0, 0, 0), utc(2024, 3, 1, 0, 0, 0), 1)
        )
        .await,
        json!([
            utc(2024, 2, 27, 0, 0, 0),
            utc(2024, 2, 28, 0, 0, 0),
            utc(2024, 2, 29, 0, 0, 0),
            utc(2024, 3, 1, 0, 0, 0)
        ])
    );
    // The end bound compares the instants: 12:00 on Feb 2 is after Feb 2 00:00.
    assert_eq!(
        date(
            "DateRange",
            range(utc(2024, 1, 30, 12, 0, 0), utc(2024, 2, 2, 0, 0, 0), 2)
        )
        .await,
        json!([utc(2024, 1, 30, 12, 0, 0), utc(2024, 2, 1, 12, 0, 0)])
    );
    // The first item is the start as given; the others are normalised.
    let start = dt_at(2024, 1, 1, 0, 0, 0, 0, "Europe/London", 0.0);
    assert_eq!(
        date(
            "DateRange",
            range(start.clone(), utc(2024, 1, 2, 0, 0, 0), 1)
        )
        .await,
        json!([start, utc(2024, 1, 2, 0, 0, 0)])
    );
    // 23:00 at -02:00 is 01:00 UTC the next day: after the end.
    let late = dt_at(2024, 1, 1, 23, 0, 0, 0, "X", -7200.0);
    assert_eq!(
        date(
            "DateRange",
            range(late.clone(), utc(2024, 1, 2, 0, 0, 0), 1)
        )
        .await,
        json!([])
    );
    assert_eq!(
        date(
            "DateRange",
            range(late.clone(), utc(2024, 1, 3, 1, 0, 0), 1)
        )
        .await,
        json!([late, dt_at(2024, 1, 2, 23, 0, 0, 0, "X", -7200.0)])
    );
    // A single day, a start after the end, a huge step.
    let day = utc(2024, 6, 1, 0, 0, 0);
    assert_eq!(
        date("DateRange", range(day.clone(), day.clone(), 1)).await,
        json!([day])
    );
    assert_eq!(
        date("DateRange", range(utc(2024, 6, 2, 0, 0, 0), day.clone(), 0)).await,
        json!([])
    );
    assert_eq!(
        date(
            "DateRange",
            range(day.clone(), utc(9999, 1, 1, 0, 0, 0), i64::MAX)
        )
        .await,
        json!([day])
    );
    let to_the_end = date(
        "DateRange",
        range(utc(9999, 12, 25, 0, 0, 0), utc(9999, 12, 31, 23, 0, 0), 3),
    )
    .await;
    assert_eq!(to_the_end.as_array().unwrap().len(), 3, "{to_the_end}");

    // NodeTool loops forever here.
    let e = date_err("DateRange", range(day.clone(), utc(2024, 6, 3, 0, 0, 0), 0)).await;
    assert!(e.contains("step_days must be at least 1, got 0"), "{e}");
    let e = date_err("DateRange", range(day.clone(), day.clone(), -1)).await;
    assert!(e.contains("step_days must be at least 1, got -1"), "{e}");
    let e = date_err("DateRange", json!({"start_date": day})).await;
    assert!(e.contains("end_date: no date is set"), "{e}");
}

#[tokio::test]
async fn is_date_in_range_compares_instants() {
    let check = |c: Value, s: Value, e: Value, inclusive: bool| json!({"check_date": c, "start_date": s, "end_date": e, "inclusive": inclusive});
    let (s, e) = (utc(2024, 1, 1, 0, 0, 0), utc(2024, 12, 31, 0, 0, 0));
    let mid = utc(2024, 6, 1, 0, 0, 0);
    assert_eq!(
        date(
            "IsDateInRange",
            check(mid.clone(), s.clone(), e.clone(), true)
        )
        .await,
        json!(true)
    );
    assert_eq!(
        date(
            "IsDateInRange",
            check(mid.clone(), s.clone(), e.clone(), false)
        )
        .await,
        json!(true)
    );
    assert_eq!(
        date(
            "IsDateInRange",
            json!({"check_date": s, "start_date": s, "end_date": e})
        )
        .await,
        json!(true)
    );
    assert_eq!(
        date(
            "IsDateInRange",
            check(s.clone(), s.clone(), e.clone(), false)
        )
        .await,
        json!(false)
    );
    assert_eq!(
        date(
            "IsDateInRange",
            check(e.clone(), s.clone(), e.clone(), false)
        )
        .await,
        json!(false)
    );
    assert_eq!(
        date(
            "IsDateInRange",
            check(mid.clone(), e.clone(), s.clone(), true)
        )
        .await,
        json!(false)
    );
    // 01:00 at +02:00 on Jan 1 is 23:00 UTC on Dec 31: before the start.
    let early = dt_at(2024, 1, 1, 1, 0, 0, 0, "EET", 7200.0);
    assert_eq!(
        date("IsDateInRange", check(early, s.clone(), e.clone(), true)).await,
        json!(false)
    );
    let err = date_err("IsDateInRange", json!({"start_date": s, "end_date": e})).await;
    assert!(err.contains("check_date: no date is set"), "{err}");
}

#[tokio::test]
async fn get_quarter_reads_year_and_month() {
    async fn quarter(v: Value) -> (Value, Value, Value) {
        let data = json!({"input_datetime": v});
        (
            date_output("GetQuarter", data.clone(), "quarter").await,
            date_output("GetQuarter", data.clone(), "quarter_start").await,
            date_output("GetQuarter", data, "quarter_end").await,
        )
    }
    assert_eq!(
        quarter(utc(2024, 5, 17, 13, 0, 0)).await,
        (
            json!(2),
            utc(2024, 4, 1, 0, 0, 0),
            utc(2024, 6, 30, 0, 0, 0)
        )
    );
    assert_eq!(
        quarter(utc(2024, 2, 29, 0, 0, 0)).await,
        (
            json!(1),
            utc(2024, 1, 1, 0, 0, 0),
            utc(2024, 3, 31, 0, 0, 0)
        )
    );
    assert_eq!(
        quarter(utc(2023, 9, 1, 0, 0, 0)).await,
        (
            json!(3),
            utc(2023, 7, 1, 0, 0, 0),
            utc(2023, 9, 30, 0, 0, 0)
        )
    );
    // The offset is dropped; the end of 9999's last quarter exists.
    assert_eq!(
        quarter(dt_at(9999, 12, 31, 23, 0, 0, 0, "CET", 3600.0)).await,
        (
            json!(4),
            utc(9999, 10, 1, 0, 0, 0),
            utc(9999, 12, 31, 0, 0, 0)
        )
    );
    let e = date_output_err("GetQuarter", json!({}), "quarter").await;
    assert!(
        e.contains("input_datetime: year 0 is out of range 1..9999"),
        "{e}"
    );
    let e = date_output_err(
        "GetQuarter",
        json!({"input_datetime": utc(2024, 13, 1, 0, 0, 0)}),
        "quarter_start",
    )
    .await;
    assert!(
        e.contains("input_datetime: month 13 is out of range 1..12"),
        "{e}"
    );
    let e = date_output_err(
        "GetQuarter",
        json!({"input_datetime": {"type": "datetime", "year": 2024, "month": i64::MIN}}),
        "quarter_end",
    )
    .await;
    assert!(e.contains("is out of range 1..12"), "{e}");
}

#[tokio::test]
async fn date_and_datetime_convert() {
    assert_eq!(
        date("DateToDatetime", json!({"input_date": ymd(2024, 2, 29)})).await,
        utc(2024, 2, 29, 0, 0, 0)
    );
    assert_eq!(
        date(
            "DateToDatetime",
            json!({"input_date": {"year": 1, "month": 1, "day": 1}})
        )
        .await,
        utc(1, 1, 1, 0, 0, 0)
    );
    let e = date_err("DateToDatetime", json!({})).await;
    assert!(e.contains("input_date: no date is set"), "{e}");
    let e = date_err("DateToDatetime", json!({"input_date": ymd(2023, 2, 29)})).await;
    assert!(
        e.contains("input_date: day 29 is out of range for 2023-02"),
        "{e}"
    );
    let e = date_err(
        "DateToDatetime",
        json!({"input_date": utc(2024, 1, 1, 0, 0, 0)}),
    )
    .await;
    assert!(e.contains("date"), "{e}");

    let late = dt_at(2024, 3, 5, 23, 30, 0, 0, "EST", -18000.0);
    assert_eq!(
        date("DatetimeToDate", json!({"input_datetime": late})).await,
        ymd(2024, 3, 5)
    );
    let e = date_err(
        "DatetimeToDate",
        json!({"input_datetime": utc(2024, 3, 5, 24, 0, 0)}),
    )
    .await;
    assert!(
        e.contains("input_datetime: hour 24 is out of range 0..23"),
        "{e}"
    );
    let e = date_err("DatetimeToDate", json!({})).await;
    assert!(e.contains("input_datetime: no date is set"), "{e}");
}

#[tokio::test]
async fn relative_time_moves_from_now() {
    let rel = |amount: i64, unit: &str, direction: &str| json!({"amount": amount, "unit": unit, "direction": direction});
    let shift = |v: &Value, hours: i64| json!({"input_datetime": v, "hours": hours});

    let before = date("Now", json!({})).await;
    let now = date("RelativeTime", rel(0, "hours", "future")).await;
    let past = date("RelativeTime", rel(2, "hours", "past")).await;
    let tomorrow = date("RelativeTime", json!({})).await;
    let later = date("RelativeTime", rel(48, "months", "future")).await;
    let after = date("Now", json!({})).await;

    assert_eq!(
        (&now["tzinfo"], &now["utc_offset"]),
        (&json!("UTC"), &json!(0.0))
    );
    assert!(fields(&before) <= fields(&now) && fields(&now) <= fields(&after));
    let (lo, hi) = (
        date("AddTimeDelta", shift(&before, -2)).await,
        date("AddTimeDelta", shift(&after, -2)).await,
    );
    assert!(
        fields(&lo) <= fields(&past) && fields(&past) <= fields(&hi),
        "{past}"
    );
    let (lo, hi) = (
        date("AddTimeDelta", shift(&before, 24)).await,
        date("AddTimeDelta", shift(&after, 24)).await,
    );
    assert!(
        fields(&lo) <= fields(&tomorrow) && fields(&tomorrow) <= fields(&hi),
        "{tomorrow}"
    );
    // Four years on, the same day and time (February 29 included).
    let plus4 = |v: &Value| {
        let mut f = fields(v);
        f[0] += 4;
        f
    };
    assert!(
        plus4(&before) <= fields(&later) && fields(&later) <= plus4(&after),
        "{later}"
    );

    let e = date_err("RelativeTime", rel(-1, "days", "past")).await;
    assert!(e.contains("amount must be 0 or more, got -1"), "{e}");
    let e = date_err("RelativeTime", rel(1_000_000, "months", "future")).await;
    assert!(e.contains("future 1000000 months is out of range"), "{e}");
    let e = date_err("RelativeTime", rel(i64::MAX, "months", "past")).await;
    assert!(e.contains("out of range"), "{e}");
    let e = date_err("RelativeTime", rel(10_000_000, "days", "past")).await;
    assert!(e.contains("past 10000000 days is out of range"), "{e}");
    let e = date_err("RelativeTime", rel(1, "weeks", "past")).await;
    assert!(e.contains("hours, days, months"), "{e}");
}

#[tokio::test]
async fn boundary_time_snaps_to_periods() {
    let wed = dt_at(2024, 2, 14, 15, 30, 45, 123, "CET", 3600.0);
    let at = |y, mo, d, h, mi, s, us| dt_at(y, mo, d, h, mi, s, us, "CET", 3600.0);
    let bound = |period: &str, boundary: &str, monday: bool| json!({"input_datetime": wed, "period": period, "boundary": boundary, "start_monday": monday});
    let cases = [
        ("day", "start", true, at(2024, 2, 14, 0, 0, 0, 0)),
        ("day", "end", true, at(2024, 2, 14, 23, 59, 59, 999_999)),
        ("week", "start", true, at(2024, 2, 12, 0, 0, 0, 0)),
        ("week", "end", true, at(2024, 2, 18, 23, 59, 59, 999_999)),
        ("week", "start", false, at(2024, 2, 11, 0, 0, 0, 0)),
        ("week", "end", false, at(2024, 2, 17, 23, 59, 59, 999_999)),
        ("month", "start", true, at(2024, 2, 1, 0, 0, 0, 0)),
        ("month", "end", true, at(2024, 2, 29, 23, 59, 59, 999_999)),
        ("year", "start", true, at(2024, 1, 1, 0, 0, 0, 0)),
        ("year", "end", true, at(2024, 12, 31, 23, 59, 59, 999_999)),
    ];
    for (period, boundary, monday, want) in cases {
        assert_eq!(
            date("BoundaryTime", bound(period, boundary, monday)).await,
            want,
            "{period} {boundary} {monday}"
        );
    }
    assert_eq!(
        date(
            "BoundaryTime",
            json!({"input_datetime": utc(2023, 12, 31, 5, 0, 0)})
        )
        .await,
        utc(2023, 12, 31, 0, 0, 0)
    );
    // A Sunday starts its own week when weeks start on Sunday.
    let sunday = json!({"input_datetime": utc(2024, 2, 18, 5, 0, 0), "period": "week", "start_monday": false});
    assert_eq!(
        date("BoundaryTime", sunday).await,
        utc(2024, 2, 18, 0, 0, 0)
    );
    // The end of December 9999 exists (NodeTool fails computing it).
    assert_eq!(
        date(
            "BoundaryTime",
            json!({"input_datetime": utc(9999, 12, 3, 0, 0, 0), "period": "month", "boundary": "end"})
        )
        .await,
        dt_at(9999, 12, 31, 23, 59, 59, 999_999, "UTC", 0.0)
    );
    // 9999-12-31 is a Friday: its week ends after the last representable day.
    let e = date_err(
        "BoundaryTime",
        json!({"input_datetime": utc(9999, 12, 31, 0, 0, 0), "period": "week", "boundary": "end"}),
    )
    .await;
    assert!(e.contains("the week leaves the years 1..9999"), "{e}");
    // 0001-01-01 is a Monday: a Sunday-based week starts before it.
    let e = date_err(
        "BoundaryTime",
        json!({"input_datetime": utc(1, 1, 1, 0, 0, 0), "period": "week", "start_monday": false}),
    )
    .await;
    assert!(e.contains("the week leaves the years 1..9999"), "{e}");
    let e = date_err("BoundaryTime", json!({"period": "decade"})).await;
    assert!(e.contains("day, week, month, year"), "{e}");
    let e = date_err("BoundaryTime", json!({})).await;
    assert!(e.contains("input_datetime: no date is set"), "{e}");
}

// ---------------------------------------------------------------------------------------
// lib.markdown (expected values computed with NodeTool's Python code).

#[tokio::test]
async fn extract_links_like_python_re() {
    let links = |pairs: &[(&str, &str)]| {
        Value::from(
            pairs
                .iter()
                .map(|(url, title)| json!({"url": url, "title": title}))
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(md("ExtractLinks", json!({})).await, json!([]));
    assert_eq!(
        md(
            "ExtractLinks",
            json!({"markdown": "[a](b) [c]](d) [[x](y) <a<b> [e](f\ng) ![i](u) []() <>"})
        )
        .await,
        links(&[
            ("b", "a"),
            ("y", "[x"),
            ("a<b", ""),
            ("f\ng", "e"),
            ("u", "i")
        ])
    );
    let text = "See [the docs](https://例え.jp/ü \"Title\") and <div>text</div>, [x](y)";
    assert_eq!(
        md(
            "ExtractLinks",
            json!({"markdown": text, "include_titles": false})
        )
        .await,
        links(&[
            ("https://例え.jp/ü \"Title\"", ""),
            ("div", ""),
            ("/div", ""),
            ("y", "")
        ])
    );
    assert_eq!(
        md("ExtractLinks", json!({"markdown": text})).await[0],
        json!({"url": "https://例え.jp/ü \"Title\"", "title": "the docs"})
    );
    assert_eq!(
        md(
            "ExtractLinks",
            json!({"markdown": "[a](b)(c) [unclosed](x <open"})
        )
        .await,
        links(&[("b", "a")])
    );
    // Many unclosed brackets stay linear.
    let many = "[".repeat(50_000) + &"<".repeat(50_000);
    assert_eq!(
        md("ExtractLinks", json!({"markdown": many})).await,
        json!([])
    );
    let e = err(&format!("{M}ExtractLinks"), json!({"markdown": 3})).await;
    assert!(e.contains("str"), "{e}");
}

#[tokio::test]
async fn extract_headers_like_python_re() {
    let h =
        |level: i64, text: &str, index: i64| json!({"level": level, "text": text, "index": index});
    let text = "# Title\n##  Sub ##\n  # indented\n####### seven\n#NoSpace\n#  \n# \n### Three\r\n\
                ###### Ünïcode  \n```\n# in code\n```\nSetext\n====";
    assert_eq!(
        md("ExtractHeaders", json!({"markdown": text})).await,
        json!([
            h(1, "Title", 0),
            h(2, "Sub ##", 1),
            h(1, "", 2),
            h(3, "Three", 3),
            h(6, "Ünïcode", 4),
            h(1, "in code", 5)
        ])
    );
    assert_eq!(
        md(
            "ExtractHeaders",
            json!({"markdown": "# A\n## B\n### C\n## D", "max_level": 2})
        )
        .await,
        json!([h(1, "A", 0), h(2, "B", 1), h(2, "D", 2)])
    );
    assert_eq!(
        md(
            "ExtractHeaders",
            json!({"markdown": "#\u{3000}全角\n#\u{1c}x"})
        )
        .await,
        json!([h(1, "全角", 0), h(1, "x", 1)])
    );
    assert_eq!(
        md("ExtractHeaders", json!({"markdown": "# A", "max_level": 0})).await,
        json!([])
    );
    assert_eq!(md("ExtractHeaders", json!({})).await, json!([]));
}

#[tokio::test]
async fn extract_lists_group_consecutive_items() {
    let t = |s: &str| json!({"text": s});
    let text = "- a\n* b\n  + nested\n\n- c\r\n---\n**bold**\n- - -\n-   \n-\tx\n+ y";
    assert_eq!(
        md("ExtractBulletLists", json!({"markdown": text})).await,
        json!([
            [t("a"), t("b"), t("nested")],
            [t("c")],
            [t("- -"), t(""), t("x"), t("y")]
        ])
    );
    assert_eq!(md("ExtractBulletLists", json!({})).await, json!([]));
    assert_eq!(
        md(
            "ExtractBulletLists",
            json!({"markdown": "text\n- ü\n\n\n- ß"})
        )
        .await,
        json!([[t("ü")], [t("ß")]])
    );

    let text = "1. one\n2) two\n10.  ten \n\n٣. three\n1.\n1.x\n 3. last";
    assert_eq!(
        md("ExtractNumberedLists", json!({"markdown": text})).await,
        json!([["one"], ["ten"], ["three"], ["last"]])
    );
    assert_eq!(
        md(
            "ExtractNumberedLists",
            json!({"markdown": "3. c\n1. a\n2. b\r"})
        )
        .await,
        json!([["c", "a", "b"]])
    );
    assert_eq!(
        md("ExtractNumberedLists", json!({"markdown": ""})).await,
        json!([])
    );
    // A marker and a single space is not an item: it ends the run.
    assert_eq!(
        md("ExtractBulletLists", json!({"markdown": "- a\n- \n* z"})).await,
        json!([[t("a")], [t("z")]])
    );
    assert_eq!(
        md(
            "ExtractNumberedLists",
            json!({"markdown": "1. a\n2. \n3. z"})
        )
        .await,
        json!([["a"], ["z"]])
    );
}

#[tokio::test]
async fn extract_code_blocks_like_python_re() {
    let b = |language: &str, code: &str| json!({"language": language, "code": code});
    assert_eq!(
        md(
            "ExtractCodeBlocks",
            json!({"markdown": "x```py\nprint(1)\n```\n```c++\nint\n```\n```\n```\nabc\n```"})
        )
        .await,
        json!([b("py", "print(1)"), b("text", "```")])
    );
    assert_eq!(
        md(
            "ExtractCodeBlocks",
            json!({"markdown": "```\n  indented\n\n```\ntext ```js\nlet é = 1;\n```"})
        )
        .await,
        json!([b("text", "indented"), b("js", "let é = 1;")])
    );
    assert_eq!(
        md("ExtractCodeBlocks", json!({"markdown": "````\n`\n```"})).await,
        json!([b("text", "`")])
    );
    assert_eq!(
        md(
            "ExtractCodeBlocks",
            json!({"markdown": "```python \nx\n```"})
        )
        .await,
        json!([])
    );
    assert_eq!(
        md(
            "ExtractCodeBlocks",
            json!({"markdown": "```rust\nfn main() {}"})
        )
        .await,
        json!([])
    );
    assert_eq!(
        md(
            "ExtractCodeBlocks",
            json!({"markdown": "```日本語\nコード\n```"})
        )
        .await,
        json!([b("日本語", "コード")])
    );
    assert_eq!(md("ExtractCodeBlocks", json!({})).await, json!([]));
}

#[tokio::test]
async fn extract_tables_reads_the_first_table() {
    let frame = |columns: &[&str], data: Value| {
        json!({
            "type": "dataframe", "uri": "", "asset_id": null, "metadata": null, "data": data,
            "columns": columns.iter()
                .map(|c| json!({"name": c, "data_type": "string", "description": ""}))
                .collect::<Vec<_>>()
        })
    };
    let text = "Intro | not a table start?\n\n| Name | Ünit |\n|---|---|\n| a | 1 |\n|b|2|3|\n\
                no pipe\n| x | y |\n|--|--|\n|z|w|";
    assert_eq!(
        md("ExtractTables", json!({"markdown": text})).await,
        frame(&["Name", "Ünit"], json!([["a", "1"], ["b", "2", "3"]]))
    );
    assert_eq!(
        md(
            "ExtractTables",
            json!({"markdown": "a | b | c\nd | e | f\ng | h | i"})
        )
        .await,
        frame(&["b"], json!([["h"]]))
    );
    assert_eq!(
        md(
            "ExtractTables",
            json!({"markdown": "| h1 | h2 |\n|---|---|"})
        )
        .await,
        frame(&[], json!([]))
    );
    assert_eq!(
        md(
            "ExtractTables",
            json!({"markdown": "text\n|\n| h |\n|-|\n| v |\n|\n| w |"})
        )
        .await,
        frame(&["h"], json!([["v"], ["w"]]))
    );
    assert_eq!(md("ExtractTables", json!({})).await, frame(&[], json!([])));
}

#[tokio::test]
async fn a_wrong_property_type_is_a_clear_error() {
    let e = run_node(
        &format!("{M}ExtractHeaders"),
        json!({"markdown": "# a", "max_level": "2"}),
    )
    .await
    .unwrap_err();
    assert!(e.contains("int"), "{e}");
    let e = run_node(
        &format!("{D}GetWeekday"),
        json!({"input_datetime": utc(2024, 1, 1, 0, 0, 0), "as_name": "yes"}),
    )
    .await
    .unwrap_err();
    assert!(e.contains("bool"), "{e}");
}
