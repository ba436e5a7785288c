//! `nodetool.document`: documents cut into pieces to index (feature `documents`). NodeTool's
//! `SplitRecursively`, `SplitMarkdown` and `SplitHTML`, with its outputs (`text`, `source_id`,
//! `start_index`), and `SplitSentences`, which NodeTool does not have.
//!
//! A document is read through the run's assets (an asset, a `file://` path in the workspace,
//! a `data:` URI or inline data). A PDF's text is extracted (with the `pdf` feature); an HTML
//! page's text is read by [`html_blocks`]; anything else must be UTF-8 text.

use nodetool::collections::{
    split_by_sentences, split_markdown, split_recursively, Chunk, DEFAULT_SEPARATORS,
};
use nodetool::metadata::DocumentRef;
use nodetool::prelude::*;

/// One piece of a split document.
#[derive(Outputs)]
pub struct DocumentChunk {
    /// The piece.
    pub text: String,
    /// Which document (and, for `SplitRecursively`, which piece: `URI:N`) it comes from.
    pub source_id: String,
    /// Where it starts in the document, in characters (`SplitHTML`: its position).
    pub start_index: i64,
}

/// What a document holds, as text: a PDF's pages (feature `pdf`) or HTML's block texts,
/// joined by blank lines, or the bytes as UTF-8.
pub fn document_text(bytes: &[u8]) -> std::result::Result<String, String> {
    if bytes.starts_with(b"%PDF") {
        #[cfg(feature = "pdf")]
        return pdf_text(bytes);
        #[cfg(not(feature = "pdf"))]
        return Err("a PDF, and this build reads no PDF (feature `pdf`)".to_owned());
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to()
        )
    })?;
    if looks_like_html(text) {
        return Ok(html_blocks(text).join("\n\n"));
    }
    Ok(text.to_owned())
}

/// A PDF's pages, a blank line between them (the reader joins pages without one).
#[cfg(feature = "pdf")]
fn pdf_text(bytes: &[u8]) -> std::result::Result<String, String> {
    let pages = pdf_extract::extract_text_from_mem_by_pages(bytes)
        .map_err(|e| format!("not a PDF this reader can read: {e}"))?;
    let pages: Vec<&str> = pages.iter().map(|p| p.trim()).collect();
    Ok(pages.join("\n\n"))
}

/// Whether `text` starts as an HTML document does.
pub fn looks_like_html(text: &str) -> bool {
    let head = text.trim_start().get(..15).unwrap_or(text.trim_start());
    let head = head.to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html")
}

/// The HTML elements whose text makes a piece, as NodeTool's `SplitHTML` (LlamaIndex's
/// `HTMLNodeParser`) lists them.
const HTML_BLOCKS: [&str; 12] = [
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "b", "i", "u", "section",
];

/// The text of each block element of `html` (paragraphs, headings, list items, sections, and
/// bold, italic or underlined runs outside them), in document order; an element inside another
/// listed element belongs to the outer one's text. Scripts and styles are never text.
///
/// ```
/// use nodetool_std_nodes::document::html_blocks;
/// let html = "<h1>Title</h1><p>One <b>bold</b> word.</p><ul><li>a</li><li>b</li></ul><script>x()</script>";
/// assert_eq!(html_blocks(html), ["Title", "One bold word.", "a", "b"]);
/// ```
pub fn html_blocks(html: &str) -> Vec<String> {
    use scraper::Html;
    let document = Html::parse_document(html);
    let mut blocks = Vec::new();
    // Depth-first, in document order: a listed element's whole text is one block.
    let mut pending = vec![*document.root_element()];
    while let Some(node) = pending.pop() {
        let Some(element) = scraper::ElementRef::wrap(node) else {
            continue;
        };
        let name = element.value().name();
        if matches!(name, "script" | "style" | "noscript" | "template") {
            continue;
        }
        if HTML_BLOCKS.contains(&name) {
            let text = element
                .descendants()
                .filter(|n| {
                    !n.ancestors().any(|a| {
                        a.value()
                            .as_element()
                            .is_some_and(|e| matches!(e.name(), "script" | "style"))
                    })
                })
                .filter_map(|n| n.value().as_text().map(|t| &**t))
                .collect::<String>();
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if !text.is_empty() {
                blocks.push(text);
            }
            continue;
        }
        pending.extend(node.children().rev());
    }
    blocks
}

/// The bytes `document` points at, or an error naming the property.
async fn document_bytes(
    ctx: &ProcessingContext,
    document: &DocumentRef,
) -> Result<impl AsRef<[u8]>> {
    if document.is_empty() {
        return Err("document: no document is set".into());
    }
    Ok(ctx
        .asset_bytes(&document.to_asset_ref())
        .await
        .map_err(|e| format!("document: {e}"))?)
}

