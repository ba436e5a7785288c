//! `nodetool.boolean`, `nodetool.dictionary`, `lib.base64`, `lib.hashlib`, `lib.uuid`: each
//! node run by the dynamic runner from NodeTool JSON, with edge cases and clear errors.

use nodetool::prelude::*;
use serde_json::{json, Value};

mod node_harness;
use node_harness::{ok, run_node};

#[tokio::test]
async fn boolean_nodes() {
    let b = "nodetool.boolean.";
    assert_eq!(
        ok(
            &format!("{b}ConditionalSwitch"),
            json!({"condition": true, "if_true": "y", "if_false": "n"})
        )
        .await,
        json!("y")
    );
    assert_eq!(
        ok(
            &format!("{b}ConditionalSwitch"),
            json!({"if_true": "y", "if_false": "n"})
        )
        .await,
        json!("n")
    );
    for (op, expected) in [
        ("and", false),
        ("or", true),
        ("xor", true),
        ("nand", true),
        ("nor", false),
    ] {
        let got = ok(
            &format!("{b}LogicalOperator"),
            json!({"a": true, "b": false, "operation": op}),
        )
        .await;
        assert_eq!(got, json!(expected), "{op}");
    }
    let err = run_node(
        &format!("{b}LogicalOperator"),
        json!({"operation": "maybe"}),
    )
    .await
    .unwrap_err();
    assert!(
        err.contains("operation") && err.contains("one of and, or, xor, nand, nor"),
        "{err}"
    );
    assert_eq!(
        ok(&format!("{b}Not"), json!({"value": false})).await,
        json!(true)
    );
    for (cmp, expected) in [
        ("==", false),
        ("!=", true),
        (">", false),
        ("<", true),
        (">=", false),
        ("<=", true),
    ] {
        let got = ok(
            &format!("{b}Compare"),
            json!({"a": 2, "b": 2.5, "comparison": cmp}),
        )
        .await;
        assert_eq!(got, json!(expected), "{cmp}");
    }
    assert_eq!(
        ok(&format!("{b}IsNone"), json!({"value": null})).await,
        json!(false),
        "null data is unset: the default () is not None"
    );
    assert_eq!(
        ok(
            &format!("{b}IsIn"),
            json!({"value": 1, "options": [true, "a"]})
        )
        .await,
        json!(true),
        "1 == True"
    );
    assert_eq!(
        ok(
            &format!("{b}IsIn"),
            json!({"value": "é", "options": ["e", "é"]})
        )
        .await,
        json!(true)
    );
    assert_eq!(
        ok(&format!("{b}All"), json!({"values": []})).await,
        json!(true)
    );
    assert_eq!(
        ok(&format!("{b}Some"), json!({"values": []})).await,
        json!(false)
    );
    assert_eq!(
        ok(&format!("{b}All"), json!({"values": [true, false]})).await,
        json!(false)
    );
    let err = run_node(&format!("{b}All"), json!({"values": [true, "no"]}))
        .await
        .unwrap_err();
    assert!(err.contains("values"), "{err}");
}

