//! `search.*`: web, news, images, shopping, travel and scholarly searches through SerpApi
//! (`SERPAPI_API_KEY`; `SERPAPI_BASE_URL` for a proxy or a test server), with NodeTool's
//! names, requests and outputs: `results` are SerpApi's own result objects (base64 images
//! removed, as NodeTool does) and `text` the same lines NodeTool prints for them.
//!
//! `SERP_PROVIDER` may only name `serpapi`: NodeTool's Apify and DataForSEO providers cannot
//! be created in 0.6.3 either.

use crate::meta_node;
use crate::meta_node::Props;
use crate::pyfmt::py_str;
use nodetool::workflows::{NodeError, NodeOutputs, ProcessingContext};
use serde_json::{json, Value};

/// A setting from the run's settings and secrets.
fn setting(ctx: &ProcessingContext, name: &str) -> Result<Option<String>, NodeError> {
    let env = ctx
        .environment()
        .map_err(|e| NodeError::failed(format!("cannot read the settings: {e}")))?;
    Ok(env
        .get(name)
        .filter(|v| !v.trim().is_empty())
        .map(str::to_owned))
}

/// `GET {SERPAPI_BASE_URL}/search.json` with `params` and the key; the response with base64
/// images removed, or NodeTool's error.
async fn serpapi(ctx: &ProcessingContext, params: &[(&str, String)]) -> Result<Value, NodeError> {
    if let Some(provider) = setting(ctx, "SERP_PROVIDER")? {
        match provider.to_lowercase().as_str() {
            "serpapi" => {}
            "apify" | "dataforseo" => {
                return Err(NodeError::failed(format!(
                    "SERP_PROVIDER is `{provider}`: only SerpApi is supported (as in NodeTool 0.6.3)"
                )))
            }
            other => {
                return Err(NodeError::failed(format!(
                    "Invalid SERP_PROVIDER value '{other}'. Valid options are: 'serpapi', 'apify', 'dataforseo'."
                )))
            }
        }
    }
    let key = setting(ctx, "SERPAPI_API_KEY")?.ok_or_else(|| {
        NodeError::failed(
            "No SERP provider is configured. Please set credentials for SerpApi (SERPAPI_API_KEY).",
        )
    })?;
    let base =
        setting(ctx, "SERPAPI_BASE_URL")?.unwrap_or_else(|| "https://serpapi.com".to_owned());
    let mut query: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    query.push(("api_key", key.as_str()));
    let response = nodetool::http::shared_client()
        .get(format!("{}/search.json", base.trim_end_matches('/')))
        .query(&query)
        .send()
        .await
        .map_err(|e| NodeError::failed(format!("SerpApi request failed: {}", without_query(&e))))?;
    let status = response.status();
    let body = response
        .text()
        .await
        .map_err(|e| NodeError::failed(format!("SerpApi request failed: {}", without_query(&e))))?;
    if !status.is_success() {
        let detail = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_owned))
            .unwrap_or(body);
        return Err(NodeError::failed(format!(
            "SerpApi HTTP error: {} - {}",
            status.as_u16(),
            detail
        )));
    }
    let mut data: Value = serde_json::from_str(&body)
        .map_err(|e| NodeError::failed(format!("SerpApi failed to decode JSON response: {e}")))?;
    if let Some(error) = data["error"].as_str() {
        return Err(NodeError::failed(error.to_owned()));
    }
    if data["search_metadata"]["status"] == "Error" {
        return Err(NodeError::failed(format!(
            "SerpApi returned an error: {data}"
        )));
    }
    remove_base64_images(&mut data);
    Ok(data)
}

/// A request error without its URL (which holds the key).
fn without_query(error: &reqwest::Error) -> String {
    let text = error.to_string();
    match error.url() {
        Some(url) => text.replace(url.as_str(), url.path()),
        None => text,
    }
}

/// Drops `image`, `image_alt`, `image_base64`, `image_url` and every `data:` string, at every
/// depth, as NodeTool's SerpApi provider does.
fn remove_base64_images(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|k, v| {
                !matches!(
                    k.as_str(),
                    "image" | "image_alt" | "image_base64" | "image_url"
                ) && !v.as_str().is_some_and(|s| s.starts_with("data:"))
            });
            map.values_mut().for_each(remove_base64_images);
        }
        Value::Array(items) => items.iter_mut().for_each(remove_base64_images),
        _ => {}
    }
}

