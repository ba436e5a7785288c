//! `lib.date`: dates and datetimes with NodeTool's names, properties and JSON shapes
//! (`nodetool-base`'s `nodetool/nodes/lib/date.py`).
//!
//! NodeTool's [`Datetime`] stores the wall-clock time at a fixed UTC offset (`utc_offset`,
//! in seconds); its `tzinfo` string is a display name only (an IANA name such as
//! `Europe/Berlin` is not resolved). Comparisons and differences are offset-correct, and
//! arithmetic keeps the offset, as with Python's aware datetimes. The clock of the nodes that
//! read it (`Today`, `Now`, `RelativeTime`) is UTC.

use crate::enums::string_enum;
use crate::python::{decimal_digit, py_space};
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike, Utc};
use nodetool::metadata::{describe, NodeValue, TypeMetadata, ValueError};
use nodetool::prelude::*;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value};
use std::borrow::Cow;

// ---------------------------------------------------------------------------------------
// The `date` and `datetime` types.

/// A calendar date: NodeTool's `Date` (type `date`).
///
/// JSON: `{"type": "date", "year": 2024, "month": 1, "day": 5}`. The default (all 0) is not
/// a valid date; nodes that read it say so.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Date {
    /// The year (1..9999 when valid).
    pub year: i64,
    /// The month (1..12 when valid).
    pub month: i64,
    /// The day of the month.
    pub day: i64,
}

/// A date and time at a fixed UTC offset: NodeTool's `Datetime` (type `datetime`).
///
/// The fields are the wall-clock time at `utc_offset` seconds east of UTC, not converted to
/// UTC. `tzinfo` names the offset (`"UTC"`, `"UTC+02:00"`, or any label); it is only kept
/// when `utc_offset` is not 0. The default (all 0, `"UTC"`) is not a valid date; nodes that
/// read it say so.
#[derive(Debug, Clone, PartialEq)]
pub struct Datetime {
    /// The year (1..9999 when valid).
    pub year: i64,
    /// The month (1..12 when valid).
    pub month: i64,
    /// The day of the month.
    pub day: i64,
    /// The hour (0..23).
    pub hour: i64,
    /// The minute (0..59).
    pub minute: i64,
    /// The second (0..59).
    pub second: i64,
    /// The microsecond (0..999999).
    pub microsecond: i64,
    /// The name of the time zone, a label only.
    pub tzinfo: String,
    /// The offset from UTC in seconds (strictly between -86400 and 86400).
    pub utc_offset: f64,
}

impl Default for Datetime {
    fn default() -> Self {
        Datetime {
            year: 0,
            month: 0,
            day: 0,
            hour: 0,
            minute: 0,
            second: 0,
            microsecond: 0,
            tzinfo: "UTC".to_owned(),
            utc_offset: 0.0,
        }
    }
}

/// Takes the fields of a `kind` object (`type`, when present, must be `kind`).
fn object_of(value: Value, kind: &'static str) -> Result<Map<String, Value>, ValueError> {
    let Value::Object(mut map) = value else {
        return Err(ValueError::mismatch(kind, &value));
    };
    match map.remove("type") {
        None => {}
        Some(Value::String(t)) if t == kind => {}
        Some(other) => {
            return Err(ValueError {
                expected: kind.to_owned(),
                got: format!("an object of type {}", describe(&other)),
            })
        }
    }
    Ok(map)
}

/// Reads the field `key` of a `kind` object, its default when missing.
fn field<T: NodeValue>(
    map: &mut Map<String, Value>,
    kind: &str,
    key: &str,
    default: T,
) -> Result<T, ValueError> {
    match map.remove(key) {
        None => Ok(default),
        Some(v) => T::from_value(v).map_err(|e| ValueError {
            expected: format!("{kind} (its `{key}` {})", e.expected),
            got: e.got,
        }),
    }
}

impl JsonSchema for Date {
    fn schema_name() -> Cow<'static, str> {
        "Date".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({
            "type": "object",
            "properties": {
                "type": {"const": "date"},
                "year": {"type": "integer"},
                "month": {"type": "integer"},
                "day": {"type": "integer"}
            }
        })
    }
}

impl NodeValue for Date {
    fn type_metadata() -> TypeMetadata {
        TypeMetadata::new("date")
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        let mut map = object_of(value, "date")?;
        Ok(Date {
            year: field(&mut map, "date", "year", 0)?,
            month: field(&mut map, "date", "month", 0)?,
            day: field(&mut map, "date", "day", 0)?,
        })
    }
    fn into_value(self) -> Value {
        let mut map = Map::new();
        map.insert("type".into(), "date".into());
        map.insert("year".into(), self.year.into());
        map.insert("month".into(), self.month.into());
        map.insert("day".into(), self.day.into());
        Value::Object(map)
    }
}

impl JsonSchema for Datetime {
    fn schema_name() -> Cow<'static, str> {
        "Datetime".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({
            "type": "object",
            "properties": {
                "type": {"const": "datetime"},
                "year": {"type": "integer"},
                "month": {"type": "integer"},
                "day": {"type": "integer"},
                "hour": {"type": "integer"},
                "minute": {"type": "integer"},
                "second": {"type": "integer"},
                "microsecond": {"type": "integer"},
                "tzinfo": {"type": "string"},
                "utc_offset": {"type": "number"}
            }
        })
    }
}

