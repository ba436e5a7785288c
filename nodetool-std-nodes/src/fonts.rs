//! Fonts for the nodes that draw text (`lib.pillow.draw.RenderText`,
//! `nodetool.video.AddSubtitles`): a NodeTool `FontRef` (`{"type": "font", "name", "source",
//! "url", "weight"}`) resolved to a TrueType/OpenType file, and colours (`ColorRef`) parsed
//! as Pillow's `ImageColor` does for the forms NodeTool's colour picker writes.
//!
//! System fonts are looked up by file name: `name` (empty: `DejaVuSans`, NodeTool's default),
//! with `-Bold`/`-Italic`… tried first for a non-regular `weight`, as a `.ttf`, `.otf` or
//! `.ttc` file (case-insensitive) in the `FONT_PATH` folder, then the system's font folders;
//! Arial, Helvetica, Times New Roman and Courier New fall back to their metric-compatible
//! Liberation faces, as fontconfig substitutes them.

use nodetool::workflows::{NodeError, ProcessingContext};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// NodeTool's default font.
pub const DEFAULT_FONT: &str = "DejaVuSans";

/// Where fonts live on this system, after `FONT_PATH`.
fn system_font_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if cfg!(target_os = "macos") {
        dirs.extend(["/System/Library/Fonts", "/Library/Fonts"].map(PathBuf::from));
    } else if cfg!(windows) {
        let root = std::env::var_os("SystemRoot").unwrap_or_else(|| "C:\\Windows".into());
        dirs.push(Path::new(&root).join("Fonts"));
    } else {
        dirs.extend(["/usr/share/fonts", "/usr/local/share/fonts"].map(PathBuf::from));
    }
    if let Some(home) = std::env::var_os("HOME") {
        let home = Path::new(&home);
        dirs.extend([home.join(".fonts"), home.join(".local/share/fonts")]);
        if cfg!(target_os = "macos") {
            dirs.push(home.join("Library/Fonts"));
        }
    }
    dirs
}

/// The file names tried for font `name` of `weight`, most specific first.
pub fn candidate_names(name: &str, weight: &str) -> Vec<String> {
    let name = if name.trim().is_empty() {
        DEFAULT_FONT
    } else {
        name.trim()
    };
    let mut stems = Vec::new();
    let style = match weight.to_ascii_lowercase().as_str() {
        "" | "regular" | "normal" | "400" => None,
        "bold" | "700" => Some("Bold"),
        "italic" => Some("Oblique"),
        "light" | "300" => Some("Light"),
        other => Some(if other.starts_with("bold") {
            "Bold"
        } else {
            "Regular"
        }),
    };
    if let Some(style) = style {
        stems.push(format!("{name}-{style}"));
        if style == "Oblique" {
            stems.push(format!("{name}-Italic"));
        }
    }
    stems.push(name.to_owned());
    stems.push(format!("{name}-Regular"));
    // The metric-compatible free faces fontconfig substitutes for the common proprietary ones.
    let alias = match name.to_ascii_lowercase().replace(' ', "").as_str() {
        "arial" | "helvetica" | "helveticaneue" => Some("LiberationSans"),
        "timesnewroman" | "times" => Some("LiberationSerif"),
        "couriernew" | "courier" => Some("LiberationMono"),
        _ => None,
    };
    if let Some(alias) = alias {
        if let Some(style) = style {
            stems.push(format!(
                "{alias}-{}",
                if style == "Oblique" { "Italic" } else { style }
            ));
        }
        stems.push(format!("{alias}-Regular"));
    }
    let mut names = Vec::new();
    for stem in stems {
        // A name given with its extension is taken as it is.
        if [".ttf", ".otf", ".ttc"]
            .iter()
            .any(|ext| stem.to_ascii_lowercase().ends_with(ext))
        {
            names.push(stem.to_ascii_lowercase());
            continue;
        }
        for ext in ["ttf", "otf", "ttc"] {
            names.push(format!("{stem}.{ext}").to_ascii_lowercase());
        }
    }
    names
}

/// The first file under `dirs` (walked depth-first, up to 6 levels) whose lower-cased name is
/// one of `names`, in the order of `names`.
pub fn find_font_file(dirs: &[PathBuf], names: &[String]) -> Option<PathBuf> {
    let mut found: Vec<(usize, PathBuf)> = Vec::new();
    for dir in dirs {
        walk(dir, 0, &mut |path| {
            let file = path.file_name()?.to_str()?.to_ascii_lowercase();
            let rank = names.iter().position(|n| *n == file)?;
            found.push((rank, path.to_owned()));
            (rank == 0).then_some(())
        });
        if let Some(best) = found.iter().min_by_key(|(rank, _)| *rank) {
            return Some(best.1.clone());
        }
    }
    None
}

