//! The PDF: A4, DejaVu Sans embedded (subset) so Cyrillic prints anywhere, the QR code drawn as
//! squares, and the signed document attached as `extract.json`. Deterministic: the same
//! document always gives the same bytes, so a verifier can re-render and compare.

use std::collections::BTreeMap;

use pdf_writer::{
    Content, Filter, Name, Pdf, Rect, Ref, Str,
    types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap},
};

use crate::{DocsError, Result, document::Document, qr, verify, view};

/// DejaVu Sans (its licence is in fonts/DejaVuSans.LICENSE).
static FONT: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 50.0;
const QR_SIZE: f32 = 110.0;

struct Line {
    size: f32,
    indent: f32,
    gap_before: f32,
    text: String,
}

fn line(size: f32, indent: f32, gap_before: f32, text: impl Into<String>) -> Line {
    Line { size, indent, gap_before, text: text.into() }
}

struct Font<'a> {
    face: ttf_parser::Face<'a>,
    upem: f32,
}

impl Font<'_> {
    fn glyph(&self, c: char) -> u16 {
        self.face.glyph_index(c).or_else(|| self.face.glyph_index('?')).map_or(0, |g| g.0)
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| f32::from(self.face.glyph_hor_advance(ttf_parser::GlyphId(self.glyph(c))).unwrap_or(0)))
            .sum::<f32>()
            * size
            / self.upem
    }

    /// Splits text into lines no wider than `max`, at spaces where possible.
    fn wrap(&self, text: &str, size: f32, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut current = String::new();
        for word in text.split(' ') {
            let candidate = if current.is_empty() { word.to_owned() } else { format!("{current} {word}") };
            if self.width(&candidate, size) <= max || current.is_empty() && self.width(word, size) <= max {
                current = candidate;
                continue;
            }
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            // A word wider than the line is cut.
            for c in word.chars() {
                if self.width(&format!("{current}{c}"), size) > max && !current.is_empty() {
                    lines.push(std::mem::take(&mut current));
                }
                current.push(c);
            }
        }
        if !current.is_empty() {
            lines.push(current);
        }
        lines
    }
}