#[tokio::test]
async fn dictionary_nodes() {
    let d = "nodetool.dictionary.";
    let dict = json!({"a": 1, "b": [2]});
    assert_eq!(
        ok(
            &format!("{d}GetValue"),
            json!({"dictionary": dict, "key": "b"})
        )
        .await,
        json!([2])
    );
    assert_eq!(
        ok(
            &format!("{d}GetValue"),
            json!({"dictionary": dict, "key": "z", "default": 0})
        )
        .await,
        json!(0)
    );
    assert_eq!(
        ok(
            &format!("{d}Update"),
            json!({"dictionary": dict, "new_pairs": {"a": 9, "c": 3}})
        )
        .await,
        json!({"a": 9, "b": [2], "c": 3})
    );
    assert_eq!(
        ok(
            &format!("{d}Remove"),
            json!({"dictionary": dict, "key": "missing"})
        )
        .await,
        dict
    );
    assert_eq!(
        ok(
            &format!("{d}ParseJSON"),
            json!({"json_string": "{\"x\": \"ü\"}"})
        )
        .await,
        json!({"x": "ü"})
    );
    let err = run_node(&format!("{d}ParseJSON"), json!({"json_string": "[1]"}))
        .await
        .unwrap_err();
    assert!(err.contains("not a dictionary"), "{err}");
    assert!(
        run_node(&format!("{d}ParseJSON"), json!({"json_string": "{"}))
            .await
            .unwrap_err()
            .contains("invalid JSON")
    );
    assert_eq!(
        ok(
            &format!("{d}Zip"),
            json!({"keys": ["a", 2, "c"], "values": [1, 2]})
        )
        .await,
        json!({"a": 1, "2": 2})
    );
    assert_eq!(
        ok(
            &format!("{d}Combine"),
            json!({"dict_a": {"a": 1}, "dict_b": {"a": 2, "b": 3}})
        )
        .await,
        json!({"a": 2, "b": 3})
    );
    assert_eq!(
        ok(
            &format!("{d}Filter"),
            json!({"dictionary": dict, "keys": ["b", "zz"]})
        )
        .await,
        json!({"b": [2]})
    );
    let rows = json!([{"id": "x", "v": 1}, {"id": "y", "v": 2}, {"id": "x", "v": 3}]);
    assert_eq!(
        ok(
            &format!("{d}ReduceDictionaries"),
            json!({"dictionaries": rows, "key_field": "id", "value_field": "v"})
        )
        .await,
        json!({"x": 1, "y": 2})
    );
    assert_eq!(ok(&format!("{d}ReduceDictionaries"), json!({"dictionaries": rows, "key_field": "id", "value_field": "v", "conflict_resolution": "last"})).await, json!({"x": 3, "y": 2}));
    assert_eq!(
        ok(
            &format!("{d}ReduceDictionaries"),
            json!({"dictionaries": rows, "key_field": "id"})
        )
        .await,
        json!({"x": {"v": 1}, "y": {"v": 2}})
    );
    let err = run_node(&format!("{d}ReduceDictionaries"), json!({"dictionaries": rows, "key_field": "id", "value_field": "v", "conflict_resolution": "error"})).await.unwrap_err();
    assert!(err.contains("Duplicate key found: x"), "{err}");
    let err = run_node(
        &format!("{d}ReduceDictionaries"),
        json!({"dictionaries": rows, "key_field": "nope"}),
    )
    .await
    .unwrap_err();
    assert!(err.contains("Key field 'nope' not found"), "{err}");
    assert_eq!(
        ok(
            &format!("{d}ArgMax"),
            json!({"scores": {"cat": 0.2, "dog": 0.7, "eel": 0.7}})
        )
        .await,
        json!("dog")
    );
    assert!(run_node(&format!("{d}ArgMax"), json!({}))
        .await
        .unwrap_err()
        .contains("cannot be empty"));
}

