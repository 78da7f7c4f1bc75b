//! Charts drawn on the server as SVG: no script, readable by screen readers through the title
//! and the table of numbers each page puts beside them.

use std::fmt::Write;

const WIDTH: u32 = 600;
const HEIGHT: u32 = 160;
const PAD_LEFT: u32 = 40;
const PAD_BOTTOM: u32 = 24;
const PAD_TOP: u32 = 10;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A bar chart of labelled values (days), with a scale on the left and the first, middle and
/// last labels below. Each bar has its label and value as a tooltip.
pub fn bars(title: &str, points: &[(String, u64)]) -> String {
    let max = points.iter().map(|p| p.1).max().unwrap_or(0).max(1);
    let plot_w = WIDTH - PAD_LEFT;
    let plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP;
    let n = points.len().max(1) as u32;
    let slot = plot_w as f64 / f64::from(n);
    let bar = (slot * 0.7).max(1.0);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        esc(title)
    );
    // The scale: zero and the maximum.
    let base = PAD_TOP + plot_h;
    let _ = write!(
        svg,
        "<line x1=\"{PAD_LEFT}\" y1=\"{base}\" x2=\"{WIDTH}\" y2=\"{base}\" stroke=\"#555\"/>\
         <line x1=\"{PAD_LEFT}\" y1=\"{PAD_TOP}\" x2=\"{WIDTH}\" y2=\"{PAD_TOP}\" stroke=\"#ccc\"/>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"11\" fill=\"#333\">{max}</text>\
         <text x=\"{}\" y=\"{base}\" text-anchor=\"end\" font-size=\"11\" fill=\"#333\">0</text>",
        PAD_LEFT - 4,
        PAD_TOP + 4,
        PAD_LEFT - 4
    );
    for (k, (label, value)) in points.iter().enumerate() {
        let h = (f64::from(plot_h) * (*value as f64) / (max as f64)).round();
        let x = f64::from(PAD_LEFT) + slot * k as f64 + (slot - bar) / 2.0;
        let y = f64::from(base) - h;
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\" fill=\"#1f4e8c\"><title>{}: {value}</title></rect>",
            esc(label)
        );
    }
    let last = points.len().saturating_sub(1);
    for k in [0, last / 2, last] {
        if let Some((label, _)) = points.get(k) {
            let x = f64::from(PAD_LEFT) + slot * (k as f64 + 0.5);
            let anchor = if k == 0 {
                "start"
            } else if k == last {
                "end"
            } else {
                "middle"
            };
            let _ = write!(
                svg,
                "<text x=\"{x:.1}\" y=\"{}\" text-anchor=\"{anchor}\" font-size=\"11\" fill=\"#333\">{}</text>",
                HEIGHT - 6,
                esc(label)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_scaled_to_the_largest_value_and_labelled() {
        let svg = bars("Выдано <повесток>", &[("1 июня".into(), 0), ("2 июня".into(), 5), ("3 июня".into(), 10)]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("aria-label=\"Выдано &lt;повесток&gt;\""));
        assert_eq!(svg.matches("<rect").count(), 3);
        let plot_h = f64::from(HEIGHT - PAD_BOTTOM - PAD_TOP);
        assert!(svg.contains(&format!("height=\"{plot_h:.1}\" fill=\"#1f4e8c\"><title>3 июня: 10</title>")), "{svg}");
        assert!(
            svg.contains(&format!(
                "height=\"{:.1}\" fill=\"#1f4e8c\"><title>2 июня: 5</title>",
                (plot_h / 2.0).round()
            )),
            "{svg}"
        );
        assert!(svg.contains("height=\"0.0\" fill=\"#1f4e8c\"><title>1 июня: 0</title>"));
        assert!(!bars("empty", &[]).contains("<rect"));
    }
}
