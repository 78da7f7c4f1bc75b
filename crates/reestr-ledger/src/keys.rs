//! The register's signing key and the public keys that verify what it signed.
//!
//! Keys are in the formats of Go's `golang.org/x/mod/sumdb/note` (C2SP signed-note): the private
//! key `PRIVATE+KEY+<name>+<hash>+<base64(0x01 || seed)>`, the verifier key
//! `<name>+<hash>+<base64(0x01 || public key)>`, where `<hash>` is the key id (the first four
//! bytes of SHA-256 of the name, a newline and the encoded key) in hex. The name is the log's
//! origin, e.g. `reestr.local/log`.
//!
//! A key directory keeps the current private key (`log-signing.key`) and every verifier key ever
//! used (`log-verifiers.pub`, one a line, oldest first). Rotation replaces the private key and
//! appends the new verifier key, so whatever the old keys signed stays verifiable.

use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
};

use base64::{Engine, prelude::BASE64_STANDARD};
use ed25519_dalek::SigningKey;
use signed_note::{Note, Signer, StandardSigner, StandardVerifier, Verifier, VerifierList};

use crate::{LedgerError, Result};

/// The origin (and key name) a new register's log gets unless told otherwise.
pub const DEFAULT_ORIGIN: &str = "reestr.local/log";
/// The file of the current private key in a key directory.
pub const SIGNING_KEY_FILE: &str = "log-signing.key";
/// The file of every verifier key in a key directory.
pub const VERIFIERS_FILE: &str = "log-verifiers.pub";

/// The register's signing key.
pub struct SigningKeyPair {
    name: String,
    id: u32,
    private: String,
    verifier: String,
    signer: StandardSigner,
}

impl std::fmt::Debug for SigningKeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyPair").field("verifier", &self.verifier).finish_non_exhaustive()
    }
}

fn key_error(e: impl std::fmt::Display) -> LedgerError {
    LedgerError::Key(e.to_string())
}

impl SigningKeyPair {
    /// A new random key named `name` (the log's origin).
    pub fn generate(name: &str) -> Result<SigningKeyPair> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(key_error)?;
        Self::from_seed(name, &seed)
    }

    /// The key with the given 32-byte Ed25519 seed (for tests and benchmarks).
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<SigningKeyPair> {
        if !name_is_valid(name) {
            return Err(LedgerError::Key("a key name is non-empty, without spaces or '+'".into()));
        }
        let public = SigningKey::from_bytes(seed).verifying_key();
        let verifier = signed_note::new_ed25519_verifier_key(name, &public);
        let hash = verifier.split('+').nth(1).ok_or_else(|| key_error("bad verifier key"))?;
        let mut encoded = vec![1u8];
        encoded.extend_from_slice(seed);
        let private = format!("PRIVATE+KEY+{name}+{hash}+{}", BASE64_STANDARD.encode(encoded));
        Self::from_private(private.trim())
    }

    /// Parses a private key in Go's note format.
    pub fn from_private(text: &str) -> Result<SigningKeyPair> {
        let text = text.trim();
        let signer = StandardSigner::new(text).map_err(key_error)?;
        let name = signer.name().to_owned();
        let id = signer.key_id();
        // PRIVATE+KEY+name+hash+key (base64, which may itself hold '+'): the seed follows the
        // 0x01 algorithm byte.
        let encoded = text.splitn(5, '+').nth(4).ok_or_else(|| key_error("malformed"))?;
        let bytes = BASE64_STANDARD.decode(encoded).map_err(key_error)?;
        let seed: [u8; 32] = bytes.get(1..).and_then(|s| s.try_into().ok()).ok_or_else(|| key_error("malformed"))?;
        let public = SigningKey::from_bytes(&seed).verifying_key();
        let verifier = signed_note::new_ed25519_verifier_key(&name, &public);
        Ok(SigningKeyPair { name, id, private: text.to_owned(), verifier, signer })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `name+hash`: how checkpoints and extracts name the key that signed them.
    pub fn key_id(&self) -> String {
        format!("{}+{:08x}", self.name, self.id)
    }

    /// The verifier key, `name+hash+base64`: what `/log/key` publishes.
    pub fn verifier_key(&self) -> &str {
        &self.verifier
    }

    /// The private key in Go's note format (what the key file holds).
    pub fn private_key(&self) -> &str {
        &self.private
    }

    /// Signs `text` (which must end with a newline) as a signed note; returns the whole note.
    pub fn sign_note(&self, text: &str) -> Result<String> {
        let mut note = Note::new(text.as_bytes(), &[]).map_err(key_error)?;
        note.add_sigs(&[&self.signer as &dyn Signer]).map_err(key_error)?;
        String::from_utf8(note.to_bytes()).map_err(key_error)
    }
}