impl NodeValue for Datetime {
    fn type_metadata() -> TypeMetadata {
        TypeMetadata::new("datetime")
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        const K: &str = "datetime";
        let mut map = object_of(value, K)?;
        Ok(Datetime {
            year: field(&mut map, K, "year", 0)?,
            month: field(&mut map, K, "month", 0)?,
            day: field(&mut map, K, "day", 0)?,
            hour: field(&mut map, K, "hour", 0)?,
            minute: field(&mut map, K, "minute", 0)?,
            second: field(&mut map, K, "second", 0)?,
            microsecond: field(&mut map, K, "microsecond", 0)?,
            tzinfo: field(&mut map, K, "tzinfo", "UTC".to_owned())?,
            utc_offset: field(&mut map, K, "utc_offset", 0.0)?,
        })
    }
    fn into_value(self) -> Value {
        let mut map = Map::new();
        map.insert("type".into(), "datetime".into());
        map.insert("year".into(), self.year.into());
        map.insert("month".into(), self.month.into());
        map.insert("day".into(), self.day.into());
        map.insert("hour".into(), self.hour.into());
        map.insert("minute".into(), self.minute.into());
        map.insert("second".into(), self.second.into());
        map.insert("microsecond".into(), self.microsecond.into());
        map.insert("tzinfo".into(), self.tzinfo.into());
        map.insert("utc_offset".into(), self.utc_offset.into_value());
        Value::Object(map)
    }
}

/// The weekday [`GetWeekday`] returns: its name or its number (`str | int`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WeekdayValue {
    /// The English name, `Monday` … `Sunday`.
    Name(String),
    /// The number, 0 (Monday) … 6 (Sunday).
    Number(i64),
}

impl JsonSchema for WeekdayValue {
    fn schema_name() -> Cow<'static, str> {
        "WeekdayValue".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({"type": ["string", "integer"]})
    }
}