#[tokio::test]
async fn base64_and_hash_nodes() {
    let text = "héllo wörld ✓";
    let encoded = ok("lib.base64.Encode", json!({"text": text})).await;
    assert_eq!(encoded, json!("aMOpbGxvIHfDtnJsZCDinJM="));
    assert_eq!(
        ok("lib.base64.Decode", json!({"data": encoded})).await,
        json!(text)
    );
    assert_eq!(
        ok("lib.base64.Decode", json!({"data": "aGk=\n"})).await,
        json!("hi"),
        "stray characters are skipped, as Python does"
    );
    assert!(run_node("lib.base64.Decode", json!({"data": "aGk"}))
        .await
        .unwrap_err()
        .contains("invalid Base64"));
    assert!(run_node("lib.base64.Decode", json!({"data": "/w=="}))
        .await
        .unwrap_err()
        .contains("not UTF-8"));
    let big = "x".repeat(1_000_000);
    let out = ok("lib.base64.Encode", json!({"text": big})).await;
    assert_eq!(out.as_str().unwrap().len(), 1_333_336);

    assert_eq!(
        ok("lib.hashlib.HashString", json!({"text": "abc"})).await,
        json!("900150983cd24fb0d6963f7d28e17f72")
    );
    assert_eq!(
        ok(
            "lib.hashlib.HashString",
            json!({"text": "abc", "algorithm": "sha256"})
        )
        .await,
        json!("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );
    assert_eq!(
        ok(
            "lib.hashlib.HashString",
            json!({"text": "", "algorithm": "sha1"})
        )
        .await,
        json!("da39a3ee5e6b4b0d3255bfef95601890afd80709")
    );
    let err = run_node("lib.hashlib.HashString", json!({"algorithm": "crc32"}))
        .await
        .unwrap_err();
    assert!(err.contains("Unsupported algorithm: crc32"), "{err}");
}

#[tokio::test]
async fn uuid_nodes() {
    let v4 = ok("lib.uuid.GenerateUUID4", json!({})).await;
    let v4 = v4.as_str().unwrap();
    assert_eq!((v4.len(), &v4[14..15]), (36, "4"));
    assert_ne!(ok("lib.uuid.GenerateUUID4", json!({})).await, json!(v4));
    let v1 = ok("lib.uuid.GenerateUUID1", json!({})).await;
    assert_eq!(&v1.as_str().unwrap()[14..15], "1");
    // Python: uuid.uuid3(uuid.NAMESPACE_DNS, "python.org"), uuid.uuid5(uuid.NAMESPACE_DNS, "python.org").
    assert_eq!(
        ok("lib.uuid.GenerateUUID3", json!({"name": "python.org"})).await,
        json!("6fa459ea-ee8a-3ca4-894e-db77e160355e")
    );
    assert_eq!(
        ok(
            "lib.uuid.GenerateUUID5",
            json!({"namespace": "DNS", "name": "python.org"})
        )
        .await,
        json!("886313e1-3b8a-5372-9b90-0c9aee199e5d")
    );
    let err = run_node("lib.uuid.GenerateUUID5", json!({"namespace": "galaxy"}))
        .await
        .unwrap_err();
    assert!(err.contains("Invalid namespace: galaxy"), "{err}");

    let parsed = ok(
        "lib.uuid.ParseUUID",
        json!({"uuid_string": "{6FA459EA-EE8A-3CA4-894E-DB77E160355E}"}),
    )
    .await;
    assert_eq!(parsed["uuid"], "6fa459ea-ee8a-3ca4-894e-db77e160355e");
    assert_eq!(
        (parsed["version"].clone(), parsed["variant"].clone()),
        (json!(3), json!("specified in RFC 4122"))
    );
    assert_eq!(parsed["int"], "148397667964594677437660345472754136414");
    assert_eq!(
        ok("lib.uuid.ParseUUID", json!({"uuid_string": "nope"})).await["is_valid"],
        false
    );
    let u = "886313e1-3b8a-5372-9b90-0c9aee199e5d";
    assert_eq!(
        ok(
            "lib.uuid.FormatUUID",
            json!({"uuid_string": u, "format": "urn"})
        )
        .await,
        json!(format!("urn:uuid:{u}"))
    );
    assert_eq!(
        ok(
            "lib.uuid.FormatUUID",
            json!({"uuid_string": u, "format": "hex"})
        )
        .await,
        json!(u.replace('-', ""))
    );
    assert!(run_node("lib.uuid.FormatUUID", json!({"uuid_string": "x"}))
        .await
        .unwrap_err()
        .contains("Invalid UUID string: x"));
    assert_eq!(
        ok(
            "lib.uuid.IsValidUUID",
            json!({"uuid_string": format!("urn:uuid:{u}")})
        )
        .await,
        json!(true)
    );
    assert_eq!(
        ok("lib.uuid.IsValidUUID", json!({"uuid_string": "123"})).await,
        json!(false)
    );
}

#[test]
fn metadata_has_nodetool_names_defaults_and_enums() {
    nodetool_std_nodes::link();
    let registry = NodeRegistry::global();
    let op = &registry
        .get("nodetool.boolean.LogicalOperator")
        .unwrap()
        .metadata;
    let operation = op
        .properties
        .iter()
        .find(|p| p.name == "operation")
        .unwrap();
    assert_eq!(operation.type_metadata.name, "enum");
    assert_eq!(
        operation.type_metadata.values,
        Some(vec![
            json!("and"),
            json!("or"),
            json!("xor"),
            json!("nand"),
            json!("nor")
        ])
    );
    assert_eq!(operation.default, Some(json!("and")));
    assert_eq!(
        operation.description.as_deref(),
        Some("Logical operation to perform")
    );
    let hash = &registry.get("lib.hashlib.HashString").unwrap().metadata;
    let names: Vec<&str> = hash.properties.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["text", "algorithm"]);
    assert_eq!(hash.properties[1].default, Some(json!("md5")));
    assert!(hash.expose_as_tool);
    assert_eq!(
        registry.get("lib.base64.Encode").unwrap().metadata.title,
        "Encode Base64"
    );
    for t in [
        "lib.uuid.GenerateUUID4",
        "lib.uuid.ParseUUID",
        "nodetool.dictionary.ArgMax",
        "nodetool.dictionary.ParseJSON",
    ] {
        assert!(registry.get(t).is_some(), "{t}");
    }
}

#[tokio::test]
async fn json_nodes() {
    let j = "lib.json.";
    assert_eq!(
        ok(
            &format!("{j}ParseDict"),
            json!({"json_string": "{\"a\": [1]}"})
        )
        .await,
        json!({"a": [1]})
    );
    let err = run_node(&format!("{j}ParseDict"), json!({"json_string": "[1]"}))
        .await
        .unwrap_err();
    assert!(err.contains("must represent an object/dictionary"), "{err}");
    assert!(
        run_node(&format!("{j}ParseList"), json!({"json_string": "{}"}))
            .await
            .unwrap_err()
            .contains("array/list")
    );
    assert!(
        run_node(&format!("{j}ParseList"), json!({"json_string": "[1,"}))
            .await
            .unwrap_err()
            .contains("invalid JSON")
    );
    assert_eq!(
        ok(
            &format!("{j}StringifyJSON"),
            json!({"data": {"k": "ü", "n": [1, 2.0]}})
        )
        .await,
        json!("{\n  \"k\": \"\\u00fc\",\n  \"n\": [\n    1,\n    2.0\n  ]\n}")
    );
    let data = json!({"user": {"name": "Ada", "age": "36", "tags": ["a", "b"], "admin": "false", "score": 9.9}});
    let path = |p: &str, extra: Value| {
        let mut m = json!({"data": data.clone(), "path": p});
        if let (Some(obj), Value::Object(more)) = (m.as_object_mut(), extra) {
            obj.extend(more);
        }
        m
    };
    assert_eq!(
        ok(&format!("{j}GetJSONPathStr"), path("user.name", json!({}))).await,
        json!("Ada")
    );
    assert_eq!(
        ok(&format!("{j}GetJSONPathStr"), path("user.tags", json!({}))).await,
        json!("['a', 'b']")
    );
    assert_eq!(
        ok(
            &format!("{j}GetJSONPathStr"),
            path("user.nope", json!({"default": "-"}))
        )
        .await,
        json!("-")
    );
    assert_eq!(
        ok(&format!("{j}GetJSONPathInt"), path("user.age", json!({}))).await,
        json!(36)
    );
    assert_eq!(
        ok(&format!("{j}GetJSONPathInt"), path("user.score", json!({}))).await,
        json!(9)
    );
    let err = run_node(&format!("{j}GetJSONPathInt"), path("user.name", json!({})))
        .await
        .unwrap_err();
    assert!(err.contains("invalid literal for int()"), "{err}");
    assert_eq!(
        ok(&format!("{j}GetJSONPathFloat"), path("user.age", json!({}))).await,
        json!(36.0)
    );
    assert_eq!(
        ok(
            &format!("{j}GetJSONPathBool"),
            path("user.admin", json!({}))
        )
        .await,
        json!(true),
        "Python: bool('false') is True"
    );
    assert_eq!(
        ok(
            &format!("{j}GetJSONPathList"),
            path("user.tags.1", json!({}))
        )
        .await,
        json!(["b"])
    );
    assert_eq!(
        ok(
            &format!("{j}GetJSONPathList"),
            path("user.x", json!({"default": [0]}))
        )
        .await,
        json!([0])
    );
    assert_eq!(
        ok(&format!("{j}GetJSONPathDict"), path("user", json!({}))).await["name"],
        "Ada"
    );
    assert!(
        run_node(&format!("{j}GetJSONPathDict"), path("user.age", json!({})))
            .await
            .unwrap_err()
            .contains("dictionary")
    );
    let items = json!([{"k": 1}, {"k": 2}, {"j": 1}, {"k": true}]);
    assert_eq!(
        ok(
            &format!("{j}FilterJSON"),
            json!({"array": items, "key": "k", "value": 1})
        )
        .await,
        json!([{"k": 1}, {"k": true}])
    );
    assert_eq!(
        ok(
            &format!("{j}FilterJSON"),
            json!({"array": items, "key": "k", "value": null})
        )
        .await,
        json!([]),
        "null data is unset: the default {{}} matches nothing"
    );
    assert!(
        run_node(&format!("{j}FilterJSON"), json!({"array": [1], "key": "k"}))
            .await
            .unwrap_err()
            .contains("item 0 is not an object")
    );
    assert_eq!(
        ok(&format!("{j}JSONTemplate"), json!({"template": "{\"who\": \"$username\", \"id\": $user}", "values": {"user": 7, "username": "ada"}})).await,
        json!({"who": "ada", "id": 7})
    );
    let err = run_node(
        &format!("{j}JSONTemplate"),
        json!({"template": "{\"a\": $x}", "values": {}}),
    )
    .await
    .unwrap_err();
    assert!(err.contains("Resulting JSON is invalid"), "{err}");
}

/// Every node of `tests/fixtures/nodetool_base_metadata.json` (derived from nodetool-base's
/// source) has the same property names, types, defaults and outputs here.
#[test]
fn metadata_matches_nodetool_base() {
    nodetool_std_nodes::link();
    let fixture: Value =
        serde_json::from_str(include_str!("fixtures/nodetool_base_metadata.json")).unwrap();
    let registry = NodeRegistry::global();
    let mut problems = Vec::new();
    for (node_type, expected) in fixture["nodes"].as_object().unwrap() {
        let Some(found) = registry.get(node_type) else {
            problems.push(format!("{node_type}: not registered"));
            continue;
        };
        let m = &found.metadata;
        let properties: Vec<Value> = m
            .properties
            .iter()
            .map(|p| {
                json!([
                    p.name,
                    p.type_metadata.name,
                    p.default.clone().unwrap_or(Value::Null)
                ])
            })
            .collect();
        if Value::Array(properties.clone()) != expected["properties"] {
            problems.push(format!(
                "{node_type}: properties {} != {}",
                Value::Array(properties),
                expected["properties"]
            ));
        }
        let outputs: Vec<Value> = m
            .outputs
            .iter()
            .map(|o| json!([o.name, o.type_metadata.name]))
            .collect();
        if Value::Array(outputs.clone()) != expected["outputs"] {
            problems.push(format!(
                "{node_type}: outputs {} != {}",
                Value::Array(outputs),
                expected["outputs"]
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test]
async fn more_text_nodes() {
    let t = "nodetool.text.";
    assert_eq!(
        ok(
            &format!("{t}Slice"),
            json!({"text": "héllo wörld", "start": -5, "stop": 11})
        )
        .await,
        json!("wörld")
    );
    assert_eq!(
        ok(&format!("{t}Slice"), json!({"text": "abc"})).await,
        json!(""),
        "NodeTool's default stop=0"
    );
    assert!(run_node(
        &format!("{t}Slice"),
        json!({"text": "abc", "stop": 3, "step": 0})
    )
    .await
    .unwrap_err()
    .contains("slice step cannot be zero"));
    assert_eq!(
        ok(
            &format!("{t}Extract"),
            json!({"text": "abcdef", "start": 1, "end": -1})
        )
        .await,
        json!("bcde")
    );
    assert_eq!(
        ok(
            &format!("{t}TrimWhitespace"),
            json!({"text": "\u{3000} a b \n", "trim_end": false})
        )
        .await,
        json!("a b \n")
    );
    assert_eq!(
        ok(
            &format!("{t}CollapseWhitespace"),
            json!({"text": "  a \t b\n\n c  "})
        )
        .await,
        json!("a b c")
    );
    assert_eq!(
        ok(
            &format!("{t}CollapseWhitespace"),
            json!({"text": "a  \n\n  b", "preserve_newlines": true, "replacement": "_"})
        )
        .await,
        json!("a_\n\n_b")
    );
    assert_eq!(
        ok(&format!("{t}ToTitlecase"), json!({"text": "they're here"})).await,
        json!("They'Re Here")
    );
    assert_eq!(
        ok(
            &format!("{t}CapitalizeText"),
            json!({"text": "hELLO World"})
        )
        .await,
        json!("Hello world")
    );
    assert_eq!(
        ok(
            &format!("{t}StartsWith"),
            json!({"text": "Rust", "prefix": ""})
        )
        .await,
        json!(true)
    );
    assert_eq!(
        ok(
            &format!("{t}EndsWith"),
            json!({"text": "Rust", "suffix": "ST"})
        )
        .await,
        json!(false)
    );
    assert_eq!(
        ok(
            &format!("{t}Contains"),
            json!({"text": "Hello World", "substring": "world", "case_sensitive": false})
        )
        .await,
        json!(true)
    );
    assert_eq!(
        ok(
            &format!("{t}Contains"),
            json!({"text": "a b", "search_values": ["a", "z"], "match_mode": "all"})
        )
        .await,
        json!(false)
    );
    assert_eq!(
        ok(
            &format!("{t}Contains"),
            json!({"text": "a b", "search_values": ["y", "z"], "match_mode": "none"})
        )
        .await,
        json!(true)
    );
    assert_eq!(
        ok(
            &format!("{t}IndexOf"),
            json!({"text": "abcabc", "substring": "c"})
        )
        .await,
        json!(-1),
        "NodeTool's default end_index=0 searches nothing"
    );
    assert_eq!(
        ok(
            &format!("{t}IndexOf"),
            json!({"text": "abcabc", "substring": "c", "end_index": 6})
        )
        .await,
        json!(2)
    );
    assert_eq!(ok(&format!("{t}IndexOf"), json!({"text": "abcABC", "substring": "c", "end_index": 6, "case_sensitive": false, "search_from_end": true})).await, json!(5));
    assert_eq!(
        ok(
            &format!("{t}PadText"),
            json!({"text": "ab", "length": 5, "pad_character": "*", "direction": "both"})
        )
        .await,
        json!("*ab**")
    );
    assert!(run_node(
        &format!("{t}PadText"),
        json!({"text": "ab", "length": 5, "pad_character": "ab"})
    )
    .await
    .unwrap_err()
    .contains("single character"));
    assert_eq!(
        ok(
            &format!("{t}TruncateText"),
            json!({"text": "abcdefgh", "max_length": 5, "ellipsis": "…"})
        )
        .await,
        json!("abcd…")
    );
    assert_eq!(
        ok(
            &format!("{t}TruncateText"),
            json!({"text": "abc", "max_length": 0, "ellipsis": "…"})
        )
        .await,
        json!("…")
    );
}

#[tokio::test]
async fn math_function_node() {
    let f = |input: Value, op: &str| json!({"input": input, "operation": op});
    assert_eq!(
        ok("lib.math.MathFunction", f(json!(3), "negate")).await,
        json!(-3)
    );
    assert_eq!(
        ok("lib.math.MathFunction", f(json!(-2), "cube")).await,
        json!(-8)
    );
    assert_eq!(
        ok("lib.math.MathFunction", f(json!(-8.0), "cube_root")).await,
        json!(-2.0)
    );
    assert_eq!(
        ok("lib.math.MathFunction", f(json!(1.0), "log")).await,
        json!(0.0)
    );
    for (input, op) in [
        (json!(-1), "square_root"),
        (json!(0), "log"),
        (json!(2), "arcsin"),
    ] {
        let err = run_node("lib.math.MathFunction", f(input, op))
            .await
            .unwrap_err();
        assert!(err.contains("math domain error"), "{op}: {err}");
    }
    assert!(run_node("lib.math.MathFunction", f(json!(1), "exp"))
        .await
        .unwrap_err()
        .contains("operation"));
}

#[tokio::test]
async fn text_checks_and_conversions() {
    let t = "nodetool.text.";
    assert_eq!(
        ok(
            &format!("{t}ToString"),
            json!({"value": {"a": [1.0, null]}})
        )
        .await,
        json!("{'a': [1.0, None]}")
    );
    assert_eq!(
        ok(
            &format!("{t}ToString"),
            json!({"value": "x", "mode": "repr"})
        )
        .await,
        json!("'x'")
    );
    assert_eq!(
        ok(
            &format!("{t}Chunk"),
            json!({"text": "a b c d e", "length": 2, "overlap": 1})
        )
        .await,
        json!(["a b", "b c", "c d", "d e", "e"])
    );
    assert_eq!(
        ok(&format!("{t}Chunk"), json!({"text": ""})).await,
        json!([""])
    );
    assert!(run_node(
        &format!("{t}Chunk"),
        json!({"text": "a", "length": 2, "overlap": 2})
    )
    .await
    .unwrap_err()
    .contains("must not be zero"));
    assert_eq!(
        ok(
            &format!("{t}Compare"),
            json!({"text_a": "B", "text_b": "a"})
        )
        .await,
        json!("less"),
        "code point order: 'B' < 'a'"
    );
    assert_eq!(
        ok(
            &format!("{t}Compare"),
            json!({"text_a": " B", "text_b": "b", "case_sensitive": false, "trim_whitespace": true})
        )
        .await,
        json!("equal")
    );
    assert_eq!(
        ok(
            &format!("{t}Equals"),
            json!({"text_a": "Ä", "text_b": "ä", "case_sensitive": false})
        )
        .await,
        json!(true)
    );
    assert_eq!(
        ok(&format!("{t}IsEmpty"), json!({"text": " \n"})).await,
        json!(true)
    );
    assert_eq!(
        ok(
            &format!("{t}IsEmpty"),
            json!({"text": " ", "trim_whitespace": false})
        )
        .await,
        json!(false)
    );
    assert_eq!(
        ok(
            &format!("{t}RemovePunctuation"),
            json!({"text": "Hi, you! “Quote”", "replacement": "_"})
        )
        .await,
        json!("Hi_ you_ “Quote”")
    );
    assert_eq!(
        ok(
            &format!("{t}HasLength"),
            json!({"text": "héllo", "exact_length": 5})
        )
        .await,
        json!(true)
    );
    assert_eq!(
        ok(
            &format!("{t}HasLength"),
            json!({"text": "abc", "min_length": 1, "max_length": 9})
        )
        .await,
        json!(false),
        "as NodeTool: exact_length 0 decides"
    );
    assert_eq!(
        ok(
            &format!("{t}SurroundWith"),
            json!({"text": "(x)", "prefix": "(", "suffix": ")"})
        )
        .await,
        json!("(x)")
    );
    assert_eq!(
        ok(
            &format!("{t}SurroundWith"),
            json!({"text": "(x", "prefix": "(", "suffix": ")"})
        )
        .await,
        json!("((x)")
    );
}

#[tokio::test]
async fn validate_json_and_the_nodetool_json_names() {
    let schema = json!({
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
        "required": ["name"]
    });
    for namespace in ["lib.json", "nodetool.json"] {
        let node = format!("{namespace}.ValidateJSON");
        let valid = json!({"data": {"name": "Zoë", "age": 3}, "schema": schema});
        assert_eq!(ok(&node, valid).await, json!(true));
        let invalid = json!({"data": {"name": "Zoë", "age": -1}, "schema": schema});
        assert_eq!(ok(&node, invalid).await, json!(false));
        assert_eq!(ok(&node, json!({"data": [1]})).await, json!(true));
    }
    let e = run_node(
        "lib.json.ValidateJSON",
        json!({"data": 1, "schema": {"type": "no-such-type"}}),
    )
    .await
    .unwrap_err();
    assert!(e.contains("schema: not a valid JSON schema"), "{e}");
    // The aliases run the lib.json nodes.
    assert_eq!(
        ok(
            "nodetool.json.GetJSONPathInt",
            json!({"data": {"a": [{"b": "7"}]}, "path": "a.0.b"})
        )
        .await,
        json!(7)
    );
    assert_eq!(
        ok(
            "nodetool.json.FilterJSON",
            json!({"array": [{"k": 1}, {"k": 2}, {}], "key": "k", "value": 1.0})
        )
        .await,
        json!([{"k": 1}])
    );
    let registry = NodeRegistry::global();
    let alias = &registry
        .get("nodetool.json.GetJSONPathStr")
        .unwrap()
        .metadata;
    assert_eq!(alias.namespace, "nodetool.json");
    assert_eq!(alias.node_type, "nodetool.json.GetJSONPathStr");
}
