//! Cutting documents into pieces to index: by characters with overlap, recursively by
//! separators (LangChain's `RecursiveCharacterTextSplitter`, which NodeTool's
//! `SplitRecursively` and `SplitMarkdown` use), by sentences, and by markdown headings.
//! Lengths and offsets count characters, as Python's `len` does.

/// A piece of a document and where it starts in it (in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// The piece.
    pub text: String,
    /// Its first character's index in the document.
    pub start: usize,
}

/// `text` cut into pieces of at most `size` characters, each starting `overlap` characters
/// before the previous one ended; a cut falls at the last whitespace of a piece when there is
/// one in its second half (so words stay whole), else at `size`.
///
/// ```
/// use nodetool::collections::split_by_characters;
/// let pieces = split_by_characters("one two three four five", 10, 4);
/// assert_eq!(pieces, ["one two ", "two three ", "ree four ", "our five"]);
/// assert!(split_by_characters("", 10, 2).is_empty());
/// ```
pub fn split_by_characters(text: &str, size: usize, overlap: usize) -> Vec<String> {
    chunk_by_characters(text, size, overlap)
        .into_iter()
        .map(|c| c.text)
        .collect()
}

/// [`split_by_characters`] with each piece's start.
///
/// ```
/// use nodetool::collections::chunk_by_characters;
/// let starts: Vec<usize> = chunk_by_characters("one two three", 8, 2).iter().map(|c| c.start).collect();
/// assert_eq!(starts, [0, 6]);
/// ```
pub fn chunk_by_characters(text: &str, size: usize, overlap: usize) -> Vec<Chunk> {
    let chars: Vec<char> = text.chars().collect();
    let size = size.max(1);
    let overlap = overlap.min(size - 1);
    let mut pieces = Vec::new();
    let mut start = 0;
    while start < chars.len() {
        let mut end = (start + size).min(chars.len());
        if end < chars.len() {
            if let Some(space) = (start + size / 2..end)
                .rev()
                .find(|&i| chars[i].is_whitespace())
            {
                end = space + 1;
            }
        }
        pieces.push(Chunk {
            text: chars[start..end].iter().collect(),
            start,
        });
        if end == chars.len() {
            break;
        }
        start = (end - overlap).max(start + 1);
    }
    pieces
}

/// The separators NodeTool's `SplitRecursively` tries, in order.
pub const DEFAULT_SEPARATORS: [&str; 3] = ["\n\n", "\n", "."];

/// `text` cut as LangChain's `RecursiveCharacterTextSplitter` cuts it: at the first of
/// `separators` the text contains (kept at the start of the piece after it), pieces longer than
/// `chunk_size` cut again by the next separators, then neighbouring pieces merged up to
/// `chunk_size` characters with up to `chunk_overlap` characters repeated between chunks. An
/// empty separator cuts between characters; a piece no separator can cut stays whole.
///
/// ```
/// use nodetool::collections::split_recursively;
/// let text = "First paragraph.\n\nSecond one, a little longer.\n\nThird.";
/// let chunks = split_recursively(text, 30, 0, &["\n\n", "\n", " ", ""]);
/// let texts: Vec<&str> = chunks.iter().map(|c| c.text.as_str()).collect();
/// assert_eq!(texts, ["First paragraph.", "Second one, a little longer.", "Third."]);
/// assert_eq!(chunks[1].start, 18);
/// ```
pub fn split_recursively(
    text: &str,
    chunk_size: usize,
    chunk_overlap: usize,
    separators: &[&str],
) -> Vec<Chunk> {
    let splitter = Recursive {
        size: chunk_size.max(1),
        overlap: chunk_overlap.min(chunk_size.max(1).saturating_sub(1)),
    };
    let pieces = splitter.split(text, separators);
    locate(text, pieces, splitter.overlap)
}

struct Recursive {
    size: usize,
    overlap: usize,
}

impl Recursive {
    fn split(&self, text: &str, separators: &[&str]) -> Vec<String> {
        // The first separator the text contains; the empty one matches everything.
        let at = separators
            .iter()
            .position(|s| s.is_empty() || text.contains(s))
            .unwrap_or(separators.len());
        // After the empty separator nothing can cut finer.
        let (separator, rest) = match separators.get(at) {
            Some(s) if !s.is_empty() => (*s, &separators[at + 1..]),
            Some(s) => (*s, &[][..]),
            None => ("", &[][..]),
        };
        let pieces: Vec<&str> = if at == separators.len() {
            // No separator fits: the text stays whole.
            vec![text]
        } else {
            split_keeping(text, separator)
        };
        let mut chunks = Vec::new();
        let mut short: Vec<&str> = Vec::new();
        for piece in pieces {
            if length(piece) < self.size {
                short.push(piece);
                continue;
            }
            chunks.extend(self.merge(std::mem::take(&mut short)));
            if rest.is_empty() || at == separators.len() {
                chunks.push(piece.to_owned());
            } else {
                chunks.extend(self.split(piece, rest));
            }
        }
        chunks.extend(self.merge(short));
        chunks
    }

