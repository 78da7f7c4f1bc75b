//! The keys that protect personal data at rest: data keys for the AEAD (each with an id, so keys
//! rotate) and a separate key for the blind index (keyed hashes for lookups by identifier).
//!
//! Keys come from a directory (by default beside the database) or from the environment. The
//! register generates them on first use of a new database. `Debug` never prints key material.

use std::{
    collections::BTreeMap,
    fmt,
    path::{Path, PathBuf},
};

use base64::{Engine, engine::general_purpose::STANDARD as B64};
use chacha20poly1305::{
    KeyInit, XChaCha20Poly1305, XNonce,
    aead::{Aead, Payload},
};
use hmac::{Hmac, Mac};
use rand::RngExt;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::{Result, StoreError};

/// The length of a blind-index value.
pub const BLIND_LEN: usize = 16;

/// A blind index: the first bytes of HMAC-SHA256 under the index key.
pub type Blind = [u8; BLIND_LEN];

#[derive(Clone)]
pub struct Keyring {
    data: BTreeMap<u32, [u8; 32]>,
    current: u32,
    index: [u8; 32],
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("data_keys", &self.data.keys().collect::<Vec<_>>())
            .field("current", &self.current)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize, Deserialize)]
struct DataKeysFile {
    current: u32,
    keys: BTreeMap<u32, String>,
}

const DATA_FILE: &str = "data-keys.json";
const INDEX_FILE: &str = "index.key";

fn random_key() -> [u8; 32] {
    rand::rng().random()
}

fn decode_key(what: &str, b64: &str) -> Result<[u8; 32]> {
    B64.decode(b64.trim())
        .ok()
        .and_then(|k| <[u8; 32]>::try_from(k).ok())
        .ok_or_else(|| StoreError::Keys(format!("{what}: expected 32 bytes in base64")))
}

impl Keyring {
    /// New random keys.
    pub fn generate() -> Keyring {
        Keyring { data: BTreeMap::from([(1, random_key())]), current: 1, index: random_key() }
    }

    /// The key directory that belongs to a database file.
    pub fn dir_for(database: &Path) -> PathBuf {
        let mut name = database.as_os_str().to_owned();
        name.push(".keys");
        PathBuf::from(name)
    }

    /// Reads the keys from the texts of the two key files.
    pub fn from_texts(data_keys_json: &str, index_key: &str) -> Result<Keyring> {
        let file: DataKeysFile =
            serde_json::from_str(data_keys_json).map_err(|e| StoreError::Keys(format!("{DATA_FILE}: {e}")))?;
        let mut data = BTreeMap::new();
        for (id, b64) in &file.keys {
            data.insert(*id, decode_key(&format!("{DATA_FILE}: key {id}"), b64)?);
        }
        if !data.contains_key(&file.current) {
            return Err(StoreError::Keys(format!("{DATA_FILE}: the current key {} is not in the file", file.current)));
        }
        Ok(Keyring { data, current: file.current, index: decode_key(INDEX_FILE, index_key)? })
    }

    /// Reads the keys from a directory.
    pub fn load(dir: &Path) -> Result<Keyring> {
        let read = |name: &str| {
            std::fs::read_to_string(dir.join(name))
                .map_err(|e| StoreError::Keys(format!("reading {}: {e}", dir.join(name).display())))
        };
        Keyring::from_texts(&read(DATA_FILE)?, &read(INDEX_FILE)?)
    }

