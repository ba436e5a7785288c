//! Chroma's filters: `where` on metadata and `where_document` on the text, in Chroma's JSON.

use serde_json::{Map, Value};

/// A filter on records' metadata, as Chroma's `where`: `{"key": value}` (equal),
/// `{"key": {"$eq" | "$ne" | "$gt" | "$gte" | "$lt" | "$lte" | "$in" | "$nin": …}}`,
/// `{"$and": [...]}`, `{"$or": [...]}`.
///
/// ```
/// use nodetool::collections::MetadataFilter;
/// use serde_json::json;
/// let filter = MetadataFilter::parse(&json!({"$and": [{"year": {"$gte": 2020}}, {"topic": "nlp"}]})).unwrap();
/// assert!(filter.matches(json!({"year": 2023, "topic": "nlp"}).as_object().unwrap()));
/// assert!(!filter.matches(json!({"year": 2019, "topic": "nlp"}).as_object().unwrap()));
/// assert!(MetadataFilter::parse(&json!({"year": {"$near": 1}})).is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum MetadataFilter {
    /// Every filter holds.
    And(Vec<MetadataFilter>),
    /// Some filter holds.
    Or(Vec<MetadataFilter>),
    /// Field `key` compares to `value` by `op`.
    Field {
        /// The metadata key.
        key: String,
        /// `$eq`, `$ne`, `$gt`, `$gte`, `$lt`, `$lte`, `$in` or `$nin`.
        op: String,
        /// The operand.
        value: Value,
    },
}

const FIELD_OPS: [&str; 8] = ["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin"];

impl MetadataFilter {
    /// Reads Chroma's `where` JSON; the error names the part that is wrong.
    pub fn parse(value: &Value) -> Result<Self, String> {
        let map = value
            .as_object()
            .ok_or_else(|| format!("a filter is an object, not {value}"))?;
        let mut all = Vec::new();
        for (key, operand) in map {
            all.push(match key.as_str() {
                "$and" | "$or" => {
                    let parts = operand
                        .as_array()
                        .ok_or_else(|| format!("`{key}` takes a list of filters"))?
                        .iter()
                        .map(Self::parse)
                        .collect::<Result<Vec<_>, _>>()?;
                    if key == "$and" {
                        Self::And(parts)
                    } else {
                        Self::Or(parts)
                    }
                }
                other if other.starts_with('$') => {
                    return Err(format!("unknown operator `{other}` (use $and, $or)"))
                }
                field => match operand {
                    Value::Object(ops) => {
                        let mut each = Vec::new();
                        for (op, v) in ops {
                            if !FIELD_OPS.contains(&op.as_str()) {
                                return Err(format!(
                                    "`{field}`: unknown operator `{op}` (use {})",
                                    FIELD_OPS.join(", ")
                                ));
                            }
                            if matches!(op.as_str(), "$in" | "$nin") && !v.is_array() {
                                return Err(format!("`{field}`: `{op}` takes a list"));
                            }
                            each.push(Self::Field {
                                key: field.to_owned(),
                                op: op.clone(),
                                value: v.clone(),
                            });
                        }
                        one_or_and(each)
                    }
                    v => Self::Field {
                        key: field.to_owned(),
                        op: "$eq".to_owned(),
                        value: v.clone(),
                    },
                },
            });
        }
        Ok(one_or_and(all))
    }

    /// Whether `metadata` passes.
    pub fn matches(&self, metadata: &Map<String, Value>) -> bool {
        match self {
            Self::And(parts) => parts.iter().all(|p| p.matches(metadata)),
            Self::Or(parts) => parts.iter().any(|p| p.matches(metadata)),
            Self::Field { key, op, value } => {
                let field = metadata.get(key);
                match op.as_str() {
                    "$eq" => field == Some(value),
                    "$ne" => field != Some(value),
                    "$in" => field.is_some_and(|f| value.as_array().is_some_and(|a| a.contains(f))),
                    "$nin" => {
                        !field.is_some_and(|f| value.as_array().is_some_and(|a| a.contains(f)))
                    }
                    cmp => {
                        let (Some(a), Some(b)) = (field.and_then(Value::as_f64), value.as_f64())
                        else {
                            return false;
                        };
                        match cmp {
                            "$gt" => a > b,
                            "$gte" => a >= b,
                            "$lt" => a < b,
                            _ => a <= b,
                        }
                    }
                }
            }
        }
    }
}

