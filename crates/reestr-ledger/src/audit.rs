//! `reestr audit verify`: recompute the tree from the database and check it against the signed
//! checkpoints, and each person's stored record against the digest its latest event commits to.
//!
//! The audit trusts only the verifier keys it is given (from outside the database): an attacker
//! with the database file can change any row, including the checkpoints, but cannot sign.

use std::collections::BTreeMap;

use reestr_core::{event::EventKind, person::PersonId};
use reestr_store::{Codec, ReadTx, Store};
use serde::Serialize;
use tlog_tiles::{Hash, stored_hash_index, tree_hash};

use crate::{
    Result, checkpoint,
    keys::Verifiers,
    ledger::row_leaf,
    tree::{MemoryTree, TxHashes},
};

/// Events read per query.
const PAGE: usize = 50_000;

/// One thing the audit found wrong. Messages name sequence numbers, person ids and checkpoint
/// sizes, never data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// A stable snake_case code.
    pub code: &'static str,
    /// The event concerned (or the first one that can be), if any.
    pub seq: Option<u64>,
    pub person: Option<PersonId>,
    pub message: String,
}

/// What the audit checked and found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AuditReport {
    pub events: u64,
    pub tree_size: u64,
    pub checkpoints: u64,
    /// The size of the last checkpoint whose signature verified.
    pub last_signed_size: u64,
    pub persons: u64,
    pub findings: Vec<Finding>,
}

impl AuditReport {
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }

    /// The first event that differs from what the register signed or recorded.
    pub fn first_event_that_differs(&self) -> Option<u64> {
        self.findings.iter().filter_map(|f| f.seq).min()
    }

    /// Events not yet covered by a signed checkpoint (checked only for being well-formed).
    pub fn uncovered(&self) -> u64 {
        self.events.saturating_sub(self.last_signed_size)
    }

    fn find(&mut self, code: &'static str, seq: Option<u64>, person: Option<PersonId>, message: String) {
        self.findings.push(Finding { code, seq, person, message });
    }
}

/// Audits the whole database with the register's verifier keys.
pub fn audit(store: &dyn Store, codec: &Codec, verifiers: &Verifiers) -> Result<AuditReport> {
    let mut report = AuditReport::default();
    let mut out = Ok(());
    store.read(&mut |tx| {
        out = run(tx, codec, verifiers, &mut report);
        Ok(())
    })?;
    out?;
    report.findings.sort_by_key(|f| (f.seq.unwrap_or(u64::MAX), f.person));
    Ok(report)
}

