//! `lib.pillow.enhance`: image enhancement with Pillow's arithmetic (NodeTool runs Pillow
//! 10.4): brightness, colour and contrast as blends with a degenerate image in single
//! precision, autocontrast per band with the histogram cutoff, the 3×3 sharpen kernel, and
//! the unsharp mask over Pillow's extended box blur. Images are read from their reference
//! (asset, workspace file, data URI) as RGB and written as PNG data URIs.

use crate::meta_node::Props;
use nodetool::metadata::AssetRef;
use nodetool::workflows::{NodeError, ProcessingContext};
use serde_json::Value;

/// An RGB image: width, height, pixels row by row.
#[derive(Debug, Clone, PartialEq)]
pub struct Rgb {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// `width * height * 3` bytes.
    pub pixels: Vec<u8>,
}

/// The image `reference` (property `name`, for errors) decoded.
pub(crate) async fn read_reference(
    ctx: &ProcessingContext,
    name: &str,
    reference: &AssetRef,
) -> Result<image::DynamicImage, NodeError> {
    if reference.uri.is_empty() && reference.asset_id.is_none() && reference.data.is_none() {
        return Err(NodeError::failed(format!("{name}: no image is set")));
    }
    let bytes = ctx
        .asset_bytes(reference)
        .await
        .map_err(|e| NodeError::failed(format!("{name}: {e}")))?;
    image::load_from_memory(&bytes)
        .map_err(|e| NodeError::failed(format!("{name}: cannot decode it: {e}")))
}

/// Property `image` read as RGB (Pillow's `convert("RGB")`: alpha dropped).
pub(crate) async fn read_image(ctx: &ProcessingContext, props: &Props) -> Result<Rgb, NodeError> {
    let reference: AssetRef = props.typed("image")?;
    let decoded = read_reference(ctx, "image", &reference).await?.to_rgb8();
    Ok(Rgb {
        width: decoded.width() as usize,
        height: decoded.height() as usize,
        pixels: decoded.into_raw(),
    })
}

/// Pixels (`color` laid out row by row) as a PNG data URI image reference.
pub(crate) fn png_value(
    pixels: &[u8],
    width: usize,
    height: usize,
    color: image::ExtendedColorType,
) -> Result<Value, NodeError> {
    let too_large = || NodeError::failed(format!("a {width}x{height} image is too large for PNG"));
    let mut png = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut png),
        pixels,
        u32::try_from(width).map_err(|_| too_large())?,
        u32::try_from(height).map_err(|_| too_large())?,
        color,
    )
    .map_err(|e| NodeError::failed(format!("cannot encode the image: {e}")))?;
    Ok(crate::assets::data_ref("image", "image/png", &png))
}

/// The image as a PNG data URI reference.
pub(crate) fn image_value(img: &Rgb) -> Result<Value, NodeError> {
    png_value(
        &img.pixels,
        img.width,
        img.height,
        image::ExtendedColorType::Rgb8,
    )
}

/// Pillow's `Image.blend(degenerate, img, alpha)`, byte by byte in single precision.
pub fn blend(degenerate: &[u8], img: &[u8], alpha: f64) -> Vec<u8> {
    let alpha = alpha as f32;
    if alpha == 0.0 {
        return degenerate.to_vec();
    }
    if alpha == 1.0 {
        return img.to_vec();
    }
    degenerate
        .iter()
        .zip(img)
        .map(|(&a, &b)| {
            let (a, b) = (f32::from(a), f32::from(b));
            if (0.0..=1.0).contains(&alpha) {
                (a + alpha * (b - a)) as u8
            } else {
                let t = a + alpha * (b - a);
                if t <= 0.0 {
                    0
                } else if t >= 255.0 {
                    255
                } else {
                    t as u8
                }
            }
        })
        .collect()
}

