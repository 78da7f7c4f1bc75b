//! Checkpoints: C2SP `tlog-checkpoint` texts signed as C2SP signed notes.
//!
//! ```text
//! reestr.local/log
//! 1024
//! 3Tq1yGzbOjbc8YBCmVQp0ogNg0Ufr9MqxMXSbKdJKQI=
//!
//! — reestr.local/log Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
//! ```
//!
//! The origin is the signing key's name. Parsing and signing use the `tlog_tiles` and
//! `signed_note` crates (Cloudflare's ports of Go's `sumdb/tlog` and `sumdb/note`), so the
//! result is what Go's tooling reads.

use tlog_tiles::{Checkpoint, Hash};

use crate::{
    LedgerError, Result,
    keys::{SigningKeyPair, Verifiers},
};

/// Signs the checkpoint of a tree of `size` leaves with root `root`; returns the signed note.
pub fn sign(key: &SigningKeyPair, size: u64, root: Hash) -> Result<String> {
    let checkpoint = Checkpoint::new(key.name(), size, root, "").map_err(|_| LedgerError::MalformedCheckpoint)?;
    let text = String::from_utf8(checkpoint.to_bytes()).map_err(|_| LedgerError::MalformedCheckpoint)?;
    key.sign_note(&text)
}

/// A checkpoint whose signature verified.
#[derive(Debug, PartialEq)]
pub struct Verified {
    pub checkpoint: Checkpoint,
    /// `name+hash` of the key that signed it.
    pub key_id: String,
}

/// Verifies a signed checkpoint with the register's keys and parses it. The checkpoint's origin
/// must be the name of the key that signed it.
pub fn open(note: &str, verifiers: &Verifiers) -> Result<Verified> {
    let (text, key_id) = verifiers.open_note(note.as_bytes())?;
    let checkpoint = Checkpoint::from_bytes(text.as_bytes()).map_err(|_| LedgerError::MalformedCheckpoint)?;
    if key_id.rsplit_once('+').map(|(name, _)| name) != Some(checkpoint.origin()) {
        return Err(LedgerError::BadSignature("the checkpoint's origin is not its signer's name".into()));
    }
    Ok(Verified { checkpoint, key_id })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_checkpoint_opens_with_its_key_only() {
        let key = SigningKeyPair::from_seed("reestr.test/log", &[1; 32]).unwrap();
        let note = sign(&key, 5, Hash([9; 32])).unwrap();
        let text = note.split("\n\n").next().unwrap();
        assert_eq!(text, "reestr.test/log\n5\nCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=");
        let mut v = Verifiers::default();
        v.add(key.verifier_key()).unwrap();
        let opened = open(&note, &v).unwrap();
        assert_eq!((opened.checkpoint.size(), *opened.checkpoint.hash()), (5, Hash([9; 32])));
        assert!(open(&note.replacen("\n5\n", "\n6\n", 1), &v).is_err());
        assert!(open(&note, &Verifiers::default()).is_err());
    }
}