fn run(tx: &mut dyn ReadTx, codec: &Codec, verifiers: &Verifiers, report: &mut AuditReport) -> Result<()> {
    // 1. Recompute every leaf, in log order; a missing or unreadable event gets a placeholder so
    //    that the positions of the others stay right.
    let mut tree = MemoryTree::default();
    let mut person_digests: BTreeMap<PersonId, (u64, Option<String>)> = BTreeMap::new();
    let mut after = 0u64;
    loop {
        let rows = tx.leaves(after, PAGE)?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            while tree.size() + 1 < row.seq {
                let seq = tree.size() + 1;
                report.find("event_missing", Some(seq), None, format!("event {seq} is missing from the log"));
                tree.push(Hash::default())?;
            }
            let leaf = match row_leaf(row) {
                Ok(h) => h,
                Err(reason) => {
                    report.find("event_unreadable", Some(row.seq), None, format!("event {} {reason}", row.seq));
                    Hash::default()
                }
            };
            tree.push(leaf)?;
            if let Ok(e) = &row.event
                && matches!(e.kind, EventKind::PersonCreated | EventKind::PersonUpdated)
                && let Some(p) = e.person
            {
                let digest = ["record_digest", "record_sha256"]
                    .iter()
                    .find_map(|k| e.payload.get(*k).and_then(|d| d.as_str()))
                    .map(str::to_owned);
                person_digests.insert(p, (e.seq, digest));
            }
        }
        after = rows.last().map_or(after, |r| r.seq);
    }
    report.events = tree.size();

    // 2. The stored leaf hashes against the recomputed ones: the exact events that changed
    //    (classified below, once the checkpoints say whether the tree or the event is wrong).
    report.tree_size = tx.tree_size()?;
    let covered = report.tree_size.min(tree.size());
    let mut leaf_mismatches = Vec::new();
    let mut i = 0;
    while i < covered {
        let end = (i + PAGE as u64).min(covered);
        let indexes: Vec<u64> = (i..end).map(|n| stored_hash_index(0, n)).collect();
        match tx.tree_hashes(&indexes) {
            Ok(stored) => {
                for (k, h) in stored.iter().enumerate() {
                    let n = i + k as u64;
                    if tree.leaf(n).map(|l| l.0) != Some(*h) && !report.findings.iter().any(|f| f.seq == Some(n + 1)) {
                        leaf_mismatches.push(n);
                    }
                }
            }
            Err(_) => report.find("tree_damaged", None, None, "stored tree hashes are missing".into()),
        }
        i = end;
    }
    if report.tree_size > tree.size() {
        let seq = tree.size() + 1;
        report.find(
            "event_missing",
            Some(seq),
            None,
            format!("the tree covers {} events, the log has {}", report.tree_size, tree.size()),
        );
    }

    // 3. Every checkpoint: its signature, and its root against the recomputed tree.
    let checkpoints = tx.checkpoints()?;
    report.checkpoints = checkpoints.len() as u64;
    let mut good_below = 0u64;
    let mut sizes: Vec<(u64, bool)> = Vec::new();
    for c in &checkpoints {
        let opened = match checkpoint::open(&c.note, verifiers) {
            Ok(o) => o,
            Err(e) => {
                report.find("checkpoint_unsigned", None, None, format!("checkpoint {} (size {}): {e}", c.id, c.size));
                continue;
            }
        };
        let size = opened.checkpoint.size();
        let signed_root = *opened.checkpoint.hash();
        report.last_signed_size = report.last_signed_size.max(size);
        if size != c.size || signed_root.0 != c.root {
            report.find(
                "checkpoint_row_changed",
                None,
                None,
                format!("checkpoint {}: its columns differ from its signed text", c.id),
            );
        }
        let matches = size <= tree.size() && tree.root(size)? == signed_root;
        sizes.push((size, matches));
        if size > tree.size() {
            report.find(
                "event_missing",
                Some(tree.size() + 1),
                None,
                format!("a checkpoint signed {size} events; the log has {}", tree.size()),
            );
        } else if !matches {
            report.find(
                "checkpoint_mismatch",
                None,
                None,
                format!("the log's first {size} events do not hash to the root signed for them"),
            );
        }
        // The stored tree must also give the signed root, or the proofs served would not verify.
        if size <= report.tree_size && tree_hash(size, &TxHashes::new(tx)).ok() != Some(signed_root) {
            report.find(
                "tree_damaged",
                None,
                None,
                format!("the stored tree does not give the root signed for size {size}"),
            );
        }
    }
    // A stored leaf hash that differs below a checkpoint that still matches is damage to the
    // tree (proofs of that leaf would fail), not to the event; otherwise the event changed.
    let matched_up_to = sizes.iter().filter(|(_, ok)| *ok).map(|(s, _)| *s).max().unwrap_or(0);
    for n in leaf_mismatches {
        if n < matched_up_to {
            report.find(
                "tree_damaged",
                None,
                None,
                format!("the stored hash of leaf {n} is wrong; event {} is as signed", n + 1),
            );
        } else {
            report.find(
                "event_changed",
                Some(n + 1),
                None,
                format!("event {} differs from the one hashed into the tree", n + 1),
            );
        }
    }
    // Where the roots disagree but no single event was found (the tree's hashes were rewritten
    // to match), the first difference lies after the largest checkpoint that matches below it.
    sizes.sort_unstable();
    if report.first_event_that_differs().is_none() {
        for (size, ok) in &sizes {
            if *ok {
                good_below = good_below.max(*size);
            } else {
                report.find(
                    "event_changed",
                    Some(good_below + 1),
                    None,
                    format!("an event from {} to {size} differs from what was signed", good_below + 1),
                );
                break;
            }
        }
    }

    // 4. Persons: the stored record against the digest its latest event commits to.
    tx.for_each_person(&mut |person| {
        report.persons += 1;
        let digest = codec.decode_record(&person.record).ok().map(|r| codec.record_digest(&r));
        match person_digests.remove(&person.id) {
            None => report.find(
                "person_without_event",
                None,
                Some(person.id),
                format!("person {} has no event in the log", person.id),
            ),
            Some((seq, logged)) if logged != digest || digest.is_none() => report.find(
                "person_record_changed",
                None,
                Some(person.id),
                format!("person {}'s stored record differs from the one event {seq} commits to", person.id),
            ),
            Some(_) => {}
        }
        Ok(())
    })?;
    for (person, (seq, _)) in person_digests {
        report.find(
            "person_missing",
            None,
            Some(person),
            format!("person {person} of event {seq} is not in the register"),
        );
    }
    Ok(())
}
