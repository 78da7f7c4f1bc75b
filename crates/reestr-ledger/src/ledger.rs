//! The ledger's use cases over the store: extending the tree, signing checkpoints, proofs, tiles.

use std::sync::Arc;

use base64::{Engine, prelude::BASE64_STANDARD};
use jiff::Timestamp;
use reestr_store::{LeafRow, ReadTx, Store, StoreError, StoredCheckpoint, WriteTx, time::truncate};
use serde::{Deserialize, Serialize};
use tlog_tiles::{Hash, check_record, check_tree, prove_record, prove_tree, tree_hash};

use crate::{
    LedgerError, Result, checkpoint,
    keys::{KeyRing, Verifiers},
    leaf::{SALT_LEN, leaf_hash},
    tree::{Extension, TxHashes, parse_tile_path, tile_in_tree},
};

/// Events hashed into the tree per transaction.
const EXTEND_BATCH: usize = 20_000;

/// The tamper-evident log over a store.
#[derive(Debug, Clone)]
pub struct Ledger {
    store: Arc<dyn Store>,
}

/// A proof that an event is in the log: the C2SP `tlog-proof` idea (a signed checkpoint, the
/// leaf's index and its inclusion proof).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proof {
    /// The signed checkpoint (a signed note).
    pub checkpoint: String,
    /// The leaf's index: the event's sequence number less one.
    pub leaf_index: u64,
    /// The RFC 6962 inclusion proof (audit path), base64 hashes, leaf to root.
    pub inclusion: Vec<String>,
}

impl Proof {
    /// Checks that the leaf with hash `leaf` is at `leaf_index` in the tree the checkpoint signs,
    /// and that the checkpoint is signed by one of `verifiers`. Returns the checkpoint's size.
    pub fn verify(&self, leaf: Hash, verifiers: &Verifiers) -> Result<u64> {
        let opened = checkpoint::open(&self.checkpoint, verifiers)?;
        let hashes = self
            .inclusion
            .iter()
            .map(|h| Hash::parse_hash(h).map_err(|_| LedgerError::BadProof("a malformed hash".into())))
            .collect::<Result<Vec<_>>>()?;
        let size = opened.checkpoint.size();
        if self.leaf_index >= size {
            return Err(LedgerError::BadProof("the leaf is beyond the checkpoint".into()));
        }
        check_record(&hashes, size, *opened.checkpoint.hash(), self.leaf_index, leaf)?;
        Ok(size)
    }
}