fn name_is_valid(name: &str) -> bool {
    !name.is_empty() && !name.contains('+') && !name.chars().any(char::is_whitespace)
}

/// The verifier keys the register has signed with: the current one and every retired one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verifiers {
    keys: Vec<String>,
}

impl Verifiers {
    /// Parses verifier keys, one a line; blank lines and `#` comments are skipped.
    pub fn parse(text: &str) -> Result<Verifiers> {
        let mut v = Verifiers::default();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            v.add(line)?;
        }
        Ok(v)
    }

    /// Adds a key (checked) unless it is there already.
    pub fn add(&mut self, key: &str) -> Result<()> {
        StandardVerifier::new(key).map_err(|e| LedgerError::Key(format!("verifier key: {e}")))?;
        if !self.keys.iter().any(|k| k == key) {
            self.keys.push(key.to_owned());
        }
        Ok(())
    }

    pub fn keys(&self) -> &[String] {
        &self.keys
    }

    /// One key a line, oldest first: the file format and what `/log/key` serves.
    pub fn to_text(&self) -> String {
        self.keys.iter().map(|k| format!("{k}\n")).collect()
    }

    pub(crate) fn list(&self) -> VerifierList {
        let list: Vec<Box<dyn Verifier>> = self
            .keys
            .iter()
            .filter_map(|k| StandardVerifier::new(k).ok())
            .map(|v| Box::new(v) as Box<dyn Verifier>)
            .collect();
        VerifierList::new(list)
    }

    /// Verifies a signed note with these keys; returns its text and the `name+hash` of the key
    /// that signed it.
    pub fn open_note(&self, note: &[u8]) -> Result<(String, String)> {
        let note = Note::from_bytes(note).map_err(|e| LedgerError::BadSignature(e.to_string()))?;
        let (verified, _) = note.verify(&self.list()).map_err(|e| LedgerError::BadSignature(e.to_string()))?;
        let key = verified.first().map(|s| format!("{}+{:08x}", s.name(), s.id())).unwrap_or_default();
        let text = String::from_utf8(note.text().to_vec()).map_err(|e| LedgerError::BadSignature(e.to_string()))?;
        Ok((text, key))
    }
}

/// The signing key with every verifier key: what signs, and what verifies.
#[derive(Debug)]
pub struct KeyRing {
    pub signing: SigningKeyPair,
    pub verifiers: Verifiers,
}

impl KeyRing {
    pub fn new(signing: SigningKeyPair, mut verifiers: Verifiers) -> Result<KeyRing> {
        verifiers.add(signing.verifier_key())?;
        Ok(KeyRing { signing, verifiers })
    }
}

/// A key directory beside the database, e.g. `reestr.db.keys/`.
#[derive(Debug, Clone)]
pub struct KeyDir {
    path: PathBuf,
}

fn file_error(path: &Path, e: impl std::fmt::Display) -> LedgerError {
    LedgerError::KeyFile(path.display().to_string(), e.to_string())
}

impl KeyDir {
    pub fn new(path: impl Into<PathBuf>) -> KeyDir {
        KeyDir { path: path.into() }
    }

