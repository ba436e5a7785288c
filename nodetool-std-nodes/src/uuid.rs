//! `lib.uuid`: UUIDs, as NodeTool's `lib/uuid.py`.

use crate::enums::string_enum;
use nodetool::prelude::*;
use serde_json::{json, Value};
use uuid::Uuid;

/// Generate a random UUID (version 4).
/// uuid, random, identifier, unique, guid
#[node(namespace = "lib.uuid", name = "GenerateUUID4", expose_as_tool)]
pub async fn generate_uuid4() -> String {
    Uuid::new_v4().to_string()
}

/// Generate a time-based UUID (version 1).
/// uuid, time, identifier, unique, guid, timestamp
#[node(namespace = "lib.uuid", name = "GenerateUUID1", expose_as_tool)]
pub async fn generate_uuid1() -> String {
    // Python uses the MAC address, or random bits where there is none: these are random.
    let [a, b, c, d, e, f, ..] = Uuid::new_v4().into_bytes();
    Uuid::now_v1(&[a, b, c, d, e, f]).to_string()
}

/// Python's namespace names (`dns`, `url`, `oid`, `x500`, any case) or a UUID string.
fn namespace(ns: &str) -> Result<Uuid> {
    Ok(match ns.to_ascii_lowercase().as_str() {
        "dns" => Uuid::NAMESPACE_DNS,
        "url" => Uuid::NAMESPACE_URL,
        "oid" => Uuid::NAMESPACE_OID,
        "x500" => Uuid::NAMESPACE_X500,
        _ => Uuid::parse_str(ns).map_err(|_| {
            format!("Invalid namespace: {ns}. Use dns, url, oid, x500, or a valid UUID string")
        })?,
    })
}

/// Generate a name-based UUID using MD5 (version 3).
/// uuid, name, identifier, unique, guid, md5, deterministic
#[node(namespace = "lib.uuid", name = "GenerateUUID3", expose_as_tool)]
pub async fn generate_uuid3(
    /// Namespace (dns, url, oid, x500, or a UUID string)
    #[input(default = "dns")]
    namespace: String,
    /// Name to generate UUID from
    #[input(default = "")]
    name: String,
) -> Result<String> {
    Ok(Uuid::new_v3(&self::namespace(&namespace)?, name.as_bytes()).to_string())
}

/// Generate a name-based UUID using SHA-1 (version 5).
/// uuid, name, identifier, unique, guid, sha1, deterministic
#[node(namespace = "lib.uuid", name = "GenerateUUID5", expose_as_tool)]
pub async fn generate_uuid5(
    /// Namespace (dns, url, oid, x500, or a UUID string)
    #[input(default = "dns")]
    namespace: String,
    /// Name to generate UUID from
    #[input(default = "")]
    name: String,
) -> Result<String> {
    Ok(Uuid::new_v5(&self::namespace(&namespace)?, name.as_bytes()).to_string())
}

/// Python's `variant` string and `version` (only for RFC 4122 UUIDs).
fn variant_and_version(u: &Uuid) -> (&'static str, Option<usize>) {
    match u.get_variant() {
        uuid::Variant::RFC4122 => ("specified in RFC 4122", Some(u.get_version_num())),
        uuid::Variant::NCS => ("reserved for NCS compatibility", None),
        uuid::Variant::Microsoft => ("reserved for Microsoft compatibility", None),
        _ => ("reserved for future definition", None),
    }
}

/// Parse and validate a UUID string.
/// uuid, parse, validate, check, identifier
#[node(namespace = "lib.uuid", name = "ParseUUID", expose_as_tool)]
pub async fn parse_uuid(
    /// UUID string to parse
    #[input(default = "")]
    uuid_string: String,
) -> std::collections::BTreeMap<String, Value> {
    let value = match Uuid::parse_str(uuid_string.trim()) {
        Ok(u) => {
            let (variant, version) = variant_and_version(&u);
            json!({
                "uuid": u.to_string(),
                "version": version,
                "variant": variant,
                "hex": u.simple().to_string(),
                // 128 bits do not fit a JSON number: the decimal digits, as a string.
                "int": u.as_u128().to_string(),
                "is_valid": true,
            })
        }
        Err(e) => json!({"uuid": uuid_string, "is_valid": false, "error": e.to_string()}),
    };
    match value {
        Value::Object(map) => map.into_iter().collect(),
        _ => Default::default(),
    }
}

string_enum!(
    /// How `FormatUUID` writes a UUID.
    UuidFormat, "nodetool.nodes.lib.uuid.UUIDFormat", default Standard,
    { Standard => "standard", Hex => "hex", Urn => "urn", Int => "int", BytesHex => "bytes_hex" }
);

/// Format a UUID string in different representations.
/// uuid, format, convert, hex, urn, identifier
#[node(namespace = "lib.uuid", name = "FormatUUID", expose_as_tool)]
pub async fn format_uuid(
    /// UUID string to format
    #[input(default = "")]
    uuid_string: String,
    /// Output format (standard, hex, urn, int, bytes_hex)
    #[input(default = UuidFormat::Standard)]
    format: UuidFormat,
) -> Result<String> {
    let u = Uuid::parse_str(uuid_string.trim())
        .map_err(|e| format!("Invalid UUID string: {uuid_string} ({e})"))?;
    Ok(match format {
        UuidFormat::Standard => u.to_string(),
        UuidFormat::Hex | UuidFormat::BytesHex => u.simple().to_string(),
        UuidFormat::Urn => u.urn().to_string(),
        UuidFormat::Int => u.as_u128().to_string(),
    })
}

/// Check if a string is a valid UUID.
/// uuid, validate, check, verify, identifier
#[node(namespace = "lib.uuid", name = "IsValidUUID", expose_as_tool)]
pub async fn is_valid_uuid(
    /// String to check
    #[input(default = "")]
    uuid_string: String,
) -> bool {
    Uuid::parse_str(uuid_string.trim()).is_ok()
}
