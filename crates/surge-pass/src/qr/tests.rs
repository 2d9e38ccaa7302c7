//! Tests for QR rendering and reading, including a degraded image like a phone photo of a printed pass.

use image::{DynamicImage, GenericImageView, ImageFormat, Luma};

use super::*;

const TEXT: &str = "EP1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IOOK.IR9B+9G4G50PHZF0AT4V22F/8X*G3M9JUPY0BX/KR96R/S09T./0LWTKD33236J3TA3M*4VV2 73-E3GG396B-43O058YIB73A*G3W19UEBY5:PI0EGSP4*2DN43U*0CEBQ/GXQFY73CIBC:G 7376BXBJBAJ U";

#[test]
fn a_rendered_png_reads_back_to_the_same_text() {
    let png = qr_png(TEXT, 4).unwrap();
    assert_eq!(decode_qr_image(&png).unwrap(), TEXT);
}

#[test]
fn a_scaled_rotated_noisy_jpeg_still_reads() {
    let png = qr_png(TEXT, 8).unwrap();
    let image = image::load_from_memory(&png).unwrap();
    let (w, h) = image.dimensions();
    // Shrink by an awkward factor, as a camera would, and turn it on its side.
    let small = image.resize_exact(w * 63 / 100, h * 63 / 100, image::imageops::FilterType::Triangle).rotate90();
    // Grey paper, uneven light and a little noise around the code.
    let (sw, sh) = small.dimensions();
    let mut photo = image::GrayImage::from_pixel(sw + 80, sh + 60, Luma([180]));
    let small = small.to_luma8();
    for (x, y, p) in small.enumerate_pixels() {
        let shade = (x + y) % 23;
        let v = if p[0] < 128 { 30 + shade as u8 } else { 215 - shade as u8 };
        photo.put_pixel(x + 40, y + 30, Luma([v]));
    }
    let mut jpeg = std::io::Cursor::new(Vec::new());
    DynamicImage::ImageLuma8(photo).write_to(&mut jpeg, ImageFormat::Jpeg).unwrap();
    assert_eq!(decode_qr_image(&jpeg.into_inner()).unwrap(), TEXT);
}

#[test]
fn an_image_without_a_code_is_an_error_not_a_panic() {
    let blank = image::GrayImage::from_pixel(200, 200, Luma([255]));
    let mut png = std::io::Cursor::new(Vec::new());
    DynamicImage::ImageLuma8(blank).write_to(&mut png, ImageFormat::Png).unwrap();
    assert_eq!(decode_qr_image(&png.into_inner()).unwrap_err().code(), "qr_invalid");
    assert_eq!(decode_qr_image(b"not an image").unwrap_err().code(), "qr_invalid");
}

#[test]
fn the_svg_names_itself_for_screen_readers() {
    let svg = qr_svg(TEXT).unwrap();
    assert!(svg.contains(r#"role="img""#) && svg.contains("aria-label"));
}
