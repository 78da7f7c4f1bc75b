//! The pages' language: Russian first, English second. Texts live in Fluent resources
//! (`locales/{ru,en}/main.ftl`, compiled into the binary); dates and numbers are written as
//! people of the language write them, in the reader's time zone.

use std::sync::LazyLock;

use axum::http::HeaderMap;
use axum_extra::extract::CookieJar;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue, concurrent::FluentBundle};
use jiff::{Timestamp, civil::Date};
use reestr_core::{explain, measure::Lang, zone::Zone};

/// The cookie that keeps the reader's choice of language.
pub const LANG_COOKIE: &str = "reestr_lang";

const RU: &str = include_str!("../../locales/ru/main.ftl");
const EN: &str = include_str!("../../locales/en/main.ftl");

type Bundle = FluentBundle<FluentResource>;

fn bundle(lang: &str, source: &str) -> Bundle {
    let id: unic_langid::LanguageIdentifier = lang.parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Bidi isolation marks would only clutter Cyrillic and Latin text.
    bundle.set_use_isolating(false);
    // The resources are compiled in and checked by a test; a broken one shows keys, not a panic.
    let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(partial, _)| partial);
    let _ = bundle.add_resource(resource);
    bundle
}

static BUNDLES: LazyLock<[Bundle; 2]> = LazyLock::new(|| [bundle("ru", RU), bundle("en", EN)]);

/// The language of a request: the reader's choice (a cookie), else the first of Russian or
/// English that `Accept-Language` names, else Russian.
pub fn language(headers: &HeaderMap) -> Lang {
    match CookieJar::from_headers(headers).get(LANG_COOKIE).map(|c| c.value()) {
        Some("en") => return Lang::En,
        Some("ru") => return Lang::Ru,
        _ => {}
    }
    let accept = headers.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mut best: Option<(f32, Lang)> = None;
    for part in accept.split(',') {
        let mut pieces = part.trim().split(';');
        let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = pieces.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
        let lang = match tag.split('-').next() {
            Some("ru") => Lang::Ru,
            Some("en") => Lang::En,
            _ => continue,
        };
        if best.is_none_or(|(b, _)| q > b) {
            best = Some((q, lang));
        }
    }
    best.map_or(Lang::Ru, |(_, l)| l)
}

/// Texts and formats in one language and time zone.
#[derive(Debug, Clone)]
pub struct I18n {
    pub lang: Lang,
    pub zone: Zone,
}

impl I18n {
    pub fn new(lang: Lang, zone: Zone) -> I18n {
        I18n { lang, zone }
    }

