//! HTML reduced to readable text for a model: scripts, styles and comments dropped, block
//! elements on lines of their own, list items as `- `, entities decoded, whitespace
//! collapsed. A scanner, not a DOM: enough to read a page, cheap to build.

/// The `<title>` and the text of `html`.
pub fn html_to_text(html: &str) -> (Option<String>, String) {
    let mut out = String::with_capacity(html.len() / 2);
    let mut title = None;
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        push_text(&mut out, &rest[..lt]);
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let Some(gt) = rest.find('>') else {
            rest = "";
            break;
        };
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if !closing
            && matches!(
                name.as_str(),
                "script" | "style" | "noscript" | "template" | "svg" | "head" | "title"
            )
        {
            let stop = find_close(rest, &name);
            if name == "title" && title.is_none() {
                let mut t = String::new();
                push_text(&mut t, &rest[..stop]);
                let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
                if !t.is_empty() {
                    title = Some(t);
                }
            }
            if name == "head" {
                // The head's title still counts; its scripts and styles do not.
                let (t, _) = html_to_text(&rest[..stop]);
                title = title.or(t);
            }
            rest = &rest[stop..];
            rest = rest.find('>').map_or("", |gt| &rest[gt + 1..]);
            continue;
        }
        match name.as_str() {
            "br" => out.push('\n'),
            "li" if !closing => out.push_str("\n- "),
            "p" | "div" | "section" | "article" | "header" | "footer" | "nav" | "main"
            | "aside" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "ul" | "ol" | "table" | "tr"
            | "pre" | "blockquote" | "form" | "hr" | "dl" | "dt" | "dd" | "figure"
            | "figcaption" => out.push('\n'),
            "td" | "th" if !closing => out.push_str(" | "),
            _ => {}
        }
    }
    push_text(&mut out, rest);
    (title, tidy(&out))
}

/// Where `</name` starts in `rest` (any case), or its end.
fn find_close(rest: &str, name: &str) -> usize {
    let bytes = rest.as_bytes();
    let mut from = 0;
    while let Some(i) = rest[from..].find("</") {
        let at = from + i;
        let tail = &bytes[at + 2..];
        if tail.len() >= name.len() && tail[..name.len()].eq_ignore_ascii_case(name.as_bytes()) {
            return at;
        }
        from = at + 2;
    }
    rest.len()
}

/// Appends `text` with its entities decoded.
fn push_text(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest
            .char_indices()
            .take(12)
            .find(|(_, c)| *c == ';')
            .map(|(i, _)| i);
        match end.and_then(|end| decode_entity(&rest[1..end]).map(|c| (c, end))) {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
}

fn decode_entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "mdash" => '—',
        "ndash" => '–',
        "hellip" => '…',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "laquo" => '«',
        "raquo" => '»',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "euro" => '€',
        "middot" => '·',
        "bull" => '•',
        _ => return None,
    })
}

/// Spaces collapsed within lines, blank lines collapsed, lines trimmed.
fn tidy(text: &str) -> String {
    let mut lines = Vec::new();
    let mut blank = false;
    for line in text.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        let line = line.trim_matches(|c| c == '|' || c == ' ').to_owned();
        if line.is_empty() || line == "-" {
            blank = !lines.is_empty();
            continue;
        }
        if blank {
            lines.push(String::new());
            blank = false;
        }
        lines.push(line);
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_text_and_drops_the_machinery() {
        let html = r#"<!doctype html><html><head><title>A &amp; B</title>
            <style>body { color: red }</style><script>alert("x < y")</script></head>
            <body><!-- a comment --><h1>Heading</h1><p>One&nbsp;two &lt;three&gt; &#233;&#x41;</p>
            <ul><li>first</li><li>second</li></ul><table><tr><td>a</td><td>b</td></tr></table>
            <p>Fish &chips; &unknown; 5 &lt 6</p></body></html>"#;
        let (title, text) = html_to_text(html);
        assert_eq!(title.as_deref(), Some("A & B"));
        assert!(!text.contains("alert") && !text.contains("color"), "{text}");
        assert!(!text.contains("comment"), "{text}");
        assert!(text.contains("Heading\n"), "{text}");
        assert!(text.contains("One two <three> éA"), "{text}");
        assert!(text.contains("- first\n- second"), "{text}");
        assert!(text.contains("a | b"), "{text}");
        assert!(text.contains("Fish &chips; &unknown; 5 &lt 6"), "{text}");
    }

    #[test]
    fn survives_broken_markup() {
        let (_, text) = html_to_text("<p>open <b>bold <script>never closed");
        assert_eq!(text, "open bold");
        let (_, text) = html_to_text("a < b and c > d <");
        assert!(text.starts_with("a"), "{text}");
    }
}
