//! What a leaf of the tree commits to.
//!
//! The leaf data of event `e` with salt `s` is `s || JCS(e)`: the 32 salt bytes followed by the
//! RFC 8785 canonical JSON of the event as [`Event`] serialises it (`seq`, `recorded_at`,
//! `effective_at`, `kind`, `actor`, `person`, `summons`, `payload`; instants in RFC 3339 UTC). The
//! leaf hash is RFC 6962's `SHA-256(0x00 || data)`. Without the salt, no one can test a guess of
//! an event's content against a published hash.

use reestr_core::event::Event;
use tlog_tiles::{Hash, record_hash};

/// The salt's length in bytes.
pub const SALT_LEN: usize = 32;

/// RFC 8785 (JCS) canonical JSON of the event.
pub fn canonical_event(event: &Event) -> Vec<u8> {
    // Serialising an `Event` cannot fail: its fields are strings, numbers and JSON values.
    serde_json_canonicalizer::to_vec(event).unwrap_or_default()
}

/// The leaf data: salt, then the canonical event.
pub fn leaf_data(salt: &[u8], event: &Event) -> Vec<u8> {
    let mut data = Vec::with_capacity(SALT_LEN + 256);
    data.extend_from_slice(salt);
    data.extend_from_slice(&canonical_event(event));
    data
}

/// The RFC 6962 leaf hash of the event with its salt.
pub fn leaf_hash(salt: &[u8], event: &Event) -> Hash {
    record_hash(&leaf_data(salt, event))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reestr_core::event::{Actor, EventKind};

    fn event() -> Event {
        Event {
            seq: 7,
            recorded_at: "2025-05-09T11:00:00Z".parse().unwrap(),
            effective_at: "2025-05-09T11:00:00.5Z".parse().unwrap(),
            kind: EventKind::PersonCreated,
            actor: Actor::cli("test"),
            person: Some(reestr_core::person::PersonId(3)),
            summons: None,
            payload: serde_json::json!({ "record_sha256": "ab", "fields": null, "sources": [] }),
        }
    }

    #[test]
    fn the_canonical_form_sorts_keys_and_has_no_whitespace() {
        let text = String::from_utf8(canonical_event(&event())).unwrap();
        assert_eq!(
            text,
            r#"{"actor":"cli:test","effective_at":"2025-05-09T11:00:00.5Z","kind":"person_created","payload":{"fields":null,"record_sha256":"ab","sources":[]},"person":3,"recorded_at":"2025-05-09T11:00:00Z","seq":7,"summons":null}"#
        );
    }

    #[test]
    fn the_salt_and_every_field_change_the_leaf() {
        let salt = [1u8; SALT_LEN];
        let h = leaf_hash(&salt, &event());
        assert_ne!(h, leaf_hash(&[2u8; SALT_LEN], &event()));
        let mut other = event();
        other.seq = 8;
        assert_ne!(h, leaf_hash(&salt, &other));
        let mut other = event();
        other.payload["record_sha256"] = "ac".into();
        assert_ne!(h, leaf_hash(&salt, &other));
        // RFC 6962: SHA-256(0x00 || data).
        use sha2::Digest;
        let mut d = vec![0u8];
        d.extend(leaf_data(&salt, &event()));
        assert_eq!(h.0, <[u8; 32]>::from(sha2::Sha256::digest(&d)));
    }
}
