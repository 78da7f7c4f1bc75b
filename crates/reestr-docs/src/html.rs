//! The printable page: plain HTML and CSS, no script (the signed document sits in a JSON data
//! block for verification), Russian first with English.

use crate::{Result, document::Document, qr, verify, view};

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:'DejaVu Sans','PT Sans',Arial,sans-serif;color:#111;margin:0;background:#fff}\
main{max-width:800px;margin:0 auto;padding:24px}\
header{display:flex;justify-content:space-between;gap:16px;border-bottom:2px solid #111;padding-bottom:12px}\
h1{font-size:1.4em;margin:.2em 0}h1 span,h2 span,th span{font-weight:normal;color:#444;font-size:.85em}\
h2{font-size:1.1em;margin:1.2em 0 .4em}table{border-collapse:collapse;width:100%}\
th,td{text-align:left;vertical-align:top;border-bottom:1px solid #ccc;padding:4px 6px}th{width:38%}\
footer{margin-top:24px;font-size:.85em;border-top:1px solid #111;padding-top:8px;word-break:break-all}\
@media print{main{padding:0}a{color:#111;text-decoration:none}}";

/// Renders the page. Deterministic: the same document always gives the same bytes.
pub fn render(doc: &Document) -> Result<String> {
    let e = verify::content_of(doc)?;
    let (title_ru, title_en) = view::title(&e);
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"ru\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(&format!(
        "<title>{} № {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        esc(&title_ru),
        esc(&e.number)
    ));
    h.push_str("<header>\n<div>\n<p>Реестр воинского учёта и повесток · <span lang=\"en\">Register of military registration and summonses</span></p>\n");
    h.push_str(&format!(
        "<h1>{}<br><span lang=\"en\">{}</span></h1>\n<p><strong>№ {}</strong></p>\n</div>\n",
        esc(&title_ru),
        esc(&title_en),
        esc(&e.number)
    ));
    h.push_str(&format!(
        "<a href=\"{}\" aria-label=\"Проверить подлинность / Verify\">{}</a>\n</header>\n",
        esc(&e.verify_url),
        qr::svg(&e.verify_url, 140)
    ));
    for s in view::sections(&e) {
        h.push_str(&format!(
            "<section>\n<h2>{} <span lang=\"en\">/ {}</span></h2>\n<table>\n",
            esc(&s.title_ru),
            esc(&s.title_en)
        ));
        for r in s.rows {
            h.push_str(&format!(
                "<tr><th scope=\"row\">{} <span lang=\"en\">/ {}</span></th><td>{}</td></tr>\n",
                esc(r.label_ru),
                esc(r.label_en),
                esc(&r.value)
            ));
        }
        h.push_str("</table>\n</section>\n");
    }
    h.push_str("<footer>\n");
    for line in view::seal(doc, &e) {
        h.push_str(&format!("<p>{}</p>\n", esc(&line)));
    }
    h.push_str("</footer>\n");
    h.push_str(&format!("<script type=\"application/json\" id=\"reestr-extract\">{}</script>\n", doc.to_embedded()));
    h.push_str("</main>\n</body>\n</html>\n");
    Ok(h)
}
