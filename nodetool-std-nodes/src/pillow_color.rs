//! `lib.pillow.color_grading`: NodeTool's colour grading nodes, with its numpy arithmetic.
//!
//! NodeTool converts the image to RGB, divides it by 255 into a `float32` array, works on
//! that array with Python floats as `float32` scalars (numpy 2's rules: a Python float meets
//! a `float32` array as a `float32`), then writes `clip(arr * 255, 0, 255)` truncated to
//! bytes. Here every step is the same single-precision operation in the same order, so the
//! bytes are numpy's. Luminance is Rec. 709 (`0.2126 R + 0.7152 G + 0.0722 B`).

use crate::pillow::{pillow_node, Rgb};

/// The image's values as `float32` in 0..1 (`np.array(img, float32) / 255.0`).
fn to_float(img: &Rgb) -> Vec<f32> {
    img.pixels.iter().map(|&v| f32::from(v) / 255.0).collect()
}

/// `np.clip(arr * 255, 0, 255).astype(np.uint8)`.
fn from_float(img: &Rgb, arr: &[f32]) -> Rgb {
    Rgb {
        pixels: arr
            .iter()
            .map(|&v| {
                let v = v * 255.0;
                // NaN (not reachable from bytes) would be 0, as numpy's cast on x86.
                if v >= 255.0 {
                    255
                } else if v > 0.0 {
                    v as u8
                } else {
                    0
                }
            })
            .collect(),
        ..img.clone()
    }
}

/// Rec. 709 luminance of one pixel, in `float32` as numpy evaluates it.
fn luminance(p: &[f32]) -> f32 {
    0.2126f32 * p[0] + 0.7152f32 * p[1] + 0.0722f32 * p[2]
}

/// A Python float as numpy 2 meets it next to a `float32` array.
fn weak(x: f64) -> f32 {
    x as f32
}

/// The settings of [`exposure`] (all 0 leaves the image as it is).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ExposureSettings {
    /// Stops: the values are multiplied by `2 ** exposure`.
    pub exposure: f64,
    /// Contrast around 0.5: `0.5 + (v - 0.5) * (1 + contrast)`.
    pub contrast: f64,
    /// Subtracted (times 0.5) where the luminance is above 0.5.
    pub highlights: f64,
    /// Added (times 0.5) where the luminance is below 0.5.
    pub shadows: f64,
    /// `v + whites * 0.2 * v`.
    pub whites: f64,
    /// `v + blacks * 0.2 * (1 - v)`.
    pub blacks: f64,
}

/// `lib.pillow.color_grading.Exposure`'s arithmetic: exposure, then highlights and shadows
/// (masks from the luminance after exposure), whites, blacks, contrast.
pub fn exposure(img: &Rgb, s: &ExposureSettings) -> Rgb {
    let mut arr = to_float(img);
    if s.exposure != 0.0 {
        let gain = weak(2f64.powf(s.exposure));
        arr.iter_mut().for_each(|v| *v *= gain);
    }
    let lum: Vec<f32> = arr.chunks(3).map(luminance).collect();
    if s.highlights != 0.0 {
        let h = weak(s.highlights);
        for (p, &l) in arr.chunks_mut(3).zip(&lum) {
            let mask = ((l - 0.5) * 2.0).clamp(0.0, 1.0);
            p.iter_mut().for_each(|v| *v -= mask * h * 0.5);
        }
    }
    if s.shadows != 0.0 {
        let sh = weak(s.shadows);
        for (p, &l) in arr.chunks_mut(3).zip(&lum) {
            let mask = ((0.5 - l) * 2.0).clamp(0.0, 1.0);
            p.iter_mut().for_each(|v| *v += mask * sh * 0.5);
        }
    }
    if s.whites != 0.0 {
        let k = weak(s.whites * 0.2);
        arr.iter_mut().for_each(|v| *v += k * *v);
    }
    if s.blacks != 0.0 {
        let k = weak(s.blacks * 0.2);
        arr.iter_mut().for_each(|v| *v += k * (1.0 - *v));
    }
    if s.contrast != 0.0 {
        let factor = weak(1.0 + s.contrast);
        arr.iter_mut().for_each(|v| *v = 0.5 + (*v - 0.5) * factor);
    }
    from_float(img, &arr)
}

/// `lib.pillow.color_grading.SaturationVibrance`'s arithmetic: saturation around the
/// luminance, then vibrance, which saturates a pixel by `1 + vibrance * (1 - its
/// saturation)`, both around the luminance of the input.
pub fn saturation_vibrance(img: &Rgb, saturation: f64, vibrance: f64) -> Rgb {
    let mut arr = to_float(img);
    let lum: Vec<f32> = arr.chunks(3).map(luminance).collect();
    if saturation != 0.0 {
        let factor = weak(1.0 + saturation);
        for (p, &l) in arr.chunks_mut(3).zip(&lum) {
            p.iter_mut().for_each(|v| *v = l + (*v - l) * factor);
        }
    }
    if vibrance != 0.0 {
        let k = weak(vibrance);
        for (p, &l) in arr.chunks_mut(3).zip(&lum) {
            let max = p[0].max(p[1]).max(p[2]);
            let min = p[0].min(p[1]).min(p[2]);
            let current = if max > 0.0 {
                (max - min) / (max + 0.001)
            } else {
                0.0
            };
            let factor = 1.0 + k * (1.0 - current);
            p.iter_mut().for_each(|v| *v = l + (*v - l) * factor);
        }
    }
    from_float(img, &arr)
}