/// Python's truthiness of a JSON value.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// The list under `key` (empty when absent).
fn list(data: &Value, key: &str) -> Vec<Value> {
    data[key].as_array().cloned().unwrap_or_default()
}

/// `[pos] title` for result `i`.
fn heading(r: &Value, i: usize) -> String {
    let position = match r.get("position") {
        Some(p) => py_str(p),
        None => (i + 1).to_string(),
    };
    let title = r.get("title").map_or_else(|| "Untitled".to_owned(), py_str);
    format!("[{position}] {title}")
}

/// NodeTool's `format_results`: a heading per result, then `    label: value` for each truthy
/// field, then an empty line.
fn format_results(results: &[Value], fields: &[(&str, Option<&str>)]) -> String {
    format_each(results, |r, lines| {
        for (key, label) in fields {
            let value = &r[*key];
            if truthy(value) {
                lines.push(match label {
                    Some(label) => format!("    {label}: {}", py_str(value)),
                    None => format!("    {}", py_str(value)),
                });
            }
        }
    })
}

/// A heading per result, the lines `body` adds, an empty line; all joined by newlines.
fn format_each(results: &[Value], body: impl Fn(&Value, &mut Vec<String>)) -> String {
    let mut lines = Vec::new();
    for (i, r) in results.iter().enumerate() {
        lines.push(heading(r, i));
        body(r, &mut lines);
        lines.push(String::new());
    }
    lines.join("\n")
}

/// `    Rating: r (n reviews)` when the result has a rating.
fn rating_line(r: &Value, lines: &mut Vec<String>) {
    if !r["rating"].is_null() {
        let mut line = format!("    Rating: {}", py_str(&r["rating"]));
        if !r["reviews"].is_null() {
            line.push_str(&format!(" ({} reviews)", py_str(&r["reviews"])));
        }
        lines.push(line);
    }
}

/// `    label: value` (or `    value`) when the field is truthy.
fn field(r: &Value, key: &str, label: Option<&str>, lines: &mut Vec<String>) {
    if truthy(&r[key]) {
        lines.push(match label {
            Some(label) => format!("    {label}: {}", py_str(&r[key])),
            None => format!("    {}", py_str(&r[key])),
        });
    }
}

/// Sends `results` and `text`.
async fn send_results(
    outputs: &mut NodeOutputs,
    results: Vec<Value>,
    text: String,
) -> Result<(), NodeError> {
    outputs.send_named("results", Value::Array(results)).await?;
    outputs.send_named("text", Value::String(text)).await
}

/// A required text property, with NodeTool's message when it is empty.
fn required(props: &Props, name: &str, message: &str) -> Result<String, NodeError> {
    let value = props.str(name);
    if value.is_empty() {
        return Err(NodeError::failed(message.to_owned()));
    }
    Ok(value)
}

