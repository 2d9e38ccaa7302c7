//! QR codes for passes: SVG and PNG rendering at error-correction level M, the symbol version a text needs, and
//! reading a code back from a photo or screenshot. Rendering is slow next to signing, so it is never part of
//! issuance: callers render on demand and cache.

#[cfg(test)]
mod tests;

use qrcode::{EcLevel, QrCode, Version};

use crate::PassError;

/// The quiet zone the QR standard requires around the symbol, in modules.
const QUIET_ZONE: u32 = 4;

fn code(text: &str) -> Result<QrCode, PassError> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).map_err(|e| PassError::Qr(e.to_string()))
}

/// The QR version (1 to 40) that `text` needs at level M. Phone cameras read version 10 and below reliably in
/// poor light.
pub fn qr_version(text: &str) -> Result<i16, PassError> {
    match code(text)?.version() {
        Version::Normal(v) => Ok(v),
        Version::Micro(v) => Ok(v),
    }
}

/// The symbol's modules, row by row, `true` for dark, without the quiet zone: for drawing the code as vectors,
/// as a printed sheet does.
pub fn qr_modules(text: &str) -> Result<(usize, Vec<bool>), PassError> {
    let code = code(text)?;
    let dark = code.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect();
    Ok((code.width(), dark))
}

/// An SVG document, scalable for print, with a title for screen readers.
pub fn qr_svg(text: &str) -> Result<String, PassError> {
    let svg = code(text)?.render::<qrcode::render::svg::Color>().min_dimensions(256, 256).quiet_zone(true).build();
    // Give the image an accessible name: it is the pass, not decoration.
    Ok(svg.replacen("<svg ", "<svg role=\"img\" aria-label=\"Pass QR code\" ", 1))
}

/// A rendered QR image: 8-bit grey pixels, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrImage {
    pub width: u32,
    pub pixels: Vec<u8>,
}

fn render_pixels(text: &str, module_px: u32) -> Result<QrImage, PassError> {
    let code = code(text)?;
    let modules = code.width() as u32;
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE) * module_px;
    let mut pixels = vec![255u8; (side * side) as usize];
    for (i, color) in colors.iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (mx, my) = (i as u32 % modules + QUIET_ZONE, i as u32 / modules + QUIET_ZONE);
            for y in my * module_px..(my + 1) * module_px {
                let row = (y * side) as usize;
                pixels[row + (mx * module_px) as usize..row + ((mx + 1) * module_px) as usize].fill(0);
            }
        }
    }
    Ok(QrImage { width: side, pixels })
}

/// A PNG with `module_px` pixels per module (8 gives a sharp print at common sizes).
pub fn qr_png(text: &str, module_px: u32) -> Result<Vec<u8>, PassError> {
    let rendered = render_pixels(text, module_px.max(1))?;
    let image = image::GrayImage::from_raw(rendered.width, rendered.width, rendered.pixels)
        .ok_or_else(|| PassError::Qr("image buffer size mismatch".into()))?;
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).map_err(|e| PassError::Qr(e.to_string()))?;
    Ok(out.into_inner())
}

/// Reads the first QR code found in an image file's bytes (PNG or JPEG).
pub fn decode_qr_image(bytes: &[u8]) -> Result<String, PassError> {
    let image = image::load_from_memory(bytes).map_err(|e| PassError::Qr(format!("not a readable image: {e}")))?;
    let mut prepared = rqrr::PreparedImage::prepare(image.to_luma8());
    let grids = prepared.detect_grids();
    let mut last_error = "no QR code found in the image".to_owned();
    for grid in grids {
        match grid.decode() {
            Ok((_, content)) => return Ok(content),
            Err(e) => last_error = format!("a QR code was found but could not be read: {e}"),
        }
    }
    Err(PassError::Qr(last_error))
}