/// [`find_font_file`], remembered for the process: a font drawn on every frame of a video is
/// looked up once, not once per frame. A remembered file that has gone is looked up again.
pub fn find_font_file_cached(dirs: &[PathBuf], names: &[String]) -> Option<PathBuf> {
    type Key = (Vec<PathBuf>, Vec<String>);
    static FOUND: std::sync::Mutex<Option<std::collections::HashMap<Key, PathBuf>>> =
        std::sync::Mutex::new(None);
    let key = (dirs.to_vec(), names.to_vec());
    let remembered = FOUND
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get_or_insert_with(Default::default)
        .get(&key)
        .cloned();
    if let Some(path) = remembered.filter(|p| p.is_file()) {
        return Some(path);
    }
    let path = find_font_file(dirs, names)?;
    FOUND
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get_or_insert_with(Default::default)
        .insert(key, path.clone());
    Some(path)
}

/// Calls `visit` on each file under `dir`; stops when it returns `Some`.
fn walk(dir: &Path, depth: usize, visit: &mut dyn FnMut(&Path) -> Option<()>) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        let done = if is_dir {
            depth < 6 && walk(&path, depth + 1, visit)
        } else {
            visit(&path).is_some()
        };
        if done {
            return true;
        }
    }
    false
}

/// The bytes of the font `font` (a NodeTool `FontRef`; property `prop`, for errors).
pub async fn font_bytes(
    ctx: &ProcessingContext,
    prop: &str,
    font: &Value,
) -> Result<Vec<u8>, NodeError> {
    let field = |key: &str| font.get(key).and_then(Value::as_str).unwrap_or_default();
    let (name, source, weight) = (field("name"), field("source"), field("weight"));
    match source {
        "" | "system" => {
            let mut dirs = Vec::new();
            if let Ok(env) = ctx.environment() {
                if let Some(folder) = env.get("FONT_PATH").filter(|f| !f.is_empty()) {
                    dirs.push(PathBuf::from(folder));
                }
            }
            dirs.extend(system_font_dirs());
            let path =
                find_font_file_cached(&dirs, &candidate_names(name, weight)).ok_or_else(|| {
                    NodeError::failed(format!(
                        "{prop}: no font file named `{}` (.ttf, .otf or .ttc) in FONT_PATH or the \
                     system font folders ({}); install it or set FONT_PATH to a folder holding it",
                        if name.is_empty() { DEFAULT_FONT } else { name },
                        system_font_dirs()
                            .iter()
                            .map(|d| d.display().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?;
            std::fs::read(&path).map_err(|e| {
                NodeError::failed(format!("{prop}: cannot read {}: {e}", path.display()))
            })
        }
        #[cfg(feature = "http")]
        "url" => {
            let url = field("url");
            if url.is_empty() {
                return Err(NodeError::failed(format!(
                    "{prop}: source is `url` but no url is set"
                )));
            }
            let response = ctx
                .http()
                .get(url)
                .send()
                .await
                .and_then(reqwest::Response::error_for_status)
                .map_err(|e| NodeError::failed(format!("{prop}: cannot download {url}: {e}")))?;
            let bytes = response
                .bytes()
                .await
                .map_err(|e| NodeError::failed(format!("{prop}: cannot download {url}: {e}")))?;
            Ok(bytes.to_vec())
        }
        other => Err(NodeError::failed(format!(
            "{prop}: font source `{other}` is not supported here; use `system` (a file in \
             FONT_PATH or the system font folders) or `url`"
        ))),
    }
}

/// A parsed font (TrueType, OpenType or the first face of a collection).
pub fn parse_font(prop: &str, bytes: Vec<u8>) -> Result<ab_glyph::FontVec, NodeError> {
    ab_glyph::FontVec::try_from_vec(bytes)
        .map_err(|e| NodeError::failed(format!("{prop}: not a TrueType/OpenType font: {e}")))
}

/// An RGBA colour from a `ColorRef` value or a colour string: `#rgb`, `#rgba`, `#rrggbb`,
/// `#rrggbbaa` or one of the basic CSS names (`white`, `black`, `red`, …).
pub fn parse_color(value: &Value) -> Option<[u8; 4]> {
    let text = match value {
        Value::String(s) => s.as_str(),
        Value::Object(map) => map.get("value")?.as_str()?,
        _ => return None,
    };
    let text = text.trim();
    if let Some(hex) = text.strip_prefix('#') {
        let digit = |i: usize| u8::from_str_radix(hex.get(i..i + 1)?, 16).ok();
        let pair = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
        return match hex.len() {
            3 | 4 => {
                let mut c = [255; 4];
                for (i, slot) in c.iter_mut().enumerate().take(hex.len()) {
                    *slot = digit(i)? * 17;
                }
                Some(c)
            }
            6 | 8 => {
                let mut c = [255; 4];
                for (i, slot) in c.iter_mut().enumerate().take(hex.len() / 2) {
                    *slot = pair(2 * i)?;
                }
                Some(c)
            }
            _ => None,
        };
    }
    let rgb = match text.to_ascii_lowercase().as_str() {
        "black" => [0, 0, 0],
        "white" => [255, 255, 255],
        "red" => [255, 0, 0],
        "green" => [0, 128, 0],
        "lime" => [0, 255, 0],
        "blue" => [0, 0, 255],
        "yellow" => [255, 255, 0],
        "cyan" | "aqua" => [0, 255, 255],
        "magenta" | "fuchsia" => [255, 0, 255],
        "gray" | "grey" => [128, 128, 128],
        "orange" => [255, 165, 0],
        "purple" => [128, 0, 128],
        _ => return None,
    };
    Some([rgb[0], rgb[1], rgb[2], 255])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn colours_parse_as_pillow_reads_them() {
        assert_eq!(parse_color(&json!("#FFFFFF")), Some([255, 255, 255, 255]));
        assert_eq!(
            parse_color(&json!({"type": "color", "value": "#ff000080"})),
            Some([255, 0, 0, 128])
        );
        assert_eq!(parse_color(&json!("#0f0")), Some([0, 255, 0, 255]));
        assert_eq!(parse_color(&json!("White")), Some([255, 255, 255, 255]));
        assert_eq!(parse_color(&json!("#12345")), None);
        assert_eq!(parse_color(&json!("#gg0000")), None);
        assert_eq!(parse_color(&json!(3)), None);
    }

    #[test]
    fn bold_is_tried_before_regular_and_the_default_is_dejavu() {
        let names = candidate_names("", "bold");
        assert_eq!(names[0], "dejavusans-bold.ttf");
        assert!(names.contains(&"dejavusans.ttf".to_owned()));
        assert_eq!(candidate_names("Arial.TTF", "regular")[0], "arial.ttf");
        let arial = candidate_names("Arial", "bold");
        assert_eq!(arial[0], "arial-bold.ttf");
        assert!(arial.contains(&"liberationsans-bold.ttf".to_owned()));
        assert!(arial.contains(&"liberationsans-regular.ttf".to_owned()));
    }

    #[test]
    fn fonts_are_found_by_file_name_in_nested_folders() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("truetype/dejavu")).unwrap();
        std::fs::write(dir.path().join("truetype/dejavu/DejaVuSans.ttf"), b"x").unwrap();
        std::fs::write(dir.path().join("truetype/dejavu/DejaVuSans-Bold.ttf"), b"x").unwrap();
        let dirs = [dir.path().to_owned()];
        let bold = find_font_file(&dirs, &candidate_names("DejaVuSans", "bold")).unwrap();
        assert!(bold.ends_with("DejaVuSans-Bold.ttf"), "{bold:?}");
        let regular = find_font_file(&dirs, &candidate_names("dejavusans", "")).unwrap();
        assert!(regular.ends_with("DejaVuSans.ttf"), "{regular:?}");
        assert_eq!(find_font_file(&dirs, &candidate_names("Missing", "")), None);
    }

    #[test]
    fn a_remembered_font_is_used_until_its_file_goes() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = [dir.path().to_owned()];
        let names = candidate_names("Cached", "");
        std::fs::create_dir_all(dir.path().join("a")).unwrap();
        std::fs::write(dir.path().join("a/Cached.ttf"), b"x").unwrap();
        let first = find_font_file_cached(&dirs, &names).unwrap();
        assert!(first.ends_with("a/Cached.ttf"), "{first:?}");
        // A second copy found earlier by a walk would not replace the remembered one...
        std::fs::create_dir_all(dir.path().join("0")).unwrap();
        std::fs::write(dir.path().join("0/Cached.ttf"), b"x").unwrap();
        assert_eq!(find_font_file_cached(&dirs, &names), Some(first.clone()));
        // ...until the remembered file is gone.
        std::fs::remove_file(&first).unwrap();
        let again = find_font_file_cached(&dirs, &names).unwrap();
        assert!(again.ends_with("0/Cached.ttf"), "{again:?}");
    }
}