fn us() -> [(&'static str, String); 2] {
    [("gl", "us".to_owned()), ("hl", "en".to_owned())]
}

macro_rules! search_node {
    ($(#[$doc:meta])* $name:ident, $node_type:literal) => {
        meta_node!($(#[$doc])* $name, $node_type, Buffered, cacheable = true, tool = true);
    };
}

search_node!(
    /// `search.google.GoogleSearch`: Google's organic results (SerpApi `google_light`).
    GoogleSearch,
    "search.google.GoogleSearch"
);

impl GoogleSearch {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let keyword = required(props, "keyword", "Keyword is required")?;
        let mut params = vec![
            ("engine", "google_light".to_owned()),
            ("q", keyword),
            ("num", props.int("num_results")?.to_string()),
        ];
        params.extend(us());
        let data = serpapi(ctx, &params).await?;
        let results = list(&data, "organic_results");
        let text = format_results(
            &results,
            &[("link", None), ("date", Some("Date")), ("snippet", None)],
        );
        send_results(outputs, results, text).await
    }
}

search_node!(
    /// `search.google.GoogleNews`: Google News articles.
    GoogleNews,
    "search.google.GoogleNews"
);

impl GoogleNews {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let keyword = required(props, "keyword", "Keyword is required")?;
        let mut params = vec![
            ("engine", "google_news".to_owned()),
            ("q", keyword),
            ("num", props.int("num_results")?.to_string()),
        ];
        params.extend(us());
        let data = serpapi(ctx, &params).await?;
        let results = list(&data, "news_results");
        let text = format_results(&results, &[("link", None), ("date", Some("Date"))]);
        send_results(outputs, results, text).await
    }
}

/// An image reference to `uri`.
fn image_ref(uri: &str) -> Value {
    json!({"type": "image", "uri": uri, "asset_id": null, "data": null, "metadata": null})
}

search_node!(
    /// `search.google.GoogleImages`: images for a keyword, or a reverse image search.
    GoogleImages,
    "search.google.GoogleImages"
);

impl GoogleImages {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let keyword = props.str("keyword");
        let image_url = props.str("image_url");
        if keyword.is_empty() && image_url.is_empty() {
            return Err(NodeError::failed(
                "One of 'keyword' or 'image_url' is required.",
            ));
        }
        let engine = if image_url.is_empty() {
            "google_images"
        } else {
            "google_reverse_image"
        };
        let mut params = vec![
            ("engine", engine.to_owned()),
            ("num", props.int("num_results")?.to_string()),
        ];
        params.extend(us());
        if image_url.is_empty() {
            params.push(("q", keyword));
        } else {
            params.push(("image_url", image_url));
        }
        let data = serpapi(ctx, &params).await?;
        let images: Vec<Value> = list(&data, "images_results")
            .iter()
            .filter_map(|i| {
                i["original"]
                    .as_str()
                    .filter(|s| !s.is_empty())
                    .map(image_ref)
            })
            .collect();
        outputs.send_named("output", Value::Array(images)).await
    }
}

search_node!(
    /// `search.google.GoogleFinance`: Google Finance's data for a symbol or company.
    GoogleFinance,
    "search.google.GoogleFinance"
);

impl GoogleFinance {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let query = required(
            props,
            "query",
            "Query is required for Google Finance search.",
        )?;
        let mut params = vec![("engine", "google_finance".to_owned()), ("q", query)];
        params.extend(us());
        let window = props.str("window");
        if !window.is_empty() {
            params.push(("window", window));
        }
        let data = serpapi(ctx, &params).await?;
        outputs.send_named("output", data).await
    }
}

search_node!(
    /// `search.google.GoogleJobs`: job listings.
    GoogleJobs,
    "search.google.GoogleJobs"
);

impl GoogleJobs {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let query = required(props, "query", "Query is required for Google Jobs search.")?;
        let mut params = vec![
            ("engine", "google_jobs".to_owned()),
            ("q", query),
            ("hl", "en".to_owned()),
            ("gl", "us".to_owned()),
        ];
        let location = props.str("location");
        if !location.is_empty() {
            params.push(("location", location));
        }
        let data = serpapi(ctx, &params).await?;
        let results = list(&data, "jobs_results");
        let text = format_results(
            &results,
            &[
                ("company_name", Some("Company")),
                ("location", Some("Location")),
                ("via", Some("Via")),
                ("extensions", Some("Details")),
            ],
        );
        send_results(outputs, results, text).await
    }
}

search_node!(
    /// `search.google.GoogleLens`: visual matches of an image.
    GoogleLens,
    "search.google.GoogleLens"
);

impl GoogleLens {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let url = required(
            props,
            "image_url",
            "Image URL is required for Google Lens search.",
        )?;
        let params = vec![
            ("engine", "google_lens".to_owned()),
            ("url", url),
            ("hl", "en".to_owned()),
        ];
        let data = serpapi(ctx, &params).await?;
        let matches = list(&data, "visual_matches");
        let images: Vec<Value> = matches
            .iter()
            .filter_map(|m| {
                [&m["image"], &m["thumbnail"]]
                    .into_iter()
                    .find_map(|v| v.as_str().filter(|s| !s.is_empty()))
                    .map(image_ref)
            })
            .collect();
        outputs.send_named("results", Value::Array(matches)).await?;
        outputs.send_named("images", Value::Array(images)).await
    }
}

search_node!(
    /// `search.google.GoogleMaps`: places.
    GoogleMaps,
    "search.google.GoogleMaps"
);

impl GoogleMaps {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let query = required(props, "query", "Query is required for map search.")?;
        let params = vec![
            ("engine", "google_maps".to_owned()),
            ("hl", "en".to_owned()),
            ("gl", "us".to_owned()),
            ("type", "search".to_owned()),
            ("q", query),
        ];
        let data = serpapi(ctx, &params).await?;
        let results = list(&data, "local_results");
        let text = format_each(&results, |r, lines| {
            field(r, "address", None, lines);
            rating_line(r, lines);
            field(r, "price", Some("Price"), lines);
            field(r, "open_state", None, lines);
        });
        send_results(outputs, results, text).await
    }
}