/// Pillow's RGB → L: `(R*19595 + G*38470 + B*7471 + 0x8000) >> 16`.
fn luma(p: &[u8]) -> u8 {
    ((u32::from(p[0]) * 19595 + u32::from(p[1]) * 38470 + u32::from(p[2]) * 7471 + 0x8000) >> 16)
        as u8
}

/// `ImageEnhance.Brightness`.
pub fn brightness(img: &Rgb, factor: f64) -> Rgb {
    Rgb {
        pixels: blend(&vec![0; img.pixels.len()], &img.pixels, factor),
        ..img.clone()
    }
}

/// `ImageEnhance.Color`.
pub fn color(img: &Rgb, factor: f64) -> Rgb {
    let gray: Vec<u8> = img.pixels.chunks(3).flat_map(|p| [luma(p); 3]).collect();
    Rgb {
        pixels: blend(&gray, &img.pixels, factor),
        ..img.clone()
    }
}

/// `ImageEnhance.Contrast`.
pub fn contrast(img: &Rgb, factor: f64) -> Rgb {
    let count = img.pixels.len() / 3;
    let sum: f64 = img.pixels.chunks(3).map(|p| f64::from(luma(p))).sum();
    let mean = if count == 0 { 0.0 } else { sum / count as f64 };
    let mean = (mean + 0.5) as u8;
    Rgb {
        pixels: blend(&vec![mean; img.pixels.len()], &img.pixels, factor),
        ..img.clone()
    }
}

/// Removes `cut` pixels from one end of a histogram, walking its bins in the given order
/// (Pillow's autocontrast cutoff).
fn trim_histogram<'a>(bins: impl Iterator<Item = &'a mut u64>, mut cut: u64) {
    for bin in bins {
        if cut == 0 {
            break;
        }
        let taken = cut.min(*bin);
        *bin -= taken;
        cut -= taken;
    }
}

/// `ImageOps.autocontrast(img, cutoff)`, per band.
pub fn autocontrast(img: &Rgb, cutoff: i64) -> Rgb {
    let mut luts = Vec::new();
    for band in 0..3 {
        let mut h = [0u64; 256];
        for p in img.pixels.chunks(3) {
            h[usize::from(p[band])] += 1;
        }
        if cutoff > 0 {
            let n: u64 = h.iter().sum();
            let cut = u64::try_from(i128::from(n) * i128::from(cutoff) / 100).unwrap_or(u64::MAX);
            trim_histogram(h.iter_mut(), cut);
            trim_histogram(h.iter_mut().rev(), cut);
        }
        let lo = (0..256).find(|&i| h[i] != 0).unwrap_or(255);
        let hi = (0..256).rev().find(|&i| h[i] != 0).unwrap_or(0);
        let lut: Vec<u8> = if hi <= lo {
            (0..=255).collect()
        } else {
            let scale = 255.0 / (hi - lo) as f64;
            let offset = -(lo as f64) * scale;
            (0..256)
                .map(|ix| (ix as f64 * scale + offset).trunc().clamp(0.0, 255.0) as u8)
                .collect()
        };
        luts.push(lut);
    }
    let pixels = img
        .pixels
        .iter()
        .enumerate()
        .map(|(i, &v)| luts[i % 3][usize::from(v)])
        .collect();
    Rgb {
        pixels,
        ..img.clone()
    }
}

/// `ImageFilter.SHARPEN`: borders kept, interior `[-2…32…-2]/16`, rounded half up.
pub fn sharpen(img: &Rgb) -> Rgb {
    let (w, h) = (img.width, img.height);
    if w < 3 || h < 3 {
        return img.clone();
    }
    let mut out = img.pixels.clone();
    let at = |x: usize, y: usize, c: usize| f32::from(img.pixels[(y * w + x) * 3 + c]);
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            for c in 0..3 {
                let mut ss = 0.5f32;
                for (dy, row) in [(y + 1, 0), (y, 1), (y - 1, 2)] {
                    for dx in 0..3 {
                        let k = if row == 1 && dx == 1 { 2.0 } else { -0.125 };
                        ss += k * at(x + dx - 1, dy, c);
                    }
                }
                out[(y * w + x) * 3 + c] = if ss <= 0.0 {
                    0
                } else if ss >= 255.0 {
                    255
                } else {
                    ss as u8
                };
            }
        }
    }
    Rgb {
        pixels: out,
        ..img.clone()
    }
}