/// Renders the PDF.
pub fn render(doc: &Document) -> Result<Vec<u8>> {
    let e = verify::content_of(doc)?;
    let face = ttf_parser::Face::parse(FONT, 0).map_err(|e| DocsError::Render(e.to_string()))?;
    let font = Font { upem: f32::from(face.units_per_em()), face };

    let (title_ru, title_en) = view::title(&e);
    let text_w = PAGE_W - 2.0 * MARGIN;
    let head_w = text_w - QR_SIZE - 10.0;
    let mut lines = vec![
        line(8.0, 0.0, 0.0, "Реестр воинского учёта и повесток · Register of military registration and summonses"),
        line(15.0, 0.0, 10.0, title_ru),
        line(11.0, 0.0, 2.0, title_en),
        line(12.0, 0.0, 8.0, format!("№ {}", e.number)),
    ];
    let head_lines = lines.len();
    for s in view::sections(&e) {
        lines.push(line(11.5, 0.0, 14.0, format!("{} / {}", s.title_ru, s.title_en)));
        for r in s.rows {
            lines.push(line(7.5, 0.0, 4.0, format!("{} / {}", r.label_ru, r.label_en)));
            lines.push(line(9.5, 12.0, 1.0, r.value));
        }
    }
    for (i, l) in view::seal(doc, &e).into_iter().enumerate() {
        lines.push(line(7.5, 0.0, if i == 0 { 16.0 } else { 3.0 }, l));
    }

    // Lay out: wrap, then place on pages.
    let mut pages: Vec<Vec<(f32, f32, f32, String)>> = vec![Vec::new()];
    let mut y = PAGE_H - MARGIN;
    for (i, l) in lines.iter().enumerate() {
        let width = if i < head_lines { head_w } else { text_w } - l.indent;
        y -= l.gap_before;
        for piece in font.wrap(&l.text, l.size, width) {
            let lead = l.size * 1.3;
            if y - lead < MARGIN {
                pages.push(Vec::new());
                y = PAGE_H - MARGIN;
            }
            y -= lead;
            if let Some(page) = pages.last_mut() {
                page.push((MARGIN + l.indent, y, l.size, piece));
            }
        }
    }

    // The glyphs used, renumbered for the subset.
    let mut remapper = subsetter::GlyphRemapper::new();
    let mut used: BTreeMap<char, u16> = BTreeMap::new();
    for page in &pages {
        for (_, _, _, text) in page {
            for c in text.chars() {
                let gid = font.glyph(c);
                used.insert(c, remapper.remap(gid));
            }
        }
    }
    let subset = subsetter::subset(FONT, 0, &remapper).map_err(|e| DocsError::Render(format!("{e:?}")))?;

    let mut next = 1;
    let mut alloc = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let catalog_id = alloc();
    let tree_id = alloc();
    let font_id = alloc();
    let cid_id = alloc();
    let descriptor_id = alloc();
    let file_id = alloc();
    let cmap_id = alloc();
    let spec_id = alloc();
    let embedded_id = alloc();
    let info_id = alloc();
    let page_ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (alloc(), alloc())).collect();

    let mut pdf = Pdf::new();
    let font_name = Name(b"RSTRAA+DejaVuSans");
    {
        let mut catalog = pdf.catalog(catalog_id);
        catalog.pages(tree_id);
        catalog.names().embedded_files().names().insert(Str(b"extract.json"), spec_id);
    }
    pdf.pages(tree_id).kids(page_ids.iter().map(|(p, _)| *p)).count(page_ids.len() as i32);
    pdf.document_info(info_id)
        .title(pdf_writer::TextStr(&format!("{} № {}", view::title(&e).0, e.number)))
        .producer(pdf_writer::TextStr("reestr"));

    pdf.type0_font(font_id)
        .base_font(font_name)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_id)
        .to_unicode(cmap_id);
    {
        let mut cid = pdf.cid_font(cid_id);
        cid.subtype(CidFontType::Type2)
            .base_font(font_name)
            .system_info(SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 })
            .font_descriptor(descriptor_id)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        let widths: Vec<f32> = remapper
            .remapped_gids()
            .map(|old| {
                f32::from(font.face.glyph_hor_advance(ttf_parser::GlyphId(old)).unwrap_or(0)) * 1000.0 / font.upem
            })
            .collect();
        cid.widths().consecutive(0, widths);
    }
    let bbox = font.face.global_bounding_box();
    let scale = |v: i16| f32::from(v) * 1000.0 / font.upem;
    pdf.font_descriptor(descriptor_id)
        .name(font_name)
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(scale(bbox.x_min), scale(bbox.y_min), scale(bbox.x_max), scale(bbox.y_max)))
        .italic_angle(0.0)
        .ascent(scale(font.face.ascender()))
        .descent(scale(font.face.descender()))
        .cap_height(scale(font.face.capital_height().unwrap_or(700)))
        .stem_v(80.0)
        .font_file2(file_id);
    let compressed = compress(&subset);
    pdf.stream(file_id, &compressed).filter(Filter::FlateDecode).pair(Name(b"Length1"), subset.len() as i32);
    let mut cmap =
        UnicodeCmap::new(Name(b"Custom"), SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"UCS"), supplement: 0 });
    for (c, gid) in &used {
        cmap.pair(*gid, *c);
    }
    let cmap = cmap.finish();
    pdf.cmap(cmap_id, &cmap);

    let json = doc.to_embedded();
    pdf.embedded_file(embedded_id, json.as_bytes()).subtype(Name(b"application/json"));
    pdf.file_spec(spec_id).path(Str(b"extract.json")).embedded_file(embedded_id);

    for (n, (page, (page_id, content_id))) in pages.iter().zip(&page_ids).enumerate() {
        {
            let mut p = pdf.page(*page_id);
            p.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H)).parent(tree_id).contents(*content_id);
            p.resources().fonts().pair(Name(b"F1"), font_id);
        }
        let mut content = Content::new();
        for (x, y, size, text) in page {
            let mut encoded = Vec::with_capacity(text.len() * 2);
            for c in text.chars() {
                encoded.extend_from_slice(&used.get(&c).copied().unwrap_or(0).to_be_bytes());
            }
            content.begin_text();
            content.set_font(Name(b"F1"), *size);
            content.next_line(*x, *y);
            content.show(Str(&encoded));
            content.end_text();
        }
        if n == 0
            && let Some((dark, width)) = qr::modules(&e.verify_url)
        {
            let module = QR_SIZE / width as f32;
            let left = PAGE_W - MARGIN - QR_SIZE;
            let top = PAGE_H - MARGIN;
            content.set_fill_gray(0.0);
            for (i, d) in dark.iter().enumerate() {
                if *d {
                    let (col, row) = ((i % width) as f32, (i / width) as f32);
                    content.rect(left + col * module, top - (row + 1.0) * module, module, module);
                }
            }
            content.fill_nonzero();
        }
        let data = compress(&content.finish());
        pdf.stream(*content_id, &data).filter(Filter::FlateDecode);
    }
    Ok(pdf.finish())
}

fn compress(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}