/// What `document` holds, as text ([`document_text`]), or an error naming the property.
async fn read_document(ctx: &ProcessingContext, document: &DocumentRef) -> Result<String> {
    let bytes = document_bytes(ctx, document).await?;
    Ok(document_text(bytes.as_ref()).map_err(|e| format!("document: {e}"))?)
}

/// The uri a document's pieces name as their source (its asset id when it has no uri).
fn source_of(document: &DocumentRef) -> String {
    if document.uri.is_empty() {
        document.asset_id.clone().unwrap_or_default()
    } else {
        document.uri.clone()
    }
}

async fn emit_chunks(
    out: &mut Emitter<'_, DocumentChunk>,
    chunks: Vec<Chunk>,
    source_id: impl Fn(usize) -> String,
) -> Result<()> {
    for (i, chunk) in chunks.into_iter().enumerate() {
        out.emit(DocumentChunk {
            text: chunk.text,
            source_id: source_id(i),
            start_index: i64::try_from(chunk.start)?,
        })
        .await?;
    }
    Ok(())
}

/// Splits text recursively using LangChain's RecursiveCharacterTextSplitter.
/// text, split, chunks
///
/// Use cases:
/// - Splitting documents while preserving semantic relationships
/// - Creating chunks for language model processing
/// - Handling text in languages with/without word boundaries
#[node(
    namespace = "nodetool.document",
    title = "Split Recursively",
    streaming_output
)]
pub struct SplitRecursively {
    /// The document to split.
    #[input(default)]
    pub document: DocumentRef,
    /// Maximum size of each chunk in characters
    #[input(default = 1000)]
    pub chunk_size: i64,
    /// Number of characters to overlap between chunks
    #[input(default = 200, title = "Chunk Overlap")]
    pub chunk_overlap: i64,
    /// List of separators to use for splitting, in order of preference
    #[input(default = ["\n\n".to_owned(), "\n".to_owned(), ".".to_owned()])]
    pub separators: Vec<String>,
}

impl GenProcess for SplitRecursively {
    type Item = DocumentChunk;

    async fn gen_process(
        &self,
        ctx: &ProcessingContext,
        mut out: Emitter<'_, DocumentChunk>,
    ) -> Result<()> {
        let text = read_document(ctx, &self.document).await?;
        let (size, overlap) = sizes(self.chunk_size, self.chunk_overlap)?;
        let separators: Vec<&str> = if self.separators.is_empty() {
            DEFAULT_SEPARATORS.to_vec()
        } else {
            self.separators.iter().map(String::as_str).collect()
        };
        let source = source_of(&self.document);
        let chunks = split_recursively(&text, size, overlap, &separators);
        emit_chunks(&mut out, chunks, |i| format!("{source}:{i}")).await
    }
}

/// The chunk size and overlap, checked.
fn sizes(chunk_size: i64, chunk_overlap: i64) -> Result<(usize, usize)> {
    let size = usize::try_from(chunk_size)
        .ok()
        .filter(|&s| s > 0)
        .ok_or_else(|| {
            format!("chunk_size: {chunk_size} is not a positive number of characters")
        })?;
    let overlap = usize::try_from(chunk_overlap)
        .ok()
        .filter(|&o| o < size)
        .ok_or_else(|| {
            format!("chunk_overlap: {chunk_overlap} must be from 0 to below chunk_size ({size})")
        })?;
    Ok((size, overlap))
}

/// Splits markdown text by headers while preserving header hierarchy in metadata.
/// markdown, split, headers
///
/// Use cases:
/// - Splitting markdown documentation while preserving structure
/// - Processing markdown files for semantic search
/// - Creating context-aware chunks from markdown content
///
/// Sections are cut at headings of up to three `#`s (fenced code is never a heading), then,
/// with `chunk_size`, into pieces of at most that many characters.
#[node(
    namespace = "nodetool.document",
    title = "Split Markdown",
    streaming_output
)]
pub struct SplitMarkdown {
    /// The document to split.
    #[input(default)]
    pub document: DocumentRef,
    /// Whether to split into individual lines instead of header sections
    #[input(default = false)]
    pub return_each_line: bool,
    /// Optional maximum chunk size for further splitting
    #[input(default = 1000)]
    pub chunk_size: i64,
    /// Overlap size when using chunk_size
    #[input(default = 30)]
    pub chunk_overlap: i64,
}

impl GenProcess for SplitMarkdown {
    type Item = DocumentChunk;