    /// `ru` or `en`, for `<html lang>`.
    pub fn code(&self) -> &'static str {
        match self.lang {
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    fn format(&self, id: &str, args: Option<&FluentArgs<'_>>) -> Option<String> {
        let order: [usize; 2] = if self.lang == Lang::En { [1, 0] } else { [0, 1] };
        order.iter().find_map(|&i| {
            let bundle = &BUNDLES[i];
            let pattern = bundle.get_message(id)?.value()?;
            let mut errors = Vec::new();
            Some(bundle.format_pattern(pattern, args, &mut errors).into_owned())
        })
    }

    /// The text of a message; its id if no language has it.
    pub fn t(&self, id: &str) -> String {
        self.format(id, None).unwrap_or_else(|| id.to_owned())
    }

    /// Whether a message exists (in either language).
    pub fn has(&self, id: &str) -> bool {
        self.format(id, None).is_some()
    }

    /// A message with one argument `$value`, e.g. a count or a name.
    pub fn t1(&self, id: &str, value: impl AsRef<str>) -> String {
        let mut args = FluentArgs::new();
        args.set("value", FluentValue::from(value.as_ref().to_owned()));
        self.format(id, Some(&args)).unwrap_or_else(|| id.to_owned())
    }

    /// A message with a count `$n` (plural forms), written as a number of the language.
    pub fn count(&self, id: &str, n: impl std::borrow::Borrow<u64>) -> String {
        let n = *n.borrow();
        let mut args = FluentArgs::new();
        args.set("n", FluentValue::from(n));
        args.set("shown", FluentValue::from(self.number(n)));
        self.format(id, Some(&args)).unwrap_or_else(|| id.to_owned())
    }

    /// A label for a code of some kind (`status`, `purpose`, `field`, ...): the message
    /// `KIND-CODE`, or the code itself.
    pub fn label(&self, kind: &str, code: &str) -> String {
        let id = format!("{kind}-{}", code.replace('_', "-"));
        self.format(&id, None).unwrap_or_else(|| code.to_owned())
    }

    /// An instant in the reader's zone: `29 ноября 2026 г., 12:00`.
    pub fn instant(&self, at: &Timestamp) -> String {
        explain::instant(*at, &self.zone, self.lang)
    }

    /// An instant in a given zone (a summons's commissariat's).
    pub fn instant_in(&self, at: &Timestamp, zone: &Zone) -> String {
        explain::instant(*at, zone, self.lang)
    }

    /// A date: `29 ноября 2026 г.`
    pub fn date(&self, d: &Date) -> String {
        explain::local_date(*d, self.lang)
    }

    /// A date given as `YYYY-MM-DD` text, or the text as it is.
    pub fn date_text(&self, s: &str) -> String {
        s.parse::<Date>().map(|d| self.date(&d)).unwrap_or_else(|_| s.to_owned())
    }

    /// A whole number with the language's digit grouping: `12 345` (a no-break space) or
    /// `12,345`.
    pub fn number(&self, n: u64) -> String {
        let digits = n.to_string();
        let sep = if self.lang == Lang::Ru { '\u{a0}' } else { ',' };
        // Russian leaves four-digit numbers whole.
        if self.lang == Lang::Ru && digits.len() <= 4 {
            return digits;
        }
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(sep);
            }
            out.push(c);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn i18n(lang: Lang) -> I18n {
        I18n::new(lang, Zone::get("Europe/Moscow").unwrap())
    }

    #[test]
    fn both_languages_have_the_same_messages() {
        let ids = |src: &str| -> std::collections::BTreeSet<String> {
            src.lines()
                .filter(|l| !l.starts_with([' ', '#', '\t']) && l.contains(" ="))
                .map(|l| l.split(" =").next().unwrap().trim().to_owned())
                .collect()
        };
        assert!(FluentResource::try_new(RU.to_owned()).is_ok(), "ru parses");
        assert!(FluentResource::try_new(EN.to_owned()).is_ok(), "en parses");
        let (ru, en) = (ids(RU), ids(EN));
        assert!(ru.len() > 100, "{}", ru.len());
        assert_eq!(ru.difference(&en).collect::<Vec<_>>(), Vec::<&String>::new(), "missing in en");
        assert_eq!(en.difference(&ru).collect::<Vec<_>>(), Vec::<&String>::new(), "missing in ru");
    }

    #[test]
    fn every_text_the_templates_use_exists() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let ru = i18n(Lang::Ru);
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for (i, _) in text.match_indices(".t(\"") {
                let id: String = text[i + 4..].chars().take_while(|c| *c != '"').collect();
                assert!(ru.has(&id), "{id} is used by a template but not in the locales");
            }
        }
    }

    #[test]
    fn dates_and_numbers_as_people_write_them() {
        let at: Timestamp = "2026-11-29T09:00:00Z".parse().unwrap();
        assert_eq!(i18n(Lang::Ru).instant(&at), "29 ноября 2026 г., 12:00");
        assert_eq!(i18n(Lang::En).instant(&at), "29 November 2026, 12:00");
        assert_eq!(i18n(Lang::Ru).number(1234), "1234");
        assert_eq!(i18n(Lang::Ru).number(1_234_567), "1\u{a0}234\u{a0}567");
        assert_eq!(i18n(Lang::En).number(1_234_567), "1,234,567");
        assert_eq!(i18n(Lang::Ru).count("count-persons", 21), "21 человек");
        assert_eq!(i18n(Lang::Ru).count("count-summonses", 3), "3 повестки");
        assert_eq!(i18n(Lang::Ru).count("count-summonses", 5), "5 повесток");
        assert_eq!(i18n(Lang::En).count("count-summonses", 1), "1 summons");
    }

    #[test]
    fn the_language_comes_from_the_cookie_then_the_browser() {
        let mut h = HeaderMap::new();
        assert_eq!(language(&h), Lang::Ru);
        h.insert("accept-language", "en-GB,en;q=0.9,ru;q=0.8".parse().unwrap());
        assert_eq!(language(&h), Lang::En);
        h.insert("accept-language", "de-DE,ru;q=0.5,en;q=0.3".parse().unwrap());
        assert_eq!(language(&h), Lang::Ru);
        h.insert("cookie", "reestr_lang=en".parse().unwrap());
        assert_eq!(language(&h), Lang::En);
    }
}