search_node!(
    /// `search.google.GoogleShopping`: products with price, condition and sort filters.
    GoogleShopping,
    "search.google.GoogleShopping"
);

/// Google Shopping's `tbs` filter, as NodeTool builds it.
fn shopping_tbs(min_price: i64, max_price: i64, condition: &str, sort_by: &str) -> Option<String> {
    let mut tbs: Vec<String> = Vec::new();
    let price_filter = |tbs: &mut Vec<String>, item: String| {
        tbs.push(item);
        for flag in ["price:1", "mr:1"] {
            if !tbs.iter().any(|t| t == flag) {
                tbs.insert(0, flag.to_owned());
            }
        }
    };
    if min_price > 0 {
        price_filter(&mut tbs, format!("ppr_min:{min_price}"));
    }
    if max_price > 0 {
        price_filter(&mut tbs, format!("ppr_max:{max_price}"));
    }
    match condition.to_lowercase().as_str() {
        "new" => tbs.push("p_cond:new".to_owned()),
        "used" | "refurbished" => tbs.push("p_cond:used".to_owned()),
        _ => {}
    }
    if !sort_by.is_empty() {
        tbs.push(format!("sort:{sort_by}"));
    }
    (!tbs.is_empty()).then(|| tbs.join(","))
}

impl GoogleShopping {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let query = required(
            props,
            "query",
            "Query is required for Google Shopping search.",
        )?;
        let country = Some(props.str("country"))
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| "us".to_owned());
        let mut params = vec![
            ("engine", "google_shopping".to_owned()),
            ("q", query),
            ("hl", "en".to_owned()),
            ("gl", country),
        ];
        if let Some(tbs) = shopping_tbs(
            props.int("min_price")?,
            props.int("max_price")?,
            &props.str("condition"),
            &props.str("sort_by"),
        ) {
            params.push(("tbs", tbs));
        }
        let data = serpapi(ctx, &params).await?;
        let results = list(&data, "shopping_results");
        let text = format_each(&results, |r, lines| {
            if truthy(&r["price"]) {
                let mut line = format!("    Price: {}", py_str(&r["price"]));
                if truthy(&r["old_price"]) {
                    line.push_str(&format!(" (was {})", py_str(&r["old_price"])));
                }
                lines.push(line);
            }
            field(r, "source", Some("Source"), lines);
            field(r, "link", None, lines);
            if !r["rating"].is_null() {
                lines.push(format!("    Rating: {}", py_str(&r["rating"])));
            }
        });
        send_results(outputs, results, text).await
    }
}

search_node!(
    /// `search.google_extra.GoogleEvents`: local events.
    GoogleEvents,
    "search.google_extra.GoogleEvents"
);

impl GoogleEvents {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let query = required(props, "query", "Query is required")?;
        let mut params = vec![("engine", "google_events".to_owned()), ("q", query)];
        let location = props.str("location");
        if !location.is_empty() {
            params.push(("location", location));
        }
        params.extend([("hl", "en".to_owned()), ("gl", "us".to_owned())]);
        let data = serpapi(ctx, &params).await?;
        let results = list(&data, "events_results");
        let text = format_results(
            &results,
            &[
                ("date", Some("Date")),
                ("address", Some("Address")),
                ("link", None),
                ("description", None),
                ("venue", Some("Venue")),
            ],
        );
        send_results(outputs, results, text).await
    }
}

search_node!(
    /// `search.google_extra.GoogleFlights`: flights between two airports.
    GoogleFlights,
    "search.google_extra.GoogleFlights"
);

/// A value or `?` (NodeTool's `.get(key, '?')`).
fn or_unknown(value: &Value) -> String {
    if value.is_null() {
        "?".to_owned()
    } else {
        py_str(value)
    }
}