pillow_node!(
    /// `lib.pillow.color_grading.Exposure`.
    Exposure,
    "lib.pillow.color_grading.Exposure",
    |img, props| {
        let settings = ExposureSettings {
            exposure: props.float("exposure")?,
            contrast: props.float("contrast")?,
            highlights: props.float("highlights")?,
            shadows: props.float("shadows")?,
            whites: props.float("whites")?,
            blacks: props.float("blacks")?,
        };
        Ok(exposure(&img, &settings))
    }
);
pillow_node!(
    /// `lib.pillow.color_grading.SaturationVibrance`.
    SaturationVibrance,
    "lib.pillow.color_grading.SaturationVibrance",
    |img, props| Ok(saturation_vibrance(
        &img,
        props.float("saturation")?,
        props.float("vibrance")?
    ))
);

#[cfg(test)]
mod tests {
    use super::*;

    /// A 4×2 image: black, white, red-ish, green-ish, grey, yellow, dark blue-grey, blue.
    fn sample() -> Rgb {
        Rgb {
            width: 4,
            height: 2,
            pixels: vec![
                0, 0, 0, 255, 255, 255, 200, 30, 40, 12, 200, 90, 128, 128, 128, 250, 240, 10, 60,
                70, 80, 1, 2, 250,
            ],
        }
    }

    fn settings(v: [f64; 6]) -> ExposureSettings {
        ExposureSettings {
            exposure: v[0],
            contrast: v[1],
            highlights: v[2],
            shadows: v[3],
            whites: v[4],
            blacks: v[5],
        }
    }

    // Expected bytes from NodeTool's own code (color_grading.py) under numpy 2.4, Pillow 13.
    #[test]
    fn exposure_is_nodetools() {
        let i = sample();
        assert_eq!(exposure(&i, &ExposureSettings::default()), i);
        assert_eq!(
            exposure(&i, &settings([0.2, 0.1, -0.1, 0.1, 0.0, 0.0])).pixels,
            [
                1, 1, 1, 255, 255, 255, 245, 30, 43, 7, 245, 106, 151, 151, 151, 255, 255, 13, 68,
                81, 93, 0, 1, 255
            ]
        );
        assert_eq!(
            exposure(&i, &settings([-1.5, -0.4, 0.6, -0.7, 0.3, -0.2])).pixels,
            [
                0, 0, 0, 87, 87, 87, 43, 3, 6, 13, 57, 31, 36, 36, 36, 81, 78, 25, 11, 13, 15, 0,
                0, 47
            ]
        );
        assert_eq!(
            exposure(&i, &settings([0.7, 0.9, -1.0, 1.0, -1.0, 1.0])).pixels,
            [
                137, 137, 137, 255, 255, 255, 255, 64, 84, 151, 255, 255, 255, 255, 255, 255, 255,
                156, 120, 139, 159, 100, 102, 255
            ]
        );
    }

    #[test]
    fn saturation_and_vibrance_are_nodetools() {
        let i = sample();
        assert_eq!(saturation_vibrance(&i, 0.0, 0.0), i);
        let cases: [(f64, f64, [u8; 24]); 5] = [
            (
                0.5,
                0.4,
                [
                    0, 0, 0, 255, 255, 255, 255, 10, 25, 0, 216, 68, 128, 128, 128, 255, 244, 0,
                    52, 71, 90, 0, 0, 255,
                ],
            ),
            (
                -1.0,
                0.0,
                [
                    0, 0, 0, 255, 255, 255, 66, 66, 66, 152, 152, 152, 128, 128, 128, 225, 225,
                    225, 68, 68, 68, 19, 19, 19,
                ],
            ),
            (
                0.0,
                -1.0,
                [
                    0, 0, 0, 255, 255, 255, 179, 35, 44, 20, 197, 93, 128, 128, 128, 248, 239, 18,
                    66, 68, 71, 1, 2, 248,
                ],
            ),
            (
                1.0,
                1.0,
                [
                    0, 0, 0, 255, 255, 255, 255, 0, 14, 16, 198, 91, 128, 128, 128, 237, 232, 116,
                    41, 72, 104, 0, 0, 255,
                ],
            ),
            (
                -0.3,
                0.8,
                [
                    0, 0, 0, 255, 255, 255, 179, 35, 44, 31, 193, 98, 128, 128, 128, 246, 238, 37,
                    58, 70, 81, 6, 6, 185,
                ],
            ),
        ];
        for (saturation, vibrance, expected) in cases {
            assert_eq!(
                saturation_vibrance(&i, saturation, vibrance).pixels,
                expected,
                "saturation {saturation}, vibrance {vibrance}"
            );
        }
    }
}
