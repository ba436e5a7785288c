//! `lib.grid`: `CombineImageGrid`, NodeTool's tile grid. Every tile is converted to RGBA
//! (as Pillow's `convert("RGBA")`), the cells are as large as the largest tile, tiles are
//! pasted row by row from the top left corner of their cell (pixels copied, alpha
//! included), and cells no tile covers stay transparent black. The result is an RGBA PNG.

use crate::meta_node;
use crate::meta_node::Props;
use crate::pillow::{png_value, read_reference};
use nodetool::metadata::{AssetRef, NodeValue};
use nodetool::workflows::{NodeError, NodeOutputs, ProcessingContext};
use serde_json::Value;

/// The largest grid made: 2^28 pixels (1 GiB of RGBA).
const MAX_PIXELS: usize = 1 << 28;

/// An RGBA image: width, height, pixels row by row.
#[derive(Debug, Clone, PartialEq)]
pub struct Rgba {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// `width * height * 4` bytes.
    pub pixels: Vec<u8>,
}

/// Python's `math.isqrt`.
fn isqrt(n: usize) -> usize {
    let mut r = (n as f64).sqrt() as usize;
    while r * r > n {
        r -= 1;
    }
    while (r + 1) * (r + 1) <= n {
        r += 1;
    }
    r
}

/// NodeTool's `CombineImageGrid` on decoded tiles: `columns` per row (0: `isqrt` of the
/// count), as many rows as needed. An error names the property at fault.
pub fn combine_grid(tiles: &[Rgba], columns: usize) -> Result<Rgba, String> {
    if tiles.is_empty() {
        return Err("tiles: no tiles provided for combining".to_owned());
    }
    let columns = if columns == 0 {
        isqrt(tiles.len())
    } else {
        columns
    };
    let rows = tiles.len().div_ceil(columns);
    let cell_w = tiles.iter().map(|t| t.width).max().unwrap_or(0);
    let cell_h = tiles.iter().map(|t| t.height).max().unwrap_or(0);
    let size = cell_w
        .checked_mul(columns)
        .zip(cell_h.checked_mul(rows))
        .filter(|(w, h)| w.checked_mul(*h).is_some_and(|n| n <= MAX_PIXELS));
    let Some((width, height)) = size else {
        return Err(format!(
            "columns: a grid of {columns} columns and {rows} rows of {cell_w}x{cell_h} cells \
             is too large (at most {MAX_PIXELS} pixels)"
        ));
    };
    let mut pixels = vec![0u8; width * height * 4];
    for (index, tile) in tiles.iter().enumerate() {
        let x = (index % columns) * cell_w;
        let y = (index / columns) * cell_h;
        for row in 0..tile.height {
            let from = row * tile.width * 4;
            let to = ((y + row) * width + x) * 4;
            pixels[to..to + tile.width * 4]
                .copy_from_slice(&tile.pixels[from..from + tile.width * 4]);
        }
    }
    Ok(Rgba {
        width,
        height,
        pixels,
    })
}

meta_node!(
    /// `lib.grid.CombineImageGrid`.
    CombineImageGrid,
    "lib.grid.CombineImageGrid",
    Buffered,
    cacheable = true,
    tool = false
);

impl CombineImageGrid {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let items = match props.get("tiles") {
            Value::Null => Vec::new(),
            Value::Array(items) => items.clone(),
            other => {
                return Err(NodeError::failed(format!(
                    "tiles: expected a list of images, got {other}"
                )))
            }
        };
        let columns = props.int("columns")?;
        let columns = usize::try_from(columns)
            .map_err(|_| NodeError::failed(format!("columns: must be 0 or more, got {columns}")))?;
        if items.is_empty() {
            return Err(NodeError::failed("tiles: no tiles provided for combining"));
        }
        let mut tiles = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            let name = format!("tiles[{i}]");
            let reference = AssetRef::from_value(item)
                .map_err(|e| NodeError::failed(format!("{name}: {e}")))?;
            let decoded = read_reference(ctx, &name, &reference).await?.to_rgba8();
            tiles.push(Rgba {
                width: decoded.width() as usize,
                height: decoded.height() as usize,
                pixels: decoded.into_raw(),
            });
        }
        let grid = combine_grid(&tiles, columns).map_err(NodeError::failed)?;
        let value = png_value(
            &grid.pixels,
            grid.width,
            grid.height,
            image::ExtendedColorType::Rgba8,
        )?;
        outputs.send_named("output", value).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tile(width: usize, height: usize, rgba: [u8; 4]) -> Rgba {
        Rgba {
            width,
            height,
            pixels: rgba.repeat(width * height),
        }
    }

    #[test]
    fn isqrt_is_pythons() {
        let got: Vec<usize> = [1, 2, 3, 4, 5, 8, 9, 10, 15, 16, 17, 99, 100]
            .iter()
            .map(|&n| isqrt(n))
            .collect();
        assert_eq!(got, [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 9, 10]);
    }

    #[test]
    fn tiles_fill_cells_of_the_largest_size_row_by_row() {
        const R: [u8; 4] = [255, 0, 0, 255];
        const G: [u8; 4] = [0, 255, 0, 128];
        const B: [u8; 4] = [0, 0, 255, 255];
        const W: [u8; 4] = [255, 255, 255, 255];
        const T: [u8; 4] = [0, 0, 0, 0];
        // 5 tiles, columns 0: isqrt(5) = 2 columns, 3 rows of 2x2 cells. The layout is the
        // one NodeTool's code gives under Pillow.
        let tiles = [
            tile(1, 1, R),
            tile(2, 1, G),
            tile(1, 2, B),
            tile(2, 2, W),
            tile(1, 1, R),
        ];
        let grid = combine_grid(&tiles, 0).unwrap();
        assert_eq!((grid.width, grid.height), (4, 6));
        let expected: Vec<[u8; 4]> = vec![
            R, T, G, G, //
            T, T, T, T, //
            B, T, W, W, //
            B, T, W, W, //
            R, T, T, T, //
            T, T, T, T,
        ];
        assert_eq!(grid.pixels, expected.concat());

        // More columns than tiles: one row, the unused cells transparent.
        let wide = combine_grid(&tiles[..2], 3).unwrap();
        assert_eq!((wide.width, wide.height), (6, 1));
        assert_eq!(wide.pixels, [R, T, G, G, T, T].concat());
    }

    #[test]
    fn no_tiles_and_huge_grids_are_errors() {
        assert_eq!(
            combine_grid(&[], 2).unwrap_err(),
            "tiles: no tiles provided for combining"
        );
        let error = combine_grid(&[tile(1, 1, [0; 4])], usize::MAX).unwrap_err();
        assert!(error.starts_with("columns: "), "{error}");
    }
}