/// NodeTool's lines for a list of flight options.
fn format_flights(options: &[Value]) -> String {
    let mut lines = Vec::new();
    for (i, option) in options.iter().enumerate() {
        lines.push(format!("--- Option {} ---", i + 1));
        if truthy(&option["price"]) {
            lines.push(format!("  Price: {}", py_str(&option["price"])));
        }
        if let Some(minutes) = option["total_duration"].as_i64().filter(|m| *m != 0) {
            lines.push(format!(
                "  Total Duration: {}h {}m",
                minutes.div_euclid(60),
                minutes.rem_euclid(60)
            ));
        }
        if truthy(&option["type"]) {
            lines.push(format!("  Type: {}", py_str(&option["type"])));
        }
        let co2 = &option["carbon_emissions"]["this_flight"];
        if truthy(co2) {
            lines.push(format!("  CO2 Emissions: {}g", py_str(co2)));
        }
        for (j, leg) in option["flights"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let (dep, arr) = (&leg["departure_airport"], &leg["arrival_airport"]);
            lines.push(format!(
                "  Leg {}: {} ({}) {} -> {} ({}) {}",
                j + 1,
                or_unknown(&dep["name"]),
                or_unknown(&dep["id"]),
                or_unknown(&dep["time"]),
                or_unknown(&arr["name"]),
                or_unknown(&arr["id"]),
                or_unknown(&arr["time"])
            ));
            if truthy(&leg["airline"]) {
                let number = if leg["flight_number"].is_null() {
                    String::new()
                } else {
                    py_str(&leg["flight_number"])
                };
                lines.push(format!("    Airline: {} {number}", py_str(&leg["airline"])));
            }
            if truthy(&leg["duration"]) {
                lines.push(format!("    Duration: {} min", py_str(&leg["duration"])));
            }
            if truthy(&leg["travel_class"]) {
                lines.push(format!("    Class: {}", py_str(&leg["travel_class"])));
            }
        }
        for layover in option["layovers"].as_array().into_iter().flatten() {
            lines.push(format!(
                "  Layover: {} ({}) - {} min",
                or_unknown(&layover["name"]),
                or_unknown(&layover["id"]),
                or_unknown(&layover["duration"])
            ));
        }
        lines.push(String::new());
    }
    lines.join("\n")
}

impl GoogleFlights {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let (departure, arrival) = (props.str("departure_id"), props.str("arrival_id"));
        if departure.is_empty() || arrival.is_empty() {
            return Err(NodeError::failed(
                "Both departure_id and arrival_id are required",
            ));
        }
        let outbound = required(props, "outbound_date", "Outbound date is required")?;
        let trip_type = props.int("trip_type")?;
        let return_date = props.str("return_date");
        if trip_type == 1 && return_date.is_empty() {
            return Err(NodeError::failed(
                "Return date is required for round trip flights",
            ));
        }
        let mut params = vec![
            ("engine", "google_flights".to_owned()),
            ("departure_id", departure),
            ("arrival_id", arrival),
            ("outbound_date", outbound),
            ("type", trip_type.to_string()),
            ("adults", props.int("adults")?.to_string()),
            ("travel_class", props.int("travel_class")?.to_string()),
            ("currency", props.str("currency")),
        ];
        if !return_date.is_empty() {
            params.push(("return_date", return_date));
        }
        let stops = props.int("stops")?;
        if stops != 0 {
            params.push(("stops", stops.to_string()));
        }
        let sort_by = props.int("sort_by")?;
        if sort_by != 1 {
            params.push(("sort_by", sort_by.to_string()));
        }
        params.extend([("hl", "en".to_owned()), ("gl", "us".to_owned())]);
        let data = serpapi(ctx, &params).await?;
        let best = list(&data, "best_flights");
        let other = list(&data, "other_flights");
        let mut parts = Vec::new();
        if !best.is_empty() {
            parts.push(format!("=== Best Flights ===\n{}", format_flights(&best)));
        }
        if !other.is_empty() {
            parts.push(format!("=== Other Flights ===\n{}", format_flights(&other)));
        }
        let insights = &data["price_insights"];
        if truthy(insights) {
            if truthy(&insights["lowest_price"]) {
                parts.push(format!(
                    "Lowest Price: {}",
                    py_str(&insights["lowest_price"])
                ));
            }
            if truthy(&insights["typical_price_range"]) {
                parts.push(format!(
                    "Typical Range: {}",
                    py_str(&insights["typical_price_range"])
                ));
            }
        }
        let text = if parts.is_empty() {
            "No flights found.".to_owned()
        } else {
            parts.join("\n")
        };
        send_results(outputs, best.into_iter().chain(other).collect(), text).await
    }
}

search_node!(
    /// `search.google_extra.GoogleHotels`: hotels with prices and ratings.
    GoogleHotels,
    "search.google_extra.GoogleHotels"
);