/// One pass of Pillow's extended box blur over a line (edges replicated).
fn box_line(line: &[u32], radius: f32) -> Vec<u32> {
    let n = line.len() as isize;
    let ri = radius as isize;
    let ww = ((1u64 << 24) as f32 / (radius * 2.0 + 1.0)) as u64;
    let fw = ((1u64 << 24) - (2 * ri as u64 + 1) * ww) / 2;
    let p = |i: isize| u64::from(line[i.clamp(0, n - 1) as usize]);
    (0..n)
        .map(|x| {
            let sum: u64 = (-ri..=ri).map(|k| p(x + k)).sum();
            ((ww * sum + fw * (p(x - ri - 1) + p(x + ri + 1)) + (1 << 23)) >> 24) as u32
        })
        .collect()
}

/// Pillow's Gaussian blur: three extended box passes each way.
fn gaussian(img: &Rgb, radius: f64) -> Vec<u8> {
    let sigma2 = radius * radius / 3.0;
    let l_full = (12.0 * sigma2 + 1.0).sqrt();
    let l = ((l_full - 1.0) / 2.0).floor();
    let a =
        (2.0 * l + 1.0) * (l * (l + 1.0) - 3.0 * sigma2) / (6.0 * (sigma2 - (l + 1.0) * (l + 1.0)));
    let br = (l + a) as f32;
    if br == 0.0 || !br.is_finite() {
        return img.pixels.clone();
    }
    let (w, h) = (img.width, img.height);
    let mut buf: Vec<u32> = img.pixels.iter().map(|&v| u32::from(v)).collect();
    for c in 0..3 {
        for y in 0..h {
            let mut line: Vec<u32> = (0..w).map(|x| buf[(y * w + x) * 3 + c]).collect();
            for _ in 0..3 {
                line = box_line(&line, br);
            }
            for x in 0..w {
                buf[(y * w + x) * 3 + c] = line[x];
            }
        }
        for x in 0..w {
            let mut line: Vec<u32> = (0..h).map(|y| buf[(y * w + x) * 3 + c]).collect();
            for _ in 0..3 {
                line = box_line(&line, br);
            }
            for y in 0..h {
                buf[(y * w + x) * 3 + c] = line[y];
            }
        }
    }
    buf.into_iter().map(|v| v.min(255) as u8).collect()
}

/// `ImageFilter.UnsharpMask(radius, percent, threshold)`.
pub fn unsharp_mask(img: &Rgb, radius: f64, percent: i64, threshold: i64) -> Rgb {
    let blur = gaussian(img, radius);
    let pixels = img
        .pixels
        .iter()
        .zip(blur)
        .map(|(&v, b)| {
            let diff = i64::from(v) - i64::from(b);
            if diff.abs() > threshold {
                (i64::from(v) + diff * percent / 100).clamp(0, 255) as u8
            } else {
                v
            }
        })
        .collect();
    Rgb {
        pixels,
        ..img.clone()
    }
}

