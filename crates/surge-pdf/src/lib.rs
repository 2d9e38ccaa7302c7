//! Printable sheets of passes as PDF: several cards to an A4 page, each a QR code drawn as vectors (sharp at any
//! printer's resolution) beside a few lines of text, in an embedded subset of a Korean font (NanumSquare, SIL OFL
//! 1.1, `fonts/OFL.txt`) so Hangul prints on any reader without fonts of its own. No IO: text in, bytes out.

#[cfg(test)]
mod tests;

use std::io::Write;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use ttf_parser::{Face, GlyphId};
use unicode_normalization::char::decompose_canonical;

/// The font every sheet is set in: all 11,172 Hangul syllables and Latin, 0.7 MB, subset per document.
const FONT: &[u8] = include_bytes!("../fonts/NanumSquareR.ttf");
const FONT_NAME: &[u8] = b"SURGEP+NanumSquareR";

/// A4 in points.
const PAGE: (f32, f32) = (595.28, 841.89);
const MARGIN: f32 = 28.0;
const HEADER: f32 = 34.0;
const FOOTER: f32 = 22.0;
/// Cards per page: two across, four down.
const COLUMNS: usize = 2;
const ROWS: usize = 4;
pub const CARDS_PER_PAGE: usize = COLUMNS * ROWS;
const PAD: f32 = 9.0;
/// The QR code's side, quiet zone included: a version-15 code still has modules of half a millimetre.
const QR_SIDE: f32 = 146.0;
/// The quiet zone the QR standard asks for, in modules.
const QUIET: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The embedded font could not be read or subset; a build defect, not the caller's input.
    #[error("font: {0}")]
    Font(String),
    #[error("a QR code of width {width} needs {width}² modules, not {given}")]
    Qr { width: usize, given: usize },
}

impl PdfError {
    /// A stable code for logs and responses.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Font(_) => "pdf_font",
            Self::Qr { .. } => "pdf_qr",
        }
    }
}

/// A QR symbol's modules, row by row, `true` for dark, without the quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qr {
    pub width: usize,
    pub dark: Vec<bool>,
}

/// One pass on the sheet: its code, a heading (the holder's initials) and facts under it, each a label and a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub qr: Qr,
    pub heading: String,
    pub facts: Vec<(String, String)>,
}

/// A document of cards. `footer` may hold `{page}` and `{pages}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    /// The document's language, `ko` or `en`, for screen readers.
    pub lang: String,
    pub title: String,
    pub footer: String,
    pub cards: Vec<Card>,
    /// Said on the one page of a sheet with no cards.
    pub empty: String,
}

/// Glyphs of the embedded font, renumbered into the document's subset as text is set.
struct Fonts<'a> {
    face: Face<'a>,
    remapper: subsetter::GlyphRemapper,
    /// The character each new glyph id stands for, for copying text out of the PDF.
    chars: Vec<Option<char>>,
    fallback: u16,
}

impl<'a> Fonts<'a> {
    fn new() -> Result<Self, PdfError> {
        let face = Face::parse(FONT, 0).map_err(|e| PdfError::Font(e.to_string()))?;
        let fallback = face.glyph_index('?').map_or(0, |g| g.0);
        Ok(Self { face, remapper: subsetter::GlyphRemapper::new(), chars: vec![None], fallback })
    }

    fn scale(&self, size: f32) -> f32 {
        size / f32::from(self.face.units_per_em())
    }

    /// The character printed for `c` and its glyph: `c` itself; for a letter the font lacks, its base letter
    /// (`É` → `E`, `ễ` → `e`: the font has Hangul and ASCII, not every accent); else `?`. Control characters
    /// print nothing.
    fn printed(&self, c: char) -> Option<(char, u16)> {
        if c.is_control() {
            return None;
        }
        if let Some(g) = self.face.glyph_index(c) {
            return Some((c, g.0));
        }
        let mut base = None;
        decompose_canonical(c, |d| {
            base.get_or_insert(d);
        });
        let base = base.filter(|b| *b != c);
        Some(match base.and_then(|b| Some((b, self.face.glyph_index(b)?.0))) {
            Some(found) => found,
            None => ('?', self.fallback),
        })
    }

