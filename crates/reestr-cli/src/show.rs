//! JSON views of persons and summonses for the command line.

use jiff::Timestamp;
use reestr_core::{access::Principal, person::Person, summons::Summons};
use reestr_store::Register;
use serde_json::{Value, json};

/// A person's record with each field's provenance, the field history, summonses and the
/// measures in force at `now`.
pub fn person(reg: &Register, op: &Principal, p: &Person, now: Timestamp) -> anyhow::Result<Value> {
    let fields: serde_json::Map<String, Value> = p
        .record
        .entries()
        .map(|(f, e)| {
            let v = json!({ "value": e.value.to_string(), "source": e.provenance.source, "as_of": e.provenance.as_of });
            (f.name().to_owned(), v)
        })
        .collect();
    let history: Vec<Value> = reg
        .history(op, p.id, Some("command line"), now)?
        .into_iter()
        .map(|h| {
            json!({
                "field": h.field, "value": h.value.to_string(), "source": h.provenance.source,
                "as_of": h.provenance.as_of, "replaced_at": h.replaced_at, "event": h.event_seq,
            })
        })
        .collect();
    let summonses = reg.summonses_of(op, p.id, Some("command line"), now)?;
    let in_force: Vec<Value> = summonses
        .iter()
        .flat_map(|s| {
            s.measures_in_force(now).map(move |m| json!({ "kind": m.kind, "since": m.started_at, "summons": s.number }))
        })
        .collect();
    let listed: Vec<Value> =
        summonses.iter().map(|s| json!({ "number": s.number, "status": s.status, "posted_at": s.posted_at })).collect();
    Ok(json!({
        "id": p.id,
        "name": p.record.full_name(),
        "fields": fields,
        "history": history,
        "summonses": listed,
        "measures_in_force": in_force,
    }))
}

/// A summons with its deadlines (as they stand), what is due next and the measures in force.
pub fn summons(reg: &Register, s: &Summons, now: Timestamp) -> anyhow::Result<Value> {
    let policy = reg.policies().get(&s.policy)?;
    let deadlines = s.deadlines(policy)?;
    let mut v = serde_json::to_value(s)?;
    if let Value::Object(map) = &mut v {
        map.insert("deadlines".into(), serde_json::to_value(&deadlines)?);
        map.insert("next_due_at".into(), serde_json::to_value(s.next_due(policy)?)?);
        let in_force: Vec<_> = s.measures_in_force(now).map(|m| m.kind).collect();
        map.insert("measures_in_force".into(), serde_json::to_value(in_force)?);
    }
    Ok(v)
}
