//! What the printable forms show, in Russian first with English: sections of labelled rows,
//! built from the signed content only.

use jiff::Timestamp;
use reestr_core::measure::Lang;

use crate::{
    content::{Extract, Kind, Named},
    document::Document,
};

/// One labelled value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub label_ru: &'static str,
    pub label_en: &'static str,
    pub value: String,
}

/// A titled group of rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub title_ru: String,
    pub title_en: String,
    pub rows: Vec<Row>,
}

fn row(label_ru: &'static str, label_en: &'static str, value: impl Into<String>) -> Row {
    Row { label_ru, label_en, value: value.into() }
}

/// An instant as people read it: `2025-05-16 21:00 UTC`.
pub fn instant(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

fn named(n: &Named) -> String {
    if n.name_ru.is_empty() { n.code.clone() } else { format!("{} ({}), {}", n.name_ru, n.name_en, n.code) }
}

fn word(s: &str) -> String {
    let ru = match s {
        "posted" => "направлена",
        "served" => "вручена",
        "excused" => "уважительная причина",
        "overdue" => "неявка",
        "appeared" => "явка",
        "cancelled" => "отменена",
        "deemed" => "считается врученной",
        "in_person" => "лично под подпись",
        "registered_mail" => "заказным письмом",
        "account_opened" => "открыта в личном кабинете",
        "clarify_records" => "уточнение документов воинского учёта",
        "medical_examination" => "медицинское освидетельствование",
        "call_up" => "призыв на военную службу",
        "military_training" => "военные сборы",
        "appearance" => "явка",
        "valid_reason" => "уважительная причина",
        "cancellation" => "отмена повестки",
        "court_decision" => "решение суда",
        "registrar" => "военный комиссариат",
        "registered" => "состоит на учёте",
        "deferred" => "отсрочка",
        "exempt" => "освобождён",
        "deregistered" => "снят с учёта",
        "illness_or_injury" => "заболевание или травма",
        "relative_grave_illness_or_funeral" => "тяжёлое состояние или похороны близкого родственника",
        "circumstances_beyond_control" => "обстоятельства, не зависящие от воли",
        "other_accepted_by_commission" => "иная причина, признанная уважительной",
        "M" => "мужской",
        "F" => "женский",
        _ => "",
    };
    if ru.is_empty() { s.to_owned() } else { format!("{ru} ({})", s.replace('_', " ")) }
}

/// The sections of an extract.
pub fn sections(e: &Extract) -> Vec<Section> {
    let mut out = vec![Section {
        title_ru: "Сведения о выписке".into(),
        title_en: "About this extract".into(),
        rows: vec![
            row("Номер", "Number", e.number.clone()),
            row("Сформирована", "Made at", instant(e.made_at)),
            row("Сведения по состоянию на", "Data as of", format!("{} (событие {})", instant(e.as_of), e.as_of_event)),
            row("Гражданин", "Citizen", e.person.full_name.clone()),
            row("Дата рождения", "Birth date", e.person.birth_date.to_string()),
            row("Номер в реестре", "Register number", e.person.id.to_string()),
        ],
    }];
    if let Some(summonses) = &e.summonses {
        if summonses.is_empty() {
            out.push(Section {
                title_ru: "Повестки".into(),
                title_en: "Summonses".into(),
                rows: vec![row("Повесток нет", "No summonses", "—")],
            });
        }
        for s in summonses {
            let mut rows = vec![
                row("Военный комиссариат", "Commissariat", named(&s.commissariat)),
                row("Цель вызова", "Purpose", word(&s.purpose)),
                row("Размещена", "Posted", instant(s.posted_at)),
                row(
                    "Вручена",
                    "Served",
                    s.served.as_ref().map_or("—".into(), |sv| format!("{}, {}", instant(sv.at), word(&sv.how))),
                ),
                row(
                    "Явиться",
                    "Appointment",
                    format!(
                        "{} ({}), {}",
                        s.appointment.at.replace('T', " "),
                        s.appointment.zone,
                        s.appointment.address
                    ),
                ),
                row(
                    "Итог",
                    "Outcome",
                    match s.outcome.at {
                        Some(at) => format!("{}, {}", word(&s.outcome.status), instant(at)),
                        None => word(&s.outcome.status),
                    },
                ),
            ];
            if let Some(by) = &s.outcome.cancelled_by {
                let court = s.outcome.court_decision.as_deref().map(|c| format!(" № {c}")).unwrap_or_default();
                rows.push(row("Отменена", "Cancelled by", format!("{}{court}", word(by))));
            }
            for x in &s.excuses {
                rows.push(row(
                    "Уважительная причина",
                    "Valid reason",
                    format!("{}: {} – {}", word(&x.reason), x.covers_from, x.covers_to),
                ));
            }
            for m in &s.measures {
                let end = match (m.lifted_at, &m.lift_cause) {
                    (Some(at), Some(c)) => format!("снята {} ({})", instant(at), word(c)),
                    _ => "действует / in force".into(),
                };
                rows.push(Row {
                    label_ru: "Мера",
                    label_en: "Measure",
                    value: format!(
                        "{} / {}: с {}; {end}",
                        m.kind.title(Lang::Ru),
                        m.kind.title(Lang::En),
                        instant(m.started_at)
                    ),
                });
            }
            if s.measures.is_empty() {
                rows.push(row("Меры", "Measures", "не применялись / none"));
            }
            out.push(Section {
                title_ru: format!("Повестка № {}", s.number),
                title_en: format!("Summons {}", s.number),
                rows,
            });
        }
    }
    if let Some(r) = &e.record {
        let opt = |v: &Option<String>| v.as_deref().map(word).unwrap_or_else(|| "—".into());
        let mut rows = vec![
            row("Пол", "Sex", word(&r.sex)),
            row("СНИЛС", "SNILS", r.snils.clone()),
            row("Паспорт", "Passport", r.passport.clone()),
            row("ИНН", "INN", r.inn.clone().unwrap_or_else(|| "—".into())),
            row("Гражданство", "Citizenship", opt(&r.citizenship)),
            row("Статус учёта", "Registration status", opt(&r.registration_status)),
            row("Отсрочка до", "Deferred until", r.deferred_until.map_or("—".into(), |d| d.to_string())),
            row("Военный комиссариат", "Commissariat", r.commissariat.as_ref().map_or("—".into(), named)),
            row("Категория запаса", "Reserve category", opt(&r.reserve_category)),
            row("Категория годности", "Fitness category", opt(&r.fitness_category)),
            row("Военно-учётная специальность", "Military specialty", opt(&r.military_specialty)),
            row("Воинское звание", "Rank", opt(&r.rank)),
        ];
        if r.measures_in_force.is_empty() {
            rows.push(row("Действующие меры", "Measures in force", "нет / none"));
        }
        for m in &r.measures_in_force {
            rows.push(Row {
                label_ru: "Действующая мера",
                label_en: "Measure in force",
                value: format!(
                    "{} / {}: с {} (повестка № {})",
                    m.kind.title(Lang::Ru),
                    m.kind.title(Lang::En),
                    instant(m.started_at),
                    m.summons
                ),
            });
        }
        out.push(Section {
            title_ru: "Сведения воинского учёта".into(),
            title_en: "Military registration record".into(),
            rows,
        });
    }
    out
}

/// The footer lines: how the extract is signed and tied to the log.
pub fn seal(doc: &Document, e: &Extract) -> Vec<String> {
    let key = doc.signature.split_whitespace().nth(1).unwrap_or_default().to_owned();
    let mut lines = vec![format!("Подписано ключом реестра / Signed by the register's key: {key}")];
    if let Some(p) = &doc.proof {
        let size = p.proof.checkpoint.lines().nth(1).unwrap_or_default().to_owned();
        lines.push(format!(
            "Запись о выдаче: событие {} журнала, доказательство включения в дерево из {size} событий / Issuance: log event {}, proven in a tree of {size}",
            p.event.seq, p.event.seq
        ));
    }
    lines.push(format!("Проверить подлинность / Verify: {}", e.verify_url));
    lines
}

/// The page title.
pub fn title(e: &Extract) -> (String, String) {
    let kind: Kind = e.kind;
    (kind.title(Lang::Ru).to_owned(), kind.title(Lang::En).to_owned())
}