    fn glyph(&self, c: char) -> Option<u16> {
        self.printed(c).map(|(_, g)| g)
    }

    fn advance(&self, glyph: u16) -> f32 {
        f32::from(self.face.glyph_hor_advance(GlyphId(glyph)).unwrap_or(0))
    }

    /// The width of `text` at `size` points.
    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().filter_map(|c| self.glyph(c)).map(|g| self.advance(g)).sum::<f32>() * self.scale(size)
    }

    /// `text` as the subset's glyph ids, two bytes each (Identity-H).
    fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let Some((shown, glyph)) = self.printed(c) else { continue };
            let new = self.remapper.remap(glyph);
            let slot = usize::from(new);
            if self.chars.len() <= slot {
                self.chars.resize(slot + 1, None);
            }
            // Copied out as what is printed.
            self.chars[slot].get_or_insert(shown);
            out.extend_from_slice(&new.to_be_bytes());
        }
        out
    }

    /// The longest start of `text` that fits `width`, ending in `…` when cut.
    fn fit(&self, text: &str, size: f32, width: f32) -> String {
        if self.width(text, size) <= width {
            return text.to_owned();
        }
        let ellipsis = self.width("…", size);
        let mut used = 0.0;
        let mut out = String::new();
        for c in text.chars() {
            let w = self.glyph(c).map_or(0.0, |g| self.advance(g) * self.scale(size));
            if used + w + ellipsis > width {
                break;
            }
            used += w;
            out.push(c);
        }
        out.push('…');
        out
    }

    /// `text` broken into lines of at most `width`, at spaces where it can, else anywhere.
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split(' ') {
            let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if self.width(&candidate, size) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word longer than the line is cut where it must be.
            let mut rest = word.to_owned();
            while self.width(&rest, size) > width {
                let mut head = String::new();
                for c in rest.chars() {
                    if self.width(&format!("{head}{c}"), size) > width && !head.is_empty() {
                        break;
                    }
                    head.push(c);
                }
                rest = rest[head.len()..].to_owned();
                lines.push(head);
            }
            line = rest;
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }
}

/// Sets text on a page.
fn text(content: &mut Content, fonts: &mut Fonts<'_>, (x, y): (f32, f32), size: f32, value: &str) {
    let bytes = fonts.encode(value);
    content.begin_text();
    content.set_font(Name(b"F1"), size);
    content.next_line(x, y);
    content.show(Str(&bytes));
    content.end_text();
}

/// A QR code as a one-bit image mask, rows padded to whole bytes, a 0 bit painted (dark). An image is a hundred
/// bytes where rectangles would be kilobytes, and viewers and printers scale masks without smoothing them.
fn qr_mask(code: &Qr) -> Vec<u8> {
    let row_bytes = code.width.div_ceil(8);
    let mut bits = vec![0xFF_u8; row_bytes * code.width];
    for (i, dark) in code.dark.iter().enumerate() {
        if *dark {
            let (row, col) = (i / code.width, i % code.width);
            bits[row * row_bytes + col / 8] &= !(0x80 >> (col % 8));
        }
    }
    bits
}

/// Object numbers, handed out in order.
struct Refs(i32);