impl GoogleHotels {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let query = required(props, "query", "Query is required")?;
        let (check_in, check_out) = (props.str("check_in_date"), props.str("check_out_date"));
        if check_in.is_empty() || check_out.is_empty() {
            return Err(NodeError::failed(
                "Both check_in_date and check_out_date are required",
            ));
        }
        let mut params = vec![
            ("engine", "google_hotels".to_owned()),
            ("q", query),
            ("check_in_date", check_in),
            ("check_out_date", check_out),
            ("adults", props.int("adults")?.to_string()),
            ("currency", props.str("currency")),
        ];
        for (name, keep) in [
            ("children", 1),
            ("sort_by", 1),
            ("min_price", 1),
            ("max_price", 1),
            ("hotel_class", 2),
        ] {
            let value = props.int(name)?;
            if value >= keep {
                params.push((name, value.to_string()));
            }
        }
        params.extend([("hl", "en".to_owned()), ("gl", "us".to_owned())]);
        let data = serpapi(ctx, &params).await?;
        let results = list(&data, "properties");
        let mut lines = Vec::new();
        for (i, r) in results.iter().enumerate() {
            let name = r.get("name").map_or_else(|| "Untitled".to_owned(), py_str);
            lines.push(format!("[{}] {name}", i + 1));
            field(r, "type", Some("Type"), &mut lines);
            let class = if truthy(&r["hotel_class"]) {
                &r["hotel_class"]
            } else {
                &r["extracted_hotel_class"]
            };
            if truthy(class) {
                lines.push(format!("    Class: {}-star", py_str(class)));
            }
            if !r["overall_rating"].is_null() {
                let mut line = format!("    Rating: {}", py_str(&r["overall_rating"]));
                if !r["reviews"].is_null() {
                    line.push_str(&format!(" ({} reviews)", py_str(&r["reviews"])));
                }
                lines.push(line);
            }
            if truthy(&r["rate_per_night"]["lowest"]) {
                lines.push(format!(
                    "    Price: {}/night",
                    py_str(&r["rate_per_night"]["lowest"])
                ));
            }
            if truthy(&r["total_rate"]["lowest"]) {
                lines.push(format!("    Total: {}", py_str(&r["total_rate"]["lowest"])));
            }
            if truthy(&r["description"]) {
                lines.push(format!(
                    "    {}",
                    py_str(&r["description"])
                        .chars()
                        .take(200)
                        .collect::<String>()
                ));
            }
            if truthy(&r["check_in_time"]) || truthy(&r["check_out_time"]) {
                let or_na = |v: &Value| {
                    if truthy(v) {
                        py_str(v)
                    } else {
                        "N/A".to_owned()
                    }
                };
                lines.push(format!(
                    "    Check-in: {} / Check-out: {}",
                    or_na(&r["check_in_time"]),
                    or_na(&r["check_out_time"])
                ));
            }
            lines.push(String::new());
        }
        let text = if lines.is_empty() {
            "No hotels found.".to_owned()
        } else {
            lines.join("\n")
        };
        send_results(outputs, results, text).await
    }
}

search_node!(
    /// `search.bing.BingSearch`: Bing's organic results.
    BingSearch,
    "search.bing.BingSearch"
);

impl BingSearch {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let query = required(props, "query", "Query is required")?;
        let params = vec![
            ("engine", "bing".to_owned()),
            ("q", query),
            ("count", props.int("num_results")?.to_string()),
            ("hl", "en".to_owned()),
            ("gl", "us".to_owned()),
        ];
        let data = serpapi(ctx, &params).await?;
        let results = list(&data, "organic_results");
        let text = format_results(
            &results,
            &[
                ("link", None),
                ("displayed_link", Some("URL")),
                ("date", Some("Date")),
                ("snippet", None),
            ],
        );
        send_results(outputs, results, text).await
    }
}

search_node!(
    /// `search.duckduckgo.DuckDuckGoSearch`: DuckDuckGo's results.
    DuckDuckGoSearch,
    "search.duckduckgo.DuckDuckGoSearch"
);

impl DuckDuckGoSearch {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let query = required(props, "query", "Query is required")?;
        let data = serpapi(ctx, &[("engine", "duckduckgo".to_owned()), ("q", query)]).await?;
        let results = list(&data, "organic_results");
        let text = format_each(&results, |r, lines| {
            field(r, "snippet", None, lines);
            field(r, "displayed_link", None, lines);
            field(r, "link", None, lines);
        });
        send_results(outputs, results, text).await
    }
}

search_node!(
    /// `search.amazon.AmazonSearch`: Amazon products.
    AmazonSearch,
    "search.amazon.AmazonSearch"
);

