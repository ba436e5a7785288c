//! `lib.pillow.draw.RenderText`, and the text drawing it shares with
//! `nodetool.video.AddSubtitles`: Pillow's `ImageDraw.text` with a TrueType font of `size`
//! pixels per em, anchored at the top left of the ascender (Pillow's `la`), lines `ascent + 4`
//! pixels apart and aligned (left, center, right) within the widest line, glyphs
//! anti-aliased (ab_glyph's coverage) and blended over the image.

use crate::fonts::{font_bytes, parse_color, parse_font};
use crate::meta_node;
use crate::meta_node::Props;
use crate::pillow::{png_value, read_reference};
use ab_glyph::{Font, FontVec, PxScale, ScaleFont};
use nodetool::metadata::AssetRef;
use nodetool::workflows::{NodeError, NodeOutputs, ProcessingContext};

/// A font at a size: Pillow's `ImageFont.truetype(path, size)`.
pub struct SizedFont {
    font: FontVec,
    scale: PxScale,
}

impl SizedFont {
    /// `font` at `size` pixels per em.
    pub fn new(font: FontVec, size: f32) -> Self {
        let units_per_em = font.units_per_em().unwrap_or(1000.0);
        let scale = PxScale::from(size * font.height_unscaled() / units_per_em);
        Self { font, scale }
    }

    /// The distance from the top of the ascender to the baseline, in pixels.
    pub fn ascent(&self) -> f32 {
        self.font.as_scaled(self.scale).ascent()
    }

    /// How wide `line` is drawn (Pillow's `textlength`): advances and kerning.
    pub fn line_width(&self, line: &str) -> f32 {
        let scaled = self.font.as_scaled(self.scale);
        let mut width = 0.0;
        let mut previous = None;
        for c in line.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = previous {
                width += scaled.kern(p, id);
            }
            width += scaled.h_advance(id);
            previous = Some(id);
        }
        width
    }

    /// Draws one line with the ascender's top at `(x, y)` in `color`, blended over `image`.
    pub fn draw_line(
        &self,
        image: &mut image::RgbaImage,
        x: f32,
        y: f32,
        line: &str,
        color: [u8; 4],
    ) {
        let scaled = self.font.as_scaled(self.scale);
        let baseline = y + scaled.ascent();
        let mut caret = x;
        let mut previous = None;
        let (width, height) = (image.width() as i64, image.height() as i64);
        for c in line.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = previous {
                caret += scaled.kern(p, id);
            }
            let glyph = id.with_scale_and_position(self.scale, ab_glyph::point(caret, baseline));
            caret += scaled.h_advance(id);
            previous = Some(id);
            let Some(outline) = self.font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            outline.draw(|gx, gy, coverage| {
                let px = bounds.min.x as i64 + i64::from(gx);
                let py = bounds.min.y as i64 + i64::from(gy);
                if px < 0 || py < 0 || px >= width || py >= height {
                    return;
                }
                let alpha = coverage.clamp(0.0, 1.0) * f32::from(color[3]) / 255.0;
                let pixel = image.get_pixel_mut(px as u32, py as u32);
                for (channel, target) in pixel.0.iter_mut().zip(color).take(3) {
                    let mixed = f32::from(*channel) * (1.0 - alpha) + f32::from(target) * alpha;
                    *channel = mixed.round() as u8;
                }
                let below = f32::from(pixel.0[3]) / 255.0;
                pixel.0[3] = ((alpha + below * (1.0 - alpha)) * 255.0).round() as u8;
            });
        }
    }

    /// Pillow's `draw.text((x, y), text, align=…)`: lines split at `\n`, each aligned within
    /// the widest (`left`, `center` or `right`).
    pub fn draw_text(
        &self,
        image: &mut image::RgbaImage,
        x: f32,
        y: f32,
        text: &str,
        color: [u8; 4],
        align: &str,
    ) {
        let lines: Vec<&str> = text.split('\n').collect();
        let widths: Vec<f32> = lines.iter().map(|l| self.line_width(l)).collect();
        let widest = widths.iter().copied().fold(0.0, f32::max);
        let spacing = self.ascent().round() + 4.0;
        for (i, (line, width)) in lines.iter().zip(widths).enumerate() {
            let offset = match align {
                "center" => (widest - width) / 2.0,
                "right" => widest - width,
                _ => 0.0,
            };
            self.draw_line(image, x + offset, y + spacing * i as f32, line, color);
        }
    }
}

/// The font of property `prop` (a `FontRef`) at `size` pixels per em.
pub async fn sized_font(
    ctx: &ProcessingContext,
    props: &Props,
    prop: &str,
    size: f32,
) -> Result<SizedFont, NodeError> {
    let bytes = font_bytes(ctx, prop, props.get(prop)).await?;
    Ok(SizedFont::new(parse_font(prop, bytes)?, size))
}

/// The colour of property `prop` (an error names a value that is not a colour).
pub fn color_prop(props: &Props, prop: &str) -> Result<[u8; 4], NodeError> {
    parse_color(props.get(prop)).ok_or_else(|| {
        NodeError::failed(format!(
            "{prop}: {} is not a colour (#rrggbb, #rrggbbaa, #rgb or a colour name)",
            props.get(prop)
        ))
    })
}

meta_node!(
    /// `lib.pillow.draw.RenderText`: text drawn on an image with a system or downloaded font.
    RenderText,
    "lib.pillow.draw.RenderText",
    Buffered,
    cacheable = true,
    tool = false
);

impl RenderText {
    async fn run(
        props: &Props,
        ctx: &ProcessingContext,
        outputs: &mut NodeOutputs,
    ) -> Result<(), NodeError> {
        let reference: AssetRef = props.typed("image")?;
        let decoded = read_reference(ctx, "image", &reference).await?;
        let has_alpha = decoded.color().has_alpha();
        let mut canvas = decoded.to_rgba8();
        let size = props.int("size")?;
        if !(1..=512).contains(&size) {
            return Err(NodeError::failed(format!(
                "size: {size} is outside 1..=512"
            )));
        }
        let font = sized_font(ctx, props, "font", size as f32).await?;
        let color = color_prop(props, "color")?;
        let align = props.str("align");
        font.draw_text(
            &mut canvas,
            props.int("x")? as f32,
            props.int("y")? as f32,
            &props.str("text"),
            color,
            &align,
        );
        let (width, height) = (canvas.width() as usize, canvas.height() as usize);
        let value = if has_alpha {
            png_value(
                canvas.as_raw(),
                width,
                height,
                image::ExtendedColorType::Rgba8,
            )?
        } else {
            let rgb = image::DynamicImage::ImageRgba8(canvas).to_rgb8();
            png_value(rgb.as_raw(), width, height, image::ExtendedColorType::Rgb8)?
        };
        outputs.send_named("output", value).await
    }
}