    /// The key directory of a database file: `FILE.keys`.
    pub fn beside(database: &Path) -> KeyDir {
        let mut name = database.as_os_str().to_owned();
        name.push(".keys");
        KeyDir::new(PathBuf::from(name))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn signing_key_path(&self) -> PathBuf {
        self.path.join(SIGNING_KEY_FILE)
    }

    pub fn verifiers_path(&self) -> PathBuf {
        self.path.join(VERIFIERS_FILE)
    }

    /// The verifier keys in the directory (none if there is no file).
    pub fn verifiers(&self) -> Result<Verifiers> {
        let path = self.verifiers_path();
        match fs::read_to_string(&path) {
            Ok(text) => Verifiers::parse(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Verifiers::default()),
            Err(e) => Err(file_error(&path, e)),
        }
    }

    /// Loads the key ring; a directory without a signing key gets a new one named `origin`.
    /// Returns whether a key was generated, so the caller can say so.
    pub fn load_or_create(&self, origin: &str) -> Result<(KeyRing, bool)> {
        let path = self.signing_key_path();
        match fs::read_to_string(&path) {
            Ok(text) => Ok((KeyRing::new(SigningKeyPair::from_private(&text)?, self.verifiers()?)?, false)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = SigningKeyPair::generate(origin)?;
                let ring = KeyRing::new(key, self.verifiers()?)?;
                self.save(&ring)?;
                Ok((ring, true))
            }
            Err(e) => Err(file_error(&path, e)),
        }
    }

    /// Replaces the signing key with a new one of the same name; the old verifier key stays in
    /// the list, so what it signed stays verifiable. The old private key is destroyed.
    pub fn rotate(&self, ring: KeyRing) -> Result<KeyRing> {
        let next = SigningKeyPair::generate(ring.signing.name())?;
        let ring = KeyRing::new(next, ring.verifiers)?;
        self.save(&ring)?;
        Ok(ring)
    }

    /// Writes the verifier list, then the private key (readable by its owner only), each
    /// atomically through a temporary file.
    pub fn save(&self, ring: &KeyRing) -> Result<()> {
        fs::create_dir_all(&self.path).map_err(|e| file_error(&self.path, e))?;
        write_atomically(&self.verifiers_path(), ring.verifiers.to_text().as_bytes(), 0o644)?;
        write_atomically(&self.signing_key_path(), format!("{}\n", ring.signing.private_key()).as_bytes(), 0o600)
    }
}

fn write_atomically(path: &Path, content: &[u8], mode: u32) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp");
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(&tmp)
        .map_err(|e| file_error(&tmp, e))?;
    f.write_all(content).and_then(|()| f.sync_all()).map_err(|e| file_error(&tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| file_error(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_round_trips_through_its_file_form_and_signs_notes_its_verifier_accepts() {
        let key = SigningKeyPair::from_seed("reestr.test/log", &[7; 32]).unwrap();
        let again = SigningKeyPair::from_private(key.private_key()).unwrap();
        assert_eq!(again.verifier_key(), key.verifier_key());
        assert!(key.verifier_key().starts_with("reestr.test/log+"));
        let note = key.sign_note("hello\n").unwrap();
        assert!(note.starts_with("hello\n\n\u{2014} reestr.test/log "), "{note}");
        let mut v = Verifiers::default();
        v.add(key.verifier_key()).unwrap();
        let (text, by) = v.open_note(note.as_bytes()).unwrap();
        assert_eq!((text.as_str(), by), ("hello\n", key.key_id()));
        let other = SigningKeyPair::from_seed("reestr.test/log", &[8; 32]).unwrap();
        let mut w = Verifiers::default();
        w.add(other.verifier_key()).unwrap();
        assert!(w.open_note(note.as_bytes()).is_err(), "another key does not verify it");
        assert!(v.open_note(note.replace("hello", "hellO").as_bytes()).is_err(), "a changed text does not verify");
    }

    #[test]
    fn a_directory_creates_a_key_once_and_rotation_keeps_the_old_verifier() {
        let dir = tempfile::tempdir().unwrap();
        let kd = KeyDir::beside(&dir.path().join("reestr.db"));
        let (ring, created) = kd.load_or_create("reestr.test/log").unwrap();
        assert!(created);
        let (again, created) = kd.load_or_create("reestr.test/log").unwrap();
        assert!(!created);
        assert_eq!(again.signing.verifier_key(), ring.signing.verifier_key());
        let old = ring.signing.verifier_key().to_owned();
        let rotated = kd.rotate(again).unwrap();
        assert_ne!(rotated.signing.verifier_key(), old);
        let (loaded, _) = kd.load_or_create("reestr.test/log").unwrap();
        assert_eq!(loaded.verifiers.keys(), [old, rotated.signing.verifier_key().to_owned()]);
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(kd.signing_key_path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the private key is readable by its owner only");
    }
}