macro_rules! pillow_node {
    ($(#[$doc:meta])* $name:ident, $node_type:literal, |$img:ident, $props:ident| $body:expr) => {
        $crate::meta_node!($(#[$doc])* $name, $node_type, Buffered, cacheable = true, tool = false);

        impl $name {
            async fn run(
                $props: &$crate::meta_node::Props,
                ctx: &::nodetool::workflows::ProcessingContext,
                outputs: &mut ::nodetool::workflows::NodeOutputs,
            ) -> Result<(), ::nodetool::workflows::NodeError> {
                let $img = $crate::pillow::read_image(ctx, $props).await?;
                let result: Result<$crate::pillow::Rgb, ::nodetool::workflows::NodeError> = $body;
                outputs
                    .send_named("output", $crate::pillow::image_value(&result?)?)
                    .await
            }
        }
    };
}
pub(crate) use pillow_node;

pillow_node!(
    /// `lib.pillow.enhance.Brightness`.
    Brightness,
    "lib.pillow.enhance.Brightness",
    |img, props| Ok(brightness(&img, props.float("factor")?))
);
pillow_node!(
    /// `lib.pillow.enhance.Color`.
    Color,
    "lib.pillow.enhance.Color",
    |img, props| Ok(color(&img, props.float("factor")?))
);
pillow_node!(
    /// `lib.pillow.enhance.Contrast`.
    Contrast,
    "lib.pillow.enhance.Contrast",
    |img, props| Ok(contrast(&img, props.float("factor")?))
);
pillow_node!(
    /// `lib.pillow.enhance.AutoContrast`.
    AutoContrast,
    "lib.pillow.enhance.AutoContrast",
    |img, props| Ok(autocontrast(&img, props.int("cutoff")?))
);
pillow_node!(
    /// `lib.pillow.enhance.Sharpen`.
    Sharpen,
    "lib.pillow.enhance.Sharpen",
    |img, props| {
        let _ = props;
        Ok(sharpen(&img))
    }
);
pillow_node!(
    /// `lib.pillow.enhance.UnsharpMask`.
    UnsharpMask,
    "lib.pillow.enhance.UnsharpMask",
    |img, props| Ok(unsharp_mask(&img, props.int("radius")? as f64, props.int("percent")?, props.int("threshold")?))
);

#[cfg(test)]
mod tests {
    use super::*;

    fn img(pixels: Vec<u8>, width: usize) -> Rgb {
        Rgb {
            height: pixels.len() / 3 / width,
            width,
            pixels,
        }
    }

    #[test]
    fn blends_are_pillows() {
        let i = img(vec![100, 200, 50], 1);
        assert_eq!(brightness(&i, 1.0).pixels, [100, 200, 50]);
        assert_eq!(brightness(&i, 1.5).pixels, [150, 255, 75]);
        assert_eq!(brightness(&i, 0.5).pixels, [50, 100, 25]);
        // L of (100, 200, 50) = 153.
        assert_eq!(color(&i, 0.0).pixels, [153, 153, 153]);
        assert_eq!(contrast(&i, 0.0).pixels, [153, 153, 153]);
    }

    #[test]
    fn autocontrast_stretches_and_a_big_cutoff_is_identity() {
        let i = img(vec![50, 50, 50, 100, 100, 100, 150, 150, 150], 3);
        assert_eq!(
            autocontrast(&i, 0).pixels,
            [0, 0, 0, 127, 127, 127, 255, 255, 255]
        );
        assert_eq!(autocontrast(&i, 108).pixels, i.pixels);
    }

    #[test]
    fn sharpen_keeps_borders_and_unsharp_mask_respects_the_threshold() {
        let mut pixels = vec![100u8; 3 * 3 * 3];
        pixels[4 * 3] = 120;
        let i = img(pixels, 3);
        let s = sharpen(&i);
        // Centre: 0.5 + 2*120 - 0.125*8*100 = 140.5 → 140.
        assert_eq!(s.pixels[4 * 3], 140);
        assert_eq!(s.pixels[0], 100);
        let flat = img(vec![80; 5 * 5 * 3], 5);
        assert_eq!(unsharp_mask(&flat, 2.0, 150, 3), flat);
        let u = unsharp_mask(&i, 2.0, 150, 3);
        assert!(u.pixels[4 * 3] > 120, "{:?}", u.pixels);
    }
}