impl NodeValue for WeekdayValue {
    fn type_metadata() -> TypeMetadata {
        TypeMetadata {
            type_args: vec![TypeMetadata::new("str"), TypeMetadata::new("int")],
            ..TypeMetadata::new("union")
        }
    }
    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::String(s) => Ok(WeekdayValue::Name(s)),
            other => {
                let mismatch = ValueError::mismatch("str | int", &other);
                i64::from_value(other)
                    .map(WeekdayValue::Number)
                    .map_err(|_| mismatch)
            }
        }
    }
    fn into_value(self) -> Value {
        match self {
            WeekdayValue::Name(s) => Value::String(s),
            WeekdayValue::Number(n) => Value::from(n),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Calendar helpers (Python's `datetime` rules: years 1..9999, microseconds).

const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const WEEKDAY_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A valid date, or why not (Python's `datetime.date(year, month, day)`).
fn civil_date(year: i64, month: i64, day: i64) -> Result<NaiveDate, String> {
    if year == 0 && month == 0 && day == 0 {
        return Err("no date is set (year, month and day are 0, the default)".to_owned());
    }
    if !(1..=9999).contains(&year) {
        return Err(format!("year {year} is out of range 1..9999"));
    }
    if !(1..=12).contains(&month) {
        return Err(format!("month {month} is out of range 1..12"));
    }
    if !(1..=days_in_month(year, month)).contains(&day) {
        return Err(format!(
            "day {day} is out of range for {year:04}-{month:02}"
        ));
    }
    // The checks above make the conversions and the date valid.
    let (y, m, d) = (year as i32, month as u32, day as u32);
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| format!("invalid date {year}-{month}-{day}"))
}

/// A valid time of day, or why not.
fn civil_time(hour: i64, minute: i64, second: i64, microsecond: i64) -> Result<NaiveTime, String> {
    let check = |name: &str, v: i64, max: i64| {
        if (0..=max).contains(&v) {
            Ok(())
        } else {
            Err(format!("{name} {v} is out of range 0..{max}"))
        }
    };
    check("hour", hour, 23)?;
    check("minute", minute, 59)?;
    check("second", second, 59)?;
    check("microsecond", microsecond, 999_999)?;
    NaiveTime::from_hms_micro_opt(
        hour as u32,
        minute as u32,
        second as u32,
        microsecond as u32,
    )
    .ok_or_else(|| format!("invalid time {hour}:{minute}:{second}.{microsecond}"))
}

/// An offset in seconds as whole microseconds, strictly within ±24 h (Python's `timezone`).
fn offset_micros(seconds: f64) -> Result<i64, String> {
    let micros = (seconds * 1e6).round_ties_even();
    if micros.is_finite() && micros.abs() < MICROS_PER_DAY as f64 {
        Ok(micros as i64)
    } else {
        Err(format!(
            "utc_offset {seconds} is not strictly between -86400 and 86400 seconds"
        ))
    }
}

/// Python's name of an unnamed fixed offset: `UTC+02:00`, `UTC-05:30:15`.
fn offset_name(offset_us: i64) -> String {
    if offset_us == 0 {
        return "UTC".to_owned();
    }
    let (sign, hhmm, secs, micros) = offset_parts(offset_us);
    let mut name = format!("UTC{sign}{:02}:{:02}", hhmm.0, hhmm.1);
    if secs != 0 || micros != 0 {
        name.push_str(&format!(":{secs:02}"));
    }
    if micros != 0 {
        name.push_str(&format!(".{micros:06}"));
    }
    name
}

/// `(sign, (hours, minutes), seconds, microseconds)` of an offset.
fn offset_parts(offset_us: i64) -> (char, (i64, i64), i64, i64) {
    let sign = if offset_us < 0 { '-' } else { '+' };
    let abs = offset_us.unsigned_abs() as i64;
    let secs = abs / MICROS_PER_SECOND;
    (
        sign,
        (secs / 3600, secs % 3600 / 60),
        secs % 60,
        abs % MICROS_PER_SECOND,
    )
}

/// A valid datetime at a fixed offset: Python's aware `datetime` (`Datetime.to_datetime()`).
#[derive(Debug, Clone)]
struct Aware {
    /// The wall-clock time at the offset.
    local: NaiveDateTime,
    /// The offset east of UTC, in microseconds.
    offset_us: i64,
    /// The offset's name (`tzname()`).
    name: String,
}

impl Aware {
    /// Microseconds since 1970-01-01 UTC: the instant, for comparisons and differences.
    fn instant(&self) -> i64 {
        self.local.and_utc().timestamp_micros() - self.offset_us
    }

    /// The same offset at another wall-clock time.
    fn at(&self, local: NaiveDateTime) -> Aware {
        Aware {
            local,
            ..self.clone()
        }
    }

    /// `self + delta` on the wall clock, or an error when it leaves chrono's range.
    fn plus(&self, delta: TimeDelta) -> Result<Aware, String> {
        self.local
            .checked_add_signed(delta)
            .map(|local| self.at(local))
            .ok_or_else(|| "date value out of range".to_owned())
    }
}

impl Date {
    fn from_naive(date: NaiveDate) -> Date {
        Date {
            year: date.year().into(),
            month: date.month().into(),
            day: date.day().into(),
        }
    }

    /// The date, or an error naming the property `prop`.
    fn to_naive(&self, prop: &str) -> Result<NaiveDate, String> {
        civil_date(self.year, self.month, self.day).map_err(|e| format!("{prop}: {e}"))
    }
}

impl Datetime {
    /// A naive datetime, labelled UTC (Python's `Datetime.from_datetime` of a naive value).
    fn from_naive(local: NaiveDateTime) -> Result<Datetime, String> {
        Datetime::from_aware(&Aware {
            local,
            offset_us: 0,
            name: "UTC".to_owned(),
        })
    }

    /// Python's `Datetime.from_datetime(dt)`: the name is kept only for a non-zero offset.
    fn from_aware(dt: &Aware) -> Result<Datetime, String> {
        let local = dt.local;
        if !(1..=9999).contains(&local.year()) {
            return Err(format!(
                "date value out of range: year {} is not in 1..9999",
                local.year()
            ));
        }
        let (tzinfo, utc_offset) = if dt.offset_us == 0 {
            ("UTC".to_owned(), 0.0)
        } else {
            let name = if dt.name.is_empty() { "UTC" } else { &dt.name };
            (name.to_owned(), dt.offset_us as f64 / 1e6)
        };
        Ok(Datetime {
            year: local.year().into(),
            month: local.month().into(),
            day: local.day().into(),
            hour: local.hour().into(),
            minute: local.minute().into(),
            second: local.second().into(),
            microsecond: (local.nanosecond() / 1000).min(999_999).into(),
            tzinfo,
            utc_offset,
        })
    }

    /// Python's `Datetime.to_datetime()`, or an error naming the property `prop`.
    fn to_aware(&self, prop: &str) -> Result<Aware, String> {
        let at = |e: String| format!("{prop}: {e}");
        let date = civil_date(self.year, self.month, self.day).map_err(at)?;
        let time = civil_time(self.hour, self.minute, self.second, self.microsecond).map_err(at)?;
        let offset_us = offset_micros(self.utc_offset).map_err(at)?;
        Ok(Aware {
            local: NaiveDateTime::new(date, time),
            offset_us,
            name: if offset_us == 0 {
                "UTC".to_owned()
            } else {
                self.tzinfo.clone()
            },
        })
    }
}

/// The current UTC time, to the microsecond.
fn utc_now() -> NaiveDateTime {
    let now = Utc::now().naive_utc();
    let micros = now.nanosecond() / 1000 * 1000;
    now.with_nanosecond(micros.min(999_999_000)).unwrap_or(now)
}

// ---------------------------------------------------------------------------------------
// strftime / strptime for NodeTool's formats (Python's C-locale semantics).

/// Python's `strftime` for the directives NodeTool's formats use (`%Y %m %d %B %A %H %M %S
/// %z %%`); `%Y` is always 4 digits.
fn strftime(dt: &Aware, format: &str) -> String {
    let local = dt.local;
    let mut out = String::with_capacity(format.len() + 16);
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('Y') => out.push_str(&format!("{:04}", local.year())),
            Some('m') => out.push_str(&format!("{:02}", local.month())),
            Some('d') => out.push_str(&format!("{:02}", local.day())),
            Some('H') => out.push_str(&format!("{:02}", local.hour())),
            Some('M') => out.push_str(&format!("{:02}", local.minute())),
            Some('S') => out.push_str(&format!("{:02}", local.second())),
            Some('B') => out.push_str(MONTH_NAMES[local.month0() as usize % 12]),
            Some('A') => {
                let day = local.weekday().num_days_from_monday() as usize;
                out.push_str(WEEKDAY_NAMES[day % 7]);
            }
            Some('z') => {
                let (sign, (h, m), s, us) = offset_parts(dt.offset_us);
                out.push_str(&format!("{sign}{h:02}{m:02}"));
                if s != 0 || us != 0 {
                    out.push_str(&format!("{s:02}"));
                }
                if us != 0 {
                    out.push_str(&format!(".{us:06}"));
                }
            }
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

/// A piece of a `strptime` format.
#[derive(Debug, Clone, Copy)]
enum Piece {
    /// A character matched case-insensitively.
    Literal(char),
    /// A run of whitespace in the format: one or more whitespace characters (`\s+`).
    Space,
    /// A `%` directive.
    Directive(char),
}

fn pieces(format: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '%' {
            if let Some(d) = chars.next() {
                out.push(Piece::Directive(d));
            }
        } else if py_space(c) {
            while chars.next_if(|&c| py_space(c)).is_some() {}
            out.push(Piece::Space);
        } else {
            out.push(Piece::Literal(c));
        }
    }
    out
}

fn is_digit(c: Option<&char>) -> bool {
    c.is_some_and(|&c| decimal_digit(c).is_some())
}

fn in_range(c: Option<&char>, low: char, high: char) -> bool {
    c.is_some_and(|c| (low..=high).contains(c))
}

/// The ends of the matches of directive `d` at `pos`, in the order Python's regex tries them.
fn directive_ends(d: char, s: &[char], pos: usize) -> Result<Vec<usize>, String> {
    let c = |i: usize| s.get(pos + i);
    let mut ends = Vec::new();
    let mut alt = |ok: bool, len: usize| {
        if ok {
            ends.push(pos + len);
        }
    };
    match d {
        // `\d\d\d\d`
        'Y' => alt((0..4).all(|i| is_digit(c(i))), 4),
        // `1[0-2]|0[1-9]|[1-9]`
        'm' => {
            alt(c(0) == Some(&'1') && in_range(c(1), '0', '2'), 2);
            alt(c(0) == Some(&'0') && in_range(c(1), '1', '9'), 2);
            alt(in_range(c(0), '1', '9'), 1);
        }
        // `3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9]`
        'd' => {
            alt(c(0) == Some(&'3') && in_range(c(1), '0', '1'), 2);
            alt(in_range(c(0), '1', '2') && is_digit(c(1)), 2);
            alt(c(0) == Some(&'0') && in_range(c(1), '1', '9'), 2);
            alt(in_range(c(0), '1', '9'), 1);
            alt(c(0) == Some(&' ') && in_range(c(1), '1', '9'), 2);
        }
        // `2[0-3]|[0-1]\d|\d`
        'H' => {
            alt(c(0) == Some(&'2') && in_range(c(1), '0', '3'), 2);
            alt(in_range(c(0), '0', '1') && is_digit(c(1)), 2);
            alt(is_digit(c(0)), 1);
        }
        // `[0-5]\d|\d`
        'M' => {
            alt(in_range(c(0), '0', '5') && is_digit(c(1)), 2);
            alt(is_digit(c(0)), 1);
        }
        // `6[0-1]|[0-5]\d|\d`
        'S' => {
            alt(c(0) == Some(&'6') && in_range(c(1), '0', '1'), 2);
            alt(in_range(c(0), '0', '5') && is_digit(c(1)), 2);
            alt(is_digit(c(0)), 1);
        }
        // The English month names, case-insensitively.
        'B' => {
            for name in MONTH_NAMES {
                let matches = name.chars().enumerate().all(|(i, n)| {
                    c(i).is_some_and(|&x| x.is_ascii() && x.eq_ignore_ascii_case(&n))
                });
                alt(matches, name.len());
            }
        }
        // `[+-]\d\d:?[0-5]\d(:?[0-5]\d(\.\d{1,6})?)?|Z`
        'z' => ends = offset_ends(s, pos),
        other => return Err(format!("'{other}' is not a supported directive")),
    }
    Ok(ends)
}

/// The ends of `%z` matches at `pos`, in the regex's (greedy, left-to-right) order.
fn offset_ends(s: &[char], pos: usize) -> Vec<usize> {
    let at = |i: usize| s.get(i);
    let mut ends = Vec::new();
    if matches!(at(pos), Some('+' | '-')) && is_digit(at(pos + 1)) && is_digit(at(pos + 2)) {
        for colon in [true, false] {
            let mut q = pos + 3;
            if colon {
                if at(q) != Some(&':') {
                    continue;
                }
                q += 1;
            }
            if !(in_range(at(q), '0', '5') && is_digit(at(q + 1))) {
                continue;
            }
            q += 2;
            for colon2 in [true, false] {
                let mut r = q;
                if colon2 {
                    if at(r) != Some(&':') {
                        continue;
                    }
                    r += 1;
                }
                if !(in_range(at(r), '0', '5') && is_digit(at(r + 1))) {
                    continue;
                }
                r += 2;
                if at(r) == Some(&'.') {
                    let digits = (1..=6).take_while(|&k| is_digit(at(r + k))).count();
                    ends.extend((1..=digits).rev().map(|k| r + 1 + k));
                }
                ends.push(r);
            }
            ends.push(q);
        }
    }
    if at(pos) == Some(&'Z') {
        ends.push(pos + 1);
    }
    ends
}

/// Python's backtracking `re.match` of the format's pieces at `pos`: the end of the first
/// match found, with the directives' spans in `spans`.
fn match_pieces(
    pieces: &[Piece],
    s: &[char],
    pos: usize,
    spans: &mut Vec<(char, usize, usize)>,
) -> Result<Option<usize>, String> {
    let Some((piece, rest)) = pieces.split_first() else {
        return Ok(Some(pos));
    };
    let (ends, directive) = match *piece {
        Piece::Literal(l) => {
            let ok = s
                .get(pos)
                .is_some_and(|&c| c == l || (c.is_ascii() && c.eq_ignore_ascii_case(&l)));
            (if ok { vec![pos + 1] } else { Vec::new() }, None)
        }
        Piece::Space => {
            let run = s[pos.min(s.len())..]
                .iter()
                .take_while(|&&c| py_space(c))
                .count();
            ((1..=run).rev().map(|k| pos + k).collect(), None)
        }
        Piece::Directive(d) => (directive_ends(d, s, pos)?, Some(d)),
    };
    for end in ends {
        if let Some(d) = directive {
            spans.push((d, pos, end));
        }
        if let Some(done) = match_pieces(rest, s, end, spans)? {
            return Ok(Some(done));
        }
        if directive.is_some() {
            spans.pop();
        }
    }
    Ok(None)
}

/// The value of a run of (Unicode) decimal digits, spaces ignored.
fn digits_value(digits: &[char]) -> i64 {
    digits
        .iter()
        .filter_map(|&c| decimal_digit(c))
        .fold(0, |n, d| n * 10 + i64::from(d))
}

/// Python's `%z` conversion to microseconds east of UTC.
fn parse_offset(z: &[char]) -> Result<i64, String> {
    let text: String = z.iter().collect();
    if text == "Z" {
        return Ok(0);
    }
    let mut z = z.to_vec();
    let inconsistent = || format!("Inconsistent use of : in {text}");
    if z.get(3) == Some(&':') {
        z.remove(3);
        if z.len() > 5 {
            if z.get(5) != Some(&':') {
                return Err(inconsistent());
            }
            z.remove(5);
        }
    } else if z.get(5) == Some(&':') {
        return Err(inconsistent());
    }
    let part = |a: usize, b: usize| digits_value(z.get(a..b.min(z.len())).unwrap_or(&[]));
    let seconds = part(1, 3) * 3600 + part(3, 5) * 60 + part(5, 7);
    let fraction: String = z.iter().skip(8).collect();
    let fraction_chars: Vec<char> = fraction.chars().collect();
    let mut micros = digits_value(&fraction_chars);
    for _ in fraction_chars.len()..6 {
        micros *= 10;
    }
    let mut offset = seconds * MICROS_PER_SECOND + micros;
    if z.first() == Some(&'-') {
        offset = -offset;
    }
    if offset.abs() >= MICROS_PER_DAY {
        return Err(format!(
            "the offset {text} is not strictly between -24 and +24 hours"
        ));
    }
    Ok(offset)
}

/// Python's `repr` of a string, for error messages.
fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `datetime.strptime(text, format)`: a naive datetime and, with `%z`, an offset.
fn strptime(text: &str, format: &str) -> Result<(NaiveDateTime, Option<i64>), String> {
    let s: Vec<char> = text.chars().collect();
    let mut spans = Vec::new();
    let no_match = || {
        format!(
            "time data {} does not match format {}",
            py_repr(text),
            py_repr(format)
        )
    };
    let end = match_pieces(&pieces(format), &s, 0, &mut spans)?.ok_or_else(no_match)?;
    if end < s.len() {
        let rest: String = s[end..].iter().collect();
        return Err(format!("unconverted data remains: {rest}"));
    }
    let (mut year, mut month, mut day) = (1900, 1, 1);
    let (mut hour, mut minute, mut second) = (0, 0, 0);
    let mut offset = None;
    for (d, a, b) in spans {
        let value = &s[a..b];
        match d {
            'Y' => year = digits_value(value),
            'm' => month = digits_value(value),
            'd' => day = digits_value(value),
            'H' => hour = digits_value(value),
            'M' => minute = digits_value(value),
            'S' => second = digits_value(value),
            'B' => {
                let name: String = value.iter().collect::<String>().to_ascii_lowercase();
                month = MONTH_NAMES
                    .iter()
                    .position(|m| m.to_ascii_lowercase() == name)
                    .map_or(1, |i| i as i64 + 1);
            }
            'z' => offset = Some(parse_offset(value)?),
            _ => {}
        }
    }
    let date = civil_date(year, month, day)?;
    let time = civil_time(hour, minute, second, 0)?;
    Ok((NaiveDateTime::new(date, time), offset))
}

// ---------------------------------------------------------------------------------------
// Enums.

string_enum!(
    /// A date format (Python `strftime`/`strptime` patterns) of NodeTool's `DateFormat`.
    /// NodeTool's `ISO_WITH_TIMEZONE_UTC` has the same pattern as `ISO_WITH_TIMEZONE`, so
    /// Python makes it an alias: it is the same value here.
    DateFormat, "nodetool.nodes.lib.date.DateFormat", default Iso,
    {
        /// `ISO`
        Iso => "%Y-%m-%d",
        /// `US`
        Us => "%m/%d/%Y",
        /// `EUROPEAN`
        European => "%d/%m/%Y",
        /// `HUMAN_READABLE`
        HumanReadable => "%B %d, %Y",
        /// `COMPACT`
        Compact => "%Y%m%d",
        /// `FILENAME`
        Filename => "%Y%m%d_%H%M%S",
        /// `ISO_WITH_TIME`
        IsoWithTime => "%Y-%m-%dT%H:%M:%S",
        /// `ISO_WITH_TIMEZONE` (and its alias `ISO_WITH_TIMEZONE_UTC`)
        IsoWithTimezone => "%Y-%m-%dT%H:%M:%S%z",
    }
);

string_enum!(
    /// Whether [`RelativeTime`] goes into the past or the future.
    TimeDirection, "nodetool.nodes.lib.date.TimeDirection", default Future,
    { Past => "past", Future => "future" }
);

string_enum!(
    /// The unit of [`RelativeTime`]'s amount.
    TimeUnitType, "nodetool.nodes.lib.date.TimeUnitType", default Days,
    { Hours => "hours", Days => "days", Months => "months" }
);

string_enum!(
    /// The start or the end of a period, for [`BoundaryTime`].
    BoundaryType, "nodetool.nodes.lib.date.BoundaryType", default Start,
    { Start => "start", End => "end" }
);

string_enum!(
    /// The period of [`BoundaryTime`].
    PeriodType, "nodetool.nodes.lib.date.PeriodType", default Day,
    { Day => "day", Week => "week", Month => "month", Year => "year" }
);

// ---------------------------------------------------------------------------------------
// Nodes.

/// Get current date without time component.
/// date, today, now
///
/// The date is today's date in UTC (NodeTool's Python takes the server's local date).
#[node(namespace = "lib.date", expose_as_tool)]
pub async fn today() -> Date {
    Date::from_naive(utc_now().date())
}

/// Get current date and time with full precision.
/// datetime, current, now
///
/// The current UTC time to the microsecond, with `tzinfo` `UTC` and `utc_offset` 0.
#[node(namespace = "lib.date", expose_as_tool)]
pub async fn now() -> Result<Datetime> {
    Ok(Datetime::from_naive(utc_now())?)
}

/// Parse date string into Date object using specified format.
/// date, parse, format
///
/// Python's `strptime`: numbers need not be zero-padded (`2024-1-5`), month names match in
/// any case, a space in the format matches any run of whitespace, and text left over is an
/// error. A time or offset in the format is read and dropped.
#[node(namespace = "lib.date", expose_as_tool)]
pub async fn parse_date(
    /// The date string to parse
    #[input(default = "")]
    date_string: String,
    /// Format of the input date string
    #[input(default)]
    input_format: DateFormat,
) -> Result<Date> {
    let (dt, _) =
        strptime(&date_string, input_format.as_str()).map_err(|e| format!("date_string: {e}"))?;
    Ok(Date::from_naive(dt.date()))
}

/// Parse datetime string into Datetime object using specified format.
/// datetime, parse, format
///
/// Python's `strptime` (see `ParseDate`). Without `%z` in the format the time is labelled
/// UTC; with it, `Z` or `+0000` give `UTC` and another offset gives its seconds and a name
/// such as `UTC+02:00`. Fields missing from the format are 0.
#[node(namespace = "lib.date", expose_as_tool)]
pub async fn parse_date_time(
    /// The datetime string to parse
    #[input(default = "")]
    datetime_string: String,
    /// Format of the input datetime string
    #[input(default)]
    input_format: DateFormat,
) -> Result<Datetime> {
    let at = |e: String| format!("datetime_string: {e}");
    let (local, offset) = strptime(&datetime_string, input_format.as_str()).map_err(at)?;
    let offset_us = offset.unwrap_or(0);
    let aware = Aware {
        local,
        offset_us,
        name: offset_name(offset_us),
    };
    Ok(Datetime::from_aware(&aware).map_err(at)?)
}

/// Add or subtract time offset from a datetime.
/// datetime, add, subtract
///
/// The offset of the input is kept; the arithmetic is on its wall-clock time.
#[node(namespace = "lib.date", expose_as_tool)]
pub async fn add_time_delta(
    /// Starting datetime
    #[input(default)]
    input_datetime: Datetime,
    /// Number of days to add (negative to subtract)
    #[input(default = 0, min = -3650, max = 3650)]
    days: i64,
    /// Number of hours to add (negative to subtract)
    #[input(default = 0, min = -24, max = 24)]
    hours: i64,
    /// Number of minutes to add (negative to subtract)
    #[input(default = 0, min = -60, max = 60)]
    minutes: i64,
) -> Result<Datetime> {
    let start = input_datetime.to_aware("input_datetime")?;
    let out_of_range = || format!("days {days}, hours {hours}, minutes {minutes}: too large");
    let delta = TimeDelta::try_days(days)
        .zip(TimeDelta::try_hours(hours))
        .zip(TimeDelta::try_minutes(minutes))
        .and_then(|((d, h), m)| d.checked_add(&h)?.checked_add(&m))
        .ok_or_else(out_of_range)?;
    let result = start
        .plus(delta)
        .map_err(|e| format!("{e}: {}", out_of_range()))?;
    Ok(Datetime::from_aware(&result)?)
}

/// The outputs of [`DateDifference`].
#[derive(Outputs)]
pub struct DateDifferenceOutput {
    /// The whole duration in seconds, truncated toward zero.
    pub total_seconds: i64,
    /// Whole days (Python's `timedelta.days`: rounded down, negative for a negative duration).
    pub days: i64,
    /// Hours of the remaining part of a day (0..23).
    pub hours: i64,
    /// Minutes of the remaining part of an hour (0..59).
    pub minutes: i64,
    /// Seconds of the remaining part of a minute (0..59).
    pub seconds: i64,
}

/// Calculate time duration between two datetimes.
/// datetime, difference, duration
///
/// `end_date - start_date`, offset-aware. Like Python's `timedelta`, a negative duration
/// has negative `days` and positive `hours`, `minutes`, `seconds` (one hour back is -1 day
/// and 23 hours); microseconds count in `total_seconds` only.
#[node(namespace = "lib.date", expose_as_tool)]
pub async fn date_difference(
    /// Start datetime
    #[input(default)]
    start_date: Datetime,
    /// End datetime
    #[input(default)]
    end_date: Datetime,
) -> Result<DateDifferenceOutput> {
    let start = start_date.to_aware("start_date")?;
    let end = end_date.to_aware("end_date")?;
    let diff = end.instant() - start.instant();
    let rest = diff.rem_euclid(MICROS_PER_DAY) / MICROS_PER_SECOND;
    Ok(DateDifferenceOutput {
        total_seconds: diff / MICROS_PER_SECOND,
        days: diff.div_euclid(MICROS_PER_DAY),
        hours: rest / 3600,
        minutes: rest % 3600 / 60,
        seconds: rest % 60,
    })
}

/// Convert a datetime object to a formatted string.
/// datetime, format, convert
///
/// Python's `strftime` in the C locale (`January`); `%Y` has 4 digits, `%z` is `+HHMM`
/// (`+0000` for UTC).
#[node(namespace = "lib.date", expose_as_tool)]
pub async fn format_date_time(
    /// Datetime object to format
    #[input(default)]
    input_datetime: Datetime,
    /// Desired output format
    #[input(default = DateFormat::HumanReadable)]
    output_format: DateFormat,
) -> Result<String> {
    let dt = input_datetime.to_aware("input_datetime")?;
    Ok(strftime(&dt, output_format.as_str()))
}

/// Get the weekday name or number from a datetime.
/// datetime, weekday, name
///
/// The weekday of the stored wall-clock date: `Monday` … `Sunday`, or 0 (Monday) … 6.
#[node(namespace = "lib.date", expose_as_tool)]
pub async fn get_weekday(
    /// Input datetime
    #[input(default)]
    input_datetime: Datetime,
    /// Return weekday name instead of number (0-6)
    #[input(default = true)]
    as_name: bool,
) -> Result<WeekdayValue> {
    let dt = input_datetime.to_aware("input_datetime")?;
    let day = dt.local.weekday().num_days_from_monday();
    Ok(if as_name {
        WeekdayValue::Name(strftime(&dt, "%A"))
    } else {
        WeekdayValue::Number(day.into())
    })
}

/// Generate a list of dates between start and end dates.
/// datetime, range, list
///
/// From `start_date` (the first item, as given) every `step_days` days while not after
/// `end_date` (inclusive, offset-aware). A start after the end gives an empty list. A
/// `step_days` below 1 is an error when the range is not empty (NodeTool loops forever). A
/// next date past the year 9999 ends the range (NodeTool fails computing it).
#[node(namespace = "lib.date", expose_as_tool)]
pub async fn date_range(
    /// Start date of the range
    #[input(default)]
    start_date: Datetime,
    /// End date of the range
    #[input(default)]
    end_date: Datetime,
    /// Number of days between each date
    #[input(default = 1)]
    step_days: i64,
) -> Result<Vec<Datetime>> {
    let start = start_date.to_aware("start_date")?;
    let end = end_date.to_aware("end_date")?.instant();
    if start.instant() > end {
        return Ok(Vec::new());
    }
    if step_days < 1 {
        return Err(format!("step_days must be at least 1, got {step_days}").into());
    }
    // A step beyond chrono's range is beyond any end date.
    let Some(step) = TimeDelta::try_days(step_days) else {
        return Ok(vec![start_date]);
    };
    let mut dates = vec![start_date];
    let mut current = start;
    while let Ok(next) = current.plus(step) {
        if next.instant() > end {
            break;
        }
        dates.push(Datetime::from_aware(&next)?);
        current = next;
    }
    Ok(dates)
}

/// Check if a date falls within a specified range.
/// datetime, range, check
///
/// Offset-aware comparison; a start after the end is never in range.
#[node(namespace = "lib.date", expose_as_tool)]
pub async fn is_date_in_range(
    /// Date to check
    #[input(default)]
    check_date: Datetime,
    /// Start of date range
    #[input(default)]
    start_date: Datetime,
    /// End of date range
    #[input(default)]
    end_date: Datetime,
    /// Include start and end dates in range
    #[input(default = true)]
    inclusive: bool,
) -> Result<bool> {
    let check = check_date.to_aware("check_date")?.instant();
    let start = start_date.to_aware("start_date")?.instant();
    let end = end_date.to_aware("end_date")?.instant();
    Ok(if inclusive {
        start <= check && check <= end
    } else {
        start < check && check < end
    })
}

/// The outputs of [`GetQuarter`].
#[derive(Outputs)]
pub struct GetQuarterOutput {
    /// The quarter, 1..4.
    pub quarter: i64,
    /// The first day of the quarter at midnight, UTC.
    pub quarter_start: Datetime,
    /// The last day of the quarter at midnight (not 23:59:59), UTC.
    pub quarter_end: Datetime,
}

/// Get the quarter number and start/end dates for a given datetime.
/// datetime, quarter, period
///
/// Reads only the year and the month of the input; its time and offset are dropped. The
/// end of the fourth quarter of 9999 is 9999-12-31 (NodeTool fails computing it).
#[node(namespace = "lib.date", expose_as_tool)]
pub async fn get_quarter(
    /// Input datetime
    #[input(default)]
    input_datetime: Datetime,
) -> Result<GetQuarterOutput> {
    let (year, month) = (input_datetime.year, input_datetime.month);
    civil_date(year, month, 1).map_err(|e| format!("input_datetime: {e}"))?;
    let quarter = (month - 1) / 3 + 1;
    let first = civil_date(year, 3 * quarter - 2, 1)?;
    let last = civil_date(year, 3 * quarter, days_in_month(year, 3 * quarter))?;
    Ok(GetQuarterOutput {
        quarter,
        quarter_start: Datetime::from_naive(first.and_time(NaiveTime::MIN))?,
        quarter_end: Datetime::from_naive(last.and_time(NaiveTime::MIN))?,
    })
}

/// Convert a Date object to a Datetime object.
/// date, datetime, convert
///
/// Midnight of the date, labelled UTC.
#[node(namespace = "lib.date", expose_as_tool)]
pub async fn date_to_datetime(
    /// Date to convert
    #[input(default)]
    input_date: Date,
) -> Result<Datetime> {
    let date = input_date.to_naive("input_date")?;
    Ok(Datetime::from_naive(date.and_time(NaiveTime::MIN))?)
}

/// Convert a Datetime object to a Date object.
/// date, datetime, convert
///
/// The wall-clock date of the datetime (not converted to UTC); the whole datetime must be
/// valid.
#[node(namespace = "lib.date", expose_as_tool)]
pub async fn datetime_to_date(
    /// Datetime to convert
    #[input(default)]
    input_datetime: Datetime,
) -> Result<Date> {
    let dt = input_datetime.to_aware("input_datetime")?;
    Ok(Date::from_naive(dt.local.date()))
}

/// Get datetime relative to current time (past or future).
/// datetime, past, future, relative, hours, days, months
///
/// From the current UTC time (NodeTool's Python takes the server's local time and labels it
/// UTC). Months keep the day and the time; a day missing from the target month (January 31
/// plus one month) is an error, as in NodeTool. A negative amount is an error.
#[node(namespace = "lib.date", expose_as_tool)]
pub async fn relative_time(
    /// Amount of time units
    #[input(default = 1, min = 0)]
    amount: i64,
    /// Time unit type
    #[input(default)]
    unit: TimeUnitType,
    /// Past or future
    #[input(default)]
    direction: TimeDirection,
) -> Result<Datetime> {
    Ok(Datetime::from_naive(relative_to(
        utc_now(),
        amount,
        unit,
        direction,
    )?)?)
}

fn relative_to(
    now: NaiveDateTime,
    amount: i64,
    unit: TimeUnitType,
    direction: TimeDirection,
) -> Result<NaiveDateTime, String> {
    if amount < 0 {
        return Err(format!("amount must be 0 or more, got {amount}"));
    }
    let signed = match direction {
        TimeDirection::Past => -amount,
        TimeDirection::Future => amount,
    };
    let out_of_range = || {
        format!(
            "{} {amount} {} is out of range",
            direction.as_str(),
            unit.as_str()
        )
    };
    let delta = match unit {
        TimeUnitType::Hours => TimeDelta::try_hours(signed),
        TimeUnitType::Days => TimeDelta::try_days(signed),
        TimeUnitType::Months => {
            let months = i64::from(now.year()) * 12 + i64::from(now.month0());
            let target = months.checked_add(signed).ok_or_else(out_of_range)?;
            let (year, month) = (target.div_euclid(12), target.rem_euclid(12) + 1);
            if !(1..=9999).contains(&year) {
                return Err(out_of_range());
            }
            let day = i64::from(now.day());
            let date = civil_date(year, month, day).map_err(|_| {
                format!("day {day} does not exist in {year:04}-{month:02}, {amount} months {}: NodeTool does not clamp it", direction.as_str())
            })?;
            return Ok(date.and_time(now.time()));
        }
    };
    delta
        .and_then(|d| now.checked_add_signed(d))
        .filter(|t| (1..=9999).contains(&t.year()))
        .ok_or_else(out_of_range)
}

/// Get the start or end of a time period (day, week, month, year).
/// datetime, start, end, boundary, day, week, month, year
///
/// A start is at 00:00:00.000000 and an end at 23:59:59.999999, at the input's offset. Weeks
/// start on Monday, or on Sunday when `start_monday` is off. The end of December 9999 is
/// 9999-12-31 (NodeTool fails computing it).
#[node(namespace = "lib.date", expose_as_tool)]
pub async fn boundary_time(
    /// Input datetime
    #[input(default)]
    input_datetime: Datetime,
    /// Time period type
    #[input(default)]
    period: PeriodType,
    /// Start or end of period
    #[input(default)]
    boundary: BoundaryType,
    /// For week period: Consider Monday as start of week (False for Sunday)
    #[input(default = true)]
    start_monday: bool,
) -> Result<Datetime> {
    let dt = input_datetime.to_aware("input_datetime")?;
    let date = dt.local.date();
    let start = boundary == BoundaryType::Start;
    let (year, month) = (i64::from(date.year()), i64::from(date.month()));
    let day = match (period, start) {
        (PeriodType::Day, _) => Ok(date),
        (PeriodType::Week, _) => {
            let monday_based = i64::from(date.weekday().num_days_from_monday());
            let weekday = if start_monday {
                monday_based
            } else {
                (monday_based + 1) % 7
            };
            let shift = if start { -weekday } else { 6 - weekday };
            TimeDelta::try_days(shift)
                .and_then(|d| date.checked_add_signed(d))
                .filter(|d| (1..=9999).contains(&d.year()))
                .ok_or_else(|| "input_datetime: the week leaves the years 1..9999".to_owned())
        }
        (PeriodType::Month, true) => civil_date(year, month, 1),
        (PeriodType::Month, false) => civil_date(year, month, days_in_month(year, month)),
        (PeriodType::Year, true) => civil_date(year, 1, 1),
        (PeriodType::Year, false) => civil_date(year, 12, 31),
    }?;
    let time = if start {
        NaiveTime::MIN
    } else {
        civil_time(23, 59, 59, 999_999)?
    };
    Ok(Datetime::from_aware(&dt.at(day.and_time(time)))?)
}
