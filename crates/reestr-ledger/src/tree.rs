//! The tree's hashes, read from the store or kept in memory, in Go's `sumdb/tlog` stored-hash
//! layout; and C2SP `tlog-tiles` coordinates.

use std::cell::RefCell;

use reestr_store::{ReadTx, WriteTx};
use tlog_tiles::{Error, Hash, HashReader, Tile, stored_hash_count, stored_hash_index, stored_hashes_for_record_hash};

/// The height of C2SP tiles: 256 hashes a tile.
pub const TILE_HEIGHT: u8 = 8;

fn store_error(e: impl std::fmt::Display) -> Error {
    Error::InvalidInput(e.to_string())
}

/// Reads stored hashes through a transaction.
pub struct TxHashes<'a, 'b>(RefCell<&'a mut (dyn ReadTx + 'b)>);

impl<'a, 'b> TxHashes<'a, 'b> {
    pub fn new(tx: &'a mut (dyn ReadTx + 'b)) -> Self {
        TxHashes(RefCell::new(tx))
    }
}

impl std::fmt::Debug for TxHashes<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TxHashes")
    }
}

impl std::fmt::Debug for Extension<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extension").field("size", &self.size).finish_non_exhaustive()
    }
}

impl HashReader for TxHashes<'_, '_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        let mut tx = self.0.try_borrow_mut().map_err(store_error)?;
        Ok(tx.tree_hashes(indexes).map_err(store_error)?.into_iter().map(Hash).collect())
    }
}

/// Extends the stored tree within a write transaction: new hashes are kept in memory until
/// written, and earlier ones read from the store.
pub struct Extension<'a, 'b> {
    tx: RefCell<&'a mut (dyn WriteTx + 'b)>,
    size: u64,
    first: u64,
    new: Vec<Hash>,
}

impl<'a, 'b> Extension<'a, 'b> {
    pub fn new(tx: &'a mut (dyn WriteTx + 'b), size: u64) -> Self {
        Extension { tx: RefCell::new(tx), size, first: stored_hash_count(size), new: Vec::new() }
    }

    /// Adds the next leaf.
    pub fn push(&mut self, leaf: Hash) -> Result<(), Error> {
        let hashes = stored_hashes_for_record_hash(self.size, leaf, &*self)?;
        self.new.extend(hashes);
        self.size += 1;
        Ok(())
    }

    /// Writes the new hashes and the new size.
    pub fn finish(self) -> reestr_store::Result<u64> {
        let hashes: Vec<[u8; 32]> = self.new.iter().map(|h| h.0).collect();
        self.tx.into_inner().extend_tree(self.size, self.first, &hashes)?;
        Ok(self.size)
    }
}

impl HashReader for Extension<'_, '_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        let old: Vec<u64> = indexes.iter().copied().filter(|i| *i < self.first).collect();
        let mut stored = if old.is_empty() {
            Vec::new()
        } else {
            let mut tx = self.tx.try_borrow_mut().map_err(store_error)?;
            tx.tree_hashes(&old).map_err(store_error)?
        }
        .into_iter();
        indexes
            .iter()
            .map(|i| {
                if *i >= self.first {
                    self.new.get((i - self.first) as usize).copied().ok_or(Error::IndexesNotInTree)
                } else {
                    stored.next().map(Hash).ok_or(Error::IndexesNotInTree)
                }
            })
            .collect()
    }
}

/// A whole tree in memory, built leaf by leaf: what the audit recomputes.
#[derive(Debug, Default)]
pub struct MemoryTree {
    hashes: Vec<Hash>,
    size: u64,
}

impl MemoryTree {
    pub fn push(&mut self, leaf: Hash) -> Result<(), Error> {
        let new = stored_hashes_for_record_hash(self.size, leaf, self)?;
        self.hashes.extend(new);
        self.size += 1;
        Ok(())
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// The hash of leaf `n`.
    pub fn leaf(&self, n: u64) -> Option<Hash> {
        self.hashes.get(stored_hash_index(0, n) as usize).copied()
    }

    /// The root of the tree of the first `n` leaves.
    pub fn root(&self, n: u64) -> Result<Hash, Error> {
        if n > self.size {
            return Err(Error::IndexesNotInTree);
        }
        tlog_tiles::tree_hash(n, self)
    }
}

impl HashReader for MemoryTree {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        indexes.iter().map(|i| self.hashes.get(*i as usize).copied().ok_or(Error::IndexesNotInTree)).collect()
    }
}

/// Parses a C2SP `tlog-tiles` hash tile path, `tile/<L>/<N>[.p/<W>]` (N in groups of three
/// digits, all but the last prefixed with `x`).
pub fn parse_tile_path(path: &str) -> Option<Tile> {
    let rest = path.strip_prefix("tile/")?;
    if rest.starts_with("data/") || rest.starts_with("entries/") {
        return None;
    }
    let tile = Tile::from_path(&format!("tile/{TILE_HEIGHT}/{rest}")).ok()?;
    (tile.height() == TILE_HEIGHT && !tile.is_data()).then_some(tile)
}

/// The C2SP path of a hash tile (Go's path without the height).
pub fn tile_path(tile: &Tile) -> String {
    tile.path().replacen(&format!("tile/{TILE_HEIGHT}/"), "tile/", 1)
}

/// Whether every hash of the tile is in the tree of `size` leaves.
pub fn tile_in_tree(tile: &Tile, size: u64) -> bool {
    let level_bits = u32::from(tile.level()) * u32::from(TILE_HEIGHT);
    let end = (tile.level_index() << TILE_HEIGHT) + u64::from(tile.width());
    level_bits < 64 && end.checked_shl(level_bits).is_some_and(|leaves| leaves >> level_bits == end && leaves <= size)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(i: u64) -> Hash {
        tlog_tiles::record_hash(&i.to_be_bytes())
    }

    #[test]
    fn the_memory_tree_agrees_with_rfc6962() {
        let mut t = MemoryTree::default();
        for i in 0..3 {
            t.push(leaf(i)).unwrap();
        }
        let n = tlog_tiles::node_hash;
        assert_eq!(t.root(1).unwrap(), leaf(0));
        assert_eq!(t.root(2).unwrap(), n(leaf(0), leaf(1)));
        assert_eq!(t.root(3).unwrap(), n(n(leaf(0), leaf(1)), leaf(2)));
        assert_eq!(t.root(0).unwrap(), tlog_tiles::EMPTY_HASH);
    }

    #[test]
    fn tile_paths_are_c2sp_paths() {
        let t = parse_tile_path("tile/0/x001/234.p/7").unwrap();
        assert_eq!((t.level(), t.level_index(), t.width()), (0, 1234, 7));
        assert_eq!(tile_path(&t), "tile/0/x001/234.p/7");
        assert_eq!(tile_path(&parse_tile_path("tile/1/000").unwrap()), "tile/1/000");
        assert!(parse_tile_path("tile/data/000").is_none());
        assert!(parse_tile_path("tile/0/abc").is_none());
        let full = parse_tile_path("tile/0/000").unwrap();
        assert!(tile_in_tree(&full, 256) && !tile_in_tree(&full, 255));
        let partial = parse_tile_path("tile/0/001.p/3").unwrap();
        assert!(tile_in_tree(&partial, 259) && !tile_in_tree(&partial, 258));
        assert!(tile_in_tree(&parse_tile_path("tile/1/000.p/1").unwrap(), 256));
    }
}
