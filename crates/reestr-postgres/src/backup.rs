//! What `reestr backup` and `reestr restore` need to know of a PostgreSQL database before they
//! hand it to `pg_dump` and `pg_restore`; read without migrating anything.

use reestr_store::{Result, StoreError};

use crate::{PgOptions, sql::backend};

/// Where a register lives in a database and whether it holds anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The schema the URL's search path selects (normally `public`), which need not exist yet.
    pub schema: String,
    /// Whether the schema exists.
    pub exists: bool,
    /// Whether it holds persons, summonses or events (false without the register's tables).
    pub holds_data: bool,
}

/// Looks at the register the URL names: its schema, and whether it holds anything.
pub fn place(url: &str) -> Result<Place> {
    let mut client = connect(url)?;
    let row = client
        .query_one(
            "SELECT current_schema()::text, current_setting('search_path'), to_regclass('events') IS NOT NULL",
            &[],
        )
        .map_err(backend)?;
    let current = row.get::<_, Option<String>>(0);
    let exists = current.is_some();
    let schema = match current {
        Some(s) => s,
        // The first schema the search path names, before it is created.
        None => {
            first_schema(row.get(1)).ok_or_else(|| StoreError::Backend("the search path names no schema".into()))?
        }
    };
    let holds_data = row.get::<_, bool>(2)
        && client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM persons) OR EXISTS (SELECT 1 FROM summonses)
                     OR EXISTS (SELECT 1 FROM events)",
                &[],
            )
            .map_err(backend)?
            .get::<_, bool>(0);
    Ok(Place { schema, exists, holds_data })
}

/// Renames an existing schema out of the way of a restore (`pg_restore` creates the archive's
/// schema anew); returns the name it now has. [`finish_restore`] drops it or puts it back.
pub fn set_aside(url: &str, schema: &str) -> Result<String> {
    let aside: String = format!("{schema}_before_restore").chars().take(63).collect();
    let mut client = connect(url)?;
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {q} CASCADE; ALTER SCHEMA {} RENAME TO {q}",
            quote(schema),
            q = quote(&aside)
        ))
        .map_err(backend)?;
    Ok(aside)
}

/// After a restore: drops the schema set aside when it succeeded, else gives it its name back
/// (dropping whatever the failed restore left under it).
pub fn finish_restore(url: &str, schema: &str, aside: &str, restored: bool) -> Result<()> {
    let mut client = connect(url)?;
    let sql = if restored {
        format!("DROP SCHEMA {} CASCADE", quote(aside))
    } else {
        format!("DROP SCHEMA IF EXISTS {s} CASCADE; ALTER SCHEMA {} RENAME TO {s}", quote(aside), s = quote(schema))
    };
    client.batch_execute(&sql).map_err(backend)
}

fn connect(url: &str) -> Result<postgres::Client> {
    PgOptions::new(url).config(url)?.connect(postgres::NoTls).map_err(backend)
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn first_schema(search_path: &str) -> Option<String> {
    search_path
        .split(',')
        .map(|s| s.trim().trim_matches('"'))
        .find(|s| !s.is_empty() && *s != "$user")
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_paths_first_schema() {
        assert_eq!(first_schema("\"$user\", public").as_deref(), Some("public"));
        assert_eq!(first_schema("reestr_t1").as_deref(), Some("reestr_t1"));
        assert_eq!(first_schema(""), None);
    }
}