fn in_tx<T>(store: &dyn Store, mut f: impl FnMut(&mut dyn WriteTx) -> Result<T>) -> Result<T> {
    let mut out = None;
    let mut failure = None;
    let r = store.write(&mut |tx| match f(tx) {
        Ok(v) => {
            out = Some(v);
            Ok(())
        }
        Err(LedgerError::Store(e)) => Err(e),
        Err(e) => {
            failure = Some(e);
            Err(StoreError::Backend("rolled back".into()))
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    r?;
    out.ok_or_else(|| StoreError::Backend("the transaction did not run".into()).into())
}

fn read<T>(store: &dyn Store, mut f: impl FnMut(&mut dyn ReadTx) -> Result<T>) -> Result<T> {
    let mut out = None;
    let mut failure = None;
    let r = store.read(&mut |tx| match f(tx) {
        Ok(v) => {
            out = Some(v);
            Ok(())
        }
        Err(LedgerError::Store(e)) => Err(e),
        Err(e) => {
            failure = Some(e);
            Err(StoreError::Backend("failed".into()))
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    r?;
    out.ok_or_else(|| StoreError::Backend("the transaction did not run".into()).into())
}

/// The leaf hash of a stored event, or why the event cannot be hashed.
pub(crate) fn row_leaf(row: &LeafRow) -> std::result::Result<Hash, String> {
    let event = row.event.as_ref().map_err(|e| format!("cannot be read ({e})"))?;
    if event.seq != row.seq {
        return Err("is out of place".into());
    }
    match &row.salt {
        Some(salt) if salt.len() == SALT_LEN => Ok(leaf_hash(salt, event)),
        _ => Err("has no salt".into()),
    }
}

impl Ledger {
    pub fn new(store: Arc<dyn Store>) -> Ledger {
        Ledger { store }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Hashes every event not yet in the tree into it, in log order, a batch per transaction.
    /// Returns the tree's size. Refuses a log with a gap or an event without its salt.
    pub fn sync_tree(&self) -> Result<u64> {
        loop {
            let (size, more) = in_tx(&*self.store, |tx| {
                let size = tx.tree_size()?;
                let rows = tx.leaves(size, EXTEND_BATCH)?;
                if rows.is_empty() {
                    return Ok((size, false));
                }
                let more = rows.len() == EXTEND_BATCH;
                let mut ext = Extension::new(tx, size);
                for (i, row) in rows.iter().enumerate() {
                    let expected = size + i as u64 + 1;
                    if row.seq != expected {
                        return Err(LedgerError::Unhashable { seq: expected, reason: "is missing".into() });
                    }
                    let leaf = row_leaf(row).map_err(|reason| LedgerError::Unhashable { seq: row.seq, reason })?;
                    ext.push(leaf)?;
                }
                Ok((ext.finish()?, more))
            })?;
            if !more {
                return Ok(size);
            }
        }
    }

    /// Signs a checkpoint of the whole log as it is now, unless the last one already covers it
    /// and was signed with the current key (then returns that one).
    ///
    /// Before signing, the tree is checked against the last checkpoint signed: its signature
    /// must verify with the register's keys, and the tree must extend it (an RFC 6962
    /// consistency proof from the stored hashes). Otherwise nothing is signed.
    pub fn checkpoint(&self, keys: &KeyRing, now: Timestamp) -> Result<StoredCheckpoint> {
        self.sync_tree()?;
        let now = truncate(now);
        in_tx(&*self.store, |tx| {
            let size = tx.tree_size()?;
            let last = tx.last_checkpoint()?;
            if let Some(last) = &last
                && last.size == size
                && last.key_id == keys.signing.key_id()
            {
                return Ok(last.clone());
            }
            let hashes = TxHashes::new(tx);
            let root = tree_hash(size, &hashes)?;
            if let Some(last) = &last {
                let opened = checkpoint::open(&last.note, &keys.verifiers)?;
                let signed = opened.checkpoint.size();
                let inconsistent = LedgerError::Inconsistent { size, signed };
                if signed > size || *opened.checkpoint.hash() != Hash(last.root) {
                    return Err(inconsistent);
                }
                // Every tree extends the empty one (whose root was compared above); RFC 6962
                // defines no proof from it.
                if signed > 0 {
                    let proof = prove_tree(size, signed, &hashes)?;
                    check_tree(&proof, size, root, signed, *opened.checkpoint.hash()).map_err(|_| inconsistent)?;
                }
            }
            let note = checkpoint::sign(&keys.signing, size, root)?;
            let mut stored =
                StoredCheckpoint { id: 0, size, root: root.0, note, key_id: keys.signing.key_id(), signed_at: now };
            stored.id = tx.insert_checkpoint(&stored)?;
            Ok(stored)
        })
    }

    /// The checkpoint signed last.
    pub fn latest(&self) -> Result<Option<StoredCheckpoint>> {
        read(&*self.store, |tx| Ok(tx.last_checkpoint()?))
    }

    /// A checkpoint that covers event `seq`: the latest if it does, else a new one.
    pub fn covering(&self, keys: &KeyRing, seq: u64, now: Timestamp) -> Result<StoredCheckpoint> {
        match self.latest()? {
            Some(c) if c.size >= seq => Ok(c),
            _ => self.checkpoint(keys, now),
        }
    }

    /// The inclusion proof of leaf `index` in the tree of `size` leaves.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>> {
        read(&*self.store, |tx| {
            if index >= size || size > tx.tree_size()? {
                return Err(LedgerError::NoProof(format!("leaf {index} in a tree of {size}")));
            }
            Ok(prove_record(size, index, &TxHashes::new(tx))?)
        })
    }

    /// The consistency proof between the trees of `old` and `new` leaves.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>> {
        read(&*self.store, |tx| {
            if old > new || new > tx.tree_size()? {
                return Err(LedgerError::NoProof(format!("from {old} to {new}")));
            }
            Ok(prove_tree(new, old, &TxHashes::new(tx))?)
        })
    }

    /// The proof that event `seq` is in the log, against `checkpoint` (which must cover it).
    pub fn prove(&self, seq: u64, checkpoint: &StoredCheckpoint) -> Result<Proof> {
        let index = seq.checked_sub(1).ok_or_else(|| LedgerError::NoProof("event 0".into()))?;
        let hashes = self.inclusion_proof(index, checkpoint.size)?;
        Ok(Proof {
            checkpoint: checkpoint.note.clone(),
            leaf_index: index,
            inclusion: hashes.iter().map(|h| BASE64_STANDARD.encode(h.0)).collect(),
        })
    }

    /// The stored event `seq` with its salt.
    pub fn leaf(&self, seq: u64) -> Result<LeafRow> {
        read(&*self.store, |tx| {
            tx.leaves(seq.saturating_sub(1), 1)?
                .pop()
                .filter(|r| r.seq == seq)
                .ok_or_else(|| LedgerError::NoProof(format!("no event {seq}")))
        })
    }

    /// A C2SP `tlog-tiles` hash tile (`tile/<L>/<N>[.p/<W>]`) of the tree of the latest
    /// checkpoint. Entry bundles are not served: events hold personal data.
    pub fn tile(&self, path: &str) -> Result<Vec<u8>> {
        let tile = parse_tile_path(path).ok_or_else(|| LedgerError::NoTile(path.into()))?;
        let size = self.latest()?.map_or(0, |c| c.size);
        if !tile_in_tree(&tile, size) {
            return Err(LedgerError::NoTile(path.into()));
        }
        read(&*self.store, |tx| Ok(tile.read_data(&TxHashes::new(tx))?))
    }
}
