//! The store's conformance suite on PostgreSQL, when REESTR_TEST_POSTGRES names a server.

use std::sync::Arc;

use reestr_postgres::testing::{self, Schema};
use reestr_store::{
    Store,
    conformance::Harness,
    image::{Cell, Table},
};

struct Pg {
    store: Arc<dyn Store>,
    // Declared last: dropped after the store, so the schema goes when nothing uses it.
    schema: Schema,
}

impl Harness for Pg {
    fn available() -> bool {
        testing::url().is_some()
    }

    fn fresh() -> Self {
        let url = testing::url().expect("available() said so");
        let schema = Schema::new(&url);
        Pg { store: Arc::new(schema.open()), schema }
    }

    fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    fn reopen(&self) -> Arc<dyn Store> {
        Arc::new(self.schema.open())
    }

    /// Every value of every table, as the server returns it.
    fn raw_bytes(&self) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        self.store
            .read(&mut |tx| {
                for table in Table::ALL {
                    tx.dump(table, &mut |row| {
                        for cell in row {
                            match cell {
                                Cell::Text(t) => out.extend_from_slice(t.as_bytes()),
                                Cell::Bytes(b) => out.extend_from_slice(&b),
                                Cell::Int(n) => out.extend_from_slice(n.to_string().as_bytes()),
                                Cell::Null => {}
                            }
                            out.push(0);
                        }
                        Ok(())
                    })?;
                }
                Ok(())
            })
            .expect("dumping the tables");
        Some(out)
    }
}

reestr_store::conformance_tests!(Pg);
