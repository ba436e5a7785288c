//! `lib.pymupdf.ExtractText`: the text of a PDF's pages, `start_page` to `end_page` (0-based,
//! inclusive; -1: the last), concatenated as PyMuPDF's `page.get_text()` would be. Text is
//! read with pdf-extract (pure Rust, over lopdf) on a blocking thread; a PDF it cannot read is
//! an error naming the property, never a crash.

use crate::meta_node;
use crate::meta_node::Props;
use nodetool::metadata::AssetRef;
use nodetool::workflows::{NodeError, NodeOutputs, ProcessingContext};
use serde_json::Value;

/// The text of each page of the PDF `bytes`.
pub async fn page_texts(bytes: Vec<u8>) -> Result<Vec<String>, NodeError> {
    let pages =
        tokio::task::spawn_blocking(move || pdf_extract::extract_text_from_mem_by_pages(&bytes))
            .await
            .map_err(|e| {
                NodeError::failed(format!("pdf: the PDF reader failed on this file ({e})"))
            })?;
    pages.map_err(|e| NodeError::failed(format!("pdf: not a PDF this reader can read: {e}")))
}

/// The pages `start..=end` (`end` -1: the last) of `count`, or an error naming the property.
pub fn page_range(
    start: i64,
    end: i64,
    count: usize,
) -> Result<std::ops::RangeInclusive<usize>, NodeError> {
    let last = i64::try_from(count).unwrap_or(i64::MAX) - 1;
    let end = if end == -1 { last } else { end };
    if start < 0 || start > last {
        return Err(NodeError::failed(format!(
            "start_page: {start} is not a page of this {count}-page document (pages 0 to {last})"
        )));
    }
    if end < start || end > last {
        return Err(NodeError::failed(format!(
            "end_page: {end} is not a page from start_page {start} to the last, {last}"
        )));
    }
    Ok(start as usize..=end as usize)
}

meta_node!(
    /// `lib.pymupdf.ExtractText`: plain text of a PDF's pages.
    ExtractText,
    "lib.pymupdf.ExtractText",
    Buffered,
    cacheable = true,
    tool = true
);

impl ExtractText {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let reference: AssetRef = props.typed("pdf")?;
        if reference.uri.is_empty() && reference.asset_id.is_none() && reference.data.is_none() {
            return Err(NodeError::failed("pdf: no document is set"));
        }
        let bytes = ctx
            .asset_bytes(&reference)
            .await
            .map_err(|e| NodeError::failed(format!("pdf: {e}")))?;
        let pages = page_texts(bytes.to_vec()).await?;
        let range = page_range(
            props.int("start_page")?,
            props.int("end_page")?,
            pages.len(),
        )?;
        let text: String = pages[range].concat();
        outputs.send_named("output", Value::String(text)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_ranges_follow_pymupdf_and_name_a_bad_bound() {
        assert_eq!(page_range(0, -1, 3).unwrap(), 0..=2);
        assert_eq!(page_range(1, 1, 3).unwrap(), 1..=1);
        assert!(page_range(3, -1, 3)
            .unwrap_err()
            .to_string()
            .contains("start_page: 3"));
        assert!(page_range(2, 1, 3)
            .unwrap_err()
            .to_string()
            .contains("end_page: 1"));
        assert!(page_range(0, -1, 0).is_err());
    }
}