    async fn gen_process(
        &self,
        ctx: &ProcessingContext,
        mut out: Emitter<'_, DocumentChunk>,
    ) -> Result<()> {
        let text = read_document(ctx, &self.document).await?;
        let mut chunks = Vec::new();
        for section in split_markdown(&text, 3) {
            let pieces: Vec<Chunk> = if self.return_each_line {
                lines_of(&section.text, section.start)
            } else if self.chunk_size > 0 {
                let (size, overlap) = sizes(self.chunk_size, self.chunk_overlap)?;
                // LangChain's default separators for a further split.
                split_recursively(&section.text, size, overlap, &["\n\n", "\n", " ", ""])
                    .into_iter()
                    .map(|c| Chunk {
                        start: section.start + c.start,
                        text: c.text,
                    })
                    .collect()
            } else {
                vec![Chunk {
                    text: section.text.clone(),
                    start: section.start,
                }]
            };
            chunks.extend(pieces);
        }
        let source = source_of(&self.document);
        emit_chunks(&mut out, chunks, |_| source.clone()).await
    }
}

/// The non-blank lines of `text` (which starts at character `start`), each with its start.
fn lines_of(text: &str, start: usize) -> Vec<Chunk> {
    let mut at = start;
    let mut lines = Vec::new();
    for line in text.split_inclusive('\n') {
        let lead = line.chars().take_while(|c| c.is_whitespace()).count();
        if !line.trim().is_empty() {
            lines.push(Chunk {
                text: line.trim().to_owned(),
                start: at + lead,
            });
        }
        at += line.chars().count();
    }
    lines
}

/// Split HTML content into semantic chunks based on HTML tags.
/// html, text, semantic, tags, parsing
///
/// One piece per paragraph, heading, list item, section, and bold, italic or underlined run
/// outside them; `start_index` is the piece's position.
#[node(
    namespace = "nodetool.document",
    title = "Split HTML",
    streaming_output
)]
pub struct SplitHTML {
    /// Document ID to associate with the HTML content
    #[input(default)]
    pub document: DocumentRef,
}

impl GenProcess for SplitHTML {
    type Item = DocumentChunk;

    async fn gen_process(
        &self,
        ctx: &ProcessingContext,
        mut out: Emitter<'_, DocumentChunk>,
    ) -> Result<()> {
        let bytes = document_bytes(ctx, &self.document).await?;
        let html = String::from_utf8_lossy(bytes.as_ref());
        let source = source_of(&self.document);
        for (i, text) in html_blocks(&html).into_iter().enumerate() {
            out.emit(DocumentChunk {
                text,
                source_id: source.clone(),
                start_index: i64::try_from(i)?,
            })
            .await?;
        }
        Ok(())
    }
}

/// Split a document into chunks of whole sentences.
/// text, split, sentences, chunks
///
/// Sentences end at `.`, `!` or `?` followed by a space, or at a blank line; consecutive
/// sentences are gathered up to `chunk_size` characters (a longer sentence is cut by
/// characters). NodeTool has no such node.
#[node(
    namespace = "nodetool.document",
    title = "Split Sentences",
    streaming_output
)]
pub struct SplitSentences {
    /// The document to split.
    #[input(default)]
    pub document: DocumentRef,
    /// Maximum size of each chunk in characters
    #[input(default = 1000)]
    pub chunk_size: i64,
}

impl GenProcess for SplitSentences {
    type Item = DocumentChunk;

    async fn gen_process(
        &self,
        ctx: &ProcessingContext,
        mut out: Emitter<'_, DocumentChunk>,
    ) -> Result<()> {
        let text = read_document(ctx, &self.document).await?;
        let (size, _) = sizes(self.chunk_size, 0)?;
        let source = source_of(&self.document);
        emit_chunks(&mut out, split_by_sentences(&text, size), |_| {
            source.clone()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_text_skips_scripts_and_keeps_nested_runs_in_their_block() {
        let html = r#"<!DOCTYPE html><html><head><style>p{}</style></head><body>
            <section><h2>Part</h2></section>
            <p>Some <i>nested <b>runs</b></i>&amp; entities.</p>
            <div><b>loose bold</b><script>alert(1)</script></div></body></html>"#;
        assert!(looks_like_html(html));
        assert_eq!(
            html_blocks(html),
            ["Part", "Some nested runs& entities.", "loose bold"]
        );
    }

    #[test]
    fn document_text_reads_utf8_html_and_refuses_binary() {
        assert_eq!(document_text(b"plain").as_deref(), Ok("plain"));
        assert_eq!(
            document_text(b"<html><p>a</p><p>b</p></html>").as_deref(),
            Ok("a\n\nb")
        );
        let err = document_text(&[b'o', b'k', 0xff, 0xfe]).unwrap_err();
        assert!(err.contains("offset 2"), "{err}");
    }

    #[test]
    fn sizes_name_the_bad_property() {
        assert!(sizes(0, 0).unwrap_err().to_string().contains("chunk_size"));
        assert!(sizes(10, 10)
            .unwrap_err()
            .to_string()
            .contains("chunk_overlap"));
        assert_eq!(sizes(10, 2).ok(), Some((10, 2)));
    }
}