    /// Neighbouring pieces joined up to `size` characters, the last ones repeated up to
    /// `overlap` characters at the start of the next chunk.
    fn merge(&self, pieces: Vec<&str>) -> Vec<String> {
        let mut chunks = Vec::new();
        let mut current: std::collections::VecDeque<(&str, usize)> = Default::default();
        let mut total = 0;
        for piece in pieces {
            let len = length(piece);
            if total + len > self.size && !current.is_empty() {
                push_trimmed(&mut chunks, current.iter().map(|(p, _)| *p).collect());
                while total > self.overlap || (total + len > self.size && total > 0) {
                    match current.pop_front() {
                        Some((_, dropped)) => total -= dropped,
                        None => break,
                    }
                }
            }
            current.push_back((piece, len));
            total += len;
        }
        push_trimmed(&mut chunks, current.iter().map(|(p, _)| *p).collect());
        chunks
    }
}

fn push_trimmed(chunks: &mut Vec<String>, joined: String) {
    let trimmed = joined.trim();
    if !trimmed.is_empty() {
        chunks.push(trimmed.to_owned());
    }
}

/// `text` cut before each occurrence of `separator` (kept at the start of the piece after it);
/// an empty separator cuts between characters. Empty pieces are dropped.
fn split_keeping<'t>(text: &'t str, separator: &str) -> Vec<&'t str> {
    if separator.is_empty() {
        return text
            .char_indices()
            .map(|(i, c)| &text[i..i + c.len_utf8()])
            .collect();
    }
    let mut pieces = Vec::new();
    let mut start = 0;
    for (at, _) in text.match_indices(separator) {
        if at > start {
            pieces.push(&text[start..at]);
        }
        start = at;
    }
    if start < text.len() {
        pieces.push(&text[start..]);
    }
    pieces.retain(|p| !p.is_empty());
    pieces
}

/// Each chunk with its start in `text`, found as LangChain's `add_start_index` finds it: from
/// where the previous chunk started, plus its length, minus the overlap.
fn locate(text: &str, pieces: Vec<String>, overlap: usize) -> Vec<Chunk> {
    // The byte offset of each character, and of the end.
    let bytes: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .collect();
    let chars = bytes.len() - 1;
    let (mut start, mut previous_len) = (0usize, 0usize);
    pieces
        .into_iter()
        .map(|piece| {
            let from = (start + previous_len).saturating_sub(overlap).min(chars);
            start = match text[bytes[from]..].find(&piece) {
                Some(at) => bytes.partition_point(|&b| b < bytes[from] + at),
                None => from,
            };
            previous_len = length(&piece);
            Chunk { text: piece, start }
        })
        .collect()
}

fn length(text: &str) -> usize {
    text.chars().count()
}