impl Refs {
    fn next(&mut self) -> Ref {
        self.0 += 1;
        Ref::new(self.0)
    }
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to memory cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

/// Writes the sheet: pages of cards with the title on top and the footer below, cut lines between the cards. Each
/// page is written, compressed, as it is set, so a long sheet holds only the finished document in memory.
pub fn render(sheet: &Sheet) -> Result<Vec<u8>, PdfError> {
    for card in &sheet.cards {
        if card.qr.dark.len() != card.qr.width * card.qr.width {
            return Err(PdfError::Qr { width: card.qr.width, given: card.qr.dark.len() });
        }
    }
    let mut fonts = Fonts::new()?;
    let mut refs = Refs(0);
    let (catalog, tree, info) = (refs.next(), refs.next(), refs.next());
    let (type0, cid, descriptor, cmap, file) = (refs.next(), refs.next(), refs.next(), refs.next(), refs.next());
    let mut pdf = Pdf::new();
    let pages: Vec<&[Card]> =
        if sheet.cards.is_empty() { vec![&[][..]] } else { sheet.cards.chunks(CARDS_PER_PAGE).collect() };
    let count = pages.len();
    let (cell_w, cell_h) =
        ((PAGE.0 - 2.0 * MARGIN) / COLUMNS as f32, (PAGE.1 - 2.0 * MARGIN - HEADER - FOOTER) / ROWS as f32);
    let mut page_ids = Vec::with_capacity(count);
    // The same on every page: cut to the width once.
    let title = fonts.fit(&sheet.title, 13.0, PAGE.0 - 2.0 * MARGIN);
    for (n, cards) in pages.iter().enumerate() {
        let (page_id, content_id) = (refs.next(), refs.next());
        let mut images = Vec::with_capacity(cards.len());
        let mut content = Content::new();
        content.set_fill_gray(0.0);
        text(&mut content, &mut fonts, (MARGIN, PAGE.1 - MARGIN - 14.0), 13.0, &title);
        let footer = sheet.footer.replace("{page}", &(n + 1).to_string()).replace("{pages}", &count.to_string());
        for (i, part) in fonts.wrap(&footer, 7.5, PAGE.0 - 2.0 * MARGIN).iter().take(2).enumerate() {
            text(&mut content, &mut fonts, (MARGIN, MARGIN + 8.0 - i as f32 * 9.5), 7.5, part);
        }
        if cards.is_empty() {
            text(&mut content, &mut fonts, (MARGIN, PAGE.1 - MARGIN - HEADER - 20.0), 11.0, &sheet.empty);
        }
        let grid_top = PAGE.1 - MARGIN - HEADER;
        // Cut lines: light, dashed, around every card.
        if !cards.is_empty() {
            let rows = cards.len().div_ceil(COLUMNS);
            content.save_state();
            content.set_stroke_gray(0.6);
            content.set_line_width(0.5);
            content.set_dash_pattern([3.0, 3.0], 0.0);
            for r in 0..=rows {
                let y = grid_top - r as f32 * cell_h;
                content.move_to(MARGIN, y);
                content.line_to(PAGE.0 - MARGIN, y);
            }
            for c in 0..=COLUMNS {
                let x = MARGIN + c as f32 * cell_w;
                content.move_to(x, grid_top);
                content.line_to(x, grid_top - rows as f32 * cell_h);
            }
            content.stroke();
            content.restore_state();
        }
        for (i, card) in cards.iter().enumerate() {
            let (x, top) = (MARGIN + (i % COLUMNS) as f32 * cell_w, grid_top - (i / COLUMNS) as f32 * cell_h);
            // The code inside its quiet zone, which is the white of the paper.
            let module = QR_SIDE / (card.qr.width + 2 * QUIET) as f32;
            let side = module * card.qr.width as f32;
            let (qx, qy) = (x + PAD + module * QUIET as f32, top - PAD - module * QUIET as f32 - side);
            let image = refs.next();
            let name = format!("Q{i}");
            content.save_state();
            content.transform([side, 0.0, 0.0, side, qx, qy]);
            content.x_object(Name(name.as_bytes()));
            content.restore_state();
            images.push((name, image, card));

            let text_x = x + PAD + QR_SIDE + PAD;
            let width = x + cell_w - PAD - text_x;
            let mut y = top - PAD - 16.0;
            let heading = fonts.fit(&card.heading, 16.0, width);
            text(&mut content, &mut fonts, (text_x, y), 16.0, &heading);
            y -= 6.0;
            let bottom = top - cell_h + PAD;
            // Each fact: its label small and grey, its value under it, wrapped; what does not fit the card is left off.
            'facts: for (label, value) in &card.facts {
                y -= 10.0;
                if y < bottom {
                    break;
                }
                content.set_fill_gray(0.35);
                let label = fonts.fit(label, 7.0, width);
                text(&mut content, &mut fonts, (text_x, y), 7.0, &label);
                content.set_fill_gray(0.0);
                for part in fonts.wrap(value, 9.5, width) {
                    y -= 11.5;
                    if y < bottom {
                        break 'facts;
                    }
                    text(&mut content, &mut fonts, (text_x, y), 9.5, &part);
                }
                y -= 2.0;
            }
        }
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE.0, PAGE.1)).parent(tree).contents(content_id);
        let mut resources = page.resources();
        resources.fonts().pair(Name(b"F1"), type0);
        let mut objects = resources.x_objects();
        for (name, image, _) in &images {
            objects.pair(Name(name.as_bytes()), *image);
        }
        objects.finish();
        resources.finish();
        page.finish();
        pdf.stream(content_id, &deflate(&content.finish())).filter(Filter::FlateDecode);
        for (_, image, card) in images {
            let width = i32::try_from(card.qr.width).unwrap_or(i32::MAX);
            let mask = qr_mask(&card.qr);
            let mut x = pdf.image_xobject(image, &mask);
            x.width(width).height(width).image_mask(true).bits_per_component(1).interpolate(false);
        }
        page_ids.push(page_id);
    }
    let mut cat = pdf.catalog(catalog);
    cat.pages(tree);
    cat.lang(TextStr(&sheet.lang));
    cat.finish();
    pdf.document_info(info).title(TextStr(&sheet.title)).creator(TextStr("Surge"));
    pdf.pages(tree).kids(page_ids.iter().copied()).count(i32::try_from(count).unwrap_or(i32::MAX));
    write_font(&mut pdf, &fonts, [type0, cid, descriptor, cmap, file])?;
    Ok(pdf.finish())
}