impl AmazonSearch {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let query = required(props, "query", "Query is required")?;
        let domain = props.str("amazon_domain");
        let params = vec![
            ("engine", "amazon".to_owned()),
            ("amazon_url", format!("https://www.{domain}")),
            ("amazon_domain", domain),
            ("q", query),
        ];
        let data = serpapi(ctx, &params).await?;
        let results = list(&data, "organic_results");
        let text = format_each(&results, |r, lines| {
            field(r, "asin", Some("ASIN"), lines);
            field(r, "price", Some("Price"), lines);
            rating_line(r, lines);
            field(r, "link", None, lines);
        });
        send_results(outputs, results, text).await
    }
}

/// `product_result` of a product response, else the whole response.
fn product(mut data: Value) -> Value {
    match data.get_mut("product_result").map(Value::take) {
        Some(product) => product,
        None => data,
    }
}

search_node!(
    /// `search.amazon.AmazonProduct`: one Amazon product by ASIN.
    AmazonProduct,
    "search.amazon.AmazonProduct"
);

impl AmazonProduct {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let id = required(props, "product_id", "Product ID (ASIN) is required")?;
        let params = vec![
            ("engine", "amazon_product".to_owned()),
            ("product_id", id),
            ("amazon_domain", props.str("amazon_domain")),
        ];
        let data = serpapi(ctx, &params).await?;
        outputs.send_named("output", product(data)).await
    }
}

search_node!(
    /// `search.walmart.WalmartSearch`: Walmart products.
    WalmartSearch,
    "search.walmart.WalmartSearch"
);

impl WalmartSearch {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let query = required(props, "query", "Query is required")?;
        let mut params = vec![("engine", "walmart".to_owned()), ("query", query)];
        let sort = props.str("sort_by");
        if !sort.is_empty() && sort != "best_match" {
            params.push(("sort", sort));
        }
        for name in ["min_price", "max_price"] {
            if !props.get(name).is_null() {
                params.push((name, crate::pyfmt::py_float(props.float(name)?)));
            }
        }
        params.extend([("hl", "en".to_owned()), ("gl", "us".to_owned())]);
        let data = serpapi(ctx, &params).await?;
        let limit = usize::try_from(props.int("num_results")?.max(0)).unwrap_or(0);
        let results: Vec<Value> = list(&data, "organic_results")
            .into_iter()
            .take(limit)
            .collect();
        let text = format_each(&results, |r, lines| {
            field(r, "us_item_id", Some("ID"), lines);
            let offer = &r["primary_offer"]["offer_price"];
            if r["primary_offer"].is_object() && truthy(offer) {
                lines.push(format!("    Price: ${}", py_str(offer)));
            }
            rating_line(r, lines);
            field(r, "seller_name", Some("Seller"), lines);
            field(r, "product_page_url", None, lines);
        });
        send_results(outputs, results, text).await
    }
}

search_node!(
    /// `search.walmart.WalmartProduct`: one Walmart product.
    WalmartProduct,
    "search.walmart.WalmartProduct"
);

impl WalmartProduct {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let id = required(props, "product_id", "Product ID is required")?;
        let params = vec![
            ("engine", "walmart_product".to_owned()),
            ("product_id", id),
            ("hl", "en".to_owned()),
            ("gl", "us".to_owned()),
        ];
        let data = serpapi(ctx, &params).await?;
        outputs.send_named("output", product(data)).await
    }
}

search_node!(
    /// `search.yelp.YelpSearch`: businesses on Yelp.
    YelpSearch,
    "search.yelp.YelpSearch"
);

impl YelpSearch {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let query = required(props, "query", "Query is required")?;
        let location = required(props, "location", "Location is required for Yelp search")?;
        let data = serpapi(
            ctx,
            &[
                ("engine", "yelp".to_owned()),
                ("find_desc", query),
                ("find_loc", location),
            ],
        )
        .await?;
        let results = list(&data, "organic_results");
        let text = format_each(&results, |r, lines| {
            rating_line(r, lines);
            field(r, "price", Some("Price"), lines);
            field(r, "address", Some("Address"), lines);
            if let Some(categories) = r["categories"].as_array().filter(|c| !c.is_empty()) {
                let names: Vec<String> = categories.iter().map(py_str).collect();
                lines.push(format!("    Categories: {}", names.join(", ")));
            }
            field(r, "link", None, lines);
        });
        send_results(outputs, results, text).await
    }
}

/// An integer with `,` between thousands (Python's `{:,}`).
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

search_node!(
    /// `search.youtube.YouTubeSearch`: YouTube videos.
    YouTubeSearch,
    "search.youtube.YouTubeSearch"
);