fn one_or_and(mut parts: Vec<MetadataFilter>) -> MetadataFilter {
    if parts.len() == 1 {
        parts.remove(0)
    } else {
        MetadataFilter::And(parts)
    }
}

/// A filter on records' text, as Chroma's `where_document`: `{"$contains": "…"}`,
/// `{"$not_contains": "…"}`, `{"$and": [...]}`, `{"$or": [...]}` (case-sensitive, as Chroma).
///
/// ```
/// use nodetool::collections::DocumentFilter;
/// use serde_json::json;
/// let filter = DocumentFilter::parse(&json!({"$or": [{"$contains": "rust"}, {"$contains": "tokio"}]})).unwrap();
/// assert!(filter.matches("async rust"));
/// assert!(!filter.matches("Rust"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum DocumentFilter {
    /// The text contains it.
    Contains(String),
    /// The text does not contain it.
    NotContains(String),
    /// Every filter holds.
    And(Vec<DocumentFilter>),
    /// Some filter holds.
    Or(Vec<DocumentFilter>),
}

impl DocumentFilter {
    /// Reads Chroma's `where_document` JSON; the error names the part that is wrong.
    pub fn parse(value: &Value) -> Result<Self, String> {
        let map = value.as_object().filter(|m| m.len() == 1).ok_or_else(|| {
            format!("a document filter is an object with one operator, not {value}")
        })?;
        let (op, operand) = map.iter().next().ok_or("an empty document filter")?;
        let text = || {
            operand
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("`{op}` takes a string"))
        };
        let list = || -> Result<Vec<Self>, String> {
            operand
                .as_array()
                .ok_or_else(|| format!("`{op}` takes a list of filters"))?
                .iter()
                .map(Self::parse)
                .collect()
        };
        Ok(match op.as_str() {
            "$contains" => Self::Contains(text()?),
            "$not_contains" => Self::NotContains(text()?),
            "$and" => Self::And(list()?),
            "$or" => Self::Or(list()?),
            other => {
                return Err(format!(
                    "unknown document operator `{other}` (use $contains, $not_contains, $and, $or)"
                ))
            }
        })
    }

    /// Whether `text` passes.
    pub fn matches(&self, text: &str) -> bool {
        match self {
            Self::Contains(s) => text.contains(s.as_str()),
            Self::NotContains(s) => !text.contains(s.as_str()),
            Self::And(parts) => parts.iter().all(|p| p.matches(text)),
            Self::Or(parts) => parts.iter().any(|p| p.matches(text)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn meta(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn metadata_operators_hold_as_in_chroma() {
        let m = meta(json!({"year": 2021, "tag": "a"}));
        let holds = |f: Value| MetadataFilter::parse(&f).unwrap().matches(&m);
        assert!(holds(json!({"tag": "a"})));
        assert!(holds(json!({"tag": {"$ne": "b"}})));
        assert!(holds(json!({"year": {"$gt": 2020, "$lt": 2022}})));
        assert!(!holds(json!({"year": {"$gt": 2021}})));
        assert!(holds(json!({"tag": {"$in": ["a", "b"]}})));
        assert!(holds(json!({"tag": {"$nin": ["c"]}})));
        assert!(holds(json!({"$or": [{"tag": "z"}, {"year": 2021}]})));
        assert!(!holds(json!({"missing": {"$gte": 0}})));
    }

    #[test]
    fn bad_filters_name_their_fault() {
        let err = |f: Value| MetadataFilter::parse(&f).unwrap_err();
        assert_eq!(
            err(json!({"$not": []})),
            "unknown operator `$not` (use $and, $or)"
        );
        assert!(err(json!({"tag": {"$in": "a"}})).contains("`tag`: `$in` takes a list"));
        assert!(err(json!([1])).contains("a filter is an object"));
        let doc = DocumentFilter::parse(&json!({"$like": "x"})).unwrap_err();
        assert!(doc.contains("unknown document operator `$like`"), "{doc}");
    }

    #[test]
    fn document_filters_combine() {
        let f = DocumentFilter::parse(
            &json!({"$and": [{"$contains": "vector"}, {"$not_contains": "image"}]}),
        )
        .unwrap();
        assert!(f.matches("a vector store"));
        assert!(!f.matches("a vector image"));
    }
}