/// `text`'s sentences, each with its closing punctuation: a sentence ends at `.`, `!` or `?`
/// (with any closing quotes or brackets after it) followed by whitespace, or at a blank line.
///
/// ```
/// use nodetool::collections::split_sentences;
/// let text = "It rains. Does it? Yes! \"Fine,\" she said.\n\nA new paragraph";
/// assert_eq!(
///     split_sentences(text),
///     ["It rains.", "Does it?", "Yes!", "\"Fine,\" she said.", "A new paragraph"]
/// );
/// ```
pub fn split_sentences(text: &str) -> Vec<String> {
    let mut sentences = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let end = match c {
            '.' | '!' | '?' => {
                // Closing punctuation, quotes and brackets stay with the sentence.
                let mut end = i + c.len_utf8();
                while let Some(&(j, next)) = chars.peek() {
                    if matches!(next, '.' | '!' | '?' | '"' | '\'' | ')' | ']' | '”' | '’') {
                        end = j + next.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                match chars.peek() {
                    Some(&(_, next)) if next.is_whitespace() => Some(end),
                    None => Some(end),
                    _ => None,
                }
            }
            '\n' if text[i + 1..]
                .trim_start_matches([' ', '\t', '\r'])
                .starts_with('\n') =>
            {
                Some(i)
            }
            _ => None,
        };
        if let Some(end) = end {
            push_trimmed(&mut sentences, text[start..end].to_owned());
            start = end;
        }
    }
    push_trimmed(&mut sentences, text[start..].to_owned());
    sentences
}

/// Consecutive sentences of `text` gathered into chunks of at most `chunk_size` characters (a
/// longer sentence is a chunk of its own, cut by characters).
///
/// ```
/// use nodetool::collections::split_by_sentences;
/// let chunks = split_by_sentences("One. Two. Three is longer.", 10);
/// let texts: Vec<&str> = chunks.iter().map(|c| c.text.as_str()).collect();
/// assert_eq!(texts, ["One. Two.", "Three is ", "longer."]);
/// ```
pub fn split_by_sentences(text: &str, chunk_size: usize) -> Vec<Chunk> {
    let size = chunk_size.max(1);
    let mut pieces: Vec<String> = Vec::new();
    let mut current = String::new();
    for sentence in split_sentences(text) {
        let joined = length(&current) + usize::from(!current.is_empty()) + length(&sentence);
        if joined <= size {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(&sentence);
            continue;
        }
        if !current.is_empty() {
            pieces.push(std::mem::take(&mut current));
        }
        if length(&sentence) <= size {
            current = sentence;
        } else {
            pieces.extend(split_by_characters(&sentence, size, 0));
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    // Sentences are rejoined with one space: a chunk's start is where its first word is.
    let mut from = 0usize;
    pieces
        .into_iter()
        .map(|piece| {
            let first = piece.split_whitespace().next().unwrap_or_default();
            let at = text[from..].find(first).map_or(from, |i| from + i);
            from = at + first.len();
            Chunk {
                start: text[..at].chars().count(),
                text: piece,
            }
        })
        .collect()
}

/// A section of a markdown document: the headings above it, outermost first, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkdownSection {
    /// The headings it sits under, as `(level, title)`, outermost first.
    pub headings: Vec<(usize, String)>,
    /// Its text, without its heading line.
    pub text: String,
    /// Where its text starts in the document (in characters).
    pub start: usize,
}

impl MarkdownSection {
    /// The headings' titles joined with ` > ` (`""` before the first heading).
    pub fn path(&self) -> String {
        let titles: Vec<&str> = self.headings.iter().map(|(_, t)| t.as_str()).collect();
        titles.join(" > ")
    }
}

/// `text` cut at its ATX headings (`#` to `max_level` `#`s; deeper headings stay in their
/// section's text), as LangChain's `MarkdownHeaderTextSplitter` with `strip_headers`; lines in
/// fenced code blocks are never headings. Sections with no text are dropped.
///
/// ```
/// use nodetool::collections::split_markdown;
/// let doc = "Intro.\n# Guide\nHello.\n## Install\n```sh\n# not a heading\n```\n";
/// let sections = split_markdown(doc, 3);
/// assert_eq!(sections.len(), 3);
/// assert_eq!(sections[0].text, "Intro.");
/// assert_eq!(sections[2].path(), "Guide > Install");
/// assert_eq!(sections[2].text, "```sh\n# not a heading\n```");
/// ```
pub fn split_markdown(text: &str, max_level: usize) -> Vec<MarkdownSection> {
    let mut sections = Vec::new();
    let mut headings: Vec<(usize, String)> = Vec::new();
    let mut body_start = 0usize; // byte offset of the current section's text
    let mut fence: Option<&str> = None;
    let mut offset = 0usize;
    let mut finish = |headings: &[(usize, String)], from: usize, to: usize| {
        let body = &text[from..to];
        let trimmed = body.trim();
        if !trimmed.is_empty() {
            let lead = body.len() - body.trim_start().len();
            sections.push(MarkdownSection {
                headings: headings.to_vec(),
                text: trimmed.to_owned(),
                start: text[..from + lead].chars().count(),
            });
        }
    };
    for line in text.split_inclusive('\n') {
        let line_start = offset;
        offset += line.len();
        let trimmed = line.trim_start();
        let marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        match (fence, marker) {
            (Some(open), Some(m)) if m == open => {
                fence = None;
                continue;
            }
            (Some(_), _) => continue,
            (None, Some(m)) => {
                fence = Some(m);
                continue;
            }
            (None, None) => {}
        }
        let Some((level, title)) = heading(line).filter(|(level, _)| *level <= max_level) else {
            continue;
        };
        finish(&headings, body_start, line_start);
        headings.retain(|(l, _)| *l < level);
        headings.push((level, title));
        body_start = offset;
    }
    finish(&headings, body_start, text.len());
    sections
}

/// An ATX heading line's level and title.
fn heading(line: &str) -> Option<(usize, String)> {
    let line = line.trim_end();
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let level = rest.chars().take_while(|&c| c == '#').count();
    let after = &rest[level..];
    if !(1..=6).contains(&level) || !(after.is_empty() || after.starts_with([' ', '\t'])) {
        return None;
    }
    // A closing sequence of `#`s is not part of the title.
    let title = after.trim();
    let title = match title.trim_end_matches('#') {
        t if t.is_empty() || t.ends_with([' ', '\t']) => t.trim_end(),
        _ => title,
    };
    Some((level, title.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(chunks: &[Chunk]) -> Vec<&str> {
        chunks.iter().map(|c| c.text.as_str()).collect()
    }

    #[test]
    fn recursive_splitting_matches_langchain_on_its_own_example() {
        // LangChain's documentation example (chunk_size=10, chunk_overlap=1, default
        // separators): the expected chunks are what LangChain 0.3 returns.
        let text = "Hi.\n\nI'm Harrison.\n\nHow? Are? You?\nOkay then f f f f.\nThis is a weird text to write, but gotta test the splittingggg some how.\n\nBye!\n\n-H.";
        let chunks = split_recursively(text, 10, 1, &["\n\n", "\n", " ", ""]);
        assert_eq!(
            texts(&chunks),
            [
                "Hi.",
                "I'm",
                "Harrison.",
                "How? Are?",
                "You?",
                "Okay then",
                "f f f f.",
                "This is a",
                "weird",
                "text to",
                "write,",
                "but gotta",
                "test the",
                "splitting",
                "gggg",
                "some how.",
                "Bye!",
                "-H."
            ]
        );
        for chunk in &chunks {
            let found: String = text
                .chars()
                .skip(chunk.start)
                .take(length(&chunk.text))
                .collect();
            assert_eq!(found, chunk.text, "start of {:?}", chunk.text);
        }
    }

    #[test]
    fn overlap_repeats_the_end_of_the_previous_chunk() {
        let chunks = split_recursively("a b c d e f g h", 7, 3, &[" ", ""]);
        // LangChain 0.3 gives the same chunks and starts.
        assert_eq!(texts(&chunks), ["a b c d", "d e f", "f g h"]);
        assert_eq!(
            chunks.iter().map(|c| c.start).collect::<Vec<_>>(),
            [0, 6, 10]
        );
    }

    #[test]
    fn a_piece_no_separator_cuts_stays_whole() {
        let chunks = split_recursively("abcdefghij", 4, 0, &DEFAULT_SEPARATORS);
        assert_eq!(texts(&chunks), ["abcdefghij"]);
        assert!(split_recursively("", 10, 2, &DEFAULT_SEPARATORS).is_empty());
    }

    #[test]
    fn sentences_keep_abbreviation_free_text_whole_and_non_ascii_intact() {
        assert_eq!(
            split_sentences("Größe 3.5 cm. Ça va? Oui… très bien!"),
            ["Größe 3.5 cm.", "Ça va?", "Oui… très bien!"]
        );
        assert!(split_sentences("  \n\n ").is_empty());
        let chunks = split_by_sentences("Größe 3.5 cm. Ça va? Oui.", 15);
        assert_eq!(texts(&chunks), ["Größe 3.5 cm.", "Ça va? Oui."]);
        assert_eq!(chunks[1].start, 14);
    }

    #[test]
    fn markdown_headings_nest_and_deeper_ones_stay_in_the_text() {
        let doc = "# A\ntext a\n## B\ntext b\n#### deep\nstill b\n# C #\n\ntext c\n";
        let sections = split_markdown(doc, 3);
        let paths: Vec<String> = sections.iter().map(MarkdownSection::path).collect();
        assert_eq!(paths, ["A", "A > B", "C"]);
        assert_eq!(sections[1].text, "text b\n#### deep\nstill b");
        assert_eq!(sections[2].text, "text c");
        let at: String = doc.chars().skip(sections[2].start).take(6).collect();
        assert_eq!(at, "text c");
        assert_eq!(heading("#hashtag"), None);
        assert_eq!(heading("    # indented code"), None);
        assert_eq!(heading("## Title ##"), Some((2, "Title".to_owned())));
    }
}