impl YouTubeSearch {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let query = required(props, "query", "Query is required")?;
        let data = serpapi(
            ctx,
            &[
                ("engine", "youtube".to_owned()),
                ("search_query", query),
                ("gl", "us".to_owned()),
                ("hl", "en".to_owned()),
            ],
        )
        .await?;
        let results = list(&data, "video_results");
        let mut lines = Vec::new();
        for (i, r) in results.iter().enumerate() {
            let position = r
                .get("position")
                .or_else(|| r.get("position_on_page"))
                .map_or_else(|| (i + 1).to_string(), py_str);
            let title = r.get("title").map_or_else(|| "Untitled".to_owned(), py_str);
            lines.push(format!("[{position}] {title}"));
            let channel = match &r["channel"] {
                Value::Object(c) => c.get("name").map(py_str).unwrap_or_default(),
                other if truthy(other) => py_str(other),
                _ => String::new(),
            };
            if !channel.is_empty() {
                lines.push(format!("    Channel: {channel}"));
            }
            match &r["views"] {
                Value::Null => {}
                Value::Number(n) if n.as_i64().is_some() => {
                    lines.push(format!("    Views: {}", thousands(n.as_i64().unwrap_or(0))))
                }
                other => lines.push(format!("    Views: {}", py_str(other))),
            }
            field(r, "published_date", Some("Published"), &mut lines);
            field(r, "length", Some("Duration"), &mut lines);
            field(r, "link", None, &mut lines);
            lines.push(String::new());
        }
        send_results(outputs, results, lines.join("\n")).await
    }
}

search_node!(
    /// `search.scholar.GoogleScholar`: papers on Google Scholar.
    GoogleScholar,
    "search.scholar.GoogleScholar"
);

impl GoogleScholar {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let query = required(props, "query", "Query is required")?;
        let params = vec![
            ("engine", "google_scholar".to_owned()),
            ("q", query),
            ("num", props.int("num_results")?.to_string()),
            ("hl", "en".to_owned()),
        ];
        let data = serpapi(ctx, &params).await?;
        let results = list(&data, "organic_results");
        let text = format_each(&results, |r, lines| {
            let publication = &r["publication_info"];
            if truthy(publication) {
                lines.push(match publication {
                    Value::Object(p) => {
                        format!("    {}", p.get("summary").map(py_str).unwrap_or_default())
                    }
                    other => format!("    {}", py_str(other)),
                });
            }
            field(r, "snippet", None, lines);
            let cited = &r["inline_links"]["cited_by"]["total"];
            if truthy(cited) {
                lines.push(format!("    Cited by: {}", py_str(cited)));
            }
            field(r, "link", None, lines);
        });
        send_results(outputs, results, text).await
    }
}

search_node!(
    /// `search.trends.GoogleTrends`: interest over time for a search term.
    GoogleTrends,
    "search.trends.GoogleTrends"
);

impl GoogleTrends {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let query = required(props, "query", "Query is required")?;
        let mut params = vec![("engine", "google_trends".to_owned()), ("q", query)];
        for name in ["date", "geo"] {
            let value = props.str(name);
            if !value.is_empty() {
                params.push((name, value));
            }
        }
        let data = serpapi(ctx, &params).await?;
        outputs.send_named("output", data).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_print_as_nodetool_prints_them() {
        let results = vec![
            json!({"position": 1, "title": "Rust", "link": "https://rust-lang.org", "snippet": "", "date": "2 days ago"}),
            json!({"title": null, "extensions": ["Full-time", 3.0]}),
        ];
        let text = format_results(
            &results,
            &[
                ("link", None),
                ("date", Some("Date")),
                ("snippet", None),
                ("extensions", Some("Details")),
            ],
        );
        assert_eq!(
            text,
            "[1] Rust\n    https://rust-lang.org\n    Date: 2 days ago\n\n[2] None\n    Details: ['Full-time', 3.0]\n"
        );
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }

    #[test]
    fn shopping_filters_and_image_stripping() {
        assert_eq!(
            shopping_tbs(10, 50, "New", "").as_deref(),
            Some("mr:1,price:1,ppr_min:10,ppr_max:50,p_cond:new")
        );
        assert_eq!(shopping_tbs(0, 0, "", ""), None);
        let mut data =
            json!({"a": [{"image": "x", "thumbnail": "data:image/png;base64,AA", "title": "t"}]});
        remove_base64_images(&mut data);
        assert_eq!(data, json!({"a": [{"title": "t"}]}));
    }
}