    /// Writes the keys into a directory readable by its owner only.
    pub fn save(&self, dir: &Path) -> Result<()> {
        let io = |e: std::io::Error| StoreError::Keys(format!("writing keys to {}: {e}", dir.display()));
        std::fs::create_dir_all(dir).map_err(io)?;
        let file = DataKeysFile {
            current: self.current,
            keys: self.data.iter().map(|(id, k)| (*id, B64.encode(k))).collect(),
        };
        let json = serde_json::to_string_pretty(&file).map_err(|e| StoreError::Keys(e.to_string()))?;
        write_private(&dir.join(DATA_FILE), json.as_bytes()).map_err(io)?;
        write_private(&dir.join(INDEX_FILE), format!("{}\n", B64.encode(self.index)).as_bytes()).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io)?;
        }
        Ok(())
    }

    /// Adds a new data key and makes it current; older keys stay to read what they sealed.
    pub fn rotate(&mut self) -> u32 {
        let id = self.data.keys().max().copied().unwrap_or(0) + 1;
        self.data.insert(id, random_key());
        self.current = id;
        id
    }

    pub fn current(&self) -> u32 {
        self.current
    }

    fn cipher(&self, id: u32) -> Result<XChaCha20Poly1305> {
        let key = self.data.get(&id).ok_or_else(|| StoreError::Keys(format!("data key {id} is missing")))?;
        XChaCha20Poly1305::new_from_slice(key).map_err(|_| StoreError::Keys("bad key length".into()))
    }

    /// A fresh random nonce.
    pub fn nonce() -> [u8; 24] {
        rand::rng().random()
    }

    /// Encrypts `plain` under the current key; `context` (e.g. the field's name) is
    /// authenticated, so a value cannot be moved to another field unnoticed.
    pub fn seal_with(&self, nonce: &[u8; 24], context: &[u8], plain: &[u8]) -> Result<Vec<u8>> {
        self.cipher(self.current)?
            .encrypt(&XNonce::from(*nonce), Payload { msg: plain, aad: context })
            .map_err(|_| StoreError::Keys("encryption failed".into()))
    }

    pub fn open_with(&self, key: u32, nonce: &[u8; 24], context: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
        self.cipher(key)?.decrypt(&XNonce::from(*nonce), Payload { msg: sealed, aad: context }).map_err(|_| {
            StoreError::Corrupt("a sealed value does not open: altered, or sealed under other keys".into())
        })
    }

    /// Seals a whole blob: `[key id: u32 LE][nonce: 24][ciphertext]`.
    pub fn seal(&self, context: &[u8], plain: &[u8]) -> Result<Vec<u8>> {
        let nonce = Keyring::nonce();
        let mut out = Vec::with_capacity(28 + plain.len() + 16);
        out.extend_from_slice(&self.current.to_le_bytes());
        out.extend_from_slice(&nonce);
        out.extend(self.seal_with(&nonce, context, plain)?);
        Ok(out)
    }

    /// Opens a blob made by [`Keyring::seal`].
    pub fn open(&self, context: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
        let short = || StoreError::Corrupt("a sealed value is too short".into());
        let key = u32::from_le_bytes(sealed.get(..4).ok_or_else(short)?.try_into().map_err(|_| short())?);
        let nonce: [u8; 24] = sealed.get(4..28).ok_or_else(short)?.try_into().map_err(|_| short())?;
        self.open_with(key, &nonce, context, &sealed[28..])
    }

    /// The key id a blob made by [`Keyring::seal`] was sealed under.
    pub fn sealed_key(sealed: &[u8]) -> Option<u32> {
        Some(u32::from_le_bytes(sealed.get(..4)?.try_into().ok()?))
    }

    /// The blind index of a value of a kind (e.g. `snils`): equal values give equal indexes,
    /// and without the index key nothing about the value can be learnt from it.
    pub fn blind(&self, kind: &str, value: &[u8]) -> Blind {
        let full = self.blind_full(kind, value);
        let mut out = [0u8; BLIND_LEN];
        out.copy_from_slice(&full[..BLIND_LEN]);
        out
    }

    /// The whole HMAC-SHA256 of a value of a kind under the index key.
    pub fn blind_full(&self, kind: &str, value: &[u8]) -> [u8; 32] {
        let mut mac =
            <Hmac<Sha256> as hmac::digest::KeyInit>::new_from_slice(&self.index).expect("HMAC takes any key length");
        mac.update(kind.as_bytes());
        mac.update(&[0]);
        mac.update(value);
        mac.finalize().into_bytes().into()
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_context_and_keys() {
        let k = Keyring::generate();
        let sealed = k.seal(b"snils", b"112-233-445 95").unwrap();
        assert_eq!(k.open(b"snils", &sealed).unwrap(), b"112-233-445 95");
        assert!(k.open(b"inn", &sealed).is_err(), "another context");
        assert!(Keyring::generate().open(b"snils", &sealed).is_err(), "other keys");
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert!(k.open(b"snils", &altered).is_err());
    }

    #[test]
    fn rotation_keeps_old_values_readable_and_seals_new_ones_with_the_new_key() {
        let mut k = Keyring::generate();
        let old = k.seal(b"x", b"v").unwrap();
        assert_eq!(k.rotate(), 2);
        let new = k.seal(b"x", b"v").unwrap();
        assert_eq!((Keyring::sealed_key(&old), Keyring::sealed_key(&new)), (Some(1), Some(2)));
        assert_eq!(k.open(b"x", &old).unwrap(), b"v");
    }

    #[test]
    fn keys_round_trip_through_their_files_and_debug_shows_no_key() {
        let dir = std::env::temp_dir().join(format!("reestr-keys-test-{}", std::process::id()));
        let k = Keyring::generate();
        k.save(&dir).unwrap();
        let back = Keyring::load(&dir).unwrap();
        assert_eq!(back.blind("snils", b"1"), k.blind("snils", b"1"));
        assert_ne!(k.blind("snils", b"1"), k.blind("inn", b"1"));
        let dbg = format!("{k:?}");
        assert!(!dbg.contains(&B64.encode(k.index)), "{dbg}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