/// The font subset of the glyphs set, with its widths and the map back to Unicode.
fn write_font(
    pdf: &mut Pdf,
    fonts: &Fonts<'_>,
    [type0, cid, descriptor, cmap, file]: [Ref; 5],
) -> Result<(), PdfError> {
    let face = &fonts.face;
    let to_pdf = |v: f32| v * 1000.0 / f32::from(face.units_per_em());
    pdf.type0_font(type0)
        .base_font(Name(FONT_NAME))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(cmap);
    let system = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };
    let widths: Vec<f32> = fonts.remapper.remapped_gids().map(|g| to_pdf(fonts.advance(g))).collect();
    let mut font = pdf.cid_font(cid);
    font.subtype(CidFontType::Type2).base_font(Name(FONT_NAME)).system_info(system).font_descriptor(descriptor);
    font.cid_to_gid_map_predefined(Name(b"Identity"));
    font.widths().consecutive(0, widths);
    font.finish();
    let bbox = face.global_bounding_box();
    pdf.font_descriptor(descriptor)
        .name(Name(FONT_NAME))
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(
            to_pdf(f32::from(bbox.x_min)),
            to_pdf(f32::from(bbox.y_min)),
            to_pdf(f32::from(bbox.x_max)),
            to_pdf(f32::from(bbox.y_max)),
        ))
        .italic_angle(0.0)
        .ascent(to_pdf(f32::from(face.ascender())))
        .descent(to_pdf(f32::from(face.descender())))
        .cap_height(to_pdf(f32::from(face.capital_height().unwrap_or(face.ascender()))))
        .stem_v(80.0)
        .font_file2(file);
    let mut unicode = UnicodeCmap::new(Name(b"Surge-UTF16"), system);
    for (glyph, c) in fonts.chars.iter().enumerate() {
        if let (Ok(glyph), Some(c)) = (u16::try_from(glyph), c) {
            unicode.pair(glyph, *c);
        }
    }
    pdf.cmap(cmap, &unicode.finish());
    let subset = subsetter::subset(FONT, 0, &fonts.remapper).map_err(|e| PdfError::Font(format!("{e:?}")))?;
    pdf.stream(file, &deflate(&subset)).filter(Filter::FlateDecode);
    Ok(())
}
