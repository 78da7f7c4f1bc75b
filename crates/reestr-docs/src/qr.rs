//! The QR code that leads to the extract's public page.

use qrcode::{EcLevel, QrCode};

/// The modules of a QR code for `url`, row by row (`true` is dark), and its width.
pub fn modules(url: &str) -> Option<(Vec<bool>, usize)> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).ok()?;
    let width = code.width();
    let dark = code.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect();
    Some((dark, width))
}

/// An SVG of the QR code, `size` CSS pixels wide, with a quiet zone of four modules.
pub fn svg(url: &str, size: u32) -> String {
    let Some((dark, width)) = modules(url) else { return String::new() };
    let full = width + 8;
    let mut path = String::new();
    for (i, d) in dark.iter().enumerate() {
        if *d {
            path.push_str(&format!("M{},{}h1v1h-1z", i % width + 4, i / width + 4));
        }
    }
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {full} {full}" role="img" aria-label="QR"><rect width="{full}" height="{full}" fill="#fff"/><path d="{path}" fill="#000"/></svg>"##
    )
}
